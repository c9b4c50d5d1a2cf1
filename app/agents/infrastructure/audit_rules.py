"""The one severity table of the configuration audit: compose and Kubernetes findings are built
from it, so the same risk carries the same code and severity on both (docs/INFRASTRUCTURE_AUDIT.md)."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from app.agents.base import Finding, Severity


@dataclass(frozen=True)
class Rule:
    """What a check code means: its severity, why it matters, what to do, and where it shows."""

    severity: Severity
    why: str
    fix: str
    compose: str  # an example that triggers it in docker-compose, or "" when compose has no such setting
    kubernetes: str  # the same for Kubernetes


_C, _W = Severity.CRITICAL, Severity.WARNING

RULES = MappingProxyType(
    {
        "privileged_container": Rule(
            _C,
            "all devices and capabilities of the host: a container escape is one mount away",
            "drop privileged and add only the capabilities it needs",
            "privileged: true",
            "securityContext.privileged: true",
        ),
        "dangerous_capability": Rule(
            _C,
            "ALL, SYS_ADMIN, SYS_MODULE, SYS_RAWIO and DAC_READ_SEARCH are known container escapes",
            "remove the capability",
            "cap_add: [SYS_ADMIN]",
            "capabilities.add: [ALL]",
        ),
        "host_network": Rule(
            _C,
            "the container sees every host interface and loopback-only service, and can bind host ports",
            "use the container network and publish only the ports it serves",
            "network_mode: host",
            "hostNetwork: true",
        ),
        "host_pid": Rule(
            _C,
            "the container sees and can signal or trace every process of the host",
            "remove the host PID namespace",
            "pid: host",
            "hostPID: true",
        ),
        "host_ipc": Rule(
            _C,
            "the container shares the host's shared memory and semaphores",
            "remove the host IPC namespace",
            "ipc: host",
            "hostIPC: true",
        ),
        "docker_socket_mount": Rule(
            _C,
            "the container runtime's socket (Docker, containerd, CRI-O, Podman) is root on the host",
            "remove the socket mount or put a restricted proxy in front of it",
            "- /var/run/docker.sock:/var/run/docker.sock",
            "hostPath: {path: /var/run/docker.sock}",
        ),
        "sensitive_host_path_mount": Rule(
            _C,
            "/, system directories (/etc, /usr, /var, /proc, /sys, /dev, /boot, /run), home directories "
            "and the runtime's or kubelet's state give control of the host",
            "remove the mount",
            "- /etc:/host-etc",
            "hostPath: {path: /}",
        ),
        "plaintext_secret": Rule(
            _C,
            "a literal password, token or key in the file is readable by anyone who can read the file",
            "move it to a secret store and reference it",
            "DB_PASSWORD: hunter2",
            "env: [{name: API_TOKEN, value: abc123}]",
        ),
        "secret_in_url": Rule(
            _C,
            "a password inside a URL is a literal secret, and URLs end up in logs",
            "take the password out of the URL and reference a secret",
            "DATABASE_URL: postgres://app:hunter2@db:5432/app",
            "env: [{name: DATABASE_URL, value: 'postgres://app:hunter2@db/app'}]",
        ),
        "rbac_cluster_admin": Rule(
            _C,
            "cluster-admin (or admin/edit bound cluster-wide) lets whoever holds the token read every "
            "secret and run anything anywhere: a compromise of one pod owns the cluster",
            "bind a Role with only the verbs and resources the workload uses",
            "",
            "ClusterRoleBinding roleRef: {kind: ClusterRole, name: cluster-admin}",
        ),
        "rbac_everyone": Rule(
            _C,
            "system:anonymous, system:unauthenticated and system:authenticated are every caller of the API "
            "server (or every identity in the cluster)",
            "bind the role to the service accounts or groups that need it",
            "",
            "subjects: [{kind: Group, name: system:unauthenticated}]",
        ),
        "rbac_wildcard": Rule(
            _C,
            "every verb on every resource is cluster-admin under another name, including what future "
            "API versions add",
            "list the verbs and resources the workload uses",
            "",
            "rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]",
        ),
        "rbac_sensitive_permission": Rule(
            _W,
            "reading secrets, exec into pods, node proxy, impersonation, escalate and bind each lead to "
            "more privilege than the role states",
            "grant it only where the workload needs it, in a namespaced Role",
            "",
            "rules: [{resources: [secrets], verbs: [get, list]}] in a ClusterRole",
        ),
        "security_profile_disabled": Rule(
            _W,
            "unconfined seccomp, AppArmor or SELinux removes the kernel's filter on what a compromised "
            "process may call, the default guard against container escapes",
            "keep the runtime's default profile (RuntimeDefault) or write a narrower one",
            "security_opt: [seccomp:unconfined]",
            "seccompProfile: {type: Unconfined}",
        ),
        "heap_over_memory_limit": Rule(
            _C,
            "a process told it may use as much memory as its limit or more (a JVM's -Xmx, the OpenTelemetry "
            "Collector's memory_limiter) leaves nothing for the rest: the kernel kills it (exit 137) first",
            "keep the process's own cap (-Xmx, limit_mib) well below the limit (about 75-80%), or give it a "
            "percentage (-XX:MaxRAMPercentage, limit_percentage)",
            "JAVA_OPTS: -Xmx3g with mem_limit: 2g",
            "JAVA_TOOL_OPTIONS: -Xmx3g with resources.limits.memory: 2Gi",
        ),
        "data_on_ephemeral_storage": Rule(
            _C,
            "a database whose data directory (or an application whose state or uploads) is scratch space "
            "(an emptyDir, or the container itself) loses everything when the pod is rescheduled or the "
            "container recreated",
            "keep the data on a PersistentVolumeClaim (volumeClaimTemplates) or a named volume",
            "mysql with no volume on /var/lib/mysql",
            "postgres with volumeMounts /var/lib/postgresql/data on an emptyDir volume",
        ),
        "service_selects_no_pods": Rule(
            _C,
            "a Service whose selector matches no pod has no endpoints: every request to it fails",
            "make the selector match the pod template's labels",
            "",
            "selector: {app: checkout-api} while the pods are labelled app: checkout",
        ),
        "service_port_mismatch": Rule(
            _C,
            "a Service whose targetPort is a port no selected container listens on has endpoints, but every "
            "connection to them is refused: the ingress answers 502 or 503 while the pods are Ready",
            "point targetPort at the port the container listens on (its containerPort, or that port's name)",
            "",
            "targetPort: 8080 while the container listens on containerPort 3000",
        ),
        "advertised_address_loopback": Rule(
            _C,
            "a broker (Kafka, Redpanda) tells each client which address to use after the first contact: "
            "advertising localhost sends clients in other containers or pods back to themselves, so "
            "every produce and consume fails after the bootstrap succeeded",
            "advertise the name clients reach it by (the service name and port: kafka:9092), with a "
            "second listener for clients on the host if they need one",
            "KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://localhost:9092 beside its producers",
            "env KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://127.0.0.1:9092 beside its consumers",
        ),
        "udp_port_published_as_tcp": Rule(
            _W,
            "compose publishes a port as TCP unless told /udp: a UDP-only service (STUN, SSDP, mDNS, NTP, "
            "SNMP, WireGuard, IPsec, TFTP, UniFi discovery) published that way gets no packet",
            "publish the port with /udp (3478:3478/udp)",
            'ports: ["3478:3478"] for the UniFi controller\'s STUN',
            "",
        ),
        "undefined_service_host": Rule(
            _C,
            "a setting meant for a service of the file names a host no container of the file answers to: "
            "compose's DNS does not resolve it, so every connection fails and the service restarts",
            "use the service's name (or give the service that name as a network alias)",
            "DB_HOST: mysql while the MySQL service is named db",
            "",
        ),
        "no_shared_network": Rule(
            _C,
            "compose's DNS answers a service's name only on the networks both services are attached to: "
            "a service that shares none with what it depends on cannot resolve or reach it",
            "attach both services to one network (add the dependency's network to the service)",
            "depends_on: [database] with the service only on `proxy` and database only on `backend`",
            "",
        ),
        "ingress_backend_port_missing": Rule(
            _C,
            "an Ingress backend names the Service's port, not the container's: a port the Service does not "
            "expose gives the controller no endpoints, and it answers 503 while the pods are Ready",
            "name one of the Service's ports (its `port` or that port's name) in the backend",
            "",
            "backend service port number: 8000 while the Service exposes port 80 (targetPort 8000)",
        ),
        "probe_port_mismatch": Rule(
            _C,
            "a probe that checks a port the container does not listen on fails forever: a readiness probe "
            "keeps every pod out of its Service (no endpoints), a liveness probe restarts them in a loop",
            "point the probe at the port the application listens on (its containerPort, or that port's name)",
            "",
            "readinessProbe on 8080 while the container listens on 3000 (its livenessProbe checks 3000)",
        ),
        "shared_single_node_volume": Rule(
            _C,
            "a ReadWriteOnce volume attaches to one node at a time: replicas scheduled elsewhere hang in "
            "ContainerCreating with Multi-Attach errors, so only one pod ever runs",
            "give each pod its own volume (a StatefulSet's volumeClaimTemplates), or use ReadWriteMany",
            "",
            "a Deployment with replicas: 4 mounting one PersistentVolumeClaim that is ReadWriteOnce",
        ),
        "ingress_tls_secret_elsewhere": Rule(
            _C,
            "an Ingress can only use a TLS secret from its own namespace: with the secret elsewhere the "
            "controller serves its default (self-signed) certificate",
            "create or sync the TLS secret into the Ingress's namespace",
            "",
            "an Ingress in namespace shop whose tls.secretName is a Secret in namespace cert-store",
        ),
        "localhost_in_container": Rule(
            _C,
            "inside a container, localhost is the container itself: an address of another service written as "
            "localhost or 127.0.0.1 is refused however healthy that service is",
            "use the other service's name (db, redis) as the host",
            "DATABASE_HOST: localhost beside a db service",
            "",
        ),
        "dependency_not_ready": Rule(
            _W,
            "depends_on in its short form waits for the other container to start, not to accept "
            "connections: the dependant's first connections are refused, and without a restart policy "
            "it stays down",
            "use depends_on with condition: service_healthy and give the dependency a healthcheck",
            "depends_on: [db] on a postgres service",
            "",
        ),
        "rollout_downtime": Rule(
            _W,
            "a rolling update that may stop every pod before new ones are ready makes each deploy an "
            "outage (502/503 until the new pods answer)",
            "use maxUnavailable: 0 with maxSurge: 1 (or 25%), and a readiness probe",
            "",
            "strategy.rollingUpdate: {maxUnavailable: 100%, maxSurge: 0}",
        ),
        "network_policy_blocks_dns": Rule(
            _C,
            "once a NetworkPolicy restricts egress, pods reach only what a rule allows; without a rule for "
            "port 53 to the cluster DNS no name resolves, so even the connections the policies allow fail",
            "add an egress rule to kube-system's DNS pods (k8s-app: kube-dns) on UDP and TCP port 53",
            "",
            "policyTypes: [Egress] with rules that allow only TCP 5432 and 443",
        ),
        "hpa_without_resource_request": Rule(
            _W,
            "a HorizontalPodAutoscaler's Utilization target is a percentage of the containers' requests: "
            "with no request for that resource it cannot compute one, shows <unknown> and never scales",
            "set resources.requests for that resource on every container of the workload it scales",
            "",
            "averageUtilization: 70 on cpu while the container requests only memory",
        ),
        "cronjob_overlap": Rule(
            _W,
            "with concurrencyPolicy Allow (the default) a run that outlasts the schedule's interval runs "
            "beside the next one: the same work done twice, and pods piling up",
            "set concurrencyPolicy: Forbid (or Replace), and an activeDeadlineSeconds that ends a stuck run",
            "",
            "a CronJob with concurrencyPolicy: Allow, or none",
        ),
        "pdb_blocks_drain": Rule(
            _W,
            "a PodDisruptionBudget that allows no voluntary disruption makes every node drain and upgrade "
            "wait forever",
            "use maxUnavailable: 1, or keep minAvailable below the replica count",
            "",
            "minAvailable: 2 over 2 replicas, or maxUnavailable: 0",
        ),
        "added_capability": Rule(
            _W,
            "a capability beyond the runtime's default set widens what a compromise can do",
            "remove it unless the service needs it",
            "cap_add: [NET_ADMIN]",
            "capabilities.add: [NET_ADMIN]",
        ),
        "capabilities_not_dropped": Rule(
            _W,
            "the runtime's default capabilities (NET_RAW, SETUID, CHOWN ...) stay available to an attacker",
            "drop ALL and add back only what it needs",
            "no cap_drop: [ALL]",
            "no capabilities.drop: [ALL]",
        ),
        "privilege_escalation": Rule(
            _W,
            "setuid binaries can raise the process's privileges",
            "forbid privilege escalation",
            "security_opt: [no-new-privileges:false]",
            "allowPrivilegeEscalation: true",
        ),
        "runs_as_root": Rule(
            _W,
            "root in the container is one kernel bug away from root on the host",
            "run as a non-root user",
            "user: root, or no user",
            "runAsUser: 0, or neither runAsUser nor runAsNonRoot",
        ),
        "writable_root_filesystem": Rule(
            _W,
            "an attacker can change the container's binaries and configuration",
            "make the root filesystem read-only and mount volumes where it writes",
            "no read_only: true",
            "no readOnlyRootFilesystem: true",
        ),
        "host_path_mount": Rule(
            _W,
            "a host directory ties the container to one host and exposes the host's files",
            "use a named volume, or mount read-only only what it needs",
            "- /srv/data:/data",
            "hostPath: {path: /srv/data}",
        ),
        "database_without_password": Rule(
            _C,
            "the database lets anyone who reaches it log in as any user, the superuser included, with no "
            "password at all",
            "remove it and give the database a password from a secret (scram-sha-256 for PostgreSQL)",
            "POSTGRES_HOST_AUTH_METHOD: trust, or MYSQL_ALLOW_EMPTY_PASSWORD: yes",
            "env POSTGRES_HOST_AUTH_METHOD=trust, or MYSQL_ALLOW_EMPTY_PASSWORD=yes",
        ),
        "default_credentials": Rule(
            _C,
            "a server left on the credentials its image ships with (RabbitMQ's guest/guest, MinIO's "
            "minioadmin, Grafana's admin/admin): they are the first thing anyone tries",
            "set the admin user and password from a secret (RABBITMQ_DEFAULT_USER/RABBITMQ_DEFAULT_PASS, "
            "MINIO_ROOT_USER/MINIO_ROOT_PASSWORD, GF_SECURITY_ADMIN_PASSWORD__FILE)",
            "rabbitmq image with no RABBITMQ_DEFAULT_USER/PASS and 5672 published",
            "env RABBITMQ_DEFAULT_PASS=guest",
        ),
        "plaintext_listener": Rule(
            _C,
            "a server that takes passwords, tokens or secrets listening without TLS (Vault's tls_disable, "
            "Dovecot's ssl = no with plaintext auth): they cross the network in clear text",
            "give the listener a certificate and require TLS (Vault: tls_cert_file and no tls_disable; "
            "Dovecot: ssl = required, disable_plaintext_auth = yes)",
            'env VAULT_LOCAL_CONFIG with "tls_disable": true',
            'ConfigMap with listener "tcp" { tls_disable = 1 }',
        ),
        "durability_disabled": Rule(
            _C,
            "with fsync (or full-page writes, or the InnoDB doublewrite buffer) off, a crash or power loss "
            "can corrupt the database beyond repair, not just lose the last commits",
            "remove the setting (for a bulk load, turn it off only for the load and back on after)",
            "command: postgres -c fsync=off",
            "args: [-c, fsync=off]",
        ),
        "memory_lock_unavailable": Rule(
            _C,
            "bootstrap.memory_lock=true without a memlock ulimit: the node cannot lock its heap, fails the "
            "bootstrap check of a multi-node cluster and exits at start",
            "add ulimits: memlock: {soft: -1, hard: -1} (or set bootstrap.memory_lock=false)",
            "bootstrap.memory_lock: true with no ulimits.memlock",
            "",
        ),
        "admin_api_unauthenticated": Rule(
            _C,
            "an admin API or dashboard served with no authentication: anyone who reaches the port reads "
            "(or changes) the whole configuration",
            "require a login (no insecure mode, no anonymous admin, only health and metrics endpoints "
            "exposed) and serve it through an authenticated route",
            "command: [--api.insecure=true]",
            "args: [--api.insecure=true]",
        ),
        "development_mode": Rule(
            _C,
            "a server in development mode keeps its data in memory (gone on restart), starts unsealed or "
            "without authentication, serves plain HTTP and often has a fixed root token; a web framework in "
            "development mode shows stack traces and configuration on its error pages; a database in "
            "developer mode skips the checks production needs",
            "run it in server mode with persistent storage, TLS and real authentication (a framework: its "
            "Production environment)",
            "command: server -dev",
            "args: [server, -dev]",
        ),
        "policy_not_enforced": Rule(
            _W,
            "a protection set to watch only (a WAF with SecRuleEngine DetectionOnly): it logs what it "
            "would stop and stops nothing",
            "switch it to enforcing (SecRuleEngine On) once its false positives are tuned",
            "a configs entry with SecRuleEngine DetectionOnly",
            "a ConfigMap with SecRuleEngine DetectionOnly",
        ),
        "taint_not_tolerated": Rule(
            _W,
            "a pod that selects GPU nodes (an nvidia.com/gpu label) without tolerating the "
            "nvidia.com/gpu:NoSchedule taint GPU node pools carry (GKE, AKS, EKS's GPU groups, the GPU "
            "operator's guides): it is never scheduled there, so a DaemonSet shows 0 desired",
            "add a toleration for the taint (key nvidia.com/gpu, operator Exists, effect NoSchedule)",
            "",
            "a DaemonSet with nodeSelector nvidia.com/gpu.present: 'true' and no tolerations",
        ),
        "client_port_not_published": Rule(
            _W,
            "a port the product's own devices or clients must reach is not published (UniFi devices "
            "report to the controller on 8080): they cannot connect, whatever else is published",
            "publish the port the product documents for its clients",
            "image unifi-network-application with ports 8443 and 3478/udp but not 8080",
            "",
        ),
        "open_mail_relay": Rule(
            _C,
            "a mail server that trusts every network relays mail for anyone on the internet: it is found "
            "within hours, sends spam and lands the domain's mail on blocklists",
            "list only the networks that really send through it in mynetworks, and make everyone else "
            "authenticate",
            "POSTFIX_mynetworks: 0.0.0.0/0",
            "env POSTFIX_mynetworks=0.0.0.0/0",
        ),
        "project_directory_served": Rule(
            _C,
            "the project directory mounted as a web server's document root serves everything in it: "
            "/.env with its secrets, /.git with the whole history, the compose file itself",
            "mount only the directory of public files (./public:/usr/share/nginx/html:ro)",
            "./:/usr/share/nginx/html",
            "",
        ),
        "data_in_web_root": Rule(
            _C,
            "an application's data directory (uploads, sessions, caches, backups) inside the web server's "
            "document root: every file in it can be downloaded by its URL",
            "keep the data directory outside the document root (/var/moodledata)",
            "MOODLE_DATAROOT: /var/www/html/moodledata",
            "$CFG->dataroot = '/var/www/html/moodledata' in a ConfigMap's config.php",
        ),
        "queue_keys_evicted": Rule(
            _W,
            "a Redis that holds a job queue with an allkeys-* eviction policy: at maxmemory it deletes keys, "
            "queued, scheduled and retried jobs among them, without an error",
            "set maxmemory-policy noeviction on the queue's Redis (Sidekiq, RQ and Celery require it) and "
            "keep caches on a Redis of their own",
            "maxmemory-policy allkeys-lru in the redis.conf of a Redis beside a sidekiq worker",
            "args: [--maxmemory-policy, allkeys-lru] on the Redis a celery worker Deployment uses",
        ),
        "body_size_limit_too_small": Rule(
            _W,
            "a proxy body-size limit far below what the service behind it receives (image layers, "
            "packages, artifacts): every larger upload is refused with 413",
            "set proxy-body-size to 0 (no limit) or the largest upload expected, on that Ingress only",
            "",
            "nginx.ingress.kubernetes.io/proxy-body-size: 1m on an Ingress in front of Harbor",
        ),
        "bootstrap_in_parallel": Rule(
            _W,
            "nodes that must join their ring one at a time (Cassandra, ScyllaDB) started all at once "
            "(podManagementPolicy: Parallel): concurrent bootstraps fail or take overlapping token ranges",
            "use podManagementPolicy: OrderedReady, so each node joins after the one before is ready",
            "",
            "podManagementPolicy: Parallel on a cassandra StatefulSet",
        ),
        "sharded_behind_one_address": Rule(
            _W,
            "independent cache servers (memcached) behind one ClusterIP: clients that hash keys over a "
            "list of servers see one address, and each connection lands on any pod, so keys are missed, "
            "stale or deleted on the wrong copy",
            "use a headless Service (clusterIP: None) and give the clients each pod's address",
            "",
            "a ClusterIP Service in front of a memcached Deployment of 3 replicas",
        ),
        "cluster_version_mismatch": Rule(
            _W,
            "members of one cluster (a Ray head and its workers, a Spark master and its workers) on "
            "different versions of the image: they refuse to join each other or fail in the protocol",
            "pin every member to the same image tag",
            "image: rayproject/ray:2.9.3 on the head and rayproject/ray:2.10.0 on the workers",
            "a ray head Deployment on rayproject/ray:2.9.3 and its workers on 2.10.0",
        ),
        "mesh_port_blocked": Rule(
            _C,
            "a NetworkPolicy in an Istio ambient namespace that allows only the application's ports: "
            "meshed traffic arrives through ztunnel as HBONE on port 15008, so it is dropped",
            "allow TCP 15008 beside the application's ports in every policy of the ambient namespace",
            "",
            "NetworkPolicy allowing only port 8080 in a namespace labelled istio.io/dataplane-mode: ambient",
        ),
        "strict_arp_disabled": Rule(
            _W,
            "kube-proxy in IPVS mode without strictARP answers ARP for every LoadBalancer address on "
            "every node: it fights MetalLB's layer-2 speaker, so traffic lands on random nodes or flaps",
            "set ipvs.strictARP: true in the kube-proxy configuration",
            "",
            "kube-proxy ConfigMap with mode: ipvs and strictARP: false beside a MetalLB L2Advertisement",
        ),
        "host_port_conflict": Rule(
            _C,
            "two services publish the same host port: the second cannot start ('port is already "
            "allocated'), so `docker compose up` leaves part of the stack down",
            "give each service its own host port, or publish only one of them",
            '"127.0.0.1:8080:8080" on two services',
            "",
        ),
        "prestop_exceeds_grace": Rule(
            _W,
            "a preStop hook, or a shutdown timeout the program is given (Sidekiq's -t), as long as the "
            "termination grace period or longer: the container is killed (SIGKILL) before it has drained, "
            "so rollouts reset connections or cut jobs short",
            "make terminationGracePeriodSeconds longer than the preStop sleep or shutdown timeout plus the "
            "app's own drain time",
            "",
            "preStop: sleep 30 with terminationGracePeriodSeconds: 15",
        ),
        "node_dns_policy": Rule(
            _W,
            "dnsPolicy: Default resolves through the node's resolv.conf: the cluster's Service names "
            "(*.svc.cluster.local) do not resolve in the pod",
            "use dnsPolicy: ClusterFirst, and a stub domain in CoreDNS for names only the node's resolvers "
            "know",
            "",
            "dnsPolicy: Default",
        ),
        "staging_certificate_issuer": Rule(
            _W,
            "an ACME staging issuer's certificates chain to a root no browser or client trusts: every "
            "visitor gets a certificate warning",
            "use the production issuer (letsencrypt-prod) once the staging run worked",
            "",
            "cert-manager.io/cluster-issuer: letsencrypt-staging",
        ),
        "issuer_not_found": Rule(
            _C,
            "cert-manager finds no issuer by the name the Ingress gives, so it never issues the certificate: "
            "the controller serves its default (self-signed) certificate, or the old one until it expires",
            "name the issuer exactly as it is defined (kubectl get clusterissuers,issuers -A)",
            "",
            "cert-manager.io/cluster-issuer: internal-acme-prod, while the ClusterIssuer is "
            "internal-acme-production",
        ),
        "quorum_unreachable": Rule(
            _C,
            "a cluster told to wait for more servers than run never elects a leader: nothing is served",
            "make -bootstrap-expect equal to the replica count (3 or 5)",
            "",
            "replicas: 3 with args: [-bootstrap-expect=5]",
        ),
        "manifest_rejected": Rule(
            _C,
            "the API server (or Docker) refuses the object as written: a selector that does not match "
            "its own pod template, a resource request above its limit; nothing of it is applied",
            "make the selector match the template's labels (it cannot change on an existing object), and "
            "keep each request at or below its limit",
            "deploy.resources.reservations.memory: 6G with limits.memory: 4G",
            "resources.requests.memory: 6Gi with limits.memory: 4Gi",
        ),
        "broken_health_check": Rule(
            _C,
            "a health check that can never pass (the whole command as one word of an exec form, run as "
            "a program of that name): the container is never healthy, what waits for it never starts",
            'use the shell form (["CMD-SHELL", "curl -f ..."]) or one word per argument',
            'healthcheck: {test: ["CMD", "curl -fsS http://localhost/health"]}',
            'readinessProbe: {exec: {command: ["curl -fsS http://localhost/health"]}}',
        ),
        "tls_verification_disabled": Rule(
            _C,
            "certificate verification switched off for every outbound TLS connection of the process: "
            "anyone on the path can read and change what it sends (credentials, card data)",
            "trust the right CA instead (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE, SSL_CERT_FILE)",
            "NODE_TLS_REJECT_UNAUTHORIZED: 0",
            "ConfigMap or env NODE_TLS_REJECT_UNAUTHORIZED=0",
        ),
        "hpa_target_missing": Rule(
            _W,
            "an autoscaler whose scaleTargetRef names a workload the file does not define (a rename): it "
            "never scales anything",
            "point scaleTargetRef at the workload's current kind and name",
            "",
            "scaleTargetRef: {kind: Deployment, name: old-name}",
        ),
        "memory_volume_unbounded": Rule(
            _W,
            "an emptyDir of medium Memory (tmpfs) without sizeLimit: what is written there counts against "
            "the container's memory limit, so a big file gets the pod OOMKilled",
            "set sizeLimit, or use a disk-backed emptyDir for large scratch files",
            "",
            "emptyDir: {medium: Memory}",
        ),
        "scheduler_not_singleton": Rule(
            _W,
            "a periodic-task scheduler (celery beat, rqscheduler, clockwork) on more than one replica: each "
            "one sends every task, so jobs run several times (double charges, duplicate mail)",
            "run one replica with the Recreate strategy, or a scheduler that takes a lock",
            "",
            "replicas: 3 with command: [celery, -A, app, beat]",
        ),
        "untrusted_code_execution": Rule(
            _C,
            "a CI/CD server that runs what a merge request or a webhook asks for (custom workflows, every "
            "repository allowed, no webhook secret): whoever can open one runs commands with its credentials",
            "allow only your repositories, keep workflows server-side, and set the webhook secret",
            "ATLANTIS_REPO_ALLOWLIST: '*'",
            "args: [server] on an atlantis image with no ATLANTIS_GITLAB_WEBHOOK_SECRET",
        ),
        "login_open_to_anyone": Rule(
            _C,
            "a login that any account of a public identity provider passes (oauth2-proxy with "
            "--email-domain=* and no organisation or team, Drone with open registration): anyone can sign in",
            "restrict who may sign in (a GitHub organisation or team, an e-mail domain, a user filter) "
            "or close registration",
            "DRONE_REGISTRATION_CLOSED: 'false' and no DRONE_USER_FILTER",
            "args: [--provider=github, --email-domain=*] on oauth2-proxy",
        ),
        "alias_traversal": Rule(
            _C,
            "nginx's off-by-slash: a location without a trailing slash with an alias that has one serves "
            "the alias's parent directory (/uploads../.env)",
            "end the location with a slash too (location /uploads/ { alias /srv/app/uploads/; })",
            "a configs entry with location /uploads { alias /srv/app/uploads/; }",
            "a ConfigMap with location /uploads { alias /srv/app/uploads/; }",
        ),
        "single_instance_replicated": Rule(
            _C,
            "a server that supports one instance per data directory (a Jenkins controller on its "
            "JENKINS_HOME) on several replicas: both write the same configuration, records and queue",
            "run one replica with the Recreate strategy; get availability from quick rescheduling and "
            "backups",
            "",
            "replicas: 2 of jenkins/jenkins on one ReadWriteMany JENKINS_HOME",
        ),
        "proxy_exposes_every_container": Rule(
            _W,
            "Traefik's Docker provider with exposedByDefault (its default): every container on its network "
            "gets a public router, admin tools meant to stay internal included",
            "set --providers.docker.exposedbydefault=false and opt services in with traefik.enable=true",
            "command: [--providers.docker=true]",
            "",
        ),
        "open_proxy": Rule(
            _C,
            "a forward proxy that lets every client through (http_access allow all): anyone who reaches it "
            "relays traffic from your address, to the internet and to internal services",
            "allow only your networks (http_access allow localnet, then http_access deny all)",
            "a configs entry with http_access allow all",
            "a ConfigMap squid.conf with http_access allow all",
        ),
        "independent_clusters": Rule(
            _C,
            "a clustered search or database server told to run as a single node on several replicas: each "
            "pod forms its own cluster and the Service spreads requests over unrelated copies of the data",
            "remove discovery.type: single-node and set the seed hosts and initial cluster-manager nodes",
            "",
            "discovery.type: single-node in opensearch.yml of a StatefulSet with replicas: 3",
        ),
        "address_pool_overlaps_hosts": Rule(
            _W,
            "a load-balancer address pool that is a whole subnet: MetalLB hands out, and answers ARP for, "
            "addresses the gateway, the nodes and other hosts already use",
            "give the pool only a reserved range (192.168.10.240-192.168.10.254)",
            "",
            "IPAddressPool with addresses: [192.168.10.0/24]",
        ),
        "live_migration_impossible": Rule(
            _W,
            "a VM that must live-migrate on eviction but has ReadWriteOnce disks: it cannot move, so node "
            "drains hang on it",
            "give its disks ReadWriteMany storage, or use another evictionStrategy and plan downtime",
            "",
            "VirtualMachine with evictionStrategy: LiveMigrate and a ReadWriteOnce DataVolume",
        ),
        "unsafe_nfs_mount": Rule(
            _W,
            "NFS mounted soft (or nolock): after a timeout the server's I/O errors reach the program, which "
            "for a database means torn writes and corruption",
            "mount hard with locking (or use block storage for databases)",
            "",
            "PersistentVolume nfs with mountOptions: [soft, nolock]",
        ),
        "fqdn_policy_without_dns_proxy": Rule(
            _C,
            "a Cilium toFQDNs rule only works when the DNS egress rule has an L7 dns rule: without one the "
            "DNS proxy never learns the names' addresses, and the traffic is dropped",
            "add rules: dns: [matchPattern: '*'] to the toPorts of the DNS egress rule",
            "",
            "CiliumNetworkPolicy with toFQDNs and a port-53 rule without rules.dns",
        ),
        "competing_autoscalers": Rule(
            _C,
            "two autoscalers on one workload (a HorizontalPodAutoscaler beside a KEDA ScaledObject, which "
            "creates its own): they overwrite each other's replica count",
            "keep one: delete the HorizontalPodAutoscaler and let the ScaledObject scale (CPU as a trigger)",
            "",
            "HorizontalPodAutoscaler and ScaledObject with the same scaleTargetRef",
        ),
        "certificates_share_secret": Rule(
            _C,
            "two Certificates writing one secretName: each issuance overwrites the other's certificate, "
            "in a loop that also runs into the ACME rate limits",
            "use one Certificate with every dnsName, or a secretName each",
            "",
            "two Certificates with secretName: storefront-tls",
        ),
        "windows_image_without_os_selector": Rule(
            _C,
            "a Windows container image with no kubernetes.io/os: windows nodeSelector (or no toleration "
            "for the Windows nodes' taint): it is scheduled on Linux nodes, where it cannot run",
            "add nodeSelector kubernetes.io/os: windows and the Windows pool's toleration",
            "",
            "image ...:ltsc2022 without nodeSelector kubernetes.io/os: windows",
        ),
        "client_ip_spoofable": Rule(
            _C,
            "nginx taking the client address from X-Forwarded-For sent by anyone (set_real_ip_from "
            "0.0.0.0/0): a client claims any address, and allow-lists and per-address limits are bypassed",
            "trust only the load balancer's addresses in set_real_ip_from (or use the PROXY protocol)",
            "a configs entry with set_real_ip_from 0.0.0.0/0",
            "a ConfigMap with set_real_ip_from 0.0.0.0/0",
        ),
        "sidecar_blocks_job_completion": Rule(
            _W,
            "a Job or CronJob pod with a service-mesh proxy sidecar: the proxy keeps running after the "
            "job's container exits, so the Job never completes (and concurrencyPolicy Forbid skips every "
            "later run)",
            "opt the job out of injection, use native sidecars, or have it stop the proxy when done",
            "",
            "a CronJob pod template annotated linkerd.io/inject: enabled",
        ),
        "disruption_budget_unbounded": Rule(
            _W,
            "a node pool whose disruption budget allows every node at once (100%): consolidation or drift "
            "can take every node, and the pods on them, together",
            "budget a few nodes at a time (nodes: 10%) and give the workloads PodDisruptionBudgets",
            "",
            "Karpenter NodePool with disruption.budgets: [nodes: 100%]",
        ),
        "run_to_completion_in_deployment": Rule(
            _W,
            "a worker that exits when its queue is empty (rq worker --burst) run as a Deployment: it is "
            "restarted with growing CrashLoopBackOff delays, and new jobs wait",
            "drop --burst in a Deployment, or run burst workers as a Job or CronJob",
            "",
            "command: [rq, worker, --burst] in a Deployment",
        ),
        "agent_jobs_never_run": Rule(
            _W,
            "SQL Server Agent jobs (backups, ETL) created in a container whose Agent is off "
            "(MSSQL_AGENT_ENABLED is not true): they are created and never run",
            "set MSSQL_AGENT_ENABLED=true on the SQL Server container",
            "a db-init service running agent-jobs scripts beside mssql/server without MSSQL_AGENT_ENABLED",
            "a Job running sp_add_job beside an mssql/server StatefulSet without MSSQL_AGENT_ENABLED",
        ),
        "dhcp_without_host_network": Rule(
            _C,
            "a DHCP server in a container on a bridge network: clients' DHCPDISCOVER broadcasts never reach "
            "it, so no client gets a lease",
            "run it with network_mode: host (hostNetwork: true), or put a DHCP relay in front of it",
            "image kea-dhcp4 on a user-defined network, ports: [67:67/udp]",
            "image kea-dhcp4 without hostNetwork: true",
        ),
        "open_resolver": Rule(
            _C,
            "a recursive DNS resolver answering everyone on a published port 53: an open resolver, used for "
            "DNS amplification attacks and cache poisoning",
            "answer only your networks (CoreDNS's acl plugin, allow-recursion) or publish 53 on an internal "
            "address only",
            "coredns with ports: [53:53/udp] and a Corefile that forwards . with no acl",
            "",
        ),
        "backup_keys_unrestricted": Rule(
            _C,
            "backup clients' SSH keys without a forced command (borg serve --restrict-to-repository "
            "--append-only): one compromised client gets a shell and deletes every host's backups",
            'prefix each key with command="borg serve --append-only --restrict-to-repository ...",restrict',
            "a configs entry authorized_keys with plain ssh-ed25519 keys on a borg server",
            "a ConfigMap authorized_keys with plain keys on a borg server",
        ),
        "weak_tls_allowed": Rule(
            _W,
            "OpenSSL told to accept what it refuses by default (@SECLEVEL=0, TLSv1, unsafe legacy "
            "renegotiation): every connection of the process accepts SHA-1 and MD5 signatures, tiny keys "
            "and TLS 1.0",
            "get the peer's certificate re-issued; if it cannot wait, lower the level for that one "
            "connection, not the whole process",
            "a configs entry openssl.cnf with CipherString = DEFAULT:@SECLEVEL=0",
            "a ConfigMap openssl.cnf with CipherString = DEFAULT:@SECLEVEL=0",
        ),
        "schedule_in_dst_gap": Rule(
            _W,
            "a daily schedule between 02:00 and 03:00 in a time zone with daylight saving: the time does "
            "not exist on the spring-forward day (no run) and happens twice on the fall-back day",
            "schedule it outside 01:00-03:00 local time, or use timeZone: Etc/UTC",
            "",
            "CronJob with timeZone: Europe/Berlin and schedule: 30 2 * * *",
        ),
        "snippet_annotations_allowed": Rule(
            _C,
            "ingress-nginx running configuration snippets from Ingress annotations: whoever may create an "
            "Ingress runs nginx directives in the controller and can read every Secret it can",
            "set allow-snippet-annotations to false (the default since controller 1.9)",
            "",
            'ConfigMap ingress-nginx-controller with allow-snippet-annotations: "true"',
        ),
        "backup_without_volume_data": Rule(
            _C,
            "a backup schedule that saves the manifests but no volume data: a restore brings back empty "
            "volumes",
            "set snapshotVolumes: true or defaultVolumesToFsBackup: true (or annotate the pods' volumes)",
            "",
            "Velero Schedule with snapshotVolumes: false",
        ),
        "admission_webhook_fail_closed": Rule(
            _W,
            "a webhook with failurePolicy Fail on pod creation in every namespace: when its own pods are "
            "down nothing can start, their replacements and kube-system's included",
            "add a namespaceSelector that leaves out kube-system and the webhook's namespace, and run "
            "2 replicas",
            "",
            "MutatingWebhookConfiguration with failurePolicy: Fail on pods and no namespaceSelector",
        ),
        "mesh_mtls_disabled": Rule(
            _W,
            "service-mesh mTLS switched off: traffic between pods is plaintext and policies on peer "
            "identities never match",
            "use STRICT (or PERMISSIVE only while plaintext clients move over)",
            "",
            "PeerAuthentication with mtls.mode: DISABLE",
        ),
        "dns_records_unowned": Rule(
            _W,
            "external-dns with --policy=sync and no ownership of its own deletes records it did not create, "
            "those of another cluster sharing the zone included",
            "set a unique --txt-owner-id with the txt registry, and a --domain-filter",
            "",
            "args: [--policy=sync, --registry=noop]",
        ),
        "local_compaction_with_sidecar": Rule(
            _W,
            "Prometheus compacting its blocks locally while a Thanos sidecar uploads them: overlapping "
            "blocks reach the bucket and the compactor halts",
            "set --storage.tsdb.min-block-duration=2h and --storage.tsdb.max-block-duration=2h",
            "",
            "a thanos sidecar container beside prometheus without block-duration flags",
        ),
        "store_limit_exceeds_volume": Rule(
            _W,
            "a store allowed to grow larger than the volume it lives on: the disk fills before its own limit "
            "cleans up, and writes stop",
            "keep the limit below the claim's size (about 80%), or grow the claim",
            "",
            "max_file_store: 100GB on a 20Gi volumeClaimTemplate",
        ),
        "eviction_without_memory_cap": Rule(
            _W,
            "Redis with an eviction policy but no maxmemory never evicts: it grows until the memory limit "
            "and is OOM-killed, losing every key at once",
            "set maxmemory below the container's memory limit (about 75%)",
            "command: redis-server --maxmemory-policy allkeys-lru",
            "redis.conf in a ConfigMap with maxmemory-policy allkeys-lru and no maxmemory",
        ),
        "queue_without_persistence": Rule(
            _W,
            "a Redis holding a job queue with persistence off: a restart, an OOM kill or a reboot loses "
            "every queued job",
            "turn on appendonly yes (and RDB snapshots) on a volume, or use a broker that persists",
            "command: redis-server --save '' --appendonly no, beside an rq worker",
            "args: [--save, '', --appendonly, 'no'] beside a celery worker Deployment",
        ),
        "quorum_even_size": Rule(
            _W,
            "a consensus ensemble (ZooKeeper, etcd, Consul) of an even size tolerates no more failures "
            "than one of a member fewer: two need both for a quorum, so either one down stops it",
            "run an odd number of members (3 or 5)",
            "",
            "replicas: 2 on a zookeeper StatefulSet",
        ),
        "single_copy_replication": Rule(
            _W,
            "an internal topic kept in one copy on a cluster of several brokers: losing the broker that "
            "holds it stops what depends on it (consumer groups and their offsets, transactions)",
            "set the replication factor to 3 (and min ISR to 2) before the topic is first created",
            "",
            "replicas: 3 with KAFKA_CFG_OFFSETS_TOPIC_REPLICATION_FACTOR=1",
        ),
        "ordered_start_deadlock": Rule(
            _C,
            "a StatefulSet starts its pods one at a time, each only once the one before is Ready; a "
            "readiness probe that waits for the whole cluster's health keeps the first pod unready "
            "forever, so the others are never created",
            "set podManagementPolicy: Parallel, and make the readiness probe check the local node",
            "",
            "readinessProbe on _cluster/health?wait_for_status=green, default podManagementPolicy",
        ),
        "sessions_not_shared": Rule(
            _W,
            "replicas that keep sessions in a local cache each know only their own: a user sent to "
            "another pod is logged out",
            "use the distributed cache (Keycloak: KC_CACHE=ispn with the kubernetes stack), or one replica",
            "",
            "replicas: 3 with KC_CACHE=local",
        ),
        "shared_data_directory": Rule(
            _C,
            "two database servers on one data directory corrupt it, or all but one refuse to start on its "
            "lock; and the copies that should protect each other are one",
            "give each member its own volume",
            "mongo-1 and mongo-2 both mount mongo-data:/data/db",
            "",
        ),
        "network_policy_any_namespace": Rule(
            _W,
            "in a NetworkPolicy, separate items and separate rules are ORed: `- namespaceSelector: {}` as an "
            "item of its own, or a rule of ports without `from`, admits every pod of every namespace",
            "put the selectors in one item (one dash), and the ports in the rule that names the peers, so "
            "that every condition must match",
            "",
            "from: [{namespaceSelector: {}}, {podSelector: {matchLabels: {app: api}}}]",
        ),
        "database_port_exposed": Rule(
            _C,
            "a database reachable on every interface of the host (Docker's published ports bypass the host "
            "firewall) or from outside the cluster: one weak or missing password from a data breach",
            "bind it to 127.0.0.1 or keep it inside the cluster",
            '"5432:5432" or "0.0.0.0:5432:5432"',
            "hostPort: 5432, or a NodePort/LoadBalancer Service on 5432",
        ),
        "image_latest_tag": Rule(
            _W,
            "latest changes under you: deploys are not reproducible and rollbacks are guesses",
            "pin a version tag or a digest",
            "image: nginx:latest",
            "image: nginx:latest",
        ),
        "image_untagged": Rule(
            _W,
            "no tag means latest",
            "pin a version tag or a digest",
            "image: nginx",
            "image: nginx",
        ),
        "missing_resource_limits": Rule(
            _W,
            "one runaway container can starve everything else on the host or node",
            "set CPU and memory limits",
            "no deploy.resources.limits, mem_limit or cpus",
            "no resources.limits.cpu or .memory",
        ),
        "missing_health_check": Rule(
            _W,
            "without a health check a hung process keeps receiving traffic and is never restarted",
            "add a health check",
            "healthcheck disabled, or none where a swarm or a `service_healthy` dependant uses it",
            "no readinessProbe or livenessProbe",
        ),
        "fragile_liveness_probe": Rule(
            _W,
            "a liveness probe that gives up after one failure restarts pods on a single slow answer, and all "
            "of them together when a shared dependency blips",
            "allow 3 or more failures, keep liveness to the process itself, and add a startupProbe for slow "
            "starts",
            "",
            "livenessProbe: {failureThreshold: 1}",
        ),
        "single_replica": Rule(
            _W,
            "one replica means downtime on every deploy, node drain or crash",
            "run at least 2 replicas",
            "",
            "replicas: 1 on a Deployment or StatefulSet",
        ),
        "missing_restart_policy": Rule(
            _W,
            "compose does not restart a crashed container by default",
            "set restart: unless-stopped",
            "no restart",
            "",
        ),
    }
)


def rule_finding(code: str, where: str, what: str) -> Finding:
    """A finding whose severity comes from the table: `where: what; fix.`"""
    rule = RULES[code]
    return Finding(severity=rule.severity, code=code, message=f"{where}: {what}; {rule.fix}.")
