"""Checks of one container that compose and Kubernetes share: image tag, capabilities, host
paths and database ports, each judged the same way whichever file format declared it."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from app.agents.base import Finding
from app.agents.infrastructure.audit_rules import rule_finding

# Each is a known container escape on its own.
DANGEROUS_CAPABILITIES = frozenset({"ALL", "SYS_ADMIN", "SYS_MODULE", "SYS_RAWIO", "DAC_READ_SEARCH"})
# Docker's and containerd's default set: adding one back after dropping ALL grants nothing new
# (the Pod Security "baseline" level allows exactly these).
DEFAULT_CAPABILITIES = frozenset({
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
    "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
})  # fmt: skip
# Locking memory (mlock) keeps secrets out of swap: Vault and Elasticsearch ask for it, and it
# grants nothing beyond the process's own memory.
HARMLESS_CAPABILITIES = frozenset({"IPC_LOCK"})
RUNTIME_SOCKETS = frozenset({
    "/var/run/docker.sock", "/run/docker.sock", "/var/run/containerd/containerd.sock",
    "/run/containerd/containerd.sock", "/var/run/crio/crio.sock", "/run/crio/crio.sock",
    "/var/run/podman/podman.sock", "/run/podman/podman.sock",
})  # fmt: skip
SENSITIVE_PATHS = frozenset({"/", "/etc", "/root", "/proc", "/sys", "/dev", "/boot", "/run", "/var/run",
                             "/var", "/usr", "/home", "/etc/shadow", "/etc/sudoers"})  # fmt: skip
SENSITIVE_TREES = ("/root/", "/proc/", "/boot/", "/etc/kubernetes", "/var/lib/kubelet", "/var/lib/docker",
                   "/var/lib/containerd", "/etc/ssh", "/etc/sudoers.d")  # fmt: skip
# PostgreSQL, MySQL/MariaDB, SQL Server, Oracle, MongoDB, Redis, memcached, Elasticsearch/OpenSearch,
# Cassandra, CouchDB, InfluxDB, CockroachDB, Neo4j, etcd, Solr (no authentication unless configured),
# ClickHouse's HTTP interface.
DATABASE_PORTS = frozenset({5432, 3306, 33060, 1433, 1521, 27017, 27018, 27019, 6379, 11211, 9200, 9300,
                            9042, 5984, 8086, 26257, 7687, 2379, 8983, 8123})  # fmt: skip
ALL_INTERFACES = frozenset({"", "0.0.0.0", "::", "[::]", "*"})  # noqa: S104 - what we look for


# Official images that start as root only to hand the data directory to their own user and then
# run as it (gosu/su-exec in the entrypoint), or that declare a non-root USER: no `user` needed.
PRIVILEGE_DROPPING_IMAGES = frozenset(
    {"postgres", "mysql", "mariadb", "mongo", "redis", "rabbitmq", "memcached", "elasticsearch"}
)


_NON_ROOT_IMAGE = re.compile(r"unprivileged|rootless|non-?root", re.IGNORECASE)
# Vendors' images whose Dockerfile ends with a non-root USER (Bitnami's are built that way too).
VENDOR_NON_ROOT_IMAGES = frozenset({
    "goauthentik/server", "grafana/grafana", "grafana/grafana-oss", "grafana/loki", "prom/prometheus",
    "prom/alertmanager", "prom/node-exporter", "prom/blackbox-exporter", "keycloak/keycloak",
    "opensearchproject/opensearch", "opensearchproject/opensearch-dashboards", "elasticsearch/elasticsearch",
    "kibana/kibana", "jenkins/jenkins", "sonatype/nexus3",
})  # fmt: skip


def drops_root_itself(image: Any) -> bool:
    """`postgres:16`, `docker.io/library/redis:7-alpine`, `grafana/grafana:11.1.0`: an image that does
    not run as root (an official one that drops root itself, or a vendor's with a non-root USER)."""
    if not isinstance(image, str) or not image:
        return False
    parts = image.split("@", 1)[0].split("/")
    parts[-1] = parts[-1].split(":", 1)[0]  # the tag
    official = len(parts) == 1 or parts[-2] == "library"
    if _NON_ROOT_IMAGE.search(parts[-1]) or _NON_ROOT_IMAGE.search(image.split("@", 1)[0].rsplit(":", 1)[-1]):
        return True  # nginx-unprivileged, distroless ...:nonroot, *-rootless: built to run as a user
    vendor = "/".join(parts[-2:])
    if vendor in VENDOR_NON_ROOT_IMAGES or (len(parts) > 1 and parts[-2] == "bitnami"):
        return True
    return official and parts[-1] in PRIVILEGE_DROPPING_IMAGES


def as_mapping(value: Any) -> dict[str, Any]:
    """The value when YAML gave a mapping, else empty: a malformed field is skipped, not fatal."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def text_of(value: Any, default: str = "") -> str:
    """A scalar as text; never a list or mapping, which YAML aliases can make a billion items long."""
    return default if value is None or isinstance(value, list | dict) else str(value)


# Settings that switch authentication off: an official database image told to accept anyone,
# an admin API told to need no login.
_NO_PASSWORD = {
    "POSTGRES_HOST_AUTH_METHOD": {"trust"},
    "MYSQL_ALLOW_EMPTY_PASSWORD": {"yes", "true", "1"},
    "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD": {"yes", "true", "1"},
    "ALLOW_EMPTY_PASSWORD": {"yes", "true", "1"},  # Bitnami images
    "NEO4J_AUTH": {"none"},
}
_INSECURE_API_FLAGS = ("--api.insecure=true", "--api.insecure")
# Prometheus has no authentication of its own (unless --web.config.file sets some): the admin API
# lets anyone who reaches it delete series or snapshot the TSDB.
_PROMETHEUS_ADMIN_FLAG = "--web.enable-admin-api"
# Jupyter started with an empty token (or password): a notebook anyone can open runs their code.
_EMPTY_JUPYTER_TOKEN = re.compile(r"^--(?:NotebookApp|ServerApp|IdentityProvider)\.token=(?:''|\"\")?$")


# Grafana roles that may change data sources, dashboards and users; Spring Boot actuator endpoints
# that hand out configuration, secrets or the heap (or stop the application).
_ANONYMOUS_ROLES = frozenset({"admin", "editor"})
_REVEALING_ACTUATOR = re.compile(
    r"(?:^|,)\s*(?:\*|env|heapdump|threaddump|configprops|jolokia|shutdown|logfile)\s*(?=,|$)", re.IGNORECASE
)
_ACTUATOR_FLAG = "--management.endpoints.web.exposure.include="
# Servers started in development mode: HashiCorp's `-dev` (Vault, Consul, Nomad), Keycloak's start-dev.
_DEV_SERVERS = frozenset({"server", "agent"})


def open_door_findings(where: str, env: Iterable[tuple[str, Any]], words: list[str]) -> Iterator[Finding]:
    env = list(env)
    flat = [word for text in words for word in text.split()]
    yield from _development_mode(where, env, flat)
    yield from _anonymous_or_exposed(where, env, flat)
    yield from _docker_api_over_tcp(where, flat)
    yield from _open_relay(where, env, flat)
    for name, value in env:
        shown = text_of(value).strip().lower()
        if shown in _NO_PASSWORD.get(name.upper(), ()):
            yield rule_finding(
                "database_without_password",
                where,
                f"{name}={text_of(value)} lets anyone who reaches the database log in without a password",
            )
        if name.upper() == "TRAEFIK_API_INSECURE" and shown in ("true", "1"):
            yield rule_finding(
                "admin_api_unauthenticated",
                where,
                f"{name}=true serves the Traefik API and dashboard without authentication",
            )
    flags = {word.strip().lower() for text in words for word in text.split()}
    protected = any(flag.startswith("--web.config.file") for flag in flags)
    if _PROMETHEUS_ADMIN_FLAG in flags and not protected:
        lifecycle = (
            " (and --web.enable-lifecycle: reload and quit)" if "--web.enable-lifecycle" in flags else ""
        )
        yield rule_finding(
            "admin_api_unauthenticated",
            where,
            f"--web.enable-admin-api serves Prometheus' admin endpoints (delete series, snapshot){lifecycle} "
            "without authentication",
        )
    if any(_EMPTY_JUPYTER_TOKEN.match(w) for text in words for w in text.split()) or any(
        name.upper() == "JUPYTER_TOKEN" and isinstance(value, str) and not value.strip()
        for name, value in env
    ):
        yield rule_finding(
            "admin_api_unauthenticated",
            where,
            "Jupyter runs with an empty token: anyone who reaches it runs code in the container",
        )
    if "--auth-mode=server" in flags or any(
        w == "--auth-mode" and i + 1 < len(flat) and flat[i + 1] == "server" for i, w in enumerate(flat)
    ):
        yield rule_finding(
            "admin_api_unauthenticated",
            where,
            "--auth-mode=server: the Argo server acts with its own service account for anyone who reaches "
            "it, without authentication (submit workflows, read what it can)",
        )
    if any(flag in flags for flag in _INSECURE_API_FLAGS):
        yield rule_finding(
            "admin_api_unauthenticated",
            where,
            "--api.insecure=true serves the Traefik API and dashboard without authentication (port 8080)",
        )


def _docker_api_over_tcp(where: str, words: list[str]) -> Iterator[Finding]:
    """dockerd told to listen on TCP (`-H tcp://...`, `--host=tcp://...`) without --tlsverify: the
    Docker API, root on the host, to whoever reaches the port. (The `docker` client takes the same
    flag to say where the daemon is: not a listener; nor is loopback, which no one else reaches.)"""
    if words and words[0].rsplit("/", 1)[-1] == "docker":
        return
    hosts = []
    for i, word in enumerate(words):
        if word.startswith("--host="):
            value = word.split("=", 1)[1]
        elif word in ("-H", "--host") and i + 1 < len(words):
            value = words[i + 1]
        else:
            continue
        if value.startswith("tcp://") and not value.startswith(
            ("tcp://127.", "tcp://localhost", "tcp://[::1]")
        ):
            hosts.append(value)
    if hosts and "--tlsverify" not in words and not any(w.startswith("--tlsverify=true") for w in words):
        yield rule_finding(
            "admin_api_unauthenticated",
            where,
            f"dockerd listens on {hosts[0]} without --tlsverify: the Docker API, and with it root on the "
            "host, to anyone who reaches that port",
        )


# Postfix's trusted networks, as the common images take them (POSTFIX_mynetworks, MYNETWORKS,
# RELAY_NETWORKS) or on the command line (-o mynetworks=...): every address is an open relay.
_RELAY_SETTING = re.compile(r"(?:^|_)(?:mynetworks|relay_?networks|relaynets)$", re.IGNORECASE)  # Mailu
_EVERY_ADDRESS = re.compile(r"(?:^|[\s,])(?:0\.0\.0\.0/0|::/0|\[::\]/0)(?:$|[\s,])")


def _open_relay(where: str, env: list[tuple[str, Any]], words: list[str]) -> Iterator[Finding]:
    settings = [(name, text_of(value)) for name, value in env if _RELAY_SETTING.search(name)]
    settings += [("mynetworks", w.split("=", 1)[1]) for w in words if w.lower().startswith("mynetworks=")]
    for name, value in settings:
        if _EVERY_ADDRESS.search(value.strip()):
            yield rule_finding(
                "open_mail_relay",
                where,
                f"{name}={value.strip()} trusts every address: an open mail relay",
            )
            return


def _development_mode(where: str, env: list[tuple[str, Any]], words: list[str]) -> Iterator[Finding]:
    names = {name.upper() for name, _ in env}
    keycloak = [
        i for i, w in enumerate(words) if w == "start-dev" and (i == 0 or words[i - 1].endswith("kc.sh"))
    ]
    if keycloak:
        what = "runs start-dev, Keycloak's development mode (plain HTTP, a local store)"
        yield rule_finding("development_mode", where, what)
    elif {"-dev", "--dev"} & set(words) and _DEV_SERVERS & set(words):
        command = " ".join(w for w in words if w in _DEV_SERVERS | {"-dev", "--dev"})
        yield rule_finding(
            "development_mode",
            where,
            f"runs `{command}`, a development server: data in memory (lost on restart), unsealed or "
            "unauthenticated, no TLS",
        )
    elif any(w in ("--developer-mode=1", "--developer-mode=true") for w in words) or (
        "--developer-mode" in words and words[words.index("--developer-mode") + 1 :][:1] in (["1"], ["true"])
    ):
        yield rule_finding(
            "development_mode",
            where,
            "runs ScyllaDB with --developer-mode=1: it skips the I/O and system checks a production node "
            "needs and runs with settings that lose performance or data under load",
        )
    elif "VAULT_DEV_ROOT_TOKEN_ID" in names and not words:  # the image's default command: server -dev
        yield rule_finding(
            "development_mode",
            where,
            "sets VAULT_DEV_ROOT_TOKEN_ID, so Vault runs as a dev server: in-memory storage, unsealed, "
            "no TLS, a fixed root token",
        )


def _anonymous_or_exposed(where: str, env: list[tuple[str, Any]], words: list[str]) -> Iterator[Finding]:
    values = {name.upper(): text_of(value).strip() for name, value in env}
    role = values.get("GF_AUTH_ANONYMOUS_ORG_ROLE", "Viewer")
    anonymous = values.get("GF_AUTH_ANONYMOUS_ENABLED", "").lower() in ("true", "1")
    if anonymous and role.lower() in _ANONYMOUS_ROLES:
        yield rule_finding(
            "admin_api_unauthenticated",
            where,
            f"GF_AUTH_ANONYMOUS_ENABLED=true with GF_AUTH_ANONYMOUS_ORG_ROLE={role} makes every anonymous "
            f"visitor a Grafana {role}: data sources, their credentials and every dashboard",
        )
    include = values.get("MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE") or next(
        (w.removeprefix(_ACTUATOR_FLAG) for w in words if w.startswith(_ACTUATOR_FLAG)), ""
    )
    if _REVEALING_ACTUATOR.search(include):
        shown = values.get("MANAGEMENT_ENDPOINT_ENV_SHOW_VALUES", "").upper() == "ALWAYS"
        yield rule_finding(
            "admin_api_unauthenticated",
            where,
            f"management.endpoints.web.exposure.include={include} serves Spring Boot actuator endpoints "
            "(/actuator/env, /actuator/heapdump ...) to whoever reaches the port"
            + (", with env values shown unmasked (SHOW_VALUES=ALWAYS)" if shown else ""),
        )


def command_words(command: Any) -> list[str]:
    """A command as words: compose's string form is one word (scan_command splits it), a list
    (compose or Kubernetes) one word per item."""
    if isinstance(command, str):
        return [command]
    return [text_of(part) for part in as_list(command)]


def command_line(*commands: Any) -> list[str]:
    """The words a program runs with (Kubernetes' command then args, compose's entrypoint then
    command), every item split on whitespace."""
    return [word for command in commands for text in command_words(command) for word in text.split()]


def long_flags(words: list[str]) -> dict[str, str]:
    """`--name=value` words as {name: value} (a bare `--flag` as {flag: ""})."""
    return dict(w.removeprefix("--").partition("=")[::2] for w in words if w.startswith("--"))


def image_findings(where: str, image: Any) -> Iterator[Finding]:
    if not isinstance(image, str) or not image or "@sha256:" in image:
        return
    last = image.rsplit("/", 1)[-1]
    tag = last.rsplit(":", 1)[1] if ":" in last else None
    if tag is None:
        yield rule_finding("image_untagged", where, f"image {image} has no tag (so latest)")
    elif tag == "latest":
        yield rule_finding("image_latest_tag", where, f"image {image} uses the latest tag")


def capability_names(values: Any) -> set[str]:
    """Upper-case names without the CAP_ prefix (compose accepts both spellings)."""
    items = [values] if isinstance(values, str) else values if isinstance(values, list) else []
    return {text_of(v).upper().removeprefix("CAP_") for v in items} - {""}


def capability_findings(
    where: str, added: Any, dropped: Any, setting: str, unprivileged: bool = False
) -> Iterator[Finding]:
    """`unprivileged`: the process runs as a non-root user and cannot escalate. The kernel gives
    such a process no capabilities and no-new-privileges stops setuid binaries and file
    capabilities from granting any, so not dropping ALL leaves nothing usable; and it can write
    only what its own user owns, not the image's root-owned files, so the auditors do not ask
    for a read-only root filesystem there either (Kubernetes' restricted Pod Security level does
    not ask for one)."""
    add = capability_names(added)
    for name in sorted(add & DANGEROUS_CAPABILITIES):
        yield rule_finding("dangerous_capability", where, f"adds capability {name}")
    for name in sorted(add - DANGEROUS_CAPABILITIES - DEFAULT_CAPABILITIES - HARMLESS_CAPABILITIES):
        yield rule_finding("added_capability", where, f"adds capability {name}")
    if "ALL" not in capability_names(dropped) and not unprivileged:
        yield rule_finding(
            "capabilities_not_dropped", where, f"does not drop ALL capabilities (no {setting})"
        )


def host_path_findings(
    where: str, path: str, read_only: bool | None = None, how: str = "mounts"
) -> Iterator[Finding]:
    """`read_only` is None where the format does not say it next to the path (a hostPath volume);
    `how` is the format's word for it (compose bind-mounts)."""
    normalised = posixpath.normpath("/" + path.strip("/")) if path.startswith("/") else path
    mode = {True: " read-only", False: " read-write", None: ""}[read_only]
    if normalised in RUNTIME_SOCKETS:
        yield rule_finding("docker_socket_mount", where, f"{how} the container runtime socket {normalised}")
    elif normalised == "/":
        yield rule_finding(
            "sensitive_host_path_mount", where, f"{how} the host's root filesystem (/){mode}: the whole host"
        )
    elif normalised in SENSITIVE_PATHS or normalised.startswith(SENSITIVE_TREES):
        yield rule_finding("sensitive_host_path_mount", where, f"{how} the host's {normalised}{mode}")
    elif read_only is not True:  # a plain directory shared read-only (a site's files) is what one should do
        yield rule_finding("host_path_mount", where, f"{how} host path {normalised}{mode}")


def database_port_finding(where: str, ports: Collection[int], exposure: str) -> Finding | None:
    """A finding when one of `ports` is a well-known database port; `exposure` says how it is reachable."""
    hits = sorted(p for p in DATABASE_PORTS if p in ports)
    if not hits:
        return None
    return rule_finding("database_port_exposed", where, f"database port {hits[0]} {exposure}")


def port_range(value: Any) -> range:
    """`5432`, `"5432"`, `"5432/tcp"` or `"5000-5010"` as a range; empty when it is not a port."""
    text = text_of(value).split("/", 1)[0].strip()
    low, _, high = text.partition("-")
    if not low.isdigit() or (high and not high.isdigit()):
        return range(0)
    return range(int(low), int(high or low) + 1)


# Images that keep data: their data directory on scratch space is data loss waiting for a reschedule.
DATA_IMAGES = (
    "postgres", "mysql", "mariadb", "mongo", "redis", "elasticsearch", "opensearch", "cassandra", "etcd",
    "kafka", "zookeeper", "rabbitmq", "clickhouse", "cockroach", "influxdb", "neo4j", "minio",
)  # fmt: skip


# Where the official (and Bitnami) images keep their data: with no volume there, the data lives in
# the container and goes with it.
DATA_DIRECTORIES = {
    "postgres": ("/var/lib/postgresql/data", "/var/lib/postgresql", "/bitnami/postgresql"),
    "mysql": ("/var/lib/mysql", "/bitnami/mysql"),
    "mariadb": ("/var/lib/mysql", "/bitnami/mariadb"),
    "mongo": ("/data/db", "/bitnami/mongodb"),
    "elasticsearch": ("/usr/share/elasticsearch/data", "/bitnami/elasticsearch"),
    "opensearch": ("/usr/share/opensearch/data",),
    "rabbitmq": ("/var/lib/rabbitmq", "/bitnami/rabbitmq"),
    "clickhouse": ("/var/lib/clickhouse",),
    "influxdb": ("/var/lib/influxdb2", "/var/lib/influxdb"),
    "cassandra": ("/var/lib/cassandra", "/bitnami/cassandra"),
}


# Applications whose image keeps their own state in a directory of the container (not in a
# database): the directories a volume must cover (any one of them), and what is lost without it.
APP_DATA = {
    "nextcloud": (("/var/www/html",), "config.php, the installed apps and the version it was upgraded to"),
    "odoo": (("/var/lib/odoo",), "the filestore (attachments, images) and sessions"),
    "wordpress": (("/var/www/html", "/var/www/html/wp-content"), "wp-content: uploads, plugins and themes"),
    "mattermost-team-edition": (("/mattermost/data",), "the uploaded files"),
    "mattermost-enterprise-edition": (("/mattermost/data",), "the uploaded files"),
    "uptime-kuma": (("/app/data",), "its SQLite database (kuma.db)"),
    "linkding": (("/etc/linkding/data",), "its SQLite database (bookmarks and users) and favicons"),
    "audiobookshelf": (("/config", "/metadata"), "its SQLite database (users, progress, settings)"),
    "jenkins": (("/var/jenkins_home",), "jobs, build records and configuration"),
    "activemq-artemis": (
        ("/var/lib/artemis-instance", "/var/lib/artemis-instance/data"),
        "its journal (durable messages)",
    ),
}
# A directory of files users upload, by the name applications give it.
UPLOADS = re.compile(
    r"(?:/sites/[\w.-]+/files|/wp-content/uploads|/uploads?|/media|/filestore|/attachments)/?$"
)


def app_data(image: Any) -> tuple[tuple[str, ...], str] | None:
    """Where an application image keeps its state (`nextcloud:29-apache` -> /var/www/html), else None."""
    return APP_DATA.get(image_name(image))


_SERVER_IMAGE_ALIASES = {
    "postgresql": "postgres", "mysql-server": "mysql", "percona-server": "mysql", "percona": "mysql",
    "mongodb": "mongo", "mongodb-community-server": "mongo", "clickhouse-server": "clickhouse",
}  # fmt: skip


def image_name(image: Any) -> str:
    """The image's own name, without registry, path, tag or digest: `registry.example.com/db/
    postgres:16@sha256:...` -> `postgres`; "" for no image."""
    return text_of(image).split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0].lower()


# Variables by which an application is told where its data lives: Weaviate's PERSISTENCE_DATA_PATH,
# DATA_DIR, STORAGE_PATH, DB_PATH and the like.
_DATA_PATH_VARIABLE = re.compile(
    r"(?:^|_)(?:DATA_(?:PATH|DIR|DIRECTORY|ROOT|FOLDER)|DATADIR|STORAGE_(?:PATH|DIR)|DB_PATH|"
    r"DATABASE_PATH|PERSISTENCE_\w*PATH)$",
    re.IGNORECASE,
)


def data_path_variable(env: Iterable[tuple[str, Any]]) -> tuple[str, str] | None:
    """(variable, path) of the first variable that names where the application keeps its data as an
    absolute path outside scratch space (/tmp, /dev/shm, /run), else None."""
    for name, value in env:
        path = text_of(value).strip()
        if (
            _DATA_PATH_VARIABLE.search(name)
            and path.startswith("/")
            and not path.startswith(("/tmp", "/dev/", "/run/", "/proc/"))  # noqa: S108 - excluded, not used
        ):
            return name, path.rstrip("/") or "/"
    return None


def data_directories(image: Any) -> tuple[str, ...]:
    """The data directories of a datastore image (`mysql:8.0`, `bitnami/postgresql:16`), else ()."""
    if not isinstance(image, str):
        return ()
    name = image_name(image)
    # The server's own image, not a tool named after it (`mysql-backup`, `postgres-exporter`).
    name = _SERVER_IMAGE_ALIASES.get(name, name)
    return DATA_DIRECTORIES.get(name, ())


def keeps_data(image: Any) -> bool:
    """`postgres:16`, `bitnami/postgresql:16`, `registry.example.com/mongo:7`: a datastore's image."""
    if not isinstance(image, str):
        return False
    name = image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0].lower()
    return any(kind in name for kind in DATA_IMAGES)


_UNITS = {"": 1, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12, "ki": 2**10, "mi": 2**20, "gi": 2**30, "ti": 2**40}
_QUANTITY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?)?b?\s*$", re.IGNORECASE)
_HEAP = re.compile(r"-Xmx(\d+)([kmgt]?)\b", re.IGNORECASE)


def memory_bytes(value: Any) -> float | None:
    """A memory size as Kubernetes (`2Gi`, `512M`) or compose (`2g`, `512m`, `1gb`) writes it."""
    match = _QUANTITY.match(text_of(value))
    if not match:
        return None
    return float(match[1]) * _UNITS[(match[2] or "").lower()]


def heap_findings(where: str, texts: list[str], limit: Any) -> Iterator[Finding]:
    """A JVM told to use a heap (-Xmx) as large as its memory limit or larger: the heap alone
    fills the cgroup, and the kernel kills the container (exit 137) as soon as it is used."""
    limit_bytes = memory_bytes(limit)
    if limit_bytes is None:
        return
    for text in texts:
        for heap in _HEAP.finditer(text):
            size = float(heap[1]) * {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}[heap[2].lower()]
            if size >= limit_bytes:
                what = (
                    f"the JVM heap -Xmx{heap[1]}{heap[2]} is as large as the memory limit {text_of(limit)} "
                    "or larger, so the container is OOM-killed (exit 137) under load"
                )
                yield rule_finding("heap_over_memory_limit", where, what)
                return
    words = " ".join(texts).split()
    if "memcached" in words:  # memcached -m 3072: item memory in megabytes
        for flag, value in zip(words, [*words[1:], ""], strict=True):
            megabytes = value if flag == "-m" else flag.removeprefix("--memory-limit=")
            if (flag == "-m" or flag.startswith("--memory-limit=")) and megabytes.isdigit():
                if int(megabytes) * 2**20 >= limit_bytes:
                    what = (
                        f"memcached is told to use {megabytes} MB for items (-m) with a memory limit of "
                        f"{text_of(limit)}: as the cache warms the container is OOM-killed and the cache lost"
                    )
                    yield rule_finding("heap_over_memory_limit", where, what)
                return


def pod_object(obj: dict[str, Any]) -> dict[str, Any]:
    """The pod itself or the workload's pod template (metadata and spec), a CronJob's included."""
    if obj.get("kind") == "Pod":
        return obj
    spec = as_mapping(obj.get("spec"))
    if obj.get("kind") == "CronJob":
        spec = as_mapping(as_mapping(spec.get("jobTemplate")).get("spec"))
    return as_mapping(spec.get("template"))


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    return as_mapping(pod_object(obj).get("spec"))


def declared_ports(containers: list[dict[str, Any]]) -> tuple[set[int], set[str]]:
    """The port numbers and port names the containers declare (`ports[].containerPort`, `.name`)."""
    declared = [as_mapping(p) for c in containers for p in as_list(c.get("ports"))]
    numbers = {p["containerPort"] for p in declared if isinstance(p.get("containerPort"), int)}
    return numbers, {text_of(p.get("name")) for p in declared if p.get("name")}


def one_word_command(where: str, label: str, command: Any) -> Iterator[Finding]:
    """An exec-form command whose program is a whole command line (`["CMD", "curl -f http://x"]`,
    `exec: {command: ["curl -f http://x"]}`): it runs a program of that name, which does not exist."""
    words = [text_of(w) for w in as_list(command)]
    if words[:1] in (["CMD"], ["CMD-SHELL"]):
        if words[0] == "CMD-SHELL":
            return
        words = words[1:]
    if len(words) == 1 and " " in words[0].strip() and not words[0].startswith("/bin/"):
        yield rule_finding(
            "broken_health_check",
            where,
            f'its {label} runs "{words[0][:80]}" as one word (exec form), so it looks for a program of that '
            "name: it never passes",
        )


def requests_over_limits(
    where: str, requests: dict[str, Any], limits: dict[str, Any], how: str
) -> Iterator[Finding]:
    """A memory (or CPU) request above its limit, or an extended resource (`nvidia.com/gpu`)
    requested without an equal limit: refused when applied. `how` names the settings."""
    for resource, amount in requests.items():
        if "/" not in text_of(resource) or text_of(limits.get(resource)) == text_of(amount):
            continue  # only extended resources (a vendor's domain/name), which cannot be overcommitted
        said = (
            "has no limit"
            if resource not in limits
            else f"differs from its limit ({text_of(limits[resource])})"
        )
        yield rule_finding(
            "manifest_rejected",
            where,
            f"its {resource} request ({text_of(amount)}) {said}: extended resources cannot be "
            f"overcommitted, so {how} refuses it; set the limit (the request may then be left out)",
        )
    for resource, parse in (("memory", memory_bytes), ("cpu", cpu_cores)):
        asked, capped = parse(requests.get(resource)), parse(limits.get(resource))
        if asked is not None and capped is not None and asked > capped:
            yield rule_finding(
                "manifest_rejected",
                where,
                f"its {resource} request ({text_of(requests.get(resource))}) is above its limit "
                f"({text_of(limits.get(resource))}): {how} refuses it ('must be less than or equal to "
                f"{resource} limit')",
            )


def cpu_cores(value: Any) -> float | None:
    """CPU as Kubernetes (`500m`, `2`) or compose (`0.5`) writes it."""
    text = text_of(value).strip()
    try:
        return float(text[:-1]) / 1000 if text.endswith("m") else float(text)
    except ValueError:
        return None


_DHCP_IMAGES = ("kea-dhcp", "isc-dhcp", "dhcpd")


def dhcp_server(image: Any, words: list[str]) -> bool:
    """A DHCP server's container: Kea's or ISC's image, or dnsmasq told to hand out leases."""
    name = text_of(image).lower().rsplit("/", 1)[-1]
    return any(d in name for d in _DHCP_IMAGES) or (
        "dnsmasq" in name and any(w.startswith("--dhcp-range") for w in words)
    )
