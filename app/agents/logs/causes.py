"""Ranks message templates as root-cause candidates the way an on-call engineer reads a log:
errors over warnings, exceptions (and the innermost cause of a chain) over plain lines, the first
error before the burst of symptoms over the noisy ones after it, resource exhaustion over the
timeouts it causes. Successful requests and health checks are never a cause."""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
import re
from dataclasses import dataclass
from typing import Any

from app.agents.logs.memo import remember_short
from app.agents.logs.parsing import (
    BANNED_PRIVATE_ADDRESS,
    CACHE_BATTERY_FAILED,
    LIMITS_SAID_CALMLY,
    UNREADABLE_SECTORS,
    LogEntry,
)
from app.agents.logs.prefilter import Alternatives, PatternSet

_LEVEL_WEIGHT = {"critical": 3.0, "error": 2.0, "warning": 1.0}
# Limits and mismatches programs name exactly: a unit's process limit, an address two hosts claim,
# a thin pool out of space, a keytab behind the KDC, a consumer held past its ack timeout, a
# cluster's shard limit, a rule join over duplicate series, a job waiting for a label no agent
# has, a token signed with a key the verifier does not have, a route whose middleware is gone.
# Each is a cause, and a definite one.
_NAMED_LIMITS = (
    r"fork rejected by pids controller|"
    r"\bflip flop\b|duplicate address (?:detected|found)|ip (?:address )?conflict|address conflict|"
    r"out-of-data-space|out of data space|"
    r"kvno \d+ not found in keytab|keytab is likely out of date|"
    r"delivery acknowledgement (?:on channel \d+ )?timed out|"
    r"maximum shards open|max_shards_per_node|"
    r"many-to-many matching not allowed|found duplicate series for the match group|"
    r"there are no nodes with the label|"
    r"unable to find a signing key that matches|signingkeynotfounderror|"
    r"middleware \"[^\"]+\" does not exist|"
    # A pooler's client limit, a subscriber the server cuts off, a search breaker tripping, a
    # unit's sandbox that could not be set up, an image for another CPU, a pod that may not run
    # as root.
    r"no more connections allowed|max_client_conn|slow consumer detected|"
    r"circuit_?breaking_?exception|\[parent\] data too large|"
    r"failed at step [a-z_]+ spawning|failed to set up mount namespacing|"
    r"exec format error|does not match the detected host platform|"
    r"runasnonroot and image will run as root|createcontainerconfigerror|"
    # A uWSGI backlog overflowing, a Galera node cut off from the majority, a replica the master
    # refuses, a SQL Server log that cannot be truncated, fail2ban banning an internal address
    # (the load balancer or proxy every request comes from).
    r"listen queue of socket .{0,80}full|received non-primary|view_id\(non_prim|"
    r"new component: primary = no|noauth authentication required|"
    r"transaction log for database .{0,80} is full|"
    # Postfix receiving mail for a domain it is not configured for; a RabbitMQ cluster split in two;
    # Redis dropping a replica whose sync outgrew the output buffer.
    r"loops back to myself|running_partitioned_network|partitioned network|"
    r"overcoming of output buffer limits|"
    # A router naming a certificate resolver that is not defined; an AJP connector refusing to
    # start without its secret; a Spring context whose beans depend on each other in a circle; a
    # cache a server says is too small for its work.
    r"uses a non-existent resolver|secretrequired=\"true\" but the secret|failed to start connector|"
    r"form a cycle|circular references? (?:is|are) (?:discouraged|prohibited)|"
    r"requested bean is currently in creation|"
    r"please increase \w+ configuration parameter|working in low memory mode|"
    # Registrations an ACL refuses; masters that never find the nodes their bootstrap list names;
    # a consumer resuming from an offset retention already deleted; Apache out of workers.
    r"blocked by acls|must discover master-eligible nodes .{0,200}to bootstrap a cluster|"
    r"is out of range for partition|reached maxrequestworkers|"
    # A build node taken offline for want of disk; a user unknown in the database a client logs in
    # to; an OAuth client asking to return to an address it is not registered for.
    r"lack of disk space|usernotfound|could not find user|invalid_redirect_uri|invalid redirect uri|"
    # The kernel's own limits: a snapshot out of room, a full neighbour table, a directory index
    # at its depth (AppArmor's denials are not here: hosts log them for harmless profiles all day;
    # one explains a "permission denied" beside it, below); a kubelet that will not run with swap;
    # firewalld's reload flushing Docker's chains; cloud-init unable to read its user-data; an
    # NRPE agent refusing a monitoring server it does not list; journald dropping a unit's lines.
    r"invalidating snapshot|unable to allocate exception|neighbou?r table overflow|"
    r"directory \(ino: \d+\) index full|reach max htree level|"
    r"running with swap on is not supported|no chain/target/match by that name|"
    r"failed loading yaml blob|is not allowed to talk to us|suppressed \d+ messages from|"
    # Runtimes refusing to start or to connect: an ES module require()d from CommonJS, Django's
    # origin check, uWSGI's header buffer, no ephemeral port left, a database certificate from an
    # untrusted CA, Rails credentials the master key cannot decrypt, an upstream TLS handshake.
    r"err_require_esm|require\(\) of es module|"
    r"invalid request block size|cannot assign requested address|"
    r"certificate chain was issued by an authority that is not trusted|"
    r"messageencryptor::invalidmessage|ciphererror|while ssl handshaking to upstream|"
    # A disk that can no longer read some of its sectors (smartd): it is failing; a RAID controller
    # that turned its write cache off for want of a working battery: every write waits for disks.
    + UNREADABLE_SECTORS
    + "|"
    + CACHE_BATTERY_FAILED
    + "|"
    + BANNED_PRIVATE_ADDRESS
)
# Words of a cause (something ran out, broke or was refused) and of a symptom (waiting for it).
_RAN_OUT = (
    r"non-overlapping ipv4 address pool|out of background workers|background worker limit of \d+ exceeded|"
    r"reached the negotiated channel_max|number of channels opened"
)
_REFUSED = (
    r"kdc has no support for encryption type|bad_encryption_type|malformed http response|"
    r"still active but was recovered by another instance|is more than the maximum available for the jvm|"
    r"already connected, closing old connection|message sequence number error|"
    r"do not agree on the next message sequence|filter returned multiple|has an insecure scheme|"
    r"blocked mirror for repositories|maven-default-http-blocker|isn't verified|email_verified|"
    r"low real_?memory|exceeds sanity limit|failed to parse calendar specification|lacks value setting|"
    r"ipv6 sending guidelines|db_runrecovery|run database recovery|rpmdb open failed|"
    r"dataset is busy|purge task is not scheduled|does not map into domain|setup_netlogon_creds failed|"
    r"unable to setup netlogon credentials|running out of filedescriptors|duplicate uuid|"
    r"curle_couldnt_resolve_host|failed to update leader lock|demoting self|disable_auto_compactions: 1|"
    r"missing rollover_alias|arjuna012117|transactionreaper::check timeout|"
    r"send \"get [^\"]*http/1\.1(?:\\r\\n)+\"|dead but not yet removable|"
    r"access to vhost .{0,60} refused|apparently in use by the system|unable to resolve host|"
    r"unable to satisfy constraints on package|used fallback datasource|datasource datasourcenone|"
    r"database schema must be updated|is not authorized to perform|"
    r"could not obtain information about windows nt|"
    r"ssl is not enabled on the server|not set, defaulting to|falling back to .{0,40}test|"
    r"start type of the .{0,80} service was changed from auto start|unable to contact k8s api-server|"
    r"no servers found in \S*resolv\.conf|not giving name .{0,120} because the name exists|"
    r"without soa serial update|peer holds all free leases|dns nx status|\b503 uo\b|"
    r"cannot find any appendable volumes|was previously located at|repository access aborted|"
    r"missing from the remote storage|value too old|terminated with exit code 127|"
    r"dnssec validation failed|unknown group '[^']*', ignoring|mount a directory onto a file|"
    r"does not match a verified sender identity|channel_is_archived|too many open files in system|"
    r"knownhosts: key mismatch|host key verification failed|remote host identification has changed|"
    r"unable to register node with api server.{0,40}unauthorized|aadsts\d{5,6}|"
    r"destination \S+ has been modified|critical error detected; halting|overlaps found while gathering|"
    r"\+sdown sentinel|does not contain a valid ingressclass|owner id does not match|"
    r"guest-fsfreeze-freeze' failed|sending hup signal to dns daemon|"
    r"cbt data is invalid|cannot use cbt|falling back to full disk read|legacy incremental backup|"
    r"stopped replication on volume|faulting module name: |could not grow due to a user imposed limit|"
    r"ip forwarding is disabled|"
    # A DAG at its run limit, a GPU's uncorrectable memory errors, a data-quality gate, a model
    # server on the CPU, notebooks culled after minutes, FFmpeg without its VAAPI device, a broker
    # on localhost only, a serial adapter gone, a node package without its native binding, a
    # token refused, inserts outrunning merges, a queue's AM limit, an OST lost, a gRPC size limit,
    # a maintenance reservation.
    r"is at \(or above\) max_active_runs|\bxid \(pci:[^)]*\): (?:48|63|64|79|92|94|95)\b|"
    r"uncorrectable (?:ecc|double bit) error|checkpoint \S+ failed: suite|"
    r"expectations passed, [1-9]\d* failed|"
    r"cuda\.is_available\(\)\s*=\s*false|no cuda gpus are available|"
    r"culling server \S+ \(inactive for 00:[0-5]\d:\d\d\)|no va display found|device creation failed|"
    r"for option 'init_hw_device'|starting in local only mode|error while opening serialport|"
    r"cannot open /dev/\S+|adapter disconnected|could not locate the bindings file|missing node modules|"
    r"waiting for missing types|\b401 unauthorized\b|unauthorized: unauthorized access|"
    r"delaying inserting block .{0,40}because there are \d+ parts|too many parts|"
    r"not activating application .{0,120}exceeds amlimit|connection to \S+ \(at [^)]*\) was lost|"
    r"ost_connect .{0,60}failed|larger than max \(\d+ vs\. \d+\)|received message (?:after decompression )?"
    r"larger than max|created reservation=\S+|proxy \"[^\"]+\" not found|"
    # A gateway's route refused by its schema, a mesh's policy, a token's missing permission, a
    # webhook signature, a replica id twice, SSH keys refused, a paused pipeline, an optimize, a
    # retention setting, a payload limit, a bridge without its public address, a meeting without
    # recording marks, a poison document, a forwarding loop.
    r"failed to check (?:item data|the configuration)|"
    r"linkerd_app_inbound::policy::\w+: request denied|lacks permission '[\w:]+'|"
    r"(?:hmac|webhook) signature (?:validation|verification) failed|invalid (?:hmac|webhook) signature|"
    r"same replica id|ssh: unable to authenticate|skipping scheduling of paused pipeline|\boptimize=true\b|"
    r"dropping partition .{0,200}outside -retentionperiod|payload too large|"
    r"(?:payload|request body) reached the (?:\w+ )?limit|"
    r"discarding a mapping harvester with no public address|no recording marks for|"
    r"exceeded tasktimeoutmillis|forwarding loop detected|"
    # Mail looping between two servers, a license for another host, a clock beyond the cluster's
    # offset, a primary down, producers blocked at a queue's size, a port shut for a BPDU, a UPS,
    # a workflow switched off.
    r"hop count exceeded|wrong hostid|clock synchronization error|more than \d+ms away from|"
    r"maximum offset of \d+ms|: master_down\.|amq222183: blocking message production|"
    r"block_bpduguard|bpduguard error detected|ups battery is low|enter safe mode because the ups|"
    r"deactivated workflow \"|"
    # Forwarded headers from a proxy the application does not trust (every client is the proxy's
    # address), a socket refused for its origin, a service started with a developer's settings.
    r"forwardedheadersmiddleware\S* unknown proxy|could not check origin for phoenix|"
    r"connect\.session\(\) memorystore is not|"
    r"printer stopped due to backend errors|mdb_map_full|mapsize limit reached|"
    r"\[scm-hosting\] ticket could not be acquired|cannot lock ref|\.lock'?: file exists|"
    r"breaking header lock|requested wal segment \S+ has already been removed|"
    r"precondition_failed - inequivalent arg|"
    r"expected cgroupspath to be of format|all connection tries failed while connecting to zookeeper|"
    r"requesttimetooskewed|missing packages: \[|failed to check package|"
    r"checkds: ds for key .{0,120}not published|"
    r"consumer state is newer than provider|request origin not allowed|"
    r"currently unable to failover|receiver server socket bound to:\[/127\.|refnotpermitted|"
    r"within the non-primary component and will not provide any services|node lost quorum|"
    r"signature algorithm \S+ not in pubkeyacceptedalgorithms|not enough (?:non-faulty )?bookies|"
    r"(?:active environments|profiles? (?:are|is) active)[^\n]{0,40}\b(?:dev|development|local)\b"
)
# Causes that are definite wherever they appear (_DEFINITE), and so causes (_CAUSE).
_DEFINITE_CAUSES = (
    LIMITS_SAID_CALMLY + "|"
    r"max node group size reached|suspected mail loop|\bare too open\b|\[fielddata\] Data too large|"
    r"time stepped by -?\d{3,}|\bclock_step -?\d{3,}|"  # a clock moved by minutes or hours
    r"is unmanaged \(maintenance-mode=true\)|"  # a cluster told not to act, when it had to
    r"bad peer AS\b|pause of approximately \d{5,}ms|"  # a BGP peer's other AS; a JVM stopped 10 s or more
    r"MAXPFXEXCEED|"  # a BGP session torn down at its prefix limit
    r"flood.stage|watermark|read-only-allow-delete|cluster_block_exception|no space left|"
    r"(?<!perhaps )out of memory|"
    r"oomkilled|too many open files|certificate has expired|too big header|header too large|"
    r"(?:disk|memory|pid) ?pressure|attempting to reclaim|"
    r"(?:obtain|get|acquire|check ?out) a connection|queuepool limit|pool (?:limit|exhausted)|"
    # Refusals a program explains itself: it will not run what it cannot trust.
    r"wrong file owner|bad (?:file )?(?:owner(?:ship)?|mode)s?\b|ownership or modes|insecure permissions|"
    r"checksum mismatch|zone \S+: expired|do not match the hashes|hash mismatch|"
    r"key data is not secure|can be read or written by other users|unusable public key|"
    # A kernel limit a watcher ran out of; an audit daemon taking the host down for its own disk.
    r"out of inotify watches|inotify watch limit|changing the system to single user mode|"
    r"to-space exhausted|network adapter could not establish the connection|"
    r"audit daemon is low on disk space|"
    r"fatal error: concurrent map|thread ?pool starvation|obtaining a connection from the pool|"
    r"apparent connection leak|connection leak|reached (?:the )?pm\.max_children|max_children setting|"
    r"free disk space is insufficient|disk resource limit alarm|alarm set|slow fdatasync|from slow disk|"
    r"clock skew too great|no selectable sources|insufficient system storage|not enough free space|"
    r"(?:replica|slave) sql (?:for channel|thread)|no ip addresses available|"
    r"nfs: server \S+ not responding|failed to (?:create/)?acquire the lock|no_proposal_chosen|"
    r"\bn\(no_prop\)|"
    r"layer[47] (?:wrong status|timeout|connection problem)|to avoid wraparound|must be vacuumed|"
    r"signature expired|could not load (?:file or )?assembly|did not find a value|no shared cipher|"
    r"unrecoverable error|no urls in mirrorlist|you must install or update \.net|"
    r"framework .{0,80}? was not found|"
    r"when dumping table|multi-attach|already exclusively attached|outofmemoryerror|metaspace|"
    r"vault is sealed|could not be opened in append mode|no_pubkey|identity of application pool|"
    r"unknown user name or bad password|iscsid.{0,40}login authentication failed|"
    r"initiator failed authentication|could not authenticate with \S+, a windows domain controller|"
    r"trust relationship between this workstation|password for this computer account is not recognized|"
    # A plan that deletes what it touches; a firewall that drops a failover pair's adverts.
    r"# \S+ (?:must be replaced|will be destroyed)|\b[1-9]\d* to destroy\b|"
    r"(?:\b|_)(?:drop|reject|block|deny)\w*\]?:? IN=\S* OUT=.{0,300}\bPROTO=(?:112|VRRP|CARP)\b|"
    # Pools and limits of a subsystem that ran out: docker's subnets, background workers, AMQP channels.
    + _RAN_OUT
    + "|"
    # Refusals that say what is wrong with this side: an SSH host key, a node's or a workload's identity,
    # a replication target changed under it, a store with overlapping data, a peer lost.
    + _REFUSED
    + "|"
    + _NAMED_LIMITS
)
_CAUSE = re.compile(
    r"not present in (?:MASTER )?advert|"  # keepalived: a second VRRP pair with this VRID
    r"(?:error|status)(?: code)? 429\b|\bon cool-?down until\b|"  # rate limited by the server
    r"database is locked|\bSQLITE_BUSY\b|"  # SQLite: one writer at a time
    r"backend is overloaded|"  # lighttpd: every FastCGI worker busy
    r"bootstrap check failure|reactor stalled|"  # Elasticsearch's start refused; Seastar starved of CPU
    r"slow consumer|"  # NATS: a subscriber that cannot keep up is cut off
    r"Too_Much_Loss|\bgap loss\b|"  # Zeek: the sensor drops packets
    r"writable root inside chroot|"  # vsftpd refuses a chroot whose root the user can write
    r"maintenance-mode=true|in maintenance mode; resources will be left unmanaged|"  # Pacemaker
    r"has reached maxKBps|"  # a Splunk forwarder throttled by limits.conf
    r"\bBADSIG\b|bad tsig signature|"  # a zone transfer's shared key that does not match
    r"wrong version number|max connections \(\d+\) reached|valid password not found|"
    r"beyond the 'VIRTUAL' memory limit|"  # YARN's virtual-memory check killing containers
    r"failed to authenticate with backend|"  # pgpool's own checks refused by PostgreSQL
    r"can'?t connect to UNIX socket|header is too large|"
    r"Maximum Number of Prefixes|failed to get sandbox image|"
    r"lookup[_ ]failed[_ ]temporarily|per_source_limit|can't find command|reached --max-children|"
    r"objects depend on it|"
    r"Passive data transfer failed|Check your PassivePorts and MasqueradeAddress|"  # FTP behind NAT
    r"disk full|enospc|outofmemory|\boom|killed process \d+|"
    r"too many (?:connections|open files|clients)|pool (?:limit|exhausted|timeout)|queuepool|"
    r"connection pool|connectiontimeouterror|exhausted|"
    r"deadlock|certificate|expired(?!:\s*\d)|permission denied|access denied|"
    r"could not resolve|name or service not known|no such host|nxdomain|misconf|read-only file system|"
    r"segmentation fault|sigsegv|nil pointer|null ?pointer|cannot allocate|quota exceeded|"
    r"failedscheduling|imagepullbackoff|errimagepull|authentication failed|max_connections|"
    r"connection[ _]refused|econnrefused|unable to connect|could not connect|address already in use|"
    r"eaddrinuse|killed process \d+|out of memory|maxmemory|misconf|disk watermark|not ?found|"
    r"manifest unknown|no such image|sealed|stale file handle|estale|not responding|hung task|"
    r"inode|memory alarm|resource alarm|limit alarm|high watermark|max_children|maxrequestworkers|"
    r"state lock|lock held|session expired|sessionexpired|"
    r"reached (?:the )?(?:pm\.)?max|limit reached|used before issued|clock skew|not synchroni[sz]ed|"
    r"exit code:\s*137|table full|queue full|dropping packet|i/o error|corrupt|"
    r"unreachable|no route to host|"
    r"unhealthy|health ?checks? failed|no healthy (?:upstream|target|backend|host|server)s?|"
    r"already exists|does not exist|already been removed|no longer exists|"
    r"could not create (?:folder|directory|dir)\b|"
    r"authenticationerror|authentication error|auth(?:entication)? failure|invalid (?:username|password|"
    r"credentials|token|api[ _-]?key)|wrongpass|bad credentials|login failed|invalid_grant|"
    r"already (?:\w+ )?(?:attached|in use|held|locked)|held by|locked by|"
    r"(?:longer|larger|more) than the configured|exceed(?:s|ed)? (?:the )?(?:configured|max|maximum|limit)|"
    r"\b(?:limit|maximum|max)\b[^.]{0,80}?\b(?:has been |was |is )?(?:reached|exceeded|hit)\b|"
    # General kinds of cause: refused by policy, pressure and eviction, rate limits, locks, lost
    # quorum, mismatched versions, missing or invalid configuration, crashes of the process itself.
    r"operation not permitted|\beperm\b|\beacces\b|\bforbidden\b|revoked|suspended|"
    r"evicted|evicting pod|low on resource|must evict|"
    r"rate.?limit(?:ed)?|too many requests|throttl(?:ed|ing)|"
    r"lock wait timeout|could not (?:obtain|get|acquire) (?:the )?lock|unable to acquire (?:the )?lock|"
    r"split.?brain|lost leadership|leader election lost|no leader|"
    r"(?:lost|no|without|loss of) quorum|quorum (?:lost|not|unavailable)|"
    r"mismatch|incompatible|unsupported (?:version|protocol)|"
    r"missing (?:required|env|environment|config|configuration|file|key|column|table|secret|permission)|"
    r"\bis not set\b|\bnot defined\b|invalid (?:config|configuration|argument|value|syntax|format)|"
    r"syntax error|parse error|malformed|cannot parse|failed to parse|core dumped|stack overflow|"
    r"bad permissions|permissions (?:are|is) too open|unknown directive|"
    r"configuration file .{0,80} test failed|buffer too small|"
    r"gc overhead|overhead, spent|java heap space|heap (?:usage|space|pressure)|clock (?:is )?wrong|"
    r"clock (?:is )?(?:off|behind|ahead) by|"
    r"insecure mode|"
    r"security error|not (?:be )?persisted|key ring|"
    r"slow (?:fdatasync|fsync|disk|storage)|disk (?:latency|is slow)|"
    r"fatal error: |concurrent map (?:writes|read)|"
    r"heartbeat took longer|can'?t synchroni[sz]e|"
    # Django's CSRF origin check (often a misconfigured proxy, sometimes only a stray client).
    r"origin checking failed|does not match any trusted origins|"
    # A queue or spool that refuses work for want of room; a replica that stopped applying changes.
    r"insufficient (?:system )?storage|not enough (?:free )?(?:disk )?space|"
    r"(?:replica|slave) sql|could not execute \w+_rows event|duplicate entry|"
    # Addresses, locks, proposals, signatures and transaction ids that ran out or do not match.
    r"failed to allocate for range|"
    r"lock\.exclusive|stale lock|"
    r"no (?:acceptable|matching) proposal|proposals? unacceptable|"
    r"wraparound|not accepting commands|"
    r"validation failure|dnssec|"
    r"fileloadexception|manifest definition|"
    r"could not find (?:data|class|resource|a value)|"
    r"no common cipher|cipher negotiation failed|"
    r"event object is invalid|\bis incorrect\b|"
    r"failed to download metadata|cannot prepare internal mirrorlist|end of life|"
    r"failed to load coreclr|"
    r"lost connection to mysql server|\berror 20(?:06|13)\b|"
    r"public key is not available|is not signed|"
    r"identity of application pool .{0,80}? is invalid|logon failure|"
    r"disk resource limit|\bEUSAGE\b|(?:are|is) (?:not )?in sync|out of sync|"
    r"transfer status: refused|: REFUSED\b|(?:query|transfer|update) (?:\S+ ){0,6}(?:refused|denied)\b|"
    # This host's own credentials rejected (a storage target's CHAP, a domain's machine account).
    r"failed authentication with target|could not authenticate with|" + _DEFINITE_CAUSES,
    re.IGNORECASE,
)
_SYMPTOM = re.compile(
    r"timed? ?out|timeout|upstream|\bhttp5\d\d\b|-> 5\d\d|retry|retrying|backoff|back-off|"
    r"connection reset|broken pipe|context canceled|context deadline exceeded|unavailable|crashloop|"
    r"restarting|worker exited|exited with code|health check \S+ with status unhealthy|"
    r"the operation was cancel+ed|"
    r"content drift|drift persists|"  # what a monitor sees when a mirror stops following its source
    # What systemd, IIS's process activation and HAProxy say after the program itself failed.
    r"main process exited|failed with result|failed to start \S+\.service|"
    r"suffered a fatal communication error|rapid.fail protection|has no server available|"
    r"blocked for more than \d+ seconds|"
    r"skipping run|tls key negotiation failed to occur|tls handshake failed|peer not responding|"
    # A cluster service's name that does not resolve: the pod behind it is not running.
    r"(?:unknownhostexception: |no such host|not known|nxdomain)\S*\s?\S*\.svc\.cluster\.local|"
    r"exiting|cannot start|shutting down|giving up|job failed|closing amqp connection|"
    # A job's closing tally of what failed above it (Proxmox's "TASK ERROR: job errors", rsync's
    # "see previous errors"): a count, never the cause.
    # Windows telling, after the reboot, that the last shutdown was a crash or a power cut: what
    # happened, never why; and Service Control Manager reporting a service that died.
    r"previous system shutdown .{0,60} was unexpected|rebooted without cleanly shutting down|"
    r"terminated unexpectedly|"
    # A notification that could not be sent (mail, chat): it tells of the incident, it is not it.
    r"failed to send (?:an? )?(?:e-?mail|notification|alert)|error sending .{0,40}(?:e-?mail|notification)|"
    # npm reporting that the script it ran exited non-zero.
    r"npm ERR! (?:code ELIFECYCLE|errno \d+)|"
    r"\bjob errors\b|(?:finished|completed)(?: at .{0,40})? with (?:errors|\d+ error)|see previous errors|"
    r"unexpectedly closed|blocked by|will wait|closed by (?:the )?(?:server|peer|remote)|eof detected|"
    r"(?:readiness|liveness|startup) probe failed|lost connection|broken connection|"
    r"\b(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /\S* (?:HTTP/[\d.]+\"? )?5\d\d\b",  # a request that failed
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Candidate:
    row: dict[str, Any]
    score: float
    reasons: tuple[str, ...]

    @property
    def entries(self) -> list[LogEntry]:
        entries: list[LogEntry] = self.row["_entries"]
        return entries


# Requests browsers and crawlers make on their own: a miss there is never an incident's cause;
# nor are messages known to be harmless (the kubelet's cgroup-stats and first image-GC errors,
# printed on healthy nodes for years; MySQL's reverse-DNS warning).
_BACKGROUND_NOISE = re.compile(
    # Scanners asking a DNS server its version (refused, as it should be); a kernel without the
    # wireless regulatory database (a server has no Wi-Fi to regulate).
    r"wants 'version\.bind\|(?:TXT|ANY)'[^\n]{0,120}refused|failed to load regulatory\.db|"
    r"firmware load for regulatory\.db failed|"
    # Ubuntu's cupsd profile denying net_admin (for years, on every desktop-derived host); a
    # client that went away without closing (nsqd); a tailer that lost a deleted pod's file.
    r"profile=\"/usr/sbin/cupsd\"[^\n]{0,120}capname=\"net_admin\"|"
    r"client\([^)]*\) - failed to read command - (?:EOF|[^\n]{0,120}connection reset by peer)|"
    r"failed to tail file, stat failed[^\n]{0,400}no such file or directory|"
    # (an ACME challenge under .well-known/ is a certificate being issued: never noise)
    r"favicon\.ico|robots\.txt|apple-touch-icon|sitemap\.xml|\.well-known/(?!acme-challenge)|\.js\.map|"
    r"\.css\.map|"
    r"Failed to get system container stats|Image garbage collection failed once|"
    # dockerd reads IPVS settings a kernel without the module lacks, at every swarm service update
    r"error reading the kernel parameter net\.ipv4\.vs\.|"
    # snmpd walking mounts it may not read, and its known interface-address message
    r"snmpd\S*: Cannot statfs \S+: Permission denied|error on subcontainer '?ia_addr'? insert|"
    # sshd before any login: scanners that hang up, speak no SSH, or offer only old algorithms
    r"kex_exchange_identification: (?:Connection closed by remote host|read: Connection reset by peer|"
    r"banner line contains invalid characters|client sent invalid protocol identifier)|"
    r"banner exchange: Connection from \S+ port \d+: invalid format|"
    r"Unable to negotiate with \S+ port \d+: no matching .{0,80}\[preauth\]|"
    # autofs asked for names a file manager probes in every directory (.Trash, desktop.ini ...)
    r"failed to mount /\S*/(?:\.[\w.-]+|autorun\.inf|desktop\.ini|Thumbs\.db|AACS|BDMV|VIDEO_TS)$|"
    r"\bautomount\b\S{0,20}: expired (?:/|<\*>)|"  # ... and unmounts what sat idle
    # nginx logs every scanner's bad handshake (a handshake *to upstream* is its own, and no noise)
    r"SSL_do_handshake\(\) failed(?!.{0,300}to upstream)|while SSL handshaking(?! to upstream)|"
    r"open\(\) .{0,300}? failed \((?:2|<NUM>): No such file or directory\)|"  # and every 404 of a file
    r"IP address '[^']*' could not be resolved|"  # MySQL without skip-name-resolve, forever
    r"failed to look up session from cookie|"  # Grafana: a browser's stale session cookie
    r"TLS handshake error:? (?:from \S+: )?EOF\b|"  # Go servers: a load balancer's TCP check
    r"closed socket before read|Could not retrieve all the headers from the client|"  # tinyproxy's clients
    r"stderr: \[ Parse error: Ignoring unknown option|"  # a fence agent's renamed parameters
    r"inserts evicted due to cache size|"  # dnsmasq/Pi-hole's cache statistics
    r"Fatal NI connect error 12170|\bTNS-12535\b|\bORA-3136\b|"  # Oracle: idle clients timed out
    r"failed to set times on .{0,200}Operation not permitted|file has vanished|"  # rsync's everyday
    r"unable to read data from frontend|EOF encountered with frontend|"  # pgpool: clients that left
    r"Unable to read config path\" err=\"path does not exist, ignoring|"  # kubelet without static pods
    r"Health check failed: \d+ clients? failing to respond to cache pressure|"  # CephFS: a slow client
    r"Supervisor is running as root|running without any HTTP authentication checking|"  # supervisord's start
    r"libxrdp_force_read: header read error|\[MCS Connection Sequence\] receive connection request failed|"
    r"\[ITU-T T\.\d+\] Connect-Initial failed|"  # xrdp: a scanner that speaks no RDP
    r"DateParserVerbose|instrument-resource-usage|"  # a Splunk forwarder's everyday complaints
    r"CA certificate \S+ is self signed|"  # ... and its auto-generated certificates, at every start
    r"duplicate key value violates unique constraint|"  # an upsert race the application handles
    r"^(?:WARNING:? )?file does not exist\s*$|Failed to extract cache|"  # a CI runner's cache miss
    r"No files to upload|no matching files|cache\.zip|"  # ... and artifacts a failed job never made
    # Mail servers meet scanners all day: their reverse DNS fails and relaying is refused to them.
    r"does not resolve to address|Relay access denied|unknown\[[^\]]*\]: SASL \w+ authentication failed|"
    # Monitoring or scanners trying RabbitMQ's default login from afar, which the broker refuses.
    r"user 'guest' can only connect via localhost|"
    # Go TLS servers meeting scanners and ancient clients on the internet.
    r"tls: client offered only unsupported versions|Error while Peeking first byte|"
    # Apache refusing scanners their /server-status and .env probes, and PHP-FPM asked for scripts
    # that do not exist: every public web server, all day.
    r"client denied by server configuration|Primary script unknown|"
    # A framework's login throttle refusing a password guesser: the limiter doing its job.
    r"ThrottleRequestsException|"
    # A router's 404 for a path it has no route for (scanners asking for wp-login.php): a client's
    # mistake, however loudly the framework logs it.
    r"NotFoundHttpException|No route found for \"|"
    # ... a client asking a Git server for a commit or repository that is not there, and Grafana's
    # queries canceled by the browser (a dashboard closed or refreshed).
    r"Commit \S+ does not exist in repository|retry\.go:\S* .{0,300}err=\"context canceled\"|"
    # A gRPC server's log of answering NotFound: the caller asked for what is not there (a 404).
    r"finished (?:unary|streaming) call with code NotFound\b|"
    # AWX saying analytics are off, and Knative's activator relaying a client that went away.
    r"Automation Analytics not enabled|error while proxying request: context canceled|"
    # OpenVPN's tls-auth dropping packets without the HMAC key: scanners, refused as they should be.
    r"cannot locate HMAC in incoming packet|"
    # Mastodon delivering to remote instances that are gone: federation's normal weather.
    r"class=ActivityPub::DeliveryWorker|"
    # A directory sync deactivating an account that left the directory: the sync doing its job.
    r"LDAP sync: user not found in directory, deactivating|"
    # Printing and its desktop plumbing on servers: Samba without a CUPS server, colord's
    # duplicate profiles, rpc.gssd on mounts that use no Kerberos.
    r"Unable to connect to CUPS server|ColorManager\.AlreadyExists|rpc\.gssd.{0,40}No credentials found|"
    # 389 Directory Server's attr_replace of nsslapd-referral on a consumer: harmless, at every start.
    r"attr_replace \(nsslapd-referral|"
    # memberlist about another member whose UDP a firewall drops: chronic, and about that member.
    r"over TCP but UDP probes failed|"
    # A kernel that forbids io_uring: MariaDB, and others, fall back to their older I/O path.
    r"io_uring_queue_init\(\) failed|"
    # Grafana without the optional bundled-plugins directory, at every start.
    r"Skipping finding plugins as directory does not exist|"
    # Django's 404s and the Host headers of scanners; a CMS's own 404 and 403 log (Drupal's
    # watchdog, Joomla's jerror): a page someone asked for, the message only its path.
    r"django\.request Not Found:|Invalid HTTP_HOST header|"
    r"\bpage not found\b|Failed authentication attempt for \S+ from|"  # ... and Gitea's login form
    r"\baccess denied\s*(?:warning\s+|[|:]\s*)?(?:/\S*|<\*>)\s*$|"
    r"TLS handshake error from \S+: EOF|"
    # Zabbix agents asking about hosts the server does not know: a stale agent config, not an outage.
    r"cannot send list of active checks to .{0,80}not found|"
    # A Kubernetes controller lost an optimistic-concurrency race and re-queues: routine.
    r"the object has been modified; please apply your changes|optimistic locking|"
    # node_exporter collectors for hardware the machine does not have (VMs have no sensors).
    r"collector failed.{0,40}name=(?:hwmon|thermal_zone|rapl|powersupplyclass|nvme|edac|infiniband)|"
    # A resolver's view of the internet's broken zones, and IPv6 routes a host does not have.
    r"lame-servers:|(?:network unreachable|broken trust chain|lame server) resolving|"
    r"unbound\b.{0,40}sendto failed: Network is unreachable|"  # its IPv6 tries on an IPv4-only host
    # The kubelet's long-standing complaints: a resolv.conf with more than three nameservers, and
    # leftover volume directories of pods long gone.
    r"Nameserver limits (?:were )?exceeded|orphaned pod .{0,80} found|"
    # client-go pacing its own requests (klog's "Waited for 1.2s due to client-side throttling"), and
    # Thanos marking a block for deletion twice after a retry.
    r"due to client-side throttling|requested to mark for deletion, but file already exists|"
    # A job that ran into its own time limit (Slurm), an SMTP client that hung up, a boot's
    # network-online wait that timed out on a link without carrier.
    r"Time limit exhausted for JobId|SMTP connection from .{0,120} lost\b|wait-online\.service|"
    # A QEMU guest without its agent, Java clients closing downloads, TLS clients that give up on a
    # proxy, and the per-user document portal (a FUSE mount) that root may not statfs.
    r"Guest agent is not responding|EofException|java\.io\.IOException: Broken pipe|"
    # SQL Server Agent's start-up complaints about the event log, and kured waiting its turn.
    r"Unable to read local eventlog|Lock already held:|"
    r"failure while accepting a TLS connection|/run/user/<?\w+>?/doc\b|"
    r"canceling statement due to user request|"  # someone pressed cancel in their SQL client
    r"server stats for thread|"  # unbound's periodic statistics
    r"End of file while reading data|"  # libvirtd: a client (virsh, a probe) hung up
    # dbt's full parse on a fresh checkout; a call told to wait and retried (429); SIP scanners on
    # a public PBX; Telegraf's diskio on eMMC boot partitions; slurmctld without a backup
    # controller, and clients that hung up on it.
    r"Unable to do partial parsing|(?:\b429\b|Too Many Requests).{0,40}retrying in|"
    # A gateway's rate limiting refusing a client (its job), requests for routes that do not
    # exist, a query that asked for too many points, a PBX's GeoIP and TLS files not set up,
    # ffmpeg's complaints about one packet, a cache's swap-in mismatch.
    r"\[rate-limiting\] API rate limit exceeded for consumer|limiting requests, excess:|"
    r"http_access_phase\(\): (?:404|<NUM>) Route Not Found|"
    r"reduce the time range or increase step|GeoIP database not found|GeoLite\S* not found|"
    r"cannot find (?:certificate|private key) file: turn_server_\w+\.pem|Error parsing Opus packet header|"
    r"swapin MD5 mismatch|"
    # A switch's 802.1X refusing a device, a user without a share's permission, a task retry scheduled.
    r"%DOT1X-5-FAIL|cifsNoPrivShare|Retry (?:\d+|<NUM>)/(?:\d+|<NUM>) will start|"
    # A scraper refused VictoriaMetrics' pprof without its key; Garden destroying a container
    # that is already gone.
    r"cannot serve request: access denied; -\w+AuthKey is set|destroy\.failed \| unknown handle|"
    r"SIP auth failure \(\w+\) on sofia profile|No matching endpoint found|Failed to authenticate device|"
    r"error reading /dev/mmcblk\d+boot\d|_shutdown_bu_thread|Zero Bytes were transmitted or received|"
    # DFSR clearing its staging folder (4202 above the high watermark, 4204 done): housekeeping.
    r"staging space in use for the replicated folder .{0,120} high watermark|deleted old staging files|"
    r'"ssl_stapling" ignored|'  # a certificate whose CA runs no OCSP responder
    r"FileNotFoundException: \S+\.jar \(No such file|Failed to scan \[|"  # Tomcat's jar scanner
    r"client intended to send too large body|link already exists|"
    r"was collected before with the same name and label values|"  # a node_exporter collector bug
    r"NtpClient was unable to set a domain peer|"  # a domain member at boot, before the DC answers
    r"could not change group /var/run/docker\.sock|"  # docker-in-docker on every CI job
    # Firmware tables every kernel complains about at boot, and Windows' chronic event-log noise.
    r"ACPI (?:BIOS )?Error|AE_NOT_FOUND|DistributedCOM|\bDCOM\b.{0,80}10016|"
    r"Schannel.{0,80}(?:36887|fatal alert)|"
    r"A fatal alert was received from the remote endpoint|"
    # Celery's worker heartbeat drift, Apache's default certificate name at start-up, clients
    # presenting tokens that expired.
    r"Substantial drift from \S+ may mean clocks are out of sync|"
    r"server certificate does NOT include an ID which matches the server name|"
    r"TokenExpiredError: jwt expired|"
    # A certificate without an OCSP responder (Let's Encrypt's since 2025): nothing to staple.
    r"no OCSP stapling for|no OCSP server specified|"
    # dockerd after every container exit: the log stream it copied from is gone.
    r"stream copy error: reading from a closed fifo|"
    # Scanners asking a Rails app for WordPress and dotfiles.
    r"RoutingError \(No route matches \[\w+\] \"/(?:xmlrpc\.php|wp-login\.php|wp-admin|\.env|\.git)",
    re.IGNORECASE,
)


def _still_happening(table: list[dict[str, Any]]) -> set[int]:
    """Rows seen 3 times or more whose last line falls in the last tenth of the log (by time, or
    by line where lines carry no time)."""
    stamps = [row["last_seen"] for row in table if row["last_seen"]] + [
        row["first_seen"] for row in table if row["first_seen"]
    ]
    lines = [e.line_no for row in table for e in row["_entries"]]
    if not lines:
        return set()
    # The last tenth, once for the whole log.
    late_line = max(lines) - (max(lines) - min(lines)) / 10
    start, end = (
        (dt.datetime.fromisoformat(min(stamps)), dt.datetime.fromisoformat(max(stamps)))
        if stamps
        else (None, None)
    )
    late_time = end - (end - start) / 10 if start and end else None
    ongoing = set()
    for row in table:
        entries: list[LogEntry] = row["_entries"]
        if len(entries) < 3:
            continue
        if late_time and row["last_seen"]:
            late = dt.datetime.fromisoformat(row["last_seen"]) >= late_time
        else:
            late = entries[-1].line_no >= late_line
        if late:
            ongoing.add(id(row))
    return ongoing


# Causes that no symptom word around them makes less of one: "blocked by ... flood-stage
# watermark", "upstream sent too big header".
_DEFINITE = re.compile(_DEFINITE_CAUSES, re.IGNORECASE)


# A login refused for one user: that client's credentials, unless nothing else is wrong.
# Said by the database server about a client (PostgreSQL's `user@db` prefix, MySQL's
# 'user'@'host'); an application that cannot log in with its own credentials is another matter.
_ONE_CLIENT = re.compile(
    r"\] (?:\S+@\S+ )?FATAL:\s+password authentication failed for user|Access denied for user '[^']*'@'|"
    r"Login failed for user '[^']*'\. Reason: "
    r"(?:Password did not match|Failed to open the explicitly specified database)|"
    r"access denied: user '[^']*' - invalid credentials|"  # RabbitMQ's management API
    r"Unsuccessful 1FA authentication attempt by user|"  # Authelia: one user's password
    r"Unregistered redirect_uri|"  # an OAuth client asking for a callback it never registered
    r" - authentication error - User \"|"  # NATS: one client's user and password
    r"\w+: Authentication failed: password is incorrect, or there is no user with such name",  # ClickHouse
    re.IGNORECASE,
)


# A person's failed login (not a program's, not a machine's): a few are typos, not an incident.
_FAILED_LOGIN = re.compile(
    r"password mismatch|pam_authenticate\(\) failed|pam_unix\(\S+:auth\): authentication failure",
    re.IGNORECASE,
)
_FEW_TYPOS = 3
# What happens now and then on a healthy system and is a problem only when it keeps happening: an
# MQTT client reconnecting before its old session timed out, a long GC pause just after a JVM
# starts, a resolver restarted for a DHCP lease.
_ONLY_REPEATED = re.compile(
    r"already connected, closing old connection|\[gc\]\[\S+\] overhead, spent|"
    r"sending hup signal to dns daemon|"  # a resolver restarted for a new DHCP lease, now and then
    r"\[libcluster:\S+\] unable to connect to|"  # a member gone during a rollout
    r"unable to connect to printer",  # a printer switched off or rebooting
    re.IGNORECASE,
)
_REPEATS = 3


# Causes of causes: the line that explains a symptom every other line shows. Logrotate refusing to
# rotate, or a thin pool out of space, is why a disk is full; two hosts claiming one address is
# why that address is intermittently unreachable.
_EXPLAINS = tuple(
    (re.compile(explainer, re.IGNORECASE), re.compile(explained, re.IGNORECASE), reason)
    for explainer, explained, reason in (
        (
            r"found [1-9]\d* dead agents?|Refusing to bind port \S+ to dead agent",
            r"Failed to bind port|PortBindingFailed|binding_failed",
            "explains the failed port bindings: the host's network agent stopped its heartbeats, and "
            "Neutron binds no port to a dead agent",
        ),
        (
            r"Configuration option 'max server memory \(MB\)' changed from \d+ to \d+",
            r"insufficient system memory in resource pool|waiting for memory resources|FlushCache",
            "explains the memory errors: SQL Server's memory ceiling was lowered",
        ),
        (
            r"SecRuleEngine On\b[^\n]{0,80}DetectionOnly|DetectionOnly[^\n]{0,80}SecRuleEngine On\b",
            r"ModSecurity: Access denied",
            "explains the blocked requests: ModSecurity went from detecting to blocking, so its false "
            "positives now deny",
        ),
        (
            r"/priorityclasses/\S+|priorityClassName=\S+",
            r"Preempted by (?:pod )?\S+ on node",
            "explains the preempted pods: a new, higher PriorityClass lets other pods evict them",
        ),
        (
            r"Eviction policy is allkeys-\w+|maxmemory-policy:? allkeys-\w+",
            r"Missing key for job|missing lock for job",
            "explains the vanished jobs: Redis evicts any key at maxmemory, queued jobs among them",
        ),
        (
            r"params=\{[^}]*\bcommit=true",
            r"maxWarmingSearchers|overlapping onDeckSearchers",
            "explains the searchers piling up: the client commits on every update, and each commit opens "
            "a new searcher",
        ),
        (
            r"issued certificate[^\n]{0,300}issuer_name=\"?[\w.-]*staging|\(STAGING\)",
            r"signed by unknown authority|unable to get local issuer certificate|certificate verify failed",
            "explains the untrusted certificate: it was issued by a staging CA that no client trusts",
        ),
        (
            r"search domain list to: ~\.(?:\s|$)",
            r"temporary failure in name resolution|could not resolve|\bEAI_AGAIN\b|name or service not known|"
            r"\bSERVFAIL\b",
            "explains the failing lookups: one link took every DNS domain (~.), and its server does not "
            "answer",
        ),
        (
            r"\[fielddata\] Data too large",
            r"overhead, spent \[|due to high heap usage",
            "explains the heap pressure: fielddata loaded for a text field fills the heap until the "
            "breaker trips",
        ),
        (
            r"password changed for \S+",
            r"authentication failure|failed password|faillock|account (?:is )?locked|authentication failed",
            "explains the failed logins: the password changed and a client still uses the old one",
        ),
        (
            r"is skipped from the resolvers list|permissions \d+ for \S+ are too open",
            r"non-existent resolver|default (?:generated )?certificate",
            "explains the routers without a resolver: Traefik skipped it, so they serve its default "
            "certificate",
        ),
        (
            r"logrotate.{0,40}(?:error|skipping)|skipping \S+ because parent directory|out-of-data-space|"
            r"reach max htree level|index full",
            r"no space left|disk full|\bENOSPC\b",
            "explains the full disk",
        ),
        (
            BANNED_PRIVATE_ADDRESS,
            r"is DOWN\b|connection refused|layer4 connection problem|no server available|<NOSRV>",
            "explains the refused health checks",
        ),
        (
            r"cbt data is invalid|cannot use cbt|falling back to full disk read",
            r"exceeded the backup window|by backup window|\(backup window\)",
            "explains the job running past its window",
        ),
        (
            r"(?:hmac|webhook) signature (?:validation|verification) failed|"
            r"invalid (?:hmac|webhook) signature",
            r"not in state paid|awaiting_payment|waiting for webhook",
            "explains the payments that never complete",
        ),
        (
            r"\benvironment=sandbox\b",
            r"authenticationerror|authentication error|\b401\b",
            "explains the authentication errors",
        ),
        (
            r"\boptimize=true\b",
            r"time allowed to handle this request exceeded|timed out|timeout",
            "explains the timeouts",
        ),
        (
            r"no recording marks for",
            r"never recorded|norecordings",
            "explains the missing recordings",
        ),
        (
            r"exceeded tasktimeoutmillis",
            r"forked process exited|watchdog",
            "explains the restarts",
        ),
        (
            r"cuda\.is_available\(\)\s*=\s*false|no cuda gpus are available",
            r"pending requests \d+ exceed|timeouterror|timed out|deadline exceeded",
            "explains the slow, queued requests",
        ),
        (
            r"culling server \S+ \(inactive for 00:[0-5]\d:\d\d\)",
            r"server stopped while request in flight|stopped while|failed to connect to",
            "explains the stopped servers",
        ),
        (
            r"no va display found|device creation failed|for option 'init_hw_device'",
            r"ffmpeg exited with code|ffmpegexception",
            "explains the failed transcodes",
        ),
        (
            r"starting in local only mode",
            r"econnrefused|connection refused",
            "explains the refused connections",
        ),
        (
            r"connection to \S+ \(at [^)]*\) was lost|ost_connect .{0,60}failed",
            r"blocked for more than \d+ seconds|hung task",
            "explains the hung tasks",
        ),
        (
            r"\bxid \(pci:[^)]*\): (?:48|63|64|79|92|94|95)\b",
            r"uncorrectable ecc error encountered|nccl|childfailederror|exitcode",
            "explains the crashed jobs",
        ),
        (
            r"error while opening serialport|cannot open /dev/\S+|adapter disconnected",
            r"failed to start zigbee-herdsman|elifecycle",
            "explains the failed starts",
        ),
        (
            r"\b401 unauthorized\b|unauthorized: unauthorized access",
            r"failed to send metrics to any configured server",
            "explains the failed writes",
        ),
        (
            r"faulting module name: ",
            r"terminated unexpectedly|failed to print|stopped working|has stopped",
            "explains the crashes",
        ),
        (
            r"power input for power supply \S+ is lost|power supply \S+ (?:has )?(?:failed|lost input)",
            r"power supply redundancy is lost",
            "explains the lost redundancy",
        ),
        (
            r"invalidating snapshot|unable to allocate exception|" + UNREADABLE_SECTORS,
            r"i/o error|metadata i/o error|input/output error",
            "explains the I/O errors",
        ),
        (
            r"apparmor=\"denied\"",
            r"permission denied|errno: 13|eacces|tls init def ctx failed",
            "explains the permission denied",
        ),
        (
            r"neighbou?r table overflow|is not allowed to talk to us",
            r"i/o timeout|timed out|could not complete ssl handshake|connection reset",
            "explains the failed connections",
        ),
        (
            r"invalid request block size|while ssl handshaking to upstream",
            r"upstream prematurely closed|no live upstreams|upstream sent no valid",
            "explains the upstream errors",
        ),
        (
            r"no chain/target/match by that name",
            r"connection refused|is down\b|layer4|driver failed programming external connectivity",
            "explains the refused connections",
        ),
        (
            r"failed loading yaml blob",
            r"permission denied \(publickey\)|invalid user|unreachable",
            "explains the refused logins",
        ),
        (
            r"overcoming of output buffer limits",
            r"sync with master|lost connection|connection lost|full resync|loading",
            "explains the broken replication",
        ),
        (
            r"failed to start connector|protocol handler start failed|secretrequired",
            r"connection refused|attempt to connect .{0,80}failed|failed to make connection",
            "explains the refused connections",
        ),
        (
            r"no servers found in \S*resolv\.conf|dnssec validation failed",
            r"could not resolve|temporary failure in name resolution|name or service not known|"
            r"could not translate host name|nxdomain|servfail",
            "explains the failed lookups",
        ),
        (
            r"move from normal to communications-interrupted",
            r"peer holds all free leases|no free leases",
            "explains the clients without a lease",
        ),
        (
            r"dns nx status",
            r"has no server available|<nosrv>|\b503\b",
            "explains the backend without servers",
        ),
        (
            r"unknown group '[^']*', ignoring",
            r"permission denied|ora-15025|ora-27041|eacces",
            "explains the permission denied",
        ),
        (
            r"mount a directory onto a file",
            r"connection refused|wait-healthy|unhealthy",
            "explains the container that never starts",
        ),
        (
            r"access to vhost .{0,60} refused",
            r"error on amqp connection|error inspecting rabbitmq|error getting (?:metric|scale)",
            "explains the refused AMQP connections",
        ),
        (
            r"unable to contact k8s api-server",
            r"cilium-cni|unable to connect to cilium daemon|failedcreatepodsandbox",
            "explains why the pods' networking never starts",
        ),
        (
            r"apparently in use by the system",
            r"mountdevice failed|failedmount|unable to attach or mount|format of disk",
            "explains the failed mounts",
        ),
        (
            r"unable to resolve host",
            r"waiting for privilege escalation prompt",
            "explains the privilege escalation timeouts",
        ),
        (
            r"unable to satisfy constraints on package",
            r"precondition failed|\b412\b",
            "explains the 412 from the Chef server",
        ),
        (
            r"used fallback datasource|datasource datasourcenone",
            r"permission denied \(publickey\)|timeout waiting for ssh",
            "explains the refused SSH keys",
        ),
        (
            r"database schema must be updated",
            r"is down|connection refused|no server available|start request repeated|failed to start",
            "explains the controllers that do not start",
        ),
        (
            r"start type of the .{0,80} service was changed from auto start",
            r"not started|did not start|never ran|no jobs",
            "explains the jobs that never ran",
        ),
        (
            r"cannot destroy snapshot .{0,160}dataset is busy|purge task is not scheduled",
            r"no space left|disk full|\bENOSPC\b",
            "explains the full disk",
        ),
        (
            r"does not map into domain",
            r"invalid argument|errno 22|\beinval\b",
            "explains the failed chown",
        ),
        (
            r"setup_netlogon_creds failed|unable to setup netlogon credentials",
            r"nt_status_no_logon_servers|nt_status_access_denied|logon failure",
            "explains the failed logons",
        ),
        (
            r"wg-quick.{0,200}(?:name or service not known|configuration parsing error)|"
            r"failed to start wg-quick",
            r"no route to host|network is unreachable",
            "explains the unreachable tunnel addresses",
        ),
        (
            r"curle_couldnt_resolve_host",
            r"transport endpoint is not connected",
            "explains the dead mount",
        ),
        (
            r"failed to update leader lock|demoting self",
            r"read-only transaction",
            "explains the read-only errors",
        ),
        (
            r"disable_auto_compactions: 1",
            r"stalling writes|stopping writes",
            "explains the stalled writes",
        ),
        (
            r"missing rollover_alias",
            r"overhead, spent|disk watermark",
            "explains the one index that keeps growing",
        ),
        (
            r"send \"get [^\"]*http/1\.1(?:\\r\\n)+\"",
            r"monitor status down|response code: 400|no (?:available )?members",
            "explains the members marked down",
        ),
        (
            r"arjuna012117|transactionreaper::check timeout",
            r"transaction is not active|rollbackexception|rolled back",
            "explains the rolled-back transaction",
        ),
        (
            r"avc:\s+denied",
            r"permission denied|errno: 13|eacces",
            "explains the permission denied",
        ),
        (
            r"malformed http response",
            r"sending queue is full|queue is full|forcing a gc|memory usage is above",
            "explains the full queue",
        ),
        (
            r"still active but was recovered by another instance",
            r"duplicate key|dataintegrityviolation|unique constraint|constraint \[",
            "explains the duplicate runs",
        ),
        (
            r"is more than the maximum available for the jvm",
            r"memory limit reached|stopping producer",
            "explains the blocked producers",
        ),
        (
            r"exceeds sanity limit",
            r"not yet valid|is not valid yet",
            "explains the certificates that are not yet valid",
        ),
        (
            r"unable to register node with api server",
            r"node \S+ not found|error getting node|cni plugin not initialized|networkpluginnotready|"
            r"failed to get node info|failed to ensure lease",
            "explains why the node never appears",
        ),
        (
            r"(?:systemctl|service) (?:disable|stop|mask)\b.{0,20}\b(?:chrony|chronyd|ntp|ntpd|ntpsec|"
            r"systemd-timesyncd|openntpd)\b",
            r"clock skew|time skew",
            "explains the clock skew: time synchronisation was switched off",
        ),
        (
            r"path=/etc/exports\b|\bexportfs -r",
            r"stale (?:nfs )?file handle|\bESTALE\b",
            "explains the stale file handles: the export changed under the clients",
        ),
        (
            r"MDB_MAP_FULL|mapsize limit reached",
            r"error code 80|entry (?:update|store) failed|other \(e\.g\., implementation specific\) error",
            "explains the failed directory writes: the LMDB database is at its map size",
        ),
        (
            r"\bvcl\.load\b|dest=/etc/varnish/\S+\.vcl\b",
            r"backend fetch failed|no backend connection|\bsick\b|-> HTTP_503\b",
            "explains the 503s: a new VCL (its backends or their probe) was loaded just before",
        ),
        (
            r"signature algorithm \S+ not in PubkeyAcceptedAlgorithms",
            r"auth fail|authentication failure|permission denied \(publickey",
            "explains the failed SSH logins: the server no longer accepts the key's signature algorithm",
        ),
        (
            r"alter warehouse .{0,80}warehouse_size\s*=",
            r"statement timeout|timed? ?out|ERROR in \d{4,}",
            "explains the timeouts: the warehouse was resized before the run",
        ),
        (
            r"NIC Link is Down|Link is Down\b|carrier lost|link becomes not ready",
            r"no route to host|network is unreachable|breaking header lock|result -108",
            "explains the node's lost connections: its network link went down",
        ),
        (
            r"no previous offsets? found",
            r"snapshot|failed to (?:commit|flush)|timed out while waiting for producer",
            "explains the flood: the connector found no stored offsets and started over with a full snapshot",
        ),
        (
            r"Stopping (?:memcached|redis(?:-server)?)\.service|"
            r"(?:memcached|redis-server)\.service: Deactivated",
            r"max_children|lock wait timeout|too many connections|maxrequestworkers",
            "explains the load: the cache was restarted and emptied, so every request went to the database",
        ),
        (
            r"(?:puppet|ansible|chef|salt)\S*.{0,200}(?:/etc/squid/\S+|squid\.conf)\S*\W{0,3}content|"
            r"squid\.conf\S*\W{0,3}content changed",
            r"TCP_DENIED|-> HTTP_403\b",
            "explains the refusals: the proxy's configuration was rewritten just before",
        ),
        (
            r"node drain strategy set|eligibility=ineligible|drain(?:ing)? node\b",
            r"blocked eval|exhausted|insufficient (?:cpu|memory|resources)|no (?:nodes? )?(?:were )?eligible|"
            r"placement failed|failed to place",
            "explains the unplaced work: nodes were drained or made ineligible",
        ),
        (
            r"ca key was replaced|generating a new ca key|"
            r"ca (?:key|certificate) (?:was )?(?:renewed|replaced)",
            r"pkix path building failed|unable to find valid certification path|ssl handshake failed|"
            r"certificate verify failed|unknown ca",
            "explains the TLS failures: the CA was replaced and the clients still trust the old one",
        ),
        (
            r"clock wrong by|clock (?:is )?(?:off|behind|ahead) by|time jumped|marking tsc unstable",
            r"RequestTimeTooSkewed|request time too skewed|signature (?:has )?expired|clock skew",
            "explains the refused signatures: this host's clock is off",
        ),
        (
            r"optimizer statistics are not transferred|--analyze-in-stages",
            r"statement timeout|canceling statement",
            "explains the slow plans: the upgrade left the tables without optimizer statistics (run ANALYZE)",
        ),
        (
            r"AllowCorsFrom|allowed_origins|cors_allowed_origins",
            r"origin not allowed|CheckOrigin|origin .{0,40}(?:rejected|refused|not allowed)",
            "explains the refused connections: the allowed origins were changed",
        ),
        (
            r"node lost quorum|non-primary component and will NOT provide any services|has no active links",
            r"permission denied|cfs lock update failed|unable to write",
            "explains the failed writes: the node lost quorum, so its cluster filesystem is read-only",
        ),
        (
            r"Receiver Server Socket bound to:\[/127\.",
            r"in session|session not found|no session|No members active",
            "explains the lost sessions: the cluster receiver listens on loopback, so no member replicates",
        ),
        (
            r"MemoryStore is not",
            r"no session|invalid csrf|csrf token",
            "explains the lost sessions: each replica keeps its own in memory",
        ),
        (
            r"issued server command: /chunky start|\[Chunky\] Task (?:started|running)|"
            r"pre-?generat(?:ion|ing)",
            r"can't keep up|ticks behind",
            "explains the lag: chunk pre-generation takes the server thread",
        ),
        (
            r"operator=retention|Run retention process.{0,200}Deleted: [1-9]",
            r"NOT_FOUND|manifest unknown|not found",
            "explains the missing images: the retention policy deleted them",
        ),
        (
            r"unknown proxy",
            r"rate limit|too many requests|\b429\b",
            "explains the rate limit: every client is counted as the proxy's address",
        ),
        (
            r"(?:active environments|profiles? (?:are|is) active)[^\n]{0,40}\b(?:dev|development|local)\b",
            r"table \S+ not found|relation \S+ does not exist|no such table|doesn't exist",
            "explains the missing tables: the development settings point at another, empty database",
        ),
        (
            r"\bflip flop\b|duplicate address (?:detected|found)|ip (?:address )?conflict|address conflict",
            r"no route to host|host is unreachable|connection timed out",
            "explains the unreachable address",
        ),
        (
            r"\ballocation\.enable\]? from \[?\w+\]? to \[?(?:primaries|new_primaries|none)\b",
            r"health status changed from \[\w+\] to \[(?:YELLOW|RED)\]|\bunassigned (?:shards|replicas)\b",
            "explains the unassigned shards: allocation was limited and never set back to all",
        ),
        (
            r"(?:Packages that will be upgraded|Unpacking|Preparing to unpack|Upgrade:)\b.{0,200}"
            r"\b(?:docker-ce|docker\.io|containerd(?:\.io)?|moby-engine|podman|cri-o)\b",
            r"is DOWN\b|connection refused|no server available|<NOSRV>|"
            r"container \S+ (?:exited|stopped|died)|\bExited \(\d+\)",
            "explains the stopped containers: upgrading the container engine restarted it and them",
        ),
        (
            r"\busing nameserver \S+",
            r"Maximum number of concurrent DNS queries reached",
            "explains the queries piling up: the nameserver dnsmasq forwards to does not answer",
        ),
        (
            r"creating new \S+ mode = \d+ uid = 0\b",
            r"permission denied|\bEACCES\b",
            "explains the permission denied: logrotate created the new log file owned by root",
        ),
        (
            r"pt-kill started with: .{0,200}--busy-time \d+|\bKILL \d+ \(Query \d+ sec\)",
            r"Lost connection to MySQL server during query",
            "explains the lost connections: pt-kill kills every query that runs longer than its busy time",
        ),
        (
            r"cannot be dropped because some objects depend on it",
            r"maximum revoke attempts reached",
            "explains the leases left behind: the database refuses to drop the role while objects depend "
            "on it",
        ),
        (
            r"EXTERNAL COMMAND: DISABLE_NOTIFICATIONS\b",
            r"(?:SERVICE|HOST) ALERT: [^;]*;(?:[^;]*;)?(?:CRITICAL|DOWN|UNREACHABLE);HARD;",
            "explains the silence: notifications were switched off for everything, so the hard alerts paged "
            "no one",
        ),
        (
            r"LOAD MYSQL QUERY RULES TO RUNTIME",
            r"--read-only option|\b1290\b",
            "explains the refused writes: the new query rules send writes to the read-only hostgroup",
        ),
        (
            r"\bufw default deny outgoing\b",
            r"\[UFW BLOCK\] IN= OUT=|NameResolutionError|Temporary failure in name resolution",
            "explains the blocked connections: the firewall's default for outgoing traffic became deny",
        ),
        (
            r"time_until_store_dead",
            r"liveness record expired|considered dead|marking node as (?:suspect|dead)",
            "explains the node declared dead: the time a store may be away was shortened",
        ),
        (
            r"execution\.checkpointing\.timeout, \d+ s\b",
            r"Checkpoint expired before completing",
            "explains the expired checkpoints: the checkpoint timeout is shorter than a checkpoint takes",
        ),
        (
            r"\"osd set\", \"key\": \"no(?:recover|backfill|rebalance)\"|"
            r"no(?:recover|backfill)\S* flag\(s\) set",
            r"Degraded data redundancy|pgs? (?:degraded|undersized)|PG_DEGRADED",
            "explains the degraded placement groups: recovery (or backfill) was switched off and never "
            "back on",
        ),
        (
            r"Event for \S+: Pulling image",
            r"failed to start in \d+ seconds",
            "explains the spawn timeouts: the image was still being pulled when the start timeout ran out",
        ),
        (
            r"Updated to new configuration\b",
            r"Unable to reach the origin service|connection refused",
            "explains the refused connections: the tunnel's remotely managed configuration changed its "
            "origin",
        ),
        (
            r"\bregistry garbage-collect\b",
            r"blob unknown",
            "explains the missing blobs: garbage collection ran while the registry took pushes, and deleted "
            "layers new manifests use",
        ),
        (
            r"can'?t connect to UNIX socket \S+: No such file",
            r"ALL VIRUS SCANNERS FAILED|av-scanner FAILED",
            "explains the failed scans: the scanner's socket is not where the client looks for it",
        ),
        (
            r"pause of approximately \d{5,}ms",
            r"session expired|SessionExpired|YouAreDeadException|received expired from ZooKeeper",
            "explains the expired session: the JVM stood still longer than the ZooKeeper session timeout",
        ),
        (
            r"volume set \S+ network\.ping-timeout \d\b",
            r"has not responded in the last \d seconds, disconnecting",
            "explains the dropped bricks: the ping timeout was set to a few seconds, so any pause "
            "disconnects",
        ),
        (
            r"template\[/etc/sysctl\.d/\S+\] action create|update content in file /etc/sysctl\.d/",
            r"Cannot assign requested address|\bEADDRNOTAVAIL\b",
            "explains the failed connects: the kernel settings (the ephemeral port range) were rewritten",
        ),
        (
            r"set battery\.(?:runtime|charge)\.low\b",
            r"power-fail shutdown|set FSD\b",
            "explains the forced shutdown: the low-battery threshold was raised above what the battery holds",
        ),
        (
            r"ALTER SYSTEM SET undo_retention\s*=",
            r"\bORA-01555\b|snapshot too old",
            "explains the snapshot-too-old errors: undo is kept for less time than the queries run",
        ),
        (
            r"\bBADSIG\b|bad tsig signature",
            r"zone \S+ has expired|SERVFAIL for expired zone|soa refresh failed",
            "explains the expired zone: every transfer from the primary fails its TSIG check",
        ),
        (
            r"parameter \"statement_timeout\" changed to",
            r"canceling statement due to statement timeout",
            "explains the cancelled statements: the server-wide statement_timeout was changed",
        ),
        (
            r"\bOLLAMA_KEEP_ALIVE:0s?\b",
            r"llama runner started in \d{2,}|VRAM usage didn't recover",
            "explains the slow answers: with keep-alive 0 the model is unloaded after each request and "
            "loaded again for the next",
        ),
        (
            r"is unmanaged \(maintenance-mode=true\)",
            r"No route to host|connection refused|could not connect to server|"
            r"connection to server at .{0,80}failed",
            "explains the failed connections: in maintenance mode the cluster moved and promoted nothing "
            "when the node died",
        ),
        (
            r"time stepped by -?\d{3,}|\bclock_step -?\d{3,}",
            r"clock skew|CLOCK_SKEW|not yet valid|\bTKT_NYV\b",
            "explains the clock-skew failures: the clock was stepped by that much",
        ),
        (
            r"FilterDefaultDeny Yes|Setting \"Filter\" to",
            r"refused on filtered domain",
            "explains the refused requests: the proxy's filter now refuses every domain not listed",
        ),
        (
            r"\bstate set to DRAIN(?:ING)?\b|update_node: node \S+ reason set to:",
            r"ReqNodeNotAvail|UnavailableNodes:",
            "explains the pending jobs: the nodes were set to drain and never resumed",
        ),
        (
            r"\bpath=\S+ .{0,120}\bmode=0?77[57]\b",
            r"writable root inside chroot",
            "explains the refused logins: the directory was made group-writable, and vsftpd refuses a "
            "writable chroot root",
        ),
        (
            r"failed to authenticate some domains|Invalid response from \S*/\.well-known/acme-challenge/",
            r"Some challenges have failed|Failed to renew certificate|\brenew failure",
            "explains the failed renewal: the CA could not fetch the challenge files from the domains",
        ),
        (
            r"(?:error|status)(?: code)? 429\b|rate.?limited by|\bon cool-?down until\b",
            r"blocked by (?:the )?CDN|update failed|\b403\b|\bforbidden\b",
            "explains the refused updates: the server rate-limited this client (HTTP 429), which now "
            "waits out a cool-down",
        ),
        (
            r"archive command failed|failed archive command was|\bwal-push\b.{0,200}(?:fail|denied)|"
            r"failed to upload \S+ to bucket",
            r"pg_wal\S* .{0,80}no space left|no space left on device",
            "explains the full disk: WAL segments stay in pg_wal until they are archived, and archiving "
            "fails",
        ),
        (
            r"\bdocker service (?:update|create)\b.{0,200}--limit-memory|--memory[= ]\d+[kmg]?\b|"
            r"\bmem_limit\b|\bMemoryMax=",
            r"memory cgroup out of memory|oom-?kill|killed by the oom killer|exit(?:ed)? (?:code )?137\b",
            "explains the OOM kills: a memory limit was set that the process does not fit in",
        ),
        (
            r"\bvm\.overcommit_memory\s*=\s*2\b",
            r"out of memory|cannot allocate memory|unable to create (?:new )?native thread|fork(?:\(\))?: "
            r"(?:cannot allocate|resource temporarily)",
            "explains the allocation failures: strict overcommit (vm.overcommit_memory=2) refuses memory "
            "beyond the commit limit while RAM is still free",
        ),
        (
            r"\b802-3-ethernet\.mtu\b|\bmtu\b\D{0,20}\b9\d{3}\b",
            r"not responding|timed out|i/o timeout|blocked for more than",
            "explains the hangs: frames larger than the path's MTU are dropped, so large transfers stall "
            "while small packets (ping, ssh) pass",
        ),
        (
            r"\bFound new \S+ image\b|\bSession done\b.{0,80}\bUpdated=[1-9]|"
            r"\bgit (?:checkout|switch|pull)\b",
            r"column \S+ (?:of relation \S+ )?does not exist|no such column|unknown column|"
            r"relation \S+ does not exist|no such table|pending migration",
            "explains the schema errors: a new release (an automatic image update, a checkout) started "
            "without its database migration",
        ),
        (
            r"no space left|\bENOSPC\b|errno=-28|transaction aborted|forced readonly|"
            r"remounting filesystem read-only|\bEXT4-fs error\b",
            r"read-only file system|\bEROFS\b",
            "explains the read-only file system: the kernel forced it read-only after that error",
        ),
        (
            r"timed out waiting for device|dependency failed for \S+\.mount\b",
            r"insufficient storage|\b507\b|is not mounted|not mounted",
            "explains the unmounted drive: its device never appeared at boot, so the mount did not happen",
        ),
        (
            r"\bsetsebool\b|\bseboolean\b|\bchanged boolean\b|\bboolean \S+ (?:set|changed)\b",
            r"avc: +denied|permission denied",
            "explains the denials: an SELinux boolean that allowed them was switched off",
        ),
        (
            r"updated default CNI network name to",
            r"failed to (?:create|set ?up) pod network sandbox|CNI network \S+",
            "explains the failing pod sandboxes: CRI-O switched its default network to another CNI config",
        ),
    )
)


# The verdicts below are asked of the same text several times per analysis (see memo.py).
_EXPLAINERS = PatternSet([explainer for explainer, _, _ in _EXPLAINS])
_EXPLAINED = PatternSet([explained for _, explained, _ in _EXPLAINS])
_QUICK_CAUSE, _QUICK_DEFINITE = Alternatives(_CAUSE), Alternatives(_DEFINITE)
_QUICK_SYMPTOM, _QUICK_BACKGROUND = Alternatives(_SYMPTOM), Alternatives(_BACKGROUND_NOISE)


@remember_short(2048)
def _explain_pairs(text: str) -> tuple[frozenset[int], frozenset[int]]:
    """Which `_EXPLAINS` pairs a text is the explaining side of, and which the explained side."""
    return _EXPLAINERS.matching(text), _EXPLAINED.matching(text)


@remember_short(2048)
def explains_something(text: str) -> bool:
    """Whether a line is the explaining side of some cause-and-symptom pair."""
    return bool(_explain_pairs(text)[0])


def names_cause(text: str) -> bool:
    """Whether a line says why something failed (a full disk, a refused login, a limit reached)."""
    return _QUICK_CAUSE.found_in(text)


@remember_short(2048)
def _definite(text: str) -> bool:
    return _QUICK_DEFINITE.found_in(text)


@remember_short(2048)
def _reads_like_symptom(text: str) -> bool:
    return _QUICK_SYMPTOM.found_in(text) and not _definite(text)


@remember_short(2048)
def _background(template: str) -> bool:
    return _QUICK_BACKGROUND.found_in(template)


def _text(row: dict[str, Any]) -> str:
    entries: list[LogEntry] = row["_entries"]
    return " ".join([row["template"], *(e.full_text[:2000] for e in entries[:3])])


_SMALL_STEP = re.compile(r"clock wrong by -?0\.\d+ seconds")
_DOTFILE_PROBE = re.compile(
    r"client denied by server configuration: \S*/\.(?:git|env|svn|htaccess|DS_Store)\b"
)


# A failed login and the address it came from: the internet's password guessing when that
# address is outside every private range.
_FAILED_FROM = re.compile(
    r"(?:Failed (?:password|publickey|none|keyboard-interactive)|Invalid user|authentication failure|"
    r"FAIL LOGIN|authentication error).{0,200}?(?:\bfrom |rhost=|Client \")(?:::ffff:)?"
    r"(?P<ip>\d{1,3}(?:\.\d{1,3}){3})\b"
    # ... or the client's address:port first (NATS: "198.51.100.51:44725 - cid:41 - ... authentication error")
    r"|(?P<peer>\d{1,3}(?:\.\d{1,3}){3}):\d+ - .{0,120}?\bauthentication (?:error|failed|failure)\b"
    # ... or in parentheses before what the server said (ProFTPD: "(203.0.113.9[203.0.113.9]): ...")
    r"|\((?P<paren>\d{1,3}(?:\.\d{1,3}){3})\[[^\]]*\]\): (?:USER \S+: no such user|Maximum login attempts|"
    r"USER \S+ \(Login failed\))",
    re.IGNORECASE,
)
_INSIDE = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "100.64.0.0/10",
    )
)


@remember_short(2048)
def _guessed_from_outside(text: str) -> bool:
    found = _FAILED_FROM.search(text)
    if found is None:
        return False
    try:
        address = ipaddress.ip_address(found["ip"] or found["peer"] or found["paren"])
    except ValueError:
        return False
    return not any(address in network for network in _INSIDE)


def eligible(row: dict[str, Any]) -> bool:
    """Errors and warnings may be causes; a successful or health-check request, or a browser's
    request for a favicon, never is."""
    return row["level"] in _LEVEL_WEIGHT and _may_matter(row)


def _may_matter(row: dict[str, Any]) -> bool:
    """Not background whatever its level: no health check, no known noise, no answered request."""
    entries: list[LogEntry] = row["_entries"]
    if all(e.health_check for e in entries) or _background(row["template"]):
        return False
    if all(_guessed_from_outside(e.text) for e in entries):
        return False  # the internet guessing passwords: noise (a success after it is security.py's)
    if all(_background(e.text) for e in entries[:3]):
        return False  # what the template masked (a D-Bus error name that differs per line) said it
    if len(entries) <= 2 and all(_SMALL_STEP.search(e.text) for e in entries):
        return False  # chrony's makestep at boot: under a second, once or twice
    if all(_DOTFILE_PROBE.search(e.text) for e in entries):
        return False  # scanners probing for .git and .env: refused, as they should be
    return not (any(e.status is not None for e in entries) and all((e.status or 0) < 500 for e in entries))


def _refused_requests(table: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Requests answered 4xx (a proxy's TCP_DENIED/403): never causes, but symptoms a change can
    explain."""
    return [
        row
        for row in table
        if row["level"] in _LEVEL_WEIGHT
        and any(400 <= (e.status or 0) < 500 for e in row["_entries"])
        and not _background(row["template"])
        and not all(e.health_check for e in row["_entries"])
    ]


def _quiet_explainers(table: list[dict[str, Any]], candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Lines at info or notice that explain a symptom among the candidates which no louder line
    explains (a retention run that deleted the image every pull now misses, a task that took the
    server thread): causes said calmly, ranked as warnings."""
    pairs = [_explain_pairs(_text(row)) for row in [*candidates, *_refused_requests(table)]]
    # Symptoms shown that no louder line explains already.
    explained = {i for _, shown in pairs for i in shown} - {i for explains, _ in pairs for i in explains}
    if not explained:
        return []
    return [
        {**row, "level": "warning"}
        for row in table
        if row["level"] not in _LEVEL_WEIGHT
        and _explain_pairs(_text(row))[0] & explained
        and _may_matter(row)
    ]


def rank(table: list[dict[str, Any]]) -> list[Candidate]:
    """Candidates best first. In a log without errors only a warning that names a cause (a table
    full, a certificate expired) is one: other warnings there are background."""
    candidates = [
        row
        for row in table
        if eligible(row) and not (len(row["_entries"]) < _REPEATS and _ONLY_REPEATED.search(_text(row)))
    ]
    quiet = _quiet_explainers(table, candidates)
    if not any(row["errors"] for row in candidates):
        candidates = _causes_in_calm_log(candidates, quiet)
    candidates += quiet
    if not candidates:
        return []
    texts = [_text(row) for row in candidates]
    pairs = [_explain_pairs(t) for t in texts]  # (pairs it explains, pairs it is explained by), per row
    field = _field(table, candidates, texts, pairs, quiet)
    ranked = [
        _judge(row, text, row_pairs, field)
        for row, text, row_pairs in zip(candidates, texts, pairs, strict=True)
    ]
    ranked.sort(key=lambda c: (-c.score, c.row["first_seen"] or "~"))
    return ranked


def _causes_in_calm_log(
    candidates: list[dict[str, Any]], quiet: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Of the warnings in a log without errors: those that name a cause, the symptoms a quiet line
    explains, and those that explain a symptom shown beside them (flags left set, under the
    degraded groups they cause)."""
    candidates = _without_typos(candidates)
    explained = {i for row in quiet for i in _explain_pairs(_text(row))[0]}
    symptoms = {i for row in candidates for i in _explain_pairs(_text(row))[1]}
    return [
        row
        for row in candidates
        if (names_cause(_text(row)) and not _reads_like_symptom(_text(row)))
        or _explain_pairs(_text(row))[1] & explained
        or _explain_pairs(_text(row))[0] & symptoms
    ]


def _without_typos(candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A user who mistyped a password once or twice, in a log with nothing else wrong, is no
    cause: the failed logins leave the candidates unless there are more than a few of them."""
    typos = [row for row in candidates if _FAILED_LOGIN.search(_text(row))]
    if sum(len(row["_entries"]) for row in typos) <= _FEW_TYPOS:
        return [row for row in candidates if row not in typos]
    return candidates


@dataclass(frozen=True)
class _Field:
    """What each candidate is judged against: the other candidates and the whole log."""

    shown: set[str]  # the explanations of the pairs whose symptom a candidate or refused request shows
    explaining: set[int]  # the pairs some candidate is the explaining side of
    wrapped: set[str]  # exception types that wrap another in a chain
    innermost: set[str]  # the innermost exceptions of those chains
    places: dict[int, int]  # a substantive row's place in time (by id), the first 0
    substantive: int  # how many rows have such a place
    ongoing: set[int]  # rows (by id) still happening at the end of the log


def _field(
    table: list[dict[str, Any]],
    candidates: list[dict[str, Any]],
    texts: list[str],
    pairs: list[tuple[frozenset[int], frozenset[int]]],
    quiet: list[dict[str, Any]],
) -> _Field:
    """Worked out once per ranking, not once per candidate."""
    refused = [_explain_pairs(_text(row))[1] for row in _refused_requests(table)] if quiet else []
    shown = {_EXPLAINS[i][2] for explained in [*(p[1] for p in pairs), *refused] for i in explained}
    explaining = {i for explains, _ in pairs for i in explains}
    order = _time_order(candidates, texts, pairs, shown)
    chained = [e for row in candidates for e in row["_entries"] if e.root_exception != e.exception_type]
    return _Field(
        shown=shown,
        explaining=explaining,
        wrapped={e.exception_type for e in chained},
        innermost={e.root_exception for e in chained},
        places={id(row): position for position, row in enumerate(order)},
        substantive=len(order),
        ongoing=_still_happening(table),
    )


def _time_order(
    candidates: list[dict[str, Any]],
    texts: list[str],
    pairs: list[tuple[frozenset[int], frozenset[int]]],
    shown: set[str],
) -> list[dict[str, Any]]:
    """Time orders the candidates; where lines carry no time (`kubectl describe`), their place in
    the text. A warning that names no cause is background: it takes no place in that order."""
    # A line that explains a symptom shown beside it is a cause too, and takes its place in time.
    substantive = [
        row
        for row, text, (explains_pairs, _) in zip(candidates, texts, pairs, strict=True)
        if row["errors"] or names_cause(text) or any(_EXPLAINS[i][2] in shown for i in explains_pairs)
    ]
    return sorted(substantive, key=lambda r: (r["first_seen"] or "~", r["_entries"][0].line_no))


class _Tally:
    """A candidate's score and the reasons for it, added to in the order they are judged (the
    order of the additions is kept: the rounded score depends on it)."""

    __slots__ = ("reasons", "score")

    def __init__(self, score: float, reason: str) -> None:
        self.score = score
        self.reasons = [reason]

    def add(self, points: float, reason: str | None = None) -> None:
        self.score += points
        if reason is not None:
            self.reasons.append(reason)


def _judge(
    row: dict[str, Any], text: str, row_pairs: tuple[frozenset[int], frozenset[int]], field: _Field
) -> Candidate:
    """One candidate's score: its level, then what its words, its exception and its place in
    time say of it, then what it explains and what explains it."""
    explains_pairs, explained_pairs = row_pairs
    entries: list[LogEntry] = row["_entries"]
    tally = _Tally(_LEVEL_WEIGHT[row["level"]], row["level"])
    if any(e.exception_type for e in entries):
        tally.add(0.6, "exception")
    explains = [_EXPLAINS[i][2] for i in sorted(explains_pairs) if _EXPLAINS[i][2] in field.shown]
    explained = bool((explained_pairs & field.explaining) - explains_pairs)
    _judge_cause(tally, row, text, explains, field, explained)
    if _ONE_CLIENT.search(text):  # one client with the wrong password: its problem, rarely everyone's
        tally.add(-1.0, "one client's credentials")
    failed_request = any((e.status or 0) >= 500 for e in entries)
    symptom = _judge_symptom(tally, text, explains, failed_request)
    _judge_chain(tally, entries, field)
    if not failed_request:  # a failed request's earliness says when users noticed, not what broke
        _judge_earliness(tally, row, symptom, field)
    for reason in explains:
        tally.add(2.0, reason)
    if explained:
        tally.add(-1.0, "explained by another line")  # what another line explains is its consequence
    tally.add(0.2 * math.log10(1 + row["errors"]))
    return Candidate(row, round(tally.score, 3), tuple(tally.reasons))


def _judge_cause(
    tally: _Tally, row: dict[str, Any], text: str, explains: list[str], field: _Field, explained: bool
) -> None:
    """A line that names a cause, or explains another line whatever its words, is a cause; a
    warning that names none is background, not the incident. A definite cause that another line
    explains (a full disk, explained by archiving that fails) is not the first one."""
    if names_cause(text) or explains:
        tally.add(1.2, "names a cause")
        if _definite(text) and not explained:  # a disk that is full beats a collector that was slow
            tally.add(1.0, "a definite cause")
        if id(row) in field.ongoing:  # of two causes, the one that has not stopped is the problem now
            tally.add(0.8, "still happening at the end")
    elif row["level"] == "warning":
        tally.add(-1.0)


def _judge_symptom(tally: _Tally, text: str, explains: list[str], failed_request: bool) -> bool:
    """Whether the line reads like a symptom (a timeout, a wait) rather than its cause; a 5xx in
    an access log is what users saw, never why."""
    if failed_request:
        tally.add(-1.5, "a failed request, a symptom")
    elif _reads_like_symptom(text) and not explains:  # a setting named "timeout" explains timeouts
        tally.add(-0.8, "reads like a symptom")
        return True
    return False


def _judge_chain(tally: _Tally, entries: list[LogEntry], field: _Field) -> None:
    """What the row stands for: the innermost exception of its chain, or its only one. One that
    wraps the real error loses to it: the real error is its own candidate."""
    exception = next((e.root_exception for e in entries if e.root_exception), None)
    if exception and exception in field.innermost:
        tally.add(0.6, "the innermost cause of a chain")
    elif exception and exception in field.wrapped:
        tally.add(-0.4, "wraps another error")


def _judge_earliness(tally: _Tally, row: dict[str, Any], symptom: bool, field: _Field) -> None:
    """The first problem in time gets most of this, the last one none; a symptom's earliness
    says half as much."""
    place = field.places.get(id(row))
    if place is not None and field.substantive > 1:
        tally.add(
            (0.75 if symptom else 1.5) * (1 - place / (field.substantive - 1)),
            "first to appear" if place == 0 else None,
        )
