"""The docker-compose auditor: each service's settings, in the short and long syntax compose
accepts. Codes and severities come from the shared table in audit_rules."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Any

from app.agents.base import Finding
from app.agents.infrastructure.audit_rules import rule_finding
from app.agents.infrastructure.clustering import version_mismatch
from app.agents.infrastructure.container_checks import (
    ALL_INTERFACES,
    app_data,
    as_list,
    as_mapping,
    capability_findings,
    command_line,
    command_words,
    data_directories,
    data_path_variable,
    database_port_finding,
    dhcp_server,
    drops_root_itself,
    heap_findings,
    host_path_findings,
    image_findings,
    image_name,
    one_word_command,
    open_door_findings,
    port_range,
    requests_over_limits,
    text_of,
)
from app.agents.infrastructure.secret_scan import env_pairs, scan_command, scan_env
from app.agents.infrastructure.server_settings import (
    advertised_loopback,
    agent_job_findings,
    image_auth_findings,
    image_login_findings,
    memory_lock_findings,
    published_port_findings,
    queue_findings,
    settings_findings,
    text_findings,
)


def audit_compose(document: dict[str, Any]) -> list[Finding]:
    services = as_mapping(document.get("services"))
    awaited = _awaited_healthy(services)
    # What kind of backing service each one is (postgres, redis ...), for the settings that reach it.
    kinds = {text_of(n): kind for n, s in services.items() if (kind := _kind(s))}
    known = _known_names(services)
    external = {
        text_of(n)
        for n, spec in as_mapping(document.get("networks")).items()
        if as_mapping(spec).get("external")
    }
    findings: list[Finding] = []
    for name, service in services.items():
        if isinstance(service, dict):
            findings += _service(f"service {name}", service)
            findings += _health_and_restart(f"service {name}", service, awaited.get(text_of(name)))
            findings += _localhost(text_of(name), service, kinds)
            findings += _undefined_host(text_of(name), service, kinds, known, external)
            findings += _started_not_ready(text_of(name), service, kinds)
    findings += _shared_data(services)
    findings += _port_conflicts(services)
    findings += _networks_apart(services)
    processes = [
        (f"service {name}", s.get("image"), command_line(s.get("entrypoint"), s.get("command")),
         env_pairs(s.get("environment")))
        for name, s in services.items() if isinstance(s, dict)
    ]  # fmt: skip
    configs = as_mapping(document.get("configs"))
    mounted = {
        f"service {name}": "\n".join(
            text_of(as_mapping(configs.get(c)).get("content")) for c in _config_sources(s)
        )
        for name, s in services.items()
        if isinstance(s, dict)
    }
    findings += queue_findings(processes, mounted)
    findings += version_mismatch([(where, image) for where, image, _words, _env in processes])
    findings += agent_job_findings(processes)
    findings += advertised_loopback(processes)
    mounts = _config_targets(services)
    findings += _open_resolvers(services, as_mapping(document.get("configs")))
    for name, config in as_mapping(document.get("configs")).items():
        if isinstance(config, dict) and isinstance(config.get("content"), str):
            findings += text_findings(
                f"config {name}", config["content"], " ".join(mounts.get(text_of(name), []))
            )
    return findings


def _open_resolvers(services: dict[str, Any], configs: dict[str, Any]) -> Iterator[Finding]:
    """CoreDNS publishing port 53 on every interface with a Corefile that forwards everything and
    has no acl plugin, or Pi-hole told to answer on every interface: it resolves for anyone on the
    internet."""
    for name, service in services.items():
        if not isinstance(service, dict):
            continue
        public = any(
            (spec := _port_spec(port))
            and spec[2] == "53"
            and spec[1]
            and spec[0].strip("[]") in ALL_INTERFACES
            for port in as_list(service.get("ports"))
        )
        if public and image_name(service.get("image")) == "pihole":
            listening = text_of(dict(env_pairs(service.get("environment"))).get("DNSMASQ_LISTENING")).lower()
            if listening == "all":
                yield rule_finding(
                    "open_resolver",
                    f"service {name}",
                    "Pi-hole publishes port 53 on every interface with DNSMASQ_LISTENING=all: it answers "
                    "recursive queries from anyone who reaches the host (DNS amplification); bind 53 to a "
                    "private address, or keep the default (local)",
                )
            continue
        if image_name(service.get("image")) != "coredns":
            continue
        corefiles = [text_of(as_mapping(configs.get(s)).get("content")) for s in _config_sources(service)]
        if public and any(
            "forward ." in c and not re.search(r"^\s*acl\b", c, re.MULTILINE) for c in corefiles
        ):
            yield rule_finding(
                "open_resolver",
                f"service {name}",
                "CoreDNS publishes port 53 on every interface and its Corefile forwards every name with no "
                "acl plugin: an open resolver for anyone who reaches the host (DNS amplification)",
            )


def _config_sources(service: dict[str, Any]) -> list[str]:
    """The names of the top-level configs a service mounts (long or short syntax)."""
    return [
        text_of(e.get("source")) if isinstance(e, dict) else text_of(e)
        for e in as_list(service.get("configs"))
    ]


def _config_targets(services: dict[str, Any]) -> dict[str, list[str]]:
    """Each top-level config's name, to the paths the services mount it at."""
    targets: dict[str, list[str]] = {}
    for service in services.values():
        for entry in as_list(as_mapping(service).get("configs")):
            if isinstance(entry, dict):
                source = text_of(entry.get("source"))
                targets.setdefault(source, []).append(text_of(entry.get("target"), f"/{source}"))
            elif isinstance(entry, str):
                targets.setdefault(entry, []).append(f"/{entry}")
    return targets


def _port_conflicts(services: dict[str, Any]) -> Iterator[Finding]:
    """Host ports published by two services (on the same address, or one of them on all)."""
    taken: dict[tuple[str, str], list[tuple[str, str]]] = {}  # (port, protocol) -> [(service, address)]
    profiles: dict[str, set[str]] = {}
    for name, service in services.items():
        if not isinstance(service, dict):
            continue
        profiles[text_of(name)] = {text_of(p) for p in as_list(service.get("profiles"))}
        for port in as_list(service.get("ports")):
            published = _published(port)
            if published is not None:
                address, number, protocol = published
                taken.setdefault((number, protocol), []).append((text_of(name), address))

    def together(one: str, other: str) -> bool:  # services of disjoint profiles never run together
        return not profiles[one] or not profiles[other] or bool(profiles[one] & profiles[other])

    for (number, _), users in taken.items():
        clashing = sorted(
            {name for name, address in users for other, where in users
             if other != name and together(name, other)
             and (address == where or address in ALL_INTERFACES or where in ALL_INTERFACES)}
        )  # fmt: skip
        if len(clashing) > 1:
            yield rule_finding(
                "host_port_conflict",
                f"services {', '.join(clashing)}",
                f"{'both' if len(clashing) == 2 else 'all'} publish host port {number}, a conflict: only the "
                "first to start gets it, the next fails with 'port is already allocated'",
            )


def _published(port: Any) -> tuple[str, str, str] | None:
    """(host address, host port, protocol) of a published port; None when the host port is left
    to Docker or is a range."""
    spec = _port_spec(port)
    if spec is None or not spec[1].isdigit():
        return None
    address, number, _, protocol = spec
    return address.strip("[]"), number, protocol


def _port_spec(port: Any) -> tuple[str, str, str, str] | None:
    """(host address, host port, container port, protocol) of a `ports` entry, short syntax
    (`[IP:][HOST:]CONTAINER[/PROTO]`) or long; empty strings for what it leaves out."""
    if isinstance(port, dict):
        return (text_of(port.get("host_ip")), text_of(port.get("published")), text_of(port.get("target")),
                text_of(port.get("protocol"), "tcp"))  # fmt: skip
    if not isinstance(port, int | str):
        return None
    spec, _, protocol = str(port).partition("/")
    parts = spec.rsplit(":", 2)
    address = parts[0] if len(parts) == 3 else ""
    published = parts[-2] if len(parts) >= 2 else ""
    return address, published, parts[-1], protocol or "tcp"


def _shared_data(services: dict[str, Any]) -> Iterator[Finding]:
    """Datastores whose data directories are one volume (or one host directory)."""
    users: dict[str, list[tuple[str, str]]] = {}
    for name, service in services.items():
        if not isinstance(service, dict) or not _runs_the_server(service):
            continue
        directories = data_directories(service.get("image"))
        for volume in as_list(service.get("volumes")):
            source, target = _volume_source(volume), _volume_target(volume)
            if (
                source
                and target
                and any(d == target or d.startswith(f"{target.rstrip('/')}/") for d in directories)
            ):
                users.setdefault(source, []).append((text_of(name), target))
    for source, mounts in users.items():
        if len(mounts) > 1:
            names = ", ".join(name for name, _ in mounts)
            yield rule_finding(
                "shared_data_directory",
                f"services {names}",
                f"mount the same volume {source} on their data directory ({mounts[0][1]}): one database's "
                "files written by several servers",
            )


def _networks(service: dict[str, Any]) -> set[str] | None:
    """The networks a service is attached to (compose's `default` when it names none); None when
    its `network_mode` puts it elsewhere (host, another container)."""
    if service.get("network_mode"):
        return None
    networks = service.get("networks")
    names = {text_of(n) for n in (networks if isinstance(networks, list) else as_mapping(networks))}
    return names or {"default"}


def _networks_apart(services: dict[str, Any]) -> Iterator[Finding]:
    """A service that depends on another with which it shares no network: Docker's DNS answers a
    service's name only on the networks both are attached to, so it can never reach it."""
    for name, service in services.items():
        if not isinstance(service, dict) or (mine := _networks(service)) is None:
            continue
        depends = service.get("depends_on")
        for dependency in depends if isinstance(depends, list) else as_mapping(depends):
            other = services.get(text_of(dependency))
            if isinstance(other, dict) and (theirs := _networks(other)) is not None and not mine & theirs:
                on = f"{name}: {', '.join(sorted(mine))}; {dependency}: {', '.join(sorted(theirs))}"
                yield rule_finding(
                    "no_shared_network",
                    f"service {name}",
                    f"depends on {dependency} but shares no network with it ({on}): the name {dependency} "
                    f"does not resolve from {name}, so it cannot reach it",
                )


def _started_not_ready(name: str, service: dict[str, Any], kinds: dict[str, str]) -> Iterator[Finding]:
    """`depends_on` in its short form (or `condition: service_started`) on a datastore waits for its
    container to start, not for it to accept connections: the first connections are refused."""
    depends = service.get("depends_on")
    pairs = (
        [(text_of(d), "service_started") for d in depends]
        if isinstance(depends, list)
        else [
            (text_of(d), text_of(as_mapping(spec).get("condition"), "service_started"))
            for d, spec in as_mapping(depends).items()
        ]
    )
    for dependency, condition in pairs:
        if condition == "service_started" and dependency in kinds:
            yield rule_finding(
                "dependency_not_ready",
                f"service {name}",
                f"depends_on {dependency} waits only for its container to start, not for it to accept "
                "connections, so the first ones are refused",
            )


# The default port of each kind of backing service, and the words of a setting that points at one.
_KIND_PORTS = {
    "postgres": 5432, "mysql": 3306, "mariadb": 3306, "redis": 6379, "valkey": 6379, "mongo": 27017,
    "rabbitmq": 5672, "elasticsearch": 9200, "opensearch": 9200, "memcached": 11211, "kafka": 9092,
}  # fmt: skip
_KIND_WORDS = {
    "postgres": ("DB", "DATABASE", "POSTGRES", "PG", "SQL"), "mysql": ("DB", "DATABASE", "MYSQL", "SQL"),
    "mariadb": ("DB", "DATABASE", "MYSQL", "MARIADB", "SQL"), "redis": ("REDIS", "CACHE", "BROKER", "CELERY"),
    "valkey": ("REDIS", "VALKEY", "CACHE"), "mongo": ("MONGO", "DB", "DATABASE"),
    "rabbitmq": ("RABBIT", "AMQP", "BROKER", "CELERY"), "elasticsearch": ("ELASTIC", "ES", "SEARCH"),
    "opensearch": ("OPENSEARCH", "SEARCH"), "memcached": ("MEMCACHE", "CACHE"), "kafka": ("KAFKA", "BROKER"),
}  # fmt: skip
_LOCALHOST = re.compile(r"(?:^|[/@=,;\s])(?:localhost|127\.0\.0\.1)(?::(?P<port>\d+))?(?=[/,;\s?]|$)", re.I)


def _kind(service: Any) -> str | None:
    image = image_name(as_mapping(service).get("image"))
    image = {"postgresql": "postgres", "mongodb": "mongo"}.get(image, image)
    return image if image in _KIND_PORTS else None


def _localhost(name: str, service: dict[str, Any], kinds: dict[str, str]) -> Iterator[Finding]:
    """A setting that reaches another service of the file at localhost: inside the container that
    is the container itself (unless it shares the host's or another container's network)."""
    if text_of(service.get("network_mode")).startswith(("host", "service:", "container:")):
        return
    others = {other: kind for other, kind in kinds.items() if other != name}
    if not others:
        return
    for key, value in env_pairs(service.get("environment")):
        match = _LOCALHOST.search(text_of(value))
        if match is None:
            continue
        words = set(re.split(r"[^A-Z0-9]+", key.upper()))
        port = int(match["port"]) if match["port"] else None
        meant = [
            other
            for other, kind in others.items()
            if (port is not None and port == _KIND_PORTS[kind])
            or (port is None and words & set(_KIND_WORDS[kind]))
        ]
        if meant:
            yield rule_finding(
                "localhost_in_container",
                f"service {name}",
                f"environment variable {key} points at localhost, which inside the container is the "
                f"container itself, not service {meant[0]}: connections are refused (use the host name "
                f"{meant[0]})",
            )


# A setting's value that names one host: `db`, `db:3306`, `mongodb://user:pw@wekandb:27017/wekan`
# (the host without dots: a service's name, not a domain name).
_ONE_HOST = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/\s]*@)?(?P<host>[A-Za-z][\w-]*)(?::\d+)?(?:[/?,;].*)?$"
)


def _known_names(services: dict[str, Any]) -> set[str]:
    """Every name a container of the file answers to: service names, container names, host
    names, network aliases, links' aliases and extra_hosts."""
    names = {text_of(n) for n in services}
    for service in (s for s in services.values() if isinstance(s, dict)):
        names |= {text_of(service.get(key)) for key in ("container_name", "hostname")}
        for network in as_mapping(service.get("networks")).values():
            names |= {text_of(a) for a in as_list(as_mapping(network).get("aliases"))}
        names |= {text_of(link).rpartition(":")[2] for link in as_list(service.get("links"))}
        extra = service.get("extra_hosts")
        entries = extra if isinstance(extra, list) else [f"{k}:{v}" for k, v in as_mapping(extra).items()]
        names |= {text_of(entry).split(":")[0].split("=")[0] for entry in entries}
    return names - {""}


def _undefined_host(
    name: str, service: dict[str, Any], kinds: dict[str, str], known: set[str], external: set[str]
) -> Iterator[Finding]:
    """A setting meant for a backing service of the file (DB_HOST beside a MySQL service) that
    names a host no container of the file answers to: the name does not resolve. On an external
    network, where other projects' containers answer too, only a near-miss of a name of the file
    (`wekandb` for `wekan-db`) is judged."""
    networks = _networks(service)
    if networks is None:
        return
    others = {other: kind for other, kind in kinds.items() if other != name}
    names = sorted(known)
    for key, value in env_pairs(service.get("environment")):
        match = _ONE_HOST.match(text_of(value).strip())
        words = re.split(r"[^A-Z0-9]+", key.upper())
        if match is None or match["host"] in known or match["host"].lower() == "localhost":
            continue
        if words[-1] not in ("HOST", "HOSTNAME", "SERVER", "URL", "URI", "ADDR", "ADDRESS", "DSN"):
            continue  # POSTGRES_HOST_AUTH_METHOD names no host
        meant = [other for other, kind in others.items() if set(words) & set(_KIND_WORDS[kind])]
        near = difflib.get_close_matches(match["host"], names, n=1, cutoff=0.8)
        # The one service of its kind the setting is meant for, or a near-miss of a name of the file;
        # on an external network, where other projects' containers answer too, only a near-miss.
        if (len(meant) == 1 and not networks & external) or (meant and near):
            close = near or difflib.get_close_matches(match["host"], names, n=1, cutoff=0.6) or meant
            yield rule_finding(
                "undefined_service_host",
                f"service {name}",
                f"{key} points at host {match['host']}, which no service of the file is named (did you mean "
                f"{close[0]}?): the name does not resolve, so it cannot connect",
            )
            return


def _awaited_healthy(services: dict[str, Any]) -> dict[str, str]:
    """Services another one waits for with `depends_on: {x: {condition: service_healthy}}`, to
    the first that waits."""
    awaited: dict[str, str] = {}
    for name, service in services.items():
        depends = as_mapping(as_mapping(service).get("depends_on"))
        for dependency, spec in depends.items():
            if as_mapping(spec).get("condition") == "service_healthy":
                awaited.setdefault(text_of(dependency), text_of(name))
    return awaited


def _service(where: str, service: dict[str, Any]) -> Iterator[Finding]:
    """One service's own settings, in the order its findings are reported: privileges, host
    namespaces and mounts, user, secrets and settings, the image's login, health check, published
    ports, then the image, limits and data."""
    if service.get("privileged") is True:
        yield rule_finding("privileged_container", where, "runs privileged")
    yield from _dhcp_on_bridge(where, service)
    options = _security_options(service)
    drops_root = _drops_root(service)
    unprivileged = _unprivileged(service, options, drops_root)
    yield from _privilege_findings(where, service, options, unprivileged)
    for key, code, label in _HOST_NAMESPACES:
        if service.get(key) == "host":
            yield rule_finding(code, where, f"shares the host's {label} ({key}: host)")
    for volume in as_list(service.get("volumes")):
        yield from _volume(where, service, volume)
    if not drops_root:
        yield from _user(where, service.get("user"))
    if service.get("read_only") is not True and not unprivileged:  # see capability_findings
        yield rule_finding("writable_root_filesystem", where, "read_only is not true")
    env = env_pairs(service.get("environment"))
    words = command_line(service.get("entrypoint"), service.get("command"))
    yield from _environment_and_command(where, service, env, words)
    yield from _image_access(where, service, env, words)
    yield from one_word_command(where, "healthcheck", as_mapping(service.get("healthcheck")).get("test"))
    yield from _memory_reservation(where, service)
    yield from scan_command(
        where, "healthcheck", command_words(as_mapping(service.get("healthcheck")).get("test"))
    )
    yield from _published_ports(where, service)
    yield from image_findings(where, service.get("image"))
    yield from _limits(where, service)
    yield from _data_in_container(where, service, env)


# The host namespaces a service may share: (its key, the finding's code, what it shares).
_HOST_NAMESPACES = (
    ("network_mode", "host_network", "network"),
    ("pid", "host_pid", "PID namespace"),
    ("ipc", "host_ipc", "IPC namespace"),
)
# security_opt values (as _security_options writes them) that switch a kernel filter off, to its name.
_PROFILES_OFF = {
    "seccomp:unconfined": "seccomp",
    "apparmor:unconfined": "AppArmor",
    "label:disable": "SELinux labels",
}


def _dhcp_on_bridge(where: str, service: dict[str, Any]) -> Iterator[Finding]:
    """A DHCP server needs the host's network: the clients' broadcasts do not cross a bridge."""
    if service.get("network_mode") != "host" and dhcp_server(
        service.get("image"), command_line(service.get("entrypoint"), service.get("command"))
    ):
        yield rule_finding(
            "dhcp_without_host_network",
            where,
            "a DHCP server on a bridge network (no network_mode: host): the clients' DHCPDISCOVER "
            "broadcasts never reach the container, so no client gets a lease",
        )


def _security_options(service: dict[str, Any]) -> list[str]:
    """The service's security_opt entries in one spelling: `key:value`, lower case, no spaces."""
    return [
        text_of(opt).replace("=", ":").replace(" ", "").lower()
        for opt in as_list(service.get("security_opt"))
    ]


def _drops_root(service: dict[str, Any]) -> bool:
    """No user is set, and the image does not run as root anyway (it drops root itself, or its
    USER is not root)."""
    user = text_of(service.get("user")).split(":", 1)[0]
    return not user and drops_root_itself(service.get("image"))


def _unprivileged(service: dict[str, Any], options: list[str], drops_root: bool) -> bool:
    """A user other than root (set, or the image's own) that no-new-privileges keeps from
    escalating: the kernel gives it no capabilities and it writes only its own files (see
    capability_findings)."""
    user = text_of(service.get("user")).split(":", 1)[0]
    return (user not in ("", "root", "0") or drops_root) and bool(
        {"no-new-privileges", "no-new-privileges:true"} & {*options}
    )


def _privilege_findings(
    where: str, service: dict[str, Any], options: list[str], unprivileged: bool
) -> Iterator[Finding]:
    """Capabilities, privilege escalation, and the kernel filters (seccomp, AppArmor, SELinux)."""
    yield from capability_findings(
        where, service.get("cap_add"), service.get("cap_drop"), "cap_drop: [ALL]", unprivileged
    )
    if "no-new-privileges:false" in options:
        yield rule_finding(
            "privilege_escalation", where, "allows privilege escalation (no-new-privileges:false)"
        )
    for option in options:
        if option in _PROFILES_OFF:
            yield rule_finding(
                "security_profile_disabled",
                where,
                f"runs with {_PROFILES_OFF[option]} switched off ({option})",
            )


def _volume(where: str, service: dict[str, Any], volume: Any) -> Iterator[Finding]:
    """One volume: a host path bind-mounted (a socket proxy's Docker socket is its job), or the
    project directory served as a web root."""
    source = _bind_source(volume)
    if source is not None and not (
        _SOCKET_PROXY.search(text_of(service.get("image"))) and "docker.sock" in source
    ):
        yield from host_path_findings(where, source, _read_only(volume), how="bind-mounts")
    served = _volume_target(volume)
    if _volume_source(volume) in (".", "./") and served and served.rstrip("/") in _DOCUMENT_ROOTS:
        yield rule_finding(
            "project_directory_served",
            where,
            f"mounts the project directory (./) as the web root {served}: its .env, .git and compose "
            "file are downloadable",
        )


def _environment_and_command(
    where: str, service: dict[str, Any], env: list[tuple[str, Any]], words: list[str]
) -> Iterator[Finding]:
    """Secrets written into the environment or the command line, doors left open, and the
    server settings both carry."""
    yield from scan_env(where, env)
    yield from open_door_findings(
        where, env, command_words(service.get("command")) + command_words(service.get("entrypoint"))
    )
    yield from scan_command(
        where,
        "command line",
        [*command_words(service.get("entrypoint")), *command_words(service.get("command"))],
    )
    yield from settings_findings(where, env, words)
    yield from memory_lock_findings(where, env, words, service.get("ulimits"))


def _image_access(
    where: str, service: dict[str, Any], env: list[tuple[str, Any]], words: list[str]
) -> Iterator[Finding]:
    """Who can log in to what the image serves: its default login on an open port, its
    authentication switched off, php-fpm's FastCGI port open to all."""
    public = _public_ports(service)
    open_ports = [spec[1] for spec in public]
    mounted = [target for volume in as_list(service.get("volumes")) if (target := _volume_target(volume))]
    yield from image_login_findings(where, service.get("image"), env, mounted, open_ports)
    yield from image_auth_findings(where, service.get("image"), env, words)
    if "fpm" in text_of(service.get("image")) and any(spec[2] == "9000" for spec in public):
        yield rule_finding(
            "admin_api_unauthenticated",
            where,
            "php-fpm's FastCGI port 9000 is published on all interfaces: FastCGI has no authentication, and "
            "whoever reaches it runs PHP, with ini settings of their choosing",
        )


def _public_ports(service: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The service's `ports` entries with a host port on every interface of the host."""
    return [
        spec for port in as_list(service.get("ports"))
        if (spec := _port_spec(port)) and spec[1] and spec[0].strip("[]") in ALL_INTERFACES
    ]  # fmt: skip


def _memory_reservation(where: str, service: dict[str, Any]) -> Iterator[Finding]:
    """A memory reservation above the memory limit: Docker refuses it."""
    resources = as_mapping(as_mapping(service.get("deploy")).get("resources"))
    yield from requests_over_limits(
        where,
        {"memory": as_mapping(resources.get("reservations")).get("memory")},
        {"memory": as_mapping(resources.get("limits")).get("memory") or service.get("mem_limit")},
        "Docker",
    )


def _published_ports(where: str, service: dict[str, Any]) -> Iterator[Finding]:
    """A database's port published on all interfaces, and what the image serves on the ports it
    publishes."""
    for port in as_list(service.get("ports")):
        if finding := _published_database(where, port):
            yield finding
    published = [
        (spec[0], set(port_range(spec[2])))
        for port in as_list(service.get("ports"))
        if (spec := _port_spec(port))
    ]
    words = command_line(service.get("entrypoint"), service.get("command"))
    yield from published_port_findings(where, service.get("image"), published, words)
    yield from _udp_as_tcp(where, service)


# Ports whose service speaks only UDP: published without /udp, no packet reaches it.
_UDP_ONLY = {
    3478: "STUN", 10001: "UniFi device discovery", 1900: "SSDP", 5353: "mDNS", 123: "NTP", 161: "SNMP",
    162: "SNMP traps", 51820: "WireGuard", 500: "IKE (IPsec)", 4500: "IPsec NAT traversal", 69: "TFTP",
}  # fmt: skip


def _udp_as_tcp(where: str, service: dict[str, Any]) -> Iterator[Finding]:
    """A UDP-only service's port published as TCP alone (compose's default protocol)."""
    specs = [spec for port in as_list(service.get("ports")) if (spec := _port_spec(port))]
    udp = {p for spec in specs if spec[3].lower() == "udp" for p in port_range(spec[2])}
    for _address, _published, target, protocol in specs:
        for port in port_range(target):
            if protocol.lower() == "tcp" and port in _UDP_ONLY and port not in udp:
                yield rule_finding(
                    "udp_port_published_as_tcp",
                    where,
                    f"publishes {port} ({_UDP_ONLY[port]}) as TCP only: {_UDP_ONLY[port]} is UDP, so no "
                    f"client's packet reaches it",
                )


# Proxies whose job is to hold the Docker socket and pass only the API calls allowed through.
_SOCKET_PROXY = re.compile(r"(?:^|/)(?:docker-)?socket-proxy(?::|@|$)")


def _data_in_container(where: str, service: dict[str, Any], env: list[tuple[str, Any]]) -> Iterator[Finding]:
    """A datastore with no volume (named or bind) on its data directory keeps its data in the
    container: `docker compose down`, or a recreate, loses it. A tmpfs there is no better. The
    same for an application that keeps its state in its own directory (Nextcloud's config.php),
    or in one a variable names (Weaviate's PERSISTENCE_DATA_PATH)."""
    targets = [_volume_target(v) for v in as_list(service.get("volumes"))]
    if (named := data_path_variable(env)) and not app_data(service.get("image")):
        variable, path = named
        if not any(t and (path == t.rstrip("/") or path.startswith(t.rstrip("/") + "/")) for t in targets):
            yield rule_finding(
                "data_on_ephemeral_storage",
                where,
                f"keeps its data in the container: {variable} is {path} and no volume is mounted there, "
                "so a recreate (an image update) loses it",
            )
            return
    if application := app_data(service.get("image")):
        directories, state = application
        if not any(t and t.rstrip("/") in directories for t in targets):
            yield rule_finding(
                "data_on_ephemeral_storage",
                where,
                f"keeps {state} in the container: no volume on {directories[0]}, so a recreate (an image "
                "update) loses it",
            )
        return
    directories = data_directories(service.get("image"))
    if not directories or not _runs_the_server(service):
        return
    kept = [t for t in targets if t and any(d == t or d.startswith(t.rstrip("/") + "/") for d in directories)]
    if not kept:
        what = f"keeps its data in the container: no volume on {directories[0]}, so a recreate loses it"
        near = [t for t in targets if t and t.startswith("/var/lib/") and t not in directories]
        if near:  # /var/lib/postgres/data for /var/lib/postgresql/data: a volume beside the data
            what += f" (its volume is mounted at {near[0]}, which the image does not use)"
        yield rule_finding("data_on_ephemeral_storage", where, what)


_SERVERS = ("mysqld", "mariadbd", "postgres", "mongod", "elasticsearch", "opensearch", "rabbitmq-server",
            "clickhouse-server", "influxd", "cassandra", "docker-entrypoint.sh")  # fmt: skip


def _runs_the_server(service: dict[str, Any]) -> bool:
    """A datastore image also ships the client: a service that runs `mysqldump` or a shell from
    it (a backup job) keeps no data. Options for the server (`--max-connections=...`) still run it."""
    if service.get("entrypoint"):
        return False
    words = " ".join(command_words(service.get("command"))).split()
    return not words or words[0].startswith("-") or words[0].rsplit("/", 1)[-1] in _SERVERS


def _volume_target(volume: Any) -> str | None:
    """Where a volume is mounted in the container: `name:/path[:ro]`, `/path` (anonymous), or the
    long syntax's `target`; None for a tmpfs (it is scratch space)."""
    if isinstance(volume, dict):
        return None if volume.get("type") == "tmpfs" else text_of(volume.get("target")) or None
    if not isinstance(volume, str):
        return None
    parts = volume.split(":")
    if len(parts) == 1:
        return None  # an anonymous volume: gone with `docker compose down` as well
    return parts[1]


def _volume_source(volume: Any) -> str | None:
    """What a volume mounts: the named volume or host path (short or long syntax)."""
    if isinstance(volume, dict):
        return text_of(volume.get("source")) or None if volume.get("type") != "tmpfs" else None
    if isinstance(volume, str) and ":" in volume:
        return volume.split(":", 1)[0] or None
    return None


# Where the usual web server images serve files from: nginx, httpd and the PHP images (not /var/www
# or /srv, which are as often an application's working directory).
_DOCUMENT_ROOTS = frozenset({"/usr/share/nginx/html", "/usr/local/apache2/htdocs", "/var/www/html"})


def _bind_source(volume: Any) -> str | None:
    """The host path of a bind mount, short or long syntax. Named and anonymous volumes are not
    host paths, and neither are paths inside the project (`./config`), which ship with the file."""
    if isinstance(volume, dict) and volume.get("type") != "bind":
        return None
    source = _volume_source(volume)
    if source is None:
        return None
    outside_project = source.startswith(("/", "~", "..")) or "/../" in source
    return source if outside_project else None


def _read_only(volume: Any) -> bool:
    if isinstance(volume, dict):
        return volume.get("read_only") is True
    options = str(volume).split(":")[2:]
    return any("ro" in option.split(",") for option in options)


def _user(where: str, user: Any) -> Iterator[Finding]:
    if user is None:
        yield rule_finding(
            "runs_as_root", where, "no user is set, so it runs as the image's user, often root"
        )
    elif (name := text_of(user).split(":", 1)[0]) in ("root", "0"):
        yield rule_finding("runs_as_root", where, f"runs as user {name} (root)")


def _published_database(where: str, port: Any) -> Finding | None:
    """Ports published on all interfaces (short or long syntax)."""
    spec = _port_spec(port)
    if spec is None:
        return None
    host_ip, published, target, _ = spec
    numbers = {*port_range(target), *port_range(published)}
    if host_ip not in ALL_INTERFACES:  # bound to loopback or to one chosen address
        return None
    return database_port_finding(where, numbers, f"is published on all interfaces ({_short(port)})")


def _short(port: Any) -> str:
    if isinstance(port, dict):
        return f"published {text_of(port.get('published'), 'any')}, target {text_of(port.get('target'))}"
    return str(port)


def _limits(where: str, service: dict[str, Any]) -> Iterator[Finding]:
    resources = as_mapping(as_mapping(service.get("deploy")).get("resources"))
    limits, reservations = as_mapping(resources.get("limits")), as_mapping(resources.get("reservations"))
    shared = reservations.get("cpus") or service.get("cpu_shares")  # a fair share, as a Kubernetes request
    has = {
        "cpu": bool(limits.get("cpus") or service.get("cpus") or service.get("cpu_quota") or shared),
        "memory": bool(limits.get("memory") or service.get("mem_limit")),
    }
    # Memory cannot be shared back, so it needs a limit; a CPU limit only throttles (and many
    # teams leave it off on purpose), so it is asked for only with the memory limit missing too.
    missing = [] if has["memory"] else [r for r, present in has.items() if not present]
    if missing:
        yield rule_finding("missing_resource_limits", where, f"no {' or '.join(missing)} limit")
    jvm = [text_of(v) for _, v in env_pairs(service.get("environment"))]
    jvm += command_words(service.get("entrypoint")) + command_words(service.get("command"))
    yield from heap_findings(where, jvm, limits.get("memory") or service.get("mem_limit"))


# deploy keys of a swarm stack: there the orchestrator replaces a task whose health check fails.
_ORCHESTRATED = ("replicas", "mode", "update_config", "rollback_config")


def _health_and_restart(where: str, service: dict[str, Any], waited_by: str | None) -> Iterator[Finding]:
    """Docker itself never acts on a failing health check: compose needs one where a swarm
    replaces unhealthy tasks, where another service waits for it to be healthy, and never
    switched off (that hides the image's own)."""
    deploy = as_mapping(service.get("deploy"))
    restart = service.get("restart")
    condition = as_mapping(deploy.get("restart_policy")).get("condition")
    one_shot = restart in ("no", False) or condition == "none"  # YAML reads an unquoted `no` as False
    health = service.get("healthcheck")
    disabled = isinstance(health, dict) and (
        health.get("disable") is True or health.get("test") in ("NONE", ["NONE"])
    )
    missing = not isinstance(health, dict)
    if disabled and not one_shot:
        yield rule_finding("missing_health_check", where, "its healthcheck is disabled")
    elif missing and waited_by:
        what = f"no healthcheck, yet service {waited_by} waits for it to be healthy (so it never starts)"
        yield rule_finding("missing_health_check", where, what)
    elif missing and not one_shot and any(key in deploy for key in _ORCHESTRATED):
        yield rule_finding("missing_health_check", where, "no healthcheck for the swarm to act on")
    if restart is None and condition is None:
        yield rule_finding("missing_restart_policy", where, "no restart policy, so a crash stays down")
