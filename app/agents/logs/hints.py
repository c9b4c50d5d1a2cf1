"""What well-known error strings mean, in the words an engineer who has met them would use: the
root cause finding says it next to the line it quotes, so the reader does not have to know that
"remote error: tls: expired certificate" is about our own client certificate."""

from __future__ import annotations

import re

from app.agents.logs.memo import remember_short
from app.agents.logs.parsing import BANNED_PRIVATE_ADDRESS, CACHE_BATTERY_FAILED, UNREADABLE_SECTORS
from app.agents.logs.prefilter import PatternSet

_HINTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), meaning)
    for pattern, meaning in (
        (
            r"series limit exceeded|maxHourlySeries|maxDailySeries|too many unique timeseries",
            "a label with unbounded values (a request or user id) multiplies the series (high "
            "cardinality) past the limit: drop or relabel that label at the source",
        ),
        (
            r"returned 127\.255\.255\.254\b",
            "Spamhaus refuses queries sent through a public or open resolver (127.255.255.254): the "
            "senders are not listed; query it through a resolver of your own",
        ),
        (
            r"failed to get sandbox image",
            "the container runtime cannot pull its pause (sandbox) image, so no pod starts on the node: "
            "point containerd's sandbox_image at a registry the node reaches (a mirror in an air gap)",
        ),
        (
            r"SSL routines::wrong version number|:wrong version number",
            "the other end answered in plain text, not TLS: the connection goes to a plaintext port "
            "(or a TLS port behind a plaintext proxy); point it at the TLS port",
        ),
        (
            r"beyond the 'VIRTUAL' memory limit",
            "YARN's virtual-memory check kills containers whose virtual size (not their real use) exceeds "
            "pmem x yarn.nodemanager.vmem-pmem-ratio; raise the ratio or turn vmem-check-enabled off",
        ),
        (
            r"Too_Much_Loss|Detected [\d.]+% gap loss",
            "the sensor is not seeing all the traffic (packets dropped before Zeek read them): more "
            "workers or CPU pinning, a bigger capture ring buffer, or less traffic on the span port",
        ),
        (
            r"vm\.max_map_count \[\d+\] is too low",
            "the kernel's vm.max_map_count is below what Elasticsearch requires, so it refuses to start "
            "(bootstrap check): set vm.max_map_count=262144 with sysctl on the host (or an init container)",
        ),
        (
            r"Reactor stalled for \d+ ms",
            "a Seastar shard (Redpanda, ScyllaDB) was blocked from running for that long: the node is short "
            "of CPU (overcommitted host, CPU limits, a noisy neighbour), so heartbeats time out and "
            "leadership moves; give it dedicated cores",
        ),
        (
            r"database is locked|\bSQLITE_BUSY\b",
            "an SQLite database takes one writer at a time and the others gave up waiting: with concurrent "
            "writers (dashboards, alert state, several replicas) move to PostgreSQL or MySQL",
        ),
        (
            r"ip address associated with VRID \d+ not present in (?:MASTER )?advert",
            "another VRRP router on this segment advertises the same virtual_router_id with other "
            "addresses, so the pair keeps re-electing and the virtual IP flaps; give each pair on an L2 "
            "segment its own VRID",
        ),
        (
            r"has been attempted too many times or run too long|MaxAttemptsExceededException",
            "the queue handed the job out again while a worker still ran it (a job that runs longer than "
            "the connection's retry_after is released to another worker, and counts an attempt each "
            "time): duplicates, then MaxAttemptsExceeded; set retry_after above the longest job (and "
            "the worker's --timeout below it)",
        ),
        (
            r"ForwardedHeadersMiddleware\S* Unknown proxy",
            "the forwarded-headers middleware ignores X-Forwarded-For from a proxy it does not trust, so "
            "every request seems to come from the proxy's address (rate limits and IP rules count all "
            "clients as one); add the ingress's addresses to KnownProxies or KnownNetworks",
        ),
        (
            r"could not check origin for Phoenix",
            "the endpoint refused the socket because the page's origin is not its configured host: after "
            "a domain change, update the endpoint's url [host: ...] or its check_origin list",
        ),
        (
            r"(?:active environments|profiles? (?:are|is) active)[^\n]{0,40}\b(?:dev|development|local)\b",
            "the service started with a development environment or profile active: its settings (an "
            "in-memory database, local URLs, debug) replace production's; remove dev from the active "
            "environments (MICRONAUT_ENVIRONMENTS, SPRING_PROFILES_ACTIVE)",
        ),
        (
            r"has no healthy targets|failure to get a peer from the ring-balancer",
            "the gateway's health checks marked every target of the upstream unhealthy (a wrong check path "
            "or expected status counts as a failure): it answers 503 while the pods are fine; check the "
            "upstream's healthchecks (path, statuses) against what the service answers",
        ),
        (
            r"failed to check (?:item data|the configuration)",
            "the gateway refused a route (or plugin) configuration as invalid when it synced it from etcd: "
            "the object was stored but never loaded, so its requests get 404; fix the field the schema "
            "error names and write it again",
        ),
        (
            r"linkerd_app_inbound::policy::\w+: Request denied",
            "Linkerd's inbound policy refused the request: the client's identity (or route) is not "
            "authorized by the Server's AuthorizationPolicy; add the client's ServiceAccount "
            "(MeshTLSAuthentication) to the policy",
        ),
        (
            r"lacks permission '[\w:]+'",
            "the ACL token in use lacks the permission named: after a rotation the new token's policy "
            "misses it; give the token's policy that rule (for a sidecar: service:write on the service)",
        ),
        (
            r"(?:HMAC|webhook) signature (?:validation|verification) failed",
            "the webhook's signature does not verify with the key we hold: the HMAC key was changed on one "
            "side only, or reloaded from the wrong secret; every notification is rejected, so payments "
            "never reach PAID; put the same key on both sides",
        ),
        (
            r"\benvironment=sandbox\b",
            "the payment gateway is configured for its sandbox while the credentials are production ones "
            "(or the reverse): every call fails authentication; set the environment to production",
        ),
        (
            r"third-party-auth-error|Auth error from APNS",
            "Firebase could not authenticate to APNs for iOS devices: the APNs key or certificate uploaded "
            "to the Firebase project is missing, expired or for another team/bundle; upload a valid APNs "
            "auth key (.p8) in the project's Cloud Messaging settings",
        ),
        (
            r"same Replica ID",
            "two replicas of the directory share one Replica ID (a replica initialised from another's "
            "configuration): replication between them aborts; give the new replica its own ID (re-create "
            "its replica entry, ipa-replica-manage / dsconf)",
        ),
        (
            r"ssh: unable to authenticate|attempted methods \[none publickey\]",
            "the SSH server refused our key: it does not list it (authorized keys; Concourse's TSA "
            "authorized worker keys) - after a rebuild, re-add the client's public key on the server or "
            "restore its key files",
        ),
        (
            r"Skipping scheduling of paused pipeline",
            "the pipeline is paused (the pause says who and why): nothing triggers it until someone "
            "unpauses it",
        ),
        (
            r"\boptimize=true\b",
            "someone ran an optimize (a merge down to few segments): Solr rewrites the whole index, "
            "saturating disk and CPU while it runs, so queries time out; do not optimize a live index, or "
            "do it off-peak on a replica",
        ),
        (
            r"reached the (?:\w+ )?size limit|payload too large",
            "the request body is above the server's limit (Meilisearch: --http-payload-size-limit, 100 MiB "
            "by default; HTTP 413): the import is refused and nothing is indexed; send smaller batches or "
            "raise the limit",
        ),
        (
            r"dropping partition .{0,200}outside -retentionPeriod",
            "the server started with a shorter -retentionPeriod (its flag at start says which) and deleted "
            "everything older: the data is gone unless a backup or snapshot has it; set the retention "
            "back before the next restart",
        ),
        (
            r"Discarding a mapping harvester with no public address|We failed to obtain addresses",
            "the videobridge could not learn its public address (STUN mapping failed, no static mapping "
            "set): it offers only its private address, so people outside the network get no media once a "
            "call goes through the bridge (three or more); set the public address (JVB_ADVERTISE_IPS)",
        ),
        (
            r"no recording marks for",
            "nobody pressed Record in that meeting (the room records only between marks): there is "
            "nothing to process; for classes that must always be recorded, set autoStartRecording",
        ),
        (
            r"exceeded taskTimeoutMillis",
            "one document keeps running past Tika's taskTimeoutMillis: the watchdog kills the forked "
            "server, dropping every request in flight, and the client sends the same file again (a "
            "poison document); skip or split it, or raise the timeout for OCR",
        ),
        (
            r"net::ERR_CONNECTION_REFUSED",
            "the headless browser could not reach the URL it was given: a localhost URL points at the "
            "converter's own container, not at the application; pass an address the converter can reach "
            "(the application's Service)",
        ),
        (
            r"Forwarding loop detected",
            "the cache forwards requests to a peer that sends them back (its own name is in Via): two "
            "caches are each other's parent; remove the loop (cache_peer in one direction only)",
        ),
        (
            r"is at \(or above\) max_active_runs",
            "the DAG already has max_active_runs runs going (often an old run stuck on a sensor): the "
            "scheduler starts no new run until it ends; fix or mark the stuck run, give the sensor a "
            "timeout (mode=reschedule with timeout), or raise max_active_runs",
        ),
        (
            r"\bXid \(PCI:[^)]*\): (?:48|63|64|94|95)\b|uncorrectable (?:ECC|double bit) error",
            "the GPU reports uncorrectable memory errors (NVIDIA Xid 48: double-bit ECC; 63/64: row "
            "remapping): jobs on it crash with CUDA ECC errors; drain the node, reset the GPU (nvidia-smi "
            "-r) to apply the remap, and replace it if the errors come back",
        ),
        (
            r"\bXid \(PCI:[^)]*\): 79\b",
            "the GPU has fallen off the bus (Xid 79): power, PCIe or thermal trouble; drain the node and "
            "have the hardware checked",
        ),
        (
            r"checkpoint \S+ failed: suite|expectations passed, [1-9]\d* failed",
            "a data-quality check failed on the data itself, and the gate did its job: look at the "
            "failing expectation's rows and where they come from before overriding it",
        ),
        (
            r"cuda\.is_available\(\)\s*=\s*False|no CUDA GPUs are available",
            "the model runs on the CPU: the process sees no GPU (no nvidia.com/gpu limit on the pod, a "
            "node without the NVIDIA driver or device plugin, CUDA_VISIBLE_DEVICES empty); inference is "
            "10-100x slower, so requests queue and time out",
        ),
        (
            r"Culling server \S+ \(inactive for",
            "JupyterHub's idle culler stops servers that look idle for its --timeout (seconds): a kernel "
            "still computing without browser activity counts as idle; raise --timeout (hours, not "
            "minutes)",
        ),
        (
            r"No VA display found|Device creation failed|for option 'init_hw_device'",
            "FFmpeg cannot open the GPU for hardware transcoding (/dev/dri/renderD128 missing in the "
            "container, or not readable by its user): pass the device (devices: /dev/dri) and the render "
            "group, or turn hardware acceleration off",
        ),
        (
            r"Starting in local only mode",
            "Mosquitto 2 without a `listener` line listens on localhost only: other containers and hosts "
            "get connection refused; add `listener 1883` and an authentication setting (password_file, or "
            "allow_anonymous on a trusted network)",
        ),
        (
            r"Error while opening serialport|cannot open /dev/(?:serial|tty)|Adapter disconnected",
            "the USB adapter's device is gone (unplugged, reset, or renumbered after a USB hiccup): check "
            "`ls -l /dev/serial/by-id/`, the kernel log for the USB device, and the container's device "
            "mapping",
        ),
        (
            r"Could not locate the bindings file|Missing node modules|Waiting for missing types",
            "a node package could not load (its native binding was not built for this image's Node.js): "
            "flows that use its node types do not run at all; rebuild it in the image (`npm rebuild` with "
            "build tools) or pin the base image",
        ),
        (
            r"will be dropped: 401 Unauthorized|unauthorized: unauthorized access",
            "the server refuses the writer's token (401): revoked, expired, or without write permission on "
            "the bucket; issue a new token and update the output; data is dropped meanwhile",
        ),
        (
            r"Delaying inserting block .{0,40}because there are \d+ parts|Too many parts",
            "the table has more parts than merges can keep up with (many tiny inserts): ClickHouse delays, "
            "then rejects inserts (TOO_MANY_PARTS); batch the inserts (thousands of rows, or "
            "async_insert=1)",
        ),
        (
            r"Not activating application .{0,120}exceeds amLimit",
            "the queue's ApplicationMaster share is used up (maximum-am-resource-percent): new "
            "applications stay ACCEPTED until an AM finishes, whatever memory is free; raise the share for "
            "that queue, or give the AMs less memory",
        ),
        (
            r"Connection to \S+ \(at [^)]*\) was lost|ost_connect .{0,60}failed",
            "the Lustre client lost that OST (its OSS and its failover NID): I/O to files striped on it "
            "blocks (processes in D state) until the OSS is back and recovery completes; check the OSS and "
            "the fabric (lctl ping <nid>)",
        ),
        (
            r"larger than max \(\d+ vs\. \d+\)|received message (?:after decompression )?larger than max",
            "the receiving gRPC server refuses messages above its maximum (4 MiB by default): the sender's "
            "batches are bigger; lower the batch size (send_batch_max_size) or raise the receiver's "
            "max_recv_msg_size",
        ),
        (
            r"Created reservation=\S+",
            "a reservation was created on these nodes: jobs whose time limit would run into it do not "
            "start (Reason=ReqNodeNotAvail, Reserved for maintenance) while short ones still fit; check "
            "`scontrol show reservation`",
        ),
        (
            r"proxy \"[^\"]+\" not found",
            "the Zabbix server knows no proxy by that name (renamed, or Hostname= in zabbix_proxy.conf "
            "differs from the name in the frontend): make them match exactly",
        ),
        (
            r"Gateway '\S+' is down|Ping failed \S+ with code 5\d\d",
            "the SIP gateway is marked DOWN because its OPTIONS pings fail (the carrier answers 5xx or not "
            "at all): calls through it fail with GATEWAY_DOWN; the carrier side, or the path to it, is "
            "where to look",
        ),
        (
            r"host name is not valid for this server",
            "Drupal (Symfony) rejects a Host header that no pattern in $settings['trusted_host_patterns'] "
            "(settings.php) matches, with a 400 on every page: add the new host name's pattern",
        ),
        (
            r"Folder::create: Could not create folder|Could not open archive \S*/tmp/",
            "Joomla's tmp_path (and log_path) in configuration.php still point at a directory of the old "
            "host: set them to directories that exist and are writable on this server (Global "
            "Configuration > Server)",
        ),
        (
            r"hooks/\S+: line \d+: \S+: No such file or directory",
            "the repositories' git hooks call the server's binary at a path it no longer has (the hooks "
            "embed its old path, e.g. after a move into a container): regenerate them (Gitea: `gitea admin "
            "regenerate hooks`, or Site Administration > Resynchronize git hooks)",
        ),
        (
            r"webhook can only call allowed HTTP servers|ALLOWED_HOST_LIST",
            "Gitea delivers webhooks only to hosts its [webhook] ALLOWED_HOST_LIST allows (by default "
            "`external`: public addresses only, since 1.17): add the internal target (`private`, or its "
            "host name) to app.ini and restart",
        ),
        (
            UNREADABLE_SECTORS,
            "the disk has sectors it can no longer read (smartd's pending / offline-uncorrectable "
            "counts): it is failing; the I/O errors of programs reading those files come from it. Copy "
            "what can be read, replace the disk, restore the rest from backup",
        ),
        (
            r"power input for power supply \S+ is lost|power supply redundancy is lost",
            "one power supply has no input: check its cable and the PDU or circuit feeding it; the "
            "server runs on the other supply, without redundancy, until it is back",
        ),
        (
            CACHE_BATTERY_FAILED,
            "the RAID controller turned its write cache off because its battery or capacitor failed: "
            "every write now waits for the disks (fsync-heavy work such as database COMMITs slows by "
            "10-100x); replace the battery/capacitor (HPE: `ssacli ctrl all show status`)",
        ),
        (
            r"error when running migration .{0,200}already exists",
            "a migration tried to create a table an earlier, interrupted upgrade left behind: the upgrade "
            "stopped and the server stays in maintenance mode. Back up, drop or rename the leftover table, "
            "run the upgrade again (Nextcloud: `occ upgrade`), then `occ maintenance:mode --off`",
        ),
        (
            r"guest-fsfreeze-freeze' failed",
            "the QEMU guest agent in that VM did not answer the filesystem freeze before the snapshot "
            "(agent hung or stopped, or a freeze hook or VSS writer stuck): restart qemu-guest-agent in "
            "the guest; the backup of that VM failed, the others are not affected",
        ),
        (
            r"PF states limit reached|state table (?:is )?full",
            "pf's state table is full: new connections are dropped until states expire (flaky internet, "
            "gateway alarms); raise the limit (OPNsense/pfSense: Firewall Maximum States) or find what "
            "opens so many states; a recent change may have lowered it",
        ),
        (
            r"Sending HUP signal to dns daemon",
            "pfSense's dhcpleases restarts Unbound on every DHCP lease when 'Register DHCP leases in the "
            "DNS Resolver' is on: each restart empties the cache and answers nothing for seconds; turn "
            "that option off (register static mappings only)",
        ),
        (
            r"CBT data is invalid|Cannot use CBT|falling back to full disk read",
            "changed block tracking is not usable for that VM's disk (after a power loss, or a disk "
            "changed), so every run reads the whole disk: the job runs hours longer; reset CBT for the VM "
            "(Veeam KB1113: disable and re-enable it with the VM powered off, or Reset CBT)",
        ),
        (
            r"faulting module name: ",
            "the process crashed inside the module the event names: if that is a driver or plug-in (a "
            "printer driver's DLL), update or remove it, or isolate it (print driver isolation) so it "
            "cannot take the service down",
        ),
        (
            r"stopped replication on volume|JET database is not shut down cleanly",
            "DFSR stopped replicating this volume after an unclean shutdown (event 2213; auto recovery is "
            "off): back up the replicated folders, then resume with the ResumeReplication WMI call the "
            "event gives (wmic ... call ResumeReplication)",
        ),
        (
            r"shadow copy storage could not grow due to a user imposed limit",
            "the shadow copy storage area is at its configured maximum: the oldest shadow copies are "
            "deleted to make room, so Previous Versions only reach back a few days; raise the limit "
            "(vssadmin resize shadowstorage /for=D: /maxsize=...)",
        ),
        (
            r"IP forwarding is disabled",
            "the kernel does not forward packets (net.ipv4.ip_forward=0): a subnet router or exit node "
            "passes nothing beyond itself; set net.ipv4.ip_forward=1 (and net.ipv6.conf.all.forwarding=1) "
            "in /etc/sysctl.d/ and run `sysctl --system`",
        ),
        (
            r"too many open files in system",
            "the whole system's file table is full (ENFILE, fs.file-max), not one process's limit: check "
            "fs.file-max (a sysctl tuning file may have lowered it) and what holds the files",
        ),
        (
            r"transaction log for database .{0,80} is full due to 'LOG_BACKUP'",
            "SQL Server cannot truncate the transaction log until a log backup succeeds: fix the log "
            "backups (errors 3201/3041 before this say where they fail), take one, and the log frees "
            "itself; growing the file only buys time",
        ),
        (
            r"received non-primary|view_id\(non_prim|new component: primary = no",
            "this Galera node is in a non-Primary component: it cannot see a majority of the cluster "
            "(a partition, or too few nodes left) and refuses queries; restore the links, or bootstrap "
            "the surviving side (pc.bootstrap=YES) once the other is known to be down",
        ),
        (
            r"\*\* Node '?rabbit@\S+ not responding \*\*|running_partitioned_network|inconsistent_database",
            "the Erlang link between RabbitMQ nodes timed out (net_ticktime): a network partition. Mnesia "
            "then reports inconsistent_database; with cluster_partition_handling = ignore both sides keep "
            "serving (split brain: duplicated and lost deliveries). Restart the minority side's nodes, and "
            "use pause_minority or autoheal",
        ),
        (
            r"err_require_esm|require\(\) of es module",
            "a CommonJS program require()s a package that is now ESM-only (a major version bump): pin "
            "the previous major version, or load it with a dynamic import()",
        ),
        (
            r"origin checking failed|does not match any trusted origins",
            "Django 4's CSRF check compares the Origin header with CSRF_TRUSTED_ORIGINS (scheme "
            "included); behind a TLS-terminating proxy also set SECURE_PROXY_SSL_HEADER",
        ),
        (
            r"invalid request block size",
            "the request's headers (often a large cookie) exceed uWSGI's buffer-size (4096 by default): "
            "uWSGI drops the request; raise buffer-size",
        ),
        (
            r"cannot assign requested address",
            "no local port is free for a new outgoing connection (EADDRNOTAVAIL): sockets pile up in "
            "TIME_WAIT when every request opens a new connection; reuse connections (keep-alive, one "
            "shared client) or widen net.ipv4.ip_local_port_range",
        ),
        (
            r"certificate chain was issued by an authority that is not trusted",
            "the client (SqlClient 4+ encrypts by default) does not trust the server's certificate: "
            "give the server a certificate from a trusted CA, or trust its CA on the client",
        ),
        (
            r"messageencryptor::invalidmessage|ciphererror",
            "the credentials file cannot be decrypted with the master key given (RAILS_MASTER_KEY or "
            "config/master.key): the key and the encrypted file no longer belong together",
        ),
        (
            r"while ssl handshaking to upstream",
            "the TLS handshake with the upstream fails: nginx sends no SNI to HTTPS upstreams unless "
            "proxy_ssl_server_name on (with proxy_ssl_name), which a shared ingress needs",
        ),
        (
            r"invalidating snapshot|unable to allocate exception",
            "the LVM snapshot ran out of its copy-on-write space and was invalidated: every read of it "
            "now fails (EIO); give snapshots room for the writes made while they exist (or extend them "
            "automatically: snapshot_autoextend_threshold)",
        ),
        (
            r"neighbou?r table overflow",
            "the kernel's ARP/neighbour table is full (net.ipv4.neigh.default.gc_thresh3, 1024 by "
            "default): new peers cannot be resolved and connections to them time out; raise gc_thresh1-3",
        ),
        (
            r"reach max htree level|directory \(ino: \d+\) index full",
            "one directory holds more entries than ext4's two-level index allows: creating files there "
            "fails with ENOSPC although the filesystem has space; spread the files over subdirectories "
            "(or enable large_dir)",
        ),
        (
            r"apparmor=\"denied\"",
            "AppArmor's profile for the program does not allow that path: the file permissions are not "
            "the problem; add the path to the profile (or a local override) and reload it",
        ),
        (
            r"suppressed \d+ messages from",
            "journald's rate limit (RateLimitIntervalSec/RateLimitBurst) dropped that unit's messages: "
            "the log has gaps there; lower the unit's log level or raise the limit",
        ),
        (
            r"running with swap on is not supported",
            "the kubelet refuses to start while swap is on: swap came back (an fstab entry) after a "
            "reboot; remove it from /etc/fstab and swapoff -a",
        ),
        (
            r"no chain/target/match by that name",
            "Docker's iptables chains are gone (a firewalld or iptables reload flushed them): published "
            "ports stop working until dockerd is restarted",
        ),
        (
            r"must discover master-eligible nodes .{0,200}to bootstrap a cluster",
            "the nodes find each other, but none is named as cluster.initial_master_nodes lists it: "
            "those entries must equal each node's node.name exactly (a short name is not the FQDN), or "
            "the cluster never bootstraps",
        ),
        (
            r"is out of range for partition",
            "the consumer group's committed offset no longer exists (topic retention deleted those "
            "records while it was away): auto.offset.reset chose where to resume, and with latest "
            "everything in between was skipped",
        ),
        (
            r"blocked by acls",
            "the agent acts with the anonymous token, which the ACL policy (default deny) refuses: "
            "give the agent a token with node and service write (acl.tokens.agent / default)",
        ),
        (
            r"overcoming of output buffer limits",
            "the primary dropped the replica because its output buffer (client-output-buffer-limit "
            "replica) filled during the full sync: every retry starts over; raise that limit and "
            "repl-backlog-size",
        ),
        (
            r"noauth authentication required",
            "the master requires a password the replica does not send: set masterauth (and "
            "masteruser with ACLs) on the replica; until then it serves its old data",
        ),
        (
            r"listen queue of socket .{0,80}full",
            "every uWSGI worker is busy (slow requests, or too few workers) and the socket's backlog "
            "overflowed: new requests are refused; find the slow endpoint (harakiri lines name it), "
            "add workers or move it off the request path",
        ),
        (
            BANNED_PRIVATE_ADDRESS,
            "fail2ban banned an internal address, often the load balancer or proxy every request "
            "arrives from, which cuts everyone off: unban it, add it to ignoreip, and have the jail "
            "read the real client address",
        ),
        (
            r"no more connections allowed \(max_client_conn\)|max_client_conn",
            "PgBouncer has as many clients as max_client_conn allows and turns every new one away: raise "
            "max_client_conn (and the open-files limit with it) for the clients that were added, or make "
            "them share fewer connections",
        ),
        (
            r"slow consumer detected",
            "the server cut off a subscriber that could not keep up (its pending buffer or write deadline "
            "was exceeded): its messages are dropped; scale or speed up that consumer, or use a queue "
            "group or a stream for it",
        ),
        (
            r"circuit_?breaking_?exception|\[parent\] data too large",
            "Elasticsearch's circuit breaker refused requests that would push the heap past its limit: "
            "find what holds the heap (fielddata on text fields, huge aggregations) and clear or limit "
            "it, or give the nodes more heap; the 429s and GC warnings follow from it",
        ),
        (
            r"failed at step [a-z_]+ spawning|failed to set up mount namespacing|"
            r"status=2(?:[0-3]\d|4[0-3])/[A-Z_]+",
            "systemd could not prepare the unit's process (the step it names: a sandbox path from "
            "ReadWritePaths= or similar that no longer exists, a user, a working directory): the program "
            "never started; restore what the step needs or fix the unit",
        ),
        (
            r"exec format error|does not match the detected host platform",
            "the image or binary was built for another CPU architecture (arm64 on an amd64 host, or the "
            "reverse): build or pull it for this host's platform (docker buildx --platform)",
        ),
        (
            r"runasnonroot and image will run as root",
            "the pod requires runAsNonRoot but the image's user is root, so the kubelet will not start "
            "it: set a numeric runAsUser, or build the image with a non-root USER",
        ),
        (
            r"remote error: tls: (?:expired|bad|revoked|unknown) certificate|"
            r"alert (?:certificate expired|bad certificate)|"
            r"SSLV3_ALERT_(?:CERTIFICATE_EXPIRED|BAD_CERTIFICATE)",
            "the other side rejected the client certificate we present (mTLS): renew or replace our client "
            "certificate; the server's own certificate is not the problem",
        ),
        (
            r"x509: certificate has expired|certificate has expired|CERTIFICATE_VERIFY_FAILED.*expired",
            "the server's certificate has expired: renew it (and check what automates renewal)",
        ),
        (
            r"x509: certificate signed by unknown authority|unable to get local issuer certificate|"
            r"self.signed certificate",
            "the certificate's issuer is not trusted here: install the CA, or fix a chain that misses its "
            "intermediate",
        ),
        (
            r"was not found in the key ring|antiforgery token could not be decrypted|"
            r"Unprotect ticket failed|error unprotecting the session cookie",
            "ASP.NET Core Data Protection keys differ between instances: each replica made its own key "
            "ring, so cookies and tokens from another one fail; persist and share the key ring "
            "(PersistKeysTo... on shared storage)",
        ),
        (
            r"\bEUSAGE\b|can only install packages when your package\.json and package-lock\.json",
            "`npm ci` refuses because package.json and package-lock.json are out of sync: run `npm install` "
            "and commit the updated lock file",
        ),
        (
            r"cluster_block_exception|read.only.allow.delete|index read-only / allow delete",
            "an Elasticsearch data node crossed the flood-stage disk watermark, so its indices got a "
            "read_only_allow_delete block and writes are refused: free disk space on the data nodes (the "
            "block lifts by itself on recent versions)",
        ),
        (
            r"pre-login handshake",
            "the client could not even finish logging in; when the database server is idle this is usually "
            "thread pool starvation in the client (sync-over-async, .Result or .Wait() on async calls), not "
            "the database",
        ),
        (
            r"no space left on device|\bENOSPC\b",
            "a filesystem is full: check `df -h` and `df -i` (inodes run out too), then what grew",
        ),
        (
            r"too many open files|\bEMFILE\b",
            "the process hit its open-file limit (Too many open files): a descriptor leak, or a limit too "
            "low (ulimit -n, systemd's LimitNOFILE, squid's max_filedescriptors)",
        ),
        (
            r"OOMKilled|exit code:?\s*137|killed process \d+|(?<!perhaps )out of memory",
            "the kernel killed the process for memory: a leak, or a memory limit too low for the load",
        ),
        (
            r"AADSTS7000222|client secret keys? .{0,40}expired|invalid_client.{0,80}secret",
            "the app registration's client secret has expired: create a new secret and roll it out",
        ),
        (
            r"max\.poll\.interval\.ms|poll timeout has expired|CommitFailedException|"
            r"(?:kicked out of|removed from) the group|not part of an active group",
            "processing a batch took longer than max.poll.interval.ms, so the consumer was removed from its "
            "group: lower max.poll.records or speed up processing",
        ),
        (
            r"name or service not known|no such host|NXDOMAIN|could not resolve host|\bENOTFOUND\b|EAI_AGAIN",
            "a name does not resolve: check the name, the DNS server and search domains",
        ),
        (
            r"could not load (?:file or )?assembly|FileLoadException|manifest definition does not match",
            "the application cannot load an assembly it references: the deployment is missing that DLL or "
            "ships another version (check the package and the bindingRedirects in web.config)",
        ),
        (
            r"\bsH--|timeout server",
            "HAProxy's `timeout server` expired before the server sent its response headers: the request "
            "is slower than the timeout, on whichever server handles it",
        ),
        (
            r"Layer7 wrong status|Layer7 timeout|Layer4 (?:timeout|connection problem)",
            "HAProxy's health checks fail, so it marks the servers DOWN and has none left: check the path "
            "`option httpchk` requests against what the application serves now",
        ),
        (
            r"NO_PROPOSAL_CHOSEN|\bN\(NO_PROP\)|no (?:acceptable|matching) proposal",
            "the two IPsec peers share no IKE/ESP proposal (cipher, integrity, DH group): align the "
            "proposals on both sides",
        ),
        (
            r"to avoid wraparound|must be vacuumed within",
            "PostgreSQL is at transaction ID wraparound protection: a database-wide VACUUM must finish "
            "(autovacuum kept being cancelled); until then it refuses writes",
        ),
        (
            r"signature expired|RRSIG.{0,40}expired",
            "the zone's DNSSEC signatures have expired, so validating resolvers treat it as bogus and "
            "answer SERVFAIL: re-sign the zone and fix what stopped signing it",
        ),
        (
            r"failed to (?:create/)?acquire the lock|lock\.exclusive",
            "a lock left by a run that died holds the repository: check that no run is active, then "
            "break the stale lock (borg break-lock)",
        ),
        (
            r"you must install or update \.NET|failed to load coreclr|framework .{0,80}? was not found|"
            r"HTTP Error 500\.3[0-9]",
            "the server lacks the .NET runtime the application targets: install the matching ASP.NET Core "
            "Hosting Bundle (or publish self-contained)",
        ),
        (
            r"No URLs in mirrorlist|Cannot prepare internal mirrorlist",
            "the distribution's mirrors no longer serve this release (end of life, as CentOS 8): move the "
            "image to a supported base, or point the repositories at the vault",
        ),
        (
            r"did not find a value for the name",
            "Hiera has no value for that key for this node: add it to the data (or give the lookup a "
            "default); the agent itself is fine",
        ),
        (
            r"no shared cipher|cipher negotiation failed",
            "client and server share no data-channel cipher: old clients (OpenVPN 2.3 offers only BF-CBC) "
            "need upgrading, or the server's data-ciphers must include theirs",
        ),
        (
            r"OutOfMemoryError: Metaspace|MaxMetaspaceSize",
            "class metadata filled Metaspace: on hot redeploys the old webapp's classloader is usually "
            "kept alive by a thread or ThreadLocal it left behind; restart instead of redeploying and fix "
            "the leak (more heap does not help)",
        ),
        (
            r"NO_PUBKEY|public key is not available",
            "the repository is signed with a key this machine does not have, so apt refuses it: install the "
            "repository's current signing key into its keyring",
        ),
        (
            r"Vault is sealed",
            "Vault is sealed (it restarted and nobody unsealed it): nothing can read secrets or renew leases "
            "until it is unsealed",
        ),
        (
            r"identity of application pool .{0,80}? is invalid|unknown user name or bad password",
            "the account the service or app pool runs as cannot log on (its password changed or it is "
            "locked): update the stored credentials",
        ),
        (
            r"address already in use|EADDRINUSE",
            "another process already listens on that port: find it with `ss -ltnp`",
        ),
        (
            r"Multi-Attach error|already exclusively attached",
            "a ReadWriteOnce volume is still attached to another node (often a dead one): the new pod cannot "
            "mount it until that attachment is removed",
        ),
        (
            r"too many connections|too many clients|remaining connection slots are reserved",
            "the database refuses new connections at max_connections: find what holds them (long queries, "
            "leaks, a pool per replica)",
        ),
        (
            r"could not get lock /var/lib/dpkg|dpkg frontend lock|lock-frontend",
            "another package manager run (often unattended-upgrades) holds the dpkg lock: wait for it and "
            "retry",
        ),
        (
            r"\b[1-9]\d* to destroy\b",
            "the plan deletes resources (a replacement is a delete, then a create): read each "
            "'must be replaced' or 'will be destroyed' and the attribute that 'forces replacement' before "
            "applying; a replaced database loses its data unless a snapshot is taken",
        ),
        (
            r"fork rejected by pids controller",
            "the unit hit its process limit (systemd TasksMax, the cgroup's pids.max): every fork and "
            "thread creation fails with EAGAIN whatever the free memory; raise TasksMax or find what "
            "leaks processes",
        ),
        (
            r"\bflip flop\b|duplicate address (?:detected|found)|ip (?:address )?conflict",
            "two machines claim the same IP address (ARP answers flip between their MACs): find the host "
            "with the new MAC and give it its own address",
        ),
        (
            r"out-of-data-space|out of data space",
            "the LVM thin pool ran out of data space (overprovisioned, snapshots piling up): writes fail "
            "with ENOSPC although each filesystem looks half empty; extend the pool or remove snapshots",
        ),
        (
            r"kvno \d+ not found in keytab|keytab is likely out of date",
            "the service principal's key changed in the KDC/AD but the server's keytab still holds the old "
            "key version (kvno): export a fresh keytab, and Kerberos SSO works again",
        ),
        (
            r"delivery acknowledgement (?:on channel \d+ )?timed out",
            "RabbitMQ closed the channel of a consumer that held a message longer than consumer_timeout: the "
            "message is redelivered and the late ack fails, so long jobs run again and again; raise the "
            "timeout for that queue or acknowledge early",
        ),
        (
            r"maximum shards open|max_shards_per_node",
            "the cluster is at its shard limit (cluster.max_shards_per_node x data nodes): new indices "
            "cannot be created; delete or shrink old indices, or raise the limit",
        ),
        (
            r"many-to-many matching not allowed|found duplicate series for the match group",
            "the rule's vector match finds two series for one label set (a second job scraping the same "
            "targets, say): the expression errors at every evaluation and the alert can never fire",
        ),
        (
            r"there are no nodes with the label",
            "the job asks for an agent label that no node has (a typo, or a renamed label): it waits in the "
            "queue forever while agents sit idle",
        ),
        (
            r"unable to find a signing key that matches|signingkeynotfounderror",
            "tokens are signed with a key the verifier does not have (the issuer rotated its keys): fetch "
            "the JWKS from the issuer's jwks_uri instead of a static copy",
        ),
        (
            r"(?:\b|_)(?:drop|reject|block|deny)\w*\]?:? IN=\S* OUT=.{0,300}\bPROTO=(?:112|VRRP|CARP)\b",
            "the host firewall drops VRRP adverts (IP protocol 112) from the peer: each node then believes "
            "the other is dead and both hold the virtual IP (split brain, connections reset as traffic "
            "flips); allow VRRP between the pair",
        ),
        (
            r"avc:\s+denied\s+\{ name_bind \}",
            "SELinux refuses to let the service bind that port (not labelled for it): add the port to "
            "its type (semanage port -a -t ssh_port_t -p tcp <port>), not a firewall rule",
        ),
        (
            r"avc:\s+denied|apparmor=\"?denied",
            "a security policy (SELinux or AppArmor) refused the operation, whatever the file modes say: "
            "fix the label (restorecon, semanage fcontext) or the profile, not the permissions",
        ),
        (
            r"could not authenticate with \S+, a windows domain controller|trust relationship between this "
            r"workstation|password for this computer account is not recognized",
            "this machine's account password no longer matches the domain's (a snapshot rollback or a "
            "clone): repair the secure channel (Test-ComputerSecureChannel -Repair or "
            "Reset-ComputerMachinePassword); the logon failures after it follow from it",
        ),
        (
            r"bird: Mesh_\S+: Socket error|bird: \S+: Connection (?:refused|timed out)",
            "Calico's BGP peers cannot reach this peer address: check the address calico-node "
            "autodetected for that node ('Using autodetected IPv4 address on interface ...'); with a "
            "second NIC it often picks the wrong one: pin IP_AUTODETECTION_METHOD (interface= or cidr=)",
        ),
        (
            r"aadsts700213|no matching federated identity record",
            "Entra ID has no federated identity credential for the token's subject "
            "(system:serviceaccount:<namespace>:<name>): the ServiceAccount was renamed or moved, or the "
            "credential's issuer or audience is wrong; add a federated credential for the subject shown",
        ),
        (
            r"unable to register node with api server.{0,40}unauthorized",
            "the API server rejects this node's credentials: on EKS the node role's IAM ARN must be in "
            "the aws-auth ConfigMap's mapRoles (groups system:bootstrappers, system:nodes) or have an "
            "access entry; 'node not found', CNI and eviction-manager errors follow from it",
        ),
        (
            r"non-overlapping ipv4 address pool",
            "Docker has no free subnet left for a new network: its default-address-pools are used up, "
            "usually by networks that jobs created and never removed; docker network prune, and widen "
            "default-address-pools in daemon.json",
        ),
        (
            r"out of background workers|background worker limit of \d+ exceeded",
            "every background-worker slot is taken, so scheduled jobs (TimescaleDB compression and "
            "retention) do not start: raise timescaledb.max_background_workers and max_worker_processes "
            "to cover every database, then restart",
        ),
        (
            r"reached the negotiated channel_max|number of channels opened",
            "a client opens AMQP channels and never closes them (a channel per publish): at channel_max "
            "the broker closes its connection; reuse one channel per thread or close each one",
        ),
        (
            r"knownhosts: key mismatch|host key verification failed|remote host identification has changed",
            "the Git or SSH server's host key is not the one in known_hosts (the server was rebuilt or "
            "its key rotated): verify the new key and update known_hosts; until then nothing is fetched",
        ),
        (
            r"does not contain a valid ingressclass|validating ingress class",
            "the controller ignores this Ingress: it names no IngressClass it serves (set "
            "spec.ingressClassName, or mark an IngressClass as the default)",
        ),
        (
            r"owner id does not match",
            "external-dns leaves these records alone: their TXT ownership record names another "
            "owner id (txt-owner-id) than this instance's; hand ownership over by rewriting the TXT "
            "records or running with the same owner id",
        ),
        (
            r"\+sdown sentinel",
            "another Sentinel is unreachable: if the Sentinels left cannot reach the quorum, a failed "
            "master is never marked +odown and no failover happens; bring that Sentinel back, and run "
            "Sentinels away from the Redis hosts they watch",
        ),
        (
            r"destination \S+ has been modified",
            "the replication target was changed after its last snapshot (mounted writable, atime on): zfs "
            "receive refuses the incremental; set readonly=on on the target and roll it back to its last "
            "snapshot (or let syncoid roll back)",
        ),
        (
            r"cannot destroy snapshot .{0,160}dataset is busy",
            "the snapshots cannot be destroyed because they carry a user hold (zfs holds): the pruning "
            "fails and their space (USEDSNAP) is never freed; zfs release the holds, then prune",
        ),
        (
            r"purge task is not scheduled|autopurge\.purgeInterval set to 0",
            "ZooKeeper's autopurge is off (purgeInterval 0): old snapshots and transaction logs are never "
            "deleted and fill the data disk; set autopurge.purgeInterval (and snapRetainCount)",
        ),
        (
            r"does not map into domain",
            "the NFSv4 idmapping domain differs between client and server, so owners map to nobody and "
            "every chown fails (EINVAL): set Domain in /etc/idmapd.conf to the server's and clear the "
            "idmap cache (nfsidmap -c)",
        ),
        (
            r"setup_netlogon_creds failed|unable to setup netlogon credentials",
            "the domain controllers reject this machine's account password (a snapshot restore or a clone "
            "rolled back its secret): the trust is broken, so every user logon fails; rejoin the domain "
            "(net ads join) or reset the machine account",
        ),
        (
            r"wg-quick.{0,200}(?:name or service not known|configuration parsing error)|"
            r"failed to start wg-quick",
            "wg-quick could not resolve the peer's endpoint at boot (DNS not up yet) and gave up: there is "
            "no wg0, so the tunnel's addresses are unreachable; restart it, and order it after "
            "network-online (or give the endpoint as an address)",
        ),
        (
            r"running out of filedescriptors",
            "Squid has used nearly all its file descriptors (Too many open files next): raise "
            "max_filedescriptors and the service's LimitNOFILE (ulimit -n)",
        ),
        (
            r"duplicate uuid",
            "XFS refuses to mount a filesystem with the same UUID as one already mounted (an LVM snapshot of "
            "it): mount it with -o nouuid, or give the copy a new UUID (xfs_admin -U generate)",
        ),
        (
            r"curle_couldnt_resolve_host",
            "s3fs cannot resolve the bucket's host name: by default it uses virtual-hosted-style URLs "
            "(bucket.endpoint), which an on-premises store often has no DNS for; add use_path_request_style",
        ),
        (
            r"failed to update leader lock|demoting self|error communicating with dcs",
            "Patroni could not reach its DCS (etcd) to renew the leader lock, so it demoted the primary "
            "to read-only until it could: check etcd's health and the network to it, and the DCS timeouts",
        ),
        (
            r"disable_auto_compactions: 1|disable_auto_compactions=true",
            "RocksDB runs with auto compactions disabled (a bulk-load setting): level-0 files pile up "
            "until writes are slowed and then stopped; re-enable auto compaction",
        ),
        (
            r"missing rollover_alias",
            "ISM cannot roll the index over: it has no rollover_alias setting (the index template "
            "lost it), so one write index grows without end; set plugins.index_state_management."
            "rollover_alias and retry the policy",
        ),
        (
            r"send \"get [^\"]*http/1\.1(?:\\r\\n)+\"",
            "the monitor sends an HTTP/1.1 request without a Host header, which servers answer with 400: "
            "every member is marked down; add Host: to the send string",
        ),
        (
            r"arjuna012117|transactionreaper::check timeout",
            "the transaction ran past its timeout (300 s by default) and the transaction reaper rolled it "
            "back: raise the transaction timeout (default-timeout) or commit in smaller chunks",
        ),
        (
            r"guest cpu doesn't match specification: missing features",
            "the guest's CPU model (host-model or host-passthrough, taken from a newer host) has features "
            "the destination lacks: migrate to hosts of the same CPU, or give the guests a CPU model all "
            "hosts support",
        ),
        (
            r"dead but not yet removable",
            "something holds back the oldest transaction id (xmin), so vacuum cannot remove dead rows and "
            "WAL is kept: an inactive replication slot (pg_replication_slots), a long transaction or a "
            "prepared transaction; drop or finish what holds it",
        ),
        (
            r"no servers found in \S*resolv\.conf",
            "dnsmasq found no upstream server: resolv.conf lists only itself (127.0.0.1, ignored), so every "
            "name outside its own data fails; give it upstream servers (server= or a resolv-file of its own)",
        ),
        (
            r"not giving name .{0,120} because the name exists",
            "dnsmasq does not register the DHCP client's name because a static entry (/etc/hosts) already "
            "has it, with the old address: remove the stale hosts entry",
        ),
        (
            r"without soa serial update",
            "the zone file was edited without raising the SOA serial, so the server keeps the loaded zone "
            "(and secondaries see nothing new): bump the serial and reload",
        ),
        (
            r"peer holds all free leases|move from normal to communications-interrupted",
            "the DHCP failover peer is unreachable (communications-interrupted): this server may hand out "
            "only its own share of the free leases, which runs out; restore the link, or declare "
            "partner-down if the peer is really gone",
        ),
        (
            r"dns nx status",
            "the servers were put in maintenance because their DNS names no longer resolve (NX): the "
            "backend has no server and answers 503; fix the DNS records (or the resolvers section)",
        ),
        (
            r"\b503 uo\b",
            "Envoy answered 503 with the UO flag (upstream overflow): the cluster's circuit breakers "
            "(max_connections, max_pending_requests, max_requests) are full; raise them to the peak "
            "concurrency",
        ),
        (
            r"cannot find any appendable volumes",
            "the pool has no volume it may write to (full, or past Maximum Volumes, and none old enough to "
            "recycle): label new volumes or fix the pool's limits and retention; the jobs wait until then",
        ),
        (
            r"was previously located at|repository access aborted",
            "borg asks to confirm a relocated repository and, with no terminal, aborts: confirm once "
            "interactively, or set BORG_RELOCATED_REPO_ACCESS_IS_OK=yes for one run",
        ),
        (
            r"missing from the remote storage",
            "files the backup still references were deleted from the remote: often a bucket lifecycle "
            "(Expiration) rule; remove the rule, then repair the backup",
        ),
        (
            r"value too old",
            "values arrive with older timestamps than the cache has: two hosts send under the same "
            "hostname (a cloned VM, say), interleaving their series; give each its own Hostname",
        ),
        (
            r"terminated with exit code 127",
            "the notification command was not found (exit code 127): the mail program it calls "
            "(/usr/bin/mail) is missing; install it (mailutils) or fix the script's path",
        ),
        (
            r"dnssec validation failed",
            "systemd-resolved validates DNSSEC (DNSSEC=yes) and the DNS servers do not support it "
            "(incompatible-server): every lookup fails; set DNSSEC=no or allow-downgrade in resolved.conf",
        ),
        (
            r"unknown group '[^']*', ignoring",
            "udev ignored the rule's GROUP= because the group did not exist yet at boot (a directory group "
            "from sssd, say): the devices keep root's group; make the group local or re-trigger udev later",
        ),
        (
            r"mount a directory onto a file",
            "the bind mount's source is a directory where the container expects a file (Docker creates a "
            "missing source as a directory): copy the real file there first",
        ),
        (
            r"does not match a verified sender identity",
            "SendGrid refuses the from address: it is not a verified Sender Identity; verify it, or send "
            "from one that is (DEFAULT_FROM_EMAIL)",
        ),
        (
            r"channel_is_archived",
            "the Slack webhook's channel was archived: every post to it fails for good (410), so those "
            "alerts are dropped; point the route at a live channel's webhook",
        ),
        (
            r"access to vhost .{0,60} refused",
            "the user logs in but has no permissions on that vhost: grant them (rabbitmqctl "
            "set_permissions -p <vhost> <user> ...); every connection to it is closed (NOT_ALLOWED)",
        ),
        (
            r"unable to contact k8s api-server",
            "cilium-agent cannot reach the API server through the kubernetes Service's ClusterIP: with "
            "kube-proxy replacement (and kube-proxy gone) set k8sServiceHost/k8sServicePort "
            "(KUBERNETES_SERVICE_HOST) to the API server's real address",
        ),
        (
            r"apparently in use by the system",
            "another subsystem holds the block device, most often multipathd claiming an iSCSI disk "
            "(Longhorn, say): blacklist those devices in multipath.conf and restart multipathd",
        ),
        (
            r"unable to resolve host",
            "sudo looks the host's own name up and it does not resolve (a hostname changed before "
            "/etc/hosts): each sudo waits for the DNS timeout; add the name to /etc/hosts",
        ),
        (
            r"unable to satisfy constraints on package",
            "the Chef server's dependency solver finds no cookbook versions that satisfy every "
            "constraint: an environment pin (cookbook_versions) conflicts with a cookbook's dependency",
        ),
        (
            r"used fallback datasource|datasource datasourcenone",
            "cloud-init found no datasource (DataSourceNone): a datasource_list baked into the image "
            "(a leftover from the image build in /etc/cloud/cloud.cfg.d) kept it from the metadata "
            "service, so no SSH keys or user-data were applied",
        ),
        (
            r"database schema must be updated",
            "the new version refuses to start on the old database schema: run the migration (boundary "
            "database migrate) with the controllers stopped, or go back to the previous version",
        ),
        (
            r"is not authorized to perform",
            "the caller's IAM identity lacks that permission: check which role it really is (a node "
            "instance role means the pod's own role, IRSA or pod identity, was not used)",
        ),
        (
            r"could not obtain information about windows nt",
            "SQL Server cannot look up that Windows account (error 15404): it was removed or disabled "
            "in AD; jobs it owns do not start; change the job owner (to sa, or a service account)",
        ),
        (
            r"ssl is not enabled on the server",
            "the client requires TLS (lib/pq's default sslmode is require) and the server has SSL off: "
            "set sslmode=disable on the client or enable SSL on the server",
        ),
        (
            r"not set, defaulting to|falling back to .{0,40}test",
            "a required setting is missing and the program fell back to a default (a test token, a "
            "sandbox): everything looks accepted and nothing real happens; set the variable",
        ),
        (
            r"start type of the .{0,80} service was changed from auto start",
            "the service no longer starts with Windows (start type changed to demand start or disabled): "
            "after the reboot it stayed stopped; set it back to automatic and start it",
        ),
        (
            r"c00000fd",
            "exception 0xc00000fd is a stack overflow (unbounded recursion) that crashes the worker "
            "process; repeated crashes trip IIS rapid-fail protection, which stops the application pool",
        ),
        (
            r"db_runrecovery|run database recovery|rpmdb open failed",
            "the rpm database (Berkeley DB) was left mid-transaction by a killed yum, dnf or rpm (the OOM "
            "killer, a reboot): every package operation fails until it is recovered (rm -f "
            "/var/lib/rpm/__db*; rpm --rebuilddb)",
        ),
        (
            r"kdc has no support for encryption type|bad_encryption_type",
            "the KDC has no key of an encryption type it still allows for that principal (only RC4 or DES "
            "keys, now disabled): re-key the service principal with AES (kadmin cpw -randkey -e "
            "aes256-cts) and install the new keytab",
        ),
        (
            r"malformed http response",
            "an HTTP/1.1 client was answered in HTTP/2 (the bytes are a SETTINGS frame): it talks to a "
            "gRPC port, such as OTLP/gRPC's 4317, instead of the HTTP one (OTLP/HTTP's 4318)",
        ),
        (
            r"still active but was recovered by another instance",
            "two Quartz schedulers share one instanceId, so each takes the other for a dead instance of "
            "itself and both fire every trigger: set org.quartz.scheduler.instanceId to AUTO",
        ),
        (
            r"is more than the maximum available for the jvm",
            "the broker's memoryUsage is capped by the JVM heap (here reset to 70% of -Xmx): raise the heap "
            "(ACTIVEMQ_OPTS_MEMORY / -Xmx); at the lower limit producer flow control blocks senders",
        ),
        (
            r"already connected, closing old connection",
            "two clients use the same client id: each connection takes over the other's session (a "
            "takeover loop), so messages are lost or doubled; give every device its own client id",
        ),
        (
            r"message sequence number error|do not agree on the next message sequence",
            "the two queue managers disagree on the channel's message sequence number (one was restored "
            "or its channel state reset): resolve any in-doubt batch, then RESET CHANNEL on the sending side",
        ),
        (
            r"filter returned multiple",
            "the LDAP user search matches two or more entries (a duplicate account, say from an import): "
            "remove the duplicate or make the filter unique",
        ),
        (
            r"has an insecure scheme",
            "the proxy hands the auth server an http:// target URL (X-Forwarded-Proto or X-Original-URL "
            "not set to https behind a TLS-terminating proxy): every request is refused; pass the original "
            "scheme",
        ),
        (
            r"blocked mirror for repositories|maven-default-http-blocker",
            "Maven 3.8.1 and later block repositories reached over plain HTTP (the "
            "maven-default-http-blocker mirror): use an https:// repository URL, or override that mirror "
            "in settings.xml",
        ),
        (
            r"isn't verified|email_verified",
            "the identity provider says the user's e-mail is not verified (email_verified false): verify "
            "it in the IdP, or allow unverified e-mail deliberately",
        ),
        (
            r"low real_?memory",
            "the node reports less memory than RealMemory in slurm.conf, so slurmctld drains it at every "
            "registration: lower RealMemory to what the node reports (slurmd -C)",
        ),
        (
            r"exceeds sanity limit",
            "ntpd refuses a correction above its panic threshold (1000 s) and exits: the clock stays wrong, "
            "so certificates look 'not yet valid'; set the clock (ntpd -gq, chronyc makestep) and start "
            "ntpd with -g",
        ),
        (
            r"failed to parse calendar specification|lacks value setting",
            "systemd rejected the timer (a typo in OnCalendar=), so it is not loaded and its service never "
            "runs again: fix the value (check it with systemd-analyze calendar) and daemon-reload",
        ),
        (
            r"ipv6 sending guidelines",
            "the receiving provider refuses mail sent from this IPv6 address: it has no PTR record (reverse "
            "DNS) or SPF/DKIM for IPv6; add them, or send over IPv4",
        ),
        (
            r"critical error detected; halting|overlaps found while gathering",
            "the Thanos compactor found overlapping blocks (two uploaders with the same external labels) "
            "and halted: no compaction, downsampling or retention until the overlap is removed and it is "
            "restarted (thanos_compact_halted 1)",
        ),
    )
)


_HINT_PATTERNS = PatternSet([pattern for pattern, _ in _HINTS])


@remember_short(1024)
def meaning(text: str) -> str | None:
    """What the first well-known error string in `text` means, or None."""
    found = _HINT_PATTERNS.first(text)
    return None if found is None else _HINTS[found][1]
