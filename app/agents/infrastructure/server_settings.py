"""Checks of the settings a server is given, wherever they are written: its environment, its
command line, or a configuration file embedded in the manifest (a compose `configs` entry's
content, a ConfigMap's data). The same text means the same risk in compose and Kubernetes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from app.agents.base import Finding
from app.agents.infrastructure.audit_rules import rule_finding
from app.agents.infrastructure.container_checks import ALL_INTERFACES, image_name, long_flags, text_of
from app.agents.infrastructure.secret_scan import DEFAULT_PASSWORDS

# PostgreSQL's fsync / full_page_writes, MySQL's doublewrite buffer and etcd's --unsafe-no-fsync:
# each trades a crash's worth of data for a corrupt database. (synchronous_commit=off and
# innodb_flush_log_at_trx_commit only lose the last commits, and are not flagged.)
_DURABILITY_OFF = re.compile(
    r"(?<![\w.])(fsync|full_page_writes|innodb[_-]doublewrite)\s*=\s*['\"]?(?:off|false|0|no)\b['\"]?"
    r"|--skip-innodb-doublewrite\b|--unsafe-no-fsync\b",
    re.IGNORECASE,
)
# Vault's listener without TLS: HCL (`tls_disable = 1`) or JSON (`"tls_disable": true`).
_TLS_DISABLE = re.compile(r"""["']?tls_disable["']?\s*[=:]\s*["']?(?:1|true)\b""", re.IGNORECASE)
# A JVM's debugger (JDWP) as a server, and Node's inspector or Python's debugpy on every interface:
# whoever connects runs code in the process.
_JDWP = re.compile(r"-(?:agentlib:jdwp=|Xrunjdwp:)(\S+)")
_NODE_INSPECT = re.compile(r"--inspect(?:-brk)?=(?:0\.0\.0\.0|\*|\[::\]):?(\d*)")
_DEBUGPY = re.compile(r"debugpy\b.*?--listen\s+(?:0\.0\.0\.0|\*):?(\d+)")
# HAProxy's statistics page, section by section (`listen` or `frontend`).
_HAPROXY_SECTION = re.compile(r"^\s*(listen|frontend|backend|defaults|global)\b[^\n]*$", re.MULTILINE)
# A whole line commented out with # or // (HCL, postgresql.conf, haproxy.cfg, YAML, my.cnf's ;).
_COMMENTED = re.compile(r"^\s*(?:#|//|;).*$", re.MULTILINE)
# Redis told how to evict but not when: without maxmemory (or with 0) it never evicts.
_EVICTION_POLICY = re.compile(
    r"(?:^|\s)-{0,2}maxmemory-policy\s+['\"]?((?:allkeys|volatile)-\w+)", re.MULTILINE
)
_MEMORY_CAP = re.compile(r"(?:^|\s)-{0,2}maxmemory\s+['\"]?(\S+?)['\"]?(?:\s|$)", re.MULTILINE)
# Atlantis server-side repo config letting a repo bring its own workflow: its commands run on the server.
_CUSTOM_WORKFLOWS = re.compile(
    r"^\s*allow_custom_workflows:\s*true\b|^\s*allowed_overrides:.*\bworkflow\b", re.MULTILINE
)
# Dovecot accepting passwords without TLS: ssl = no, and plaintext authentication allowed.
_DOVECOT_NO_TLS = re.compile(r"^\s*ssl\s*=\s*no\b", re.MULTILINE)
_PLAINTEXT_AUTH = re.compile(r"^\s*disable_plaintext_auth\s*=\s*no\b", re.MULTILINE)
# nginx's off-by-slash: `location /uploads {` (no trailing slash) with `alias /srv/app/uploads/;`.
_ALIAS_LOCATION = re.compile(r"location\s+(?:\^~\s+)?(/[^\s{]*[^/\s{])\s*\{[^{}]*?\balias\s+(\S+/);")
# Squid letting every client through; ProxySQL's admin interface with its default login; remote JMX
# without authentication (whoever connects loads an MBean: code execution).
_ALLOW_ALL = re.compile(r"^\s*http_access\s+allow\s+all\b", re.MULTILINE)
_PROXYSQL_ADMIN = re.compile(r"admin_credentials\s*=\s*\"?[^\"\n]*\b(admin:admin|radmin:radmin)\b")
_JMX_NO_AUTH = re.compile(r"-Dcom\.sun\.management\.jmxremote\.authenticate=false")
_JMX_PORT = re.compile(r"-Dcom\.sun\.management\.jmxremote\.port=(\d+)")
# nginx trusting X-Forwarded-For from every address.
_REAL_IP_FROM_ALL = re.compile(r"^\s*set_real_ip_from\s+(?:0\.0\.0\.0/0|::/0)\s*;", re.MULTILINE)
_REAL_IP_HEADER = re.compile(r"^\s*real_ip_header\s+(\S+?)\s*;", re.MULTILINE)
# OpenSSL settings that accept what it refuses by default.
_WEAK_TLS = re.compile(
    r"@SECLEVEL=0\b|\bUnsafeLegacyRenegotiation\b|^\s*MinProtocol\s*=\s*TLSv1(?:\.0)?\s*$", re.MULTILINE
)
# Envoy's admin interface on every address: config_dump, /quitquitquit and /drain_listeners to all.
_ENVOY_ADMIN = re.compile(
    r"^\s*admin:\s*\n(?:[ \t]+.*\n){0,6}?[ \t]+.*address:\s*\"?(?:0\.0\.0\.0|::)\b", re.MULTILINE
)
# Varnish's PURGE/BAN ACL with every address in it.
_VARNISH_ACL_ANY = re.compile(r"acl\s+\w+\s*\{[^}]*\"0\.0\.0\.0\"\s*/\s*0", re.DOTALL)
# authorized_keys lines without a forced command, on a borg repository server.
_PLAIN_KEY = re.compile(r"^\s*(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-\S+)\s+AAAA", re.MULTILINE)
_FLINK_SUBMIT_OFF = re.compile(r"web\.submit\.enable\s*[:=]\s*[\"']?false", re.IGNORECASE)
# Gitea's app.ini with its installer unlocked, and Odoo's master password left at its default.
_INSTALL_UNLOCKED = re.compile(r"^\s*INSTALL_LOCK\s*=\s*false\b", re.MULTILINE | re.IGNORECASE)
_ODOO_MASTER_DEFAULT = re.compile(r"^\s*admin_passwd\s*=[ \t]*(?:admin)?[ \t]*$", re.MULTILINE)
# Well-known defaults (APISIX's admin key, Janus's admin secret), coturn without authentication,
# Consul without ACLs, a WAF told to watch only.
_APISIX_DEFAULT_KEY = re.compile(r"\bedd1c9f034335f136f87ad84b625c8f1\b")
_JANUS_DEFAULT_SECRET = re.compile(r"\badmin_secret\s*=\s*\"?janusoverlord\b")
_TURN_NO_AUTH = re.compile(r"^\s*no-auth\s*$|(?:^|\s)--no-auth(?=\s|$)", re.MULTILINE)
_CONSUL_ACL_OFF = re.compile(
    r"\"acl\"\s*:\s*\{[^{}]*\"enabled\"\s*:\s*false|\bacl\s*(?:=\s*)?\{[^{}]*\benabled\s*=\s*false", re.DOTALL
)
_CYRUS_PLAINTEXT = re.compile(r"^\s*allowplaintext\s*:\s*(?:yes|1|true|on)\b", re.MULTILINE | re.IGNORECASE)
_DETECTION_ONLY = re.compile(r"^\s*SecRuleEngine\s+DetectionOnly\b", re.MULTILINE | re.IGNORECASE)
# A Salt master that accepts every minion key (auto_accept) or checks none (open_mode); Synapse
# letting anyone register with no e-mail, captcha or token.
_SALT_OPEN = re.compile(r"^\s*(open_mode|auto_accept)\s*:\s*(?:true|yes|1)\b", re.MULTILINE | re.IGNORECASE)
_REGISTRATION_UNVERIFIED = re.compile(
    r"^\s*enable_registration_without_verification\s*:\s*(?:true|yes)\b", re.MULTILINE | re.IGNORECASE
)
# Web servers' document roots: a data directory under one is served to anyone who knows the path.
_WEB_ROOTS = ("/var/www/html", "/usr/share/nginx/html", "/usr/local/apache2/htdocs", "/srv/www/htdocs",
              "/var/www/public", "/var/www/localhost/htdocs")  # fmt: skip
_WEB_ROOT = "|".join(re.escape(r) for r in _WEB_ROOTS)
_DATAROOT_IN_WEB_ROOT = re.compile(rf"\$CFG->dataroot\s*=\s*['\"]((?:{_WEB_ROOT})/[^'\"]*)")
# Settings that name where an application keeps its private data (MOODLE_DATAROOT,
# NEXTCLOUD_DATA_DIR, STORAGE_PATH ...); public uploads may be meant to be served.
_DATA_SETTING = re.compile(r"(?:DATA_?ROOT|DATA_?DIR|DATA_?PATH|STORAGE_(?:DIR|PATH))$")
# Frameworks' development servers started as the container's command: single-threaded, unaudited,
# reloading on file changes, never meant for traffic.
_DEV_SERVERS = (
    (("manage.py", "runserver"), "Django's development server (manage.py runserver)", "gunicorn or uvicorn"),
    (("flask", "run"), "Flask's development server (flask run)", "gunicorn"),
    (("artisan", "serve"), "Laravel's development server (php artisan serve)", "PHP-FPM behind nginx"),
    (("--reload",), "a server started with --reload (a file watcher for development)", "no --reload"),
)
# Jenkins Configuration as Code: every visitor an administrator.
_JENKINS_UNSECURED = re.compile(r"^\s*authorizationStrategy:\s*[\"']?unsecured\b", re.MULTILINE)

# Images that start with a well-known administrator login unless told otherwise: the variables that
# set the user or password, and the login they fall back to.
_IMAGE_DEFAULT_LOGINS = {
    "rabbitmq": (("RABBITMQ_DEFAULT_USER", "RABBITMQ_DEFAULT_PASS"), "RabbitMQ", "guest/guest"),
    "minio": (("MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY"), "MinIO",
              "minioadmin/minioadmin"),
    "grafana": (("GF_SECURITY_ADMIN_PASSWORD", "GF_SECURITY_ADMIN_USER"), "Grafana", "admin/admin"),
}  # fmt: skip
# Settings that switch certificate verification off for every outbound TLS connection.
_TLS_VERIFY_OFF = {"NODE_TLS_REJECT_UNAUTHORIZED": ("0",), "PYTHONHTTPSVERIFY": ("0",),
                   "GIT_SSL_NO_VERIFY": ("1", "true")}  # fmt: skip
# Web frameworks told they run on a developer's machine: detailed error pages for every visitor.
_DEVELOPMENT: dict[str, tuple[str, ...]] = {
    "ASPNETCORE_ENVIRONMENT": ("development",), "DOTNET_ENVIRONMENT": ("development",),
    "RAILS_ENV": ("development",), "FLASK_DEBUG": ("1",), "APP_DEBUG": ("true",), "DJANGO_DEBUG": ("true",),
    "DEBUG": ("true", "1"),
}  # fmt: skip
_GUEST_URL = re.compile(r"\bamqps?://guest:guest@", re.IGNORECASE)
# Configuration files mounted where the image reads its users from: the login is set there.
_LOGIN_FILES = ("rabbitmq.conf", "definitions.json", "/etc/rabbitmq/conf.d", "grafana.ini")


# One variable, one value, one risk: (name, as a regex matched whole on the upper-cased name;
# the values that open it, lower-cased, or None for a test of its own; code; what it means).
_TRUE = ("1", "true", "yes")
_ONE_SETTING_RULES: tuple[tuple[re.Pattern[str], tuple[str, ...], str, str], ...] = tuple(
    (re.compile(name), values, code, meaning)
    for name, values, code, meaning in (
        ("(?:PUPPETSERVER_)?AUTOSIGN", ("true",), "login_open_to_anyone",
         "{name}=true: the Puppet CA signs every certificate request, so any host that reaches 8140 enrolls "
         "under any node name and gets that node's catalog (secrets included); use policy-based "
         "autosigning or sign by hand"),
        ("ONLINE_MODE", ("false", "0", "no"), "login_open_to_anyone",
         "ONLINE_MODE={value}: the Minecraft server does not check accounts with Mojang/Microsoft (offline "
         "mode), so anyone joins under any name, an operator's included"),
        ("PHOTOPRISM_AUTH_MODE", ("public",), "admin_api_unauthenticated",
         "{name}=public: PhotoPrism asks no one to log in, so anyone who reaches it browses, uploads and "
         "deletes the library"),
        # servers switched to answering without authentication (restic's rest-server)
        ("DISABLE_AUTHENTICATION|DISABLE_AUTH|AUTH_DISABLED", _TRUE, "admin_api_unauthenticated",
         "{name}={value}: the server answers every request without authentication (anyone who reaches the "
         "port reads, writes and deletes)"),
        (".*ANONYMOUS_ACCESS_ENABLED", ("true",), "admin_api_unauthenticated",
         "{name}=true: every request is served without authentication (read, write and delete)"),
        ("LDAP_ALLOW_ANON_BINDING", _TRUE, "admin_api_unauthenticated",
         "LDAP_ALLOW_ANON_BINDING=yes: anyone who reaches the directory reads it with an anonymous bind "
         "(users, groups, e-mail addresses), without credentials"),
        ("JWT_ENABLED", ("false", "0", "no"), "admin_api_unauthenticated",
         "JWT_ENABLED={value}: the server takes requests without its shared JWT secret (ONLYOFFICE's "
         "Document Server: anyone who reaches it opens, edits and converts documents and makes it fetch "
         "any URL)"),
        ("ATLANTIS_REPO_ALLOWLIST", ("*",), "untrusted_code_execution",
         "ATLANTIS_REPO_ALLOWLIST=* lets any repository on the forge, forks included, run plans on the "
         "server with its cloud credentials"),
    )
)  # fmt: skip


def _one_setting(name: str, value: str) -> tuple[str, str] | None:
    """The code and meaning of a variable that opens a server by itself, else None."""
    upper, lower = name.upper(), value.lower()
    if upper.startswith("AIRFLOW__API__AUTH_BACKEND") and "backend.default" in value:
        return (
            "admin_api_unauthenticated",
            "{name}=airflow.api.auth.backend.default lets every REST API request in without credentials: "
            "trigger DAGs, read connections and variables",
        )
    for pattern, values, code, meaning in _ONE_SETTING_RULES:
        if pattern.fullmatch(upper) and lower in values:
            return code, meaning
    return None


def settings_findings(where: str, env: Iterable[tuple[str, Any]], words: list[str]) -> Iterator[Finding]:
    """Environment values and command words, read as the server reads its settings."""
    env = list(env)
    texts = [text_of(value) for _, value in env if value is not None] + [" ".join(words)]
    yield from text_findings(where, "\n".join(texts))
    if _redis_without_auth(words, env):
        yield rule_finding(
            "database_without_password",
            where,
            "Redis runs with --protected-mode no and no requirepass (nor an ACL file): anyone who reaches "
            "its port reads and writes every key, and can make it write files (CONFIG SET dir)",
        )
    for needed, server, instead in _DEV_SERVERS:
        if all(any(w == n or w.endswith("/" + n) for w in words) for n in needed):
            yield rule_finding(
                "development_mode",
                where,
                f"the container runs {server}: single-threaded or reloading, not security-audited, not "
                f"built for production traffic; serve the application with {instead}",
            )
            break
    yield from _variable_findings(where, env)


def _variable_findings(where: str, env: list[tuple[str, Any]]) -> Iterator[Finding]:
    """What each variable's value opens or weakens, one finding at most per variable."""
    for name, value in env:
        default = DEFAULT_PASSWORDS.get(name.upper())
        if default is not None and text_of(value).strip() == default:
            yield rule_finding(
                "default_credentials", where, f"{name} is the image's default password ({default})"
            )
        elif text_of(value).strip().lower() in _TLS_VERIFY_OFF.get(name.upper(), ()):
            yield rule_finding(
                "tls_verification_disabled",
                where,
                f"{name}={text_of(value).strip()} turns off certificate verification for every outbound TLS "
                "connection of the process",
            )
        elif rule := _one_setting(name, text_of(value).strip()):
            yield rule_finding(rule[0], where, rule[1].format(name=name, value=text_of(value).strip()))
        elif text_of(value).strip().lower() in _DEVELOPMENT.get(name.upper(), ()):
            yield rule_finding(
                "development_mode",
                where,
                f"{name}={text_of(value).strip()}: the framework's development mode, whose error pages show "
                "stack traces, configuration and queries to every visitor",
            )
        elif name.upper() == "MEILI_ENV" and text_of(value).strip().lower() == "development":
            keyed = any(n.upper().startswith("MEILI_MASTER_KEY") for n, _ in env)
            yield rule_finding(
                "development_mode",
                where,
                "MEILI_ENV=development: Meilisearch's development mode"
                + ("" if keyed else " with no MEILI_MASTER_KEY, so every route (documents, settings, keys) "
                   "answers anyone unauthenticated")
                + "; run with MEILI_ENV=production and a master key from a secret",
            )  # fmt: skip
        elif _DATA_SETTING.search(name.upper()) and (root := _web_root(text_of(value), env)):
            yield rule_finding(
                "data_in_web_root",
                where,
                f"{name}={text_of(value).strip()} is inside the web server's document root ({root}): the "
                "application's files (uploads, sessions, caches, backups) can be downloaded by URL; keep "
                "the data directory outside it",
            )
        elif name.upper() == "KONG_ADMIN_LISTEN" and re.match(
            r"\s*(?:0\.0\.0\.0|\[::\]|\*):", text_of(value)
        ):
            yield rule_finding(
                "admin_api_unauthenticated",
                where,
                f"KONG_ADMIN_LISTEN={text_of(value).split(',')[0].strip()}: Kong's Admin API listens on "
                "every interface, and it has no authentication: whoever reaches it adds routes and plugins",
            )
        elif _GUEST_URL.search(text_of(value)):
            yield rule_finding(
                "default_credentials",
                where,
                f"{name} logs in to RabbitMQ as guest/guest, the broker's default administrator",
            )


def _redis_without_auth(words: list[str], env: list[tuple[str, Any]]) -> bool:
    programs = [w.rsplit("/", 1)[-1] for w in words[:2]]
    if not any(p in ("redis-server", "valkey-server") for p in programs):
        return False
    said = " ".join(words)
    protected_off = re.search(r"--protected-mode[= ]['\"]?no\b", said) is not None
    secured = re.search(r"--(?:requirepass|aclfile)\b", said) or any("PASSWORD" in n.upper() for n, _ in env)
    return protected_off and not secured


def _web_root(path: str, env: list[tuple[str, Any]]) -> str | None:
    """The document root `path` lies inside: a well-known one, or the one the environment sets
    (APACHE_DOCUMENT_ROOT, *_DIRROOT)."""
    roots = [*_WEB_ROOTS]
    roots += [
        text_of(v).strip() for n, v in env if n.upper().endswith(("DOCUMENT_ROOT", "DIRROOT", "WEBROOT"))
    ]
    path = path.strip().rstrip("/")
    return next((r for r in roots if r and r != "/" and path.startswith(r.rstrip("/") + "/")), None)


def text_findings(where: str, text: str, mounted_at: str = "") -> Iterator[Finding]:
    """A server's settings as text: an embedded configuration file, or env values and arguments.
    Commented-out lines (`# tls_disable = 1`, `#fsync = off` in a sample postgresql.conf) say nothing.
    `mounted_at`: where the file is mounted, when known (a borg server's authorized_keys)."""
    text = _COMMENTED.sub("", text)
    if match := _DURABILITY_OFF.search(text):
        yield rule_finding(
            "durability_disabled",
            where,
            f"{match.group(0).strip()}: a crash or power loss can leave the database corrupt",
        )
    for pattern, code, message in _TEXT_RULES:
        if match := pattern.search(text):
            yield rule_finding(code, where, message if isinstance(message, str) else message(match))
    yield from _debuggers(where, text)
    yield from _haproxy_stats(where, text)
    if (policy := _EVICTION_POLICY.search(text)) and not any(
        cap[1] not in ("0", "0b", "0mb", "0gb") for cap in _MEMORY_CAP.finditer(text)
    ):
        yield rule_finding(
            "eviction_without_memory_cap",
            where,
            f"maxmemory-policy {policy[1]} is set but maxmemory is not: Redis never evicts, grows until the "
            "memory limit and is OOM-killed",
        )
    if _DOVECOT_NO_TLS.search(text) and _PLAINTEXT_AUTH.search(text):
        yield rule_finding(
            "plaintext_listener",
            where,
            "Dovecot runs with ssl = no and disable_plaintext_auth = no: every IMAP/POP3 login sends its "
            "password in cleartext",
        )
    if _JMX_NO_AUTH.search(text):
        port = _JMX_PORT.search(text)
        yield rule_finding(
            "admin_api_unauthenticated",
            where,
            f"remote JMX (port {port[1] if port else '?'}) runs with jmxremote.authenticate=false: anyone "
            "who connects loads an MBean and runs code in the JVM",
        )
    if _REAL_IP_FROM_ALL.search(text) and (header := _REAL_IP_HEADER.search(text)):
        yield rule_finding(
            "client_ip_spoofable",
            where,
            f"set_real_ip_from 0.0.0.0/0 with real_ip_header {header[1]}: any client claims any address "
            "(spoofed X-Forwarded-For), so allow-lists and per-address rate limits are bypassed",
        )
    if "borg" in f"{text} {mounted_at} {where}".lower() and _PLAIN_KEY.search(text):
        yield rule_finding(
            "backup_keys_unrestricted",
            where,
            'authorized_keys of the borg server has keys without command="borg serve '
            '--restrict-to-repository ... --append-only": a compromised client gets a shell and can delete '
            "every repository",
        )
    if _INSTALL_UNLOCKED.search(text):
        yield _gitea_installer(where, "INSTALL_LOCK = false in app.ini")


# Settings that are a finding wherever they are read: the pattern, the code, and what to say (a
# function of the match where the message quotes it).
_TEXT_RULES: tuple[tuple[re.Pattern[str], str, str | Callable[[re.Match[str]], str]], ...] = (
    (
        # APISIX's config.yaml: the Admin API (9180) admitting every address, a key its only guard.
        re.compile(
            r"^[ \t]*allow_admin:[ \t]*\n(?:[ \t]*-[^\n]*\n)*?[ \t]*-[ \t]*[\"']?(?:0\.0\.0\.0/0|::/0)\b",
            re.MULTILINE,
        ),
        "admin_api_unauthenticated",
        "APISIX's allow_admin admits 0.0.0.0/0: the Admin API (port 9180) rewrites every route for "
        "anyone who reaches it and holds the admin key (often still a default)",
    ),
    (
        # Postfix's main.cf (in a ConfigMap or a config): trusted networks that are every address.
        re.compile(
            r"^[ \t]*mynetworks[ \t]*=[ \t]*(?P<value>[^\n]*(?:0\.0\.0\.0/0|::/0)\b[^\n]*)", re.MULTILINE
        ),
        "open_mail_relay",
        lambda m: (
            f"main.cf sets mynetworks = {m['value'].strip()}, which trusts every address: an open mail relay"
        ),
    ),
    (
        _SALT_OPEN,
        "login_open_to_anyone",
        lambda m: (
            f"the Salt master runs with {m[1]}: True: "
            + (
                "it checks no minion key at all"
                if m[1].lower() == "open_mode"
                else "it accepts the key of every minion that asks"
            )
            + ", so any host that reaches 4505/4506 becomes a minion and receives pillar data (secrets) and "
            "job returns; accept keys with salt-key or an autosign grain"
        ),
    ),
    (
        _REGISTRATION_UNVERIFIED,
        "login_open_to_anyone",
        "Synapse allows registration without verification (enable_registration_without_verification): "
        "anyone, bots included, creates accounts with no e-mail, captcha or registration token, for spam "
        "and abuse from your server",
    ),
    (
        _DATAROOT_IN_WEB_ROOT,
        "data_in_web_root",
        lambda m: (
            f"Moodle's dataroot is {m[1]}, inside the web server's document root: uploaded files, "
            "sessions, caches and backups can be downloaded by URL; move it outside the document root"
        ),
    ),
    (
        _TLS_DISABLE,
        "plaintext_listener",
        "the Vault listener has tls_disable set: tokens and secrets travel in plain text (no TLS)",
    ),
    (
        _CUSTOM_WORKFLOWS,
        "untrusted_code_execution",
        "Atlantis lets repositories define their own workflow (allow_custom_workflows / "
        "allowed_overrides: workflow): whoever can open a merge request runs commands on the server, "
        "with its cloud credentials",
    ),
    (
        _ALIAS_LOCATION,
        "alias_traversal",
        lambda m: (
            f"location {m[1]} (no trailing slash) with alias {m[2]}: {m[1]}../ reaches the "
            "parent directory, so files beside it (code, configuration, .env) are served: a path traversal"
        ),
    ),
    (
        _ALLOW_ALL,
        "open_proxy",
        "Squid's http_access allow all lets every client through: an open proxy for anyone who reaches "
        "its port",
    ),
    (
        _PROXYSQL_ADMIN,
        "default_credentials",
        lambda m: (
            f"ProxySQL's admin_credentials include {m[1]}, the default login of its admin interface "
            "(port 6032): whoever reaches it rewrites routing and reads the backends' credentials"
        ),
    ),
    (
        _WEAK_TLS,
        "weak_tls_allowed",
        lambda m: (
            f"OpenSSL is configured with {m[0].strip()}: every TLS connection of the process accepts "
            "legacy protocols, SHA-1/MD5 signatures and small keys"
        ),
    ),
    (
        _ENVOY_ADMIN,
        "admin_api_unauthenticated",
        "Envoy's admin interface listens on every address: whoever reaches it reads config_dump and "
        "stats and can POST /quitquitquit or /drain_listeners, with no authentication",
    ),
    (
        _VARNISH_ACL_ANY,
        "admin_api_unauthenticated",
        'the Varnish ACL for PURGE/BAN contains "0.0.0.0"/0: any client can purge or ban the cache',
    ),
    (
        _ODOO_MASTER_DEFAULT,
        "default_credentials",
        "admin_passwd is Odoo's default master password (admin, or empty): anyone who reaches "
        "/web/database/manager can download, drop or replace every database; set a long admin_passwd "
        "and list_db = False",
    ),
    (
        _APISIX_DEFAULT_KEY,
        "default_credentials",
        "APISIX's admin_key is its documented default key: anyone who reaches the Admin API (9180) "
        "can rewrite every route, upstream and plugin",
    ),
    (
        _JANUS_DEFAULT_SECRET,
        "default_credentials",
        'Janus\'s admin_secret is its documented default ("janusoverlord"): anyone who reaches the '
        "Admin API (7088) can list and destroy sessions and change the server's settings",
    ),
    (
        _TURN_NO_AUTH,
        "open_proxy",
        "coturn runs with no-auth: anyone who reaches it allocates relays through your address (an open "
        "TURN relay, to the internet and to internal networks); use use-auth-secret or lt-cred-mech",
    ),
    (
        _CONSUL_ACL_OFF,
        "admin_api_unauthenticated",
        "Consul runs with ACLs disabled: anyone who reaches its HTTP API "
        "(8500) reads and writes the KV store, registers services and changes intentions",
    ),
    (
        _CYRUS_PLAINTEXT,
        "plaintext_listener",
        "allowplaintext: yes lets clients send passwords (PLAIN, LOGIN) over unencrypted IMAP/POP3 "
        "(143, 110); require TLS (allowplaintext: no) and serve 993 and 995",
    ),
    (
        _DETECTION_ONLY,
        "policy_not_enforced",
        "the WAF runs with SecRuleEngine DetectionOnly: it logs the attacks its rules match and "
        "blocks none of them",
    ),
    (
        _JENKINS_UNSECURED,
        "admin_api_unauthenticated",
        "Jenkins' authorizationStrategy is unsecured: every anonymous visitor is an administrator "
        "(the script console runs code, stored credentials can be read)",
    ),
)

# Products whose own devices or clients connect to one port: the image, the port, who connects.
_UNIFI_INFORM = (8080, "UniFi devices send their inform (adoption, status) to the controller")
_CLIENT_PORTS = {
    "unifi-network-application": _UNIFI_INFORM,
    "unifi-controller": _UNIFI_INFORM,
    "unifi": _UNIFI_INFORM,
}
# Web interfaces that control everything and have no login until one is configured.
_OPEN_UNTIL_CONFIGURED = {
    "syncthing": (8384, "Syncthing's web GUI, which controls every folder and device"),
    "beanstalkd": (
        11300,
        "beanstalkd, which has no authentication at all (anyone can read, delete and add jobs)",
    ),
}


# APIs with no login at all, whatever they are configured with.
_NO_LOGIN_API = {
    "ollama": (11434, "Ollama's API, which has no authentication (anyone can run, pull and delete models)"),
}


def internal_protocol(port: int, image: Any, words: list[str]) -> str | None:
    """What `port` speaks when it is a protocol meant for the cluster's own members, with no login
    of its own: whoever reaches it runs code. None for any other port."""
    if port == 4369:
        return (
            "Erlang's port mapper (EPMD, 4369), the way in to the nodes' distribution: with the cookie, "
            "guessed or leaked, a peer joins as a node and runs any code on it"
        )
    if port == 9000 and (
        "fpm" in text_of(image).rsplit(":", 1)[-1]
        or any(w.rsplit("/", 1)[-1].startswith("php-fpm") for w in words[:1])
    ):
        return (
            "PHP-FPM's FastCGI port (9000), which has no authentication: anyone who reaches it sends FastCGI "
            "requests (PHP_VALUE auto_prepend_file=...) and runs code; only the web server needs it"
        )
    return None


def published_port_findings(
    where: str, image: Any, published: list[tuple[str, set[int]]], words: list[str]
) -> Iterator[Finding]:
    """What a product needs published, or must not publish to everyone; `published`: each ports
    entry's host address and container ports."""
    name = image_name(image)
    targets = {port for _, ports in published for port in ports}
    for port in sorted({p for address, ports in published if address in ALL_INTERFACES for p in ports}):
        if what := internal_protocol(port, image, words):
            yield rule_finding("admin_api_unauthenticated", where, f"publishes on every interface {what}")
            break
    if (client := _CLIENT_PORTS.get(name)) and published and client[0] not in targets:
        yield rule_finding(
            "client_port_not_published",
            where,
            f"publishes {', '.join(map(str, sorted(targets)))} but not {client[0]}: {client[1]} on "
            f"{client[0]}, so they cannot reach it",
        )
    if (api := _NO_LOGIN_API.get(name)) and any(
        api[0] in ports and address in ALL_INTERFACES for address, ports in published
    ):
        yield rule_finding(
            "admin_api_unauthenticated",
            where,
            f"{api[1]}, is published on every interface (port {api[0]}); publish it on 127.0.0.1 or a "
            "private address, or put an authenticating proxy in front",
        )
    if gui := _OPEN_UNTIL_CONFIGURED.get(name):
        port, what = gui
        if any(port in ports and address in ALL_INTERFACES for address, ports in published):
            yield rule_finding(
                "admin_api_unauthenticated",
                where,
                f"{what}, is published on every interface (port {port}): until a GUI user and password "
                "are set it answers anyone without a login; publish it on 127.0.0.1 or set GUI "
                "authentication",
            )


def unauthenticated_server(image: Any, words: list[str], configs: str) -> str | None:
    """What a container serves with no login of its own (MLflow's tracking server, Flink's REST
    API, Trino without an authentication type), given its command words and the file's
    configuration text; None when it is not one of them or its configuration adds a login."""
    name, said = image_name(image), " ".join(words)
    if name == "mlflow" and "basic-auth" not in said:
        return "MLflow's tracking server, which has no login (no --app-name basic-auth)"
    if name == "flink" and "taskmanager" not in words:
        uploads = "" if _FLINK_SUBMIT_OFF.search(configs) else ": anyone can upload a jar and run it"
        return f"Flink's REST API and web UI, which have no authentication{uploads}"
    if name == "foundationdb":
        return (
            "FoundationDB, whose clients connect with no authentication (only TLS, and then any certificate)"
        )
    if name in ("vmselect", "victoria-metrics") and not any(w.startswith("-httpAuth.") for w in words):
        return (
            "VictoriaMetrics' query API, which has no authentication of its own (no -httpAuth.*, no vmauth)"
        )
    if name == "trino" and "http-server.authentication.type" not in configs:
        return "Trino's HTTP port with no authentication type configured (any user name is accepted)"
    return None


def _gitea_installer(where: str, setting: str) -> Finding:
    return rule_finding(
        "admin_api_unauthenticated",
        where,
        f"Gitea's web installer is open ({setting}): whoever opens /install first sets the database, "
        "the administrator and the secrets, over a restored configuration too",
    )


def _debuggers(where: str, text: str) -> Iterator[Finding]:
    for match in _JDWP.finditer(text):
        options = dict(part.partition("=")[::2] for part in match.group(1).split(","))
        if options.get("server", "n").lower() not in ("y", "yes"):
            continue  # the JVM connects out to a debugger: nothing listens
        address = options.get("address", "")
        host, _, port = address.rpartition(":")
        if host in ("localhost", "127.0.0.1", "[::1]"):
            continue
        reach = "every interface" if host in ("*", "0.0.0.0", "") else host  # noqa: S104
        if not host:
            reach = "every interface on Java 8, loopback from Java 9"
        yield rule_finding(
            "admin_api_unauthenticated",
            where,
            f"the JDWP debug agent listens on port {port or '?'} ({reach}): anyone who connects runs "
            "code in the JVM, with no authentication",
        )
        return
    for pattern, what in ((_NODE_INSPECT, "Node's inspector"), (_DEBUGPY, "debugpy")):
        if listening := pattern.search(text):
            yield rule_finding(
                "admin_api_unauthenticated",
                where,
                f"{what} listens on every interface (port {listening.group(1) or 'default'}): anyone who "
                "connects runs code in the process, with no authentication",
            )
            return


def _haproxy_stats(where: str, text: str) -> Iterator[Finding]:
    """A `listen`/`frontend` section serving HAProxy's statistics page on a non-loopback address
    without `stats auth` (with `stats admin`, servers can be drained and disabled from it)."""
    starts = [m.start() for m in _HAPROXY_SECTION.finditer(text)]
    for begin, end in zip(starts, [*starts[1:], len(text)], strict=False):
        lines = [line.strip() for line in text[begin:end].splitlines()]
        directives = [line for line in lines if line.startswith("stats ")]
        served = any(d.startswith(("stats enable", "stats uri")) for d in directives)
        if not served or any(d.startswith(("stats auth", "stats http-request auth")) for d in directives):
            continue
        binds = [line.split()[1] for line in lines if line.startswith("bind ") and len(line.split()) > 1]
        if binds and all(b.startswith(("127.", "localhost", "[::1]", "/")) for b in binds):
            continue
        admin = any(d.startswith("stats admin") for d in directives)
        shown = binds[0] if binds else "its bind address"
        yield rule_finding(
            "admin_api_unauthenticated",
            where,
            f"HAProxy's stats page on {shown} has no stats auth"
            + (
                " and stats admin: anyone who reaches it can drain or disable servers"
                if admin
                else ": anyone who reaches it sees every backend and server"
            ),  # fmt: skip
        )
        return


def image_login_findings(
    where: str, image: Any, env: Iterable[tuple[str, Any]], mounted: Iterable[str], published: list[str]
) -> Iterator[Finding]:
    """An image that falls back to a well-known login, given none, with ports published to the
    network (`published`: how, for the message)."""
    known = _IMAGE_DEFAULT_LOGINS.get(image_name(image))
    if known is None or not published:
        return
    variables, product, login = known
    names = {n.upper().removesuffix("__FILE").removesuffix("_FILE") for n, _ in env}
    if names & set(variables) or any(f in target for target in mounted for f in _LOGIN_FILES):
        return
    yield rule_finding(
        "default_credentials",
        where,
        f"{product} keeps its default login {login} (no {' or '.join(variables[:2])} set) and is published "
        f"on all interfaces ({', '.join(published)})",
    )


def memory_lock_findings(
    where: str, env: Iterable[tuple[str, Any]], words: list[str], ulimits: Any
) -> Iterator[Finding]:
    """Elasticsearch/OpenSearch asked to lock its memory in a container that may not."""
    settings = {n.lower(): text_of(v).strip().lower() for n, v in env}
    for word in words:
        if word.startswith("-E") and "=" in word:
            key, _, value = word.removeprefix("-E").lower().partition("=")
            settings[key] = value
    if settings.get("bootstrap.memory_lock") != "true" or settings.get("discovery.type") == "single-node":
        return
    memlock = ulimits.get("memlock") if isinstance(ulimits, dict) else None
    values = [memlock] if not isinstance(memlock, dict) else [memlock.get("soft"), memlock.get("hard")]
    if memlock is not None and all(text_of(v) in ("-1", "unlimited") for v in values):
        return
    yield rule_finding(
        "memory_lock_unavailable",
        where,
        "bootstrap.memory_lock=true but no memlock ulimit of -1 (ulimits: memlock): memory locking fails, "
        "the bootstrap check stops the node and it exits",
    )


# What narrows an oauth2-proxy login to some accounts of the provider.
_OAUTH2_RESTRICTIONS = (
    "github-org", "github-team", "github-user", "github-repo", "gitlab-group", "gitlab-project",
    "google-group", "allowed-group", "allowed-role", "authenticated-emails-file", "htpasswd-file",
)  # fmt: skip


def _docker_provider(words: list[str]) -> bool:
    return any(w.lower() in ("--providers.docker", "--providers.docker=true") for w in words)


# Images that serve without authentication, or in a development mode, when started with one word.
_OPEN_WHEN_STARTED = (
    ("rest-server", "--no-auth", "admin_api_unauthenticated",
     "rest-server runs with --no-auth: anyone who reaches it reads, overwrites or deletes every "
     "backup repository"),
    ("boundary", "dev", "development_mode",
     "runs `boundary dev`, Boundary's development server: generated in-memory keys, a default "
     "admin login, no TLS"),
    ("cockroach", "--insecure", "database_without_password",
     "CockroachDB runs with --insecure: no TLS and no authentication, so any client that reaches "
     "it connects as root (and the admin UI is open)"),
    ("openvscode-server", "--without-connection-token", "admin_api_unauthenticated",
     "OpenVSCode Server runs with --without-connection-token: anyone who reaches the port gets the "
     "editor and a terminal, and runs code as its user, with no authentication"),
    ("eclipse-mosquitto", "/mosquitto-no-auth.conf", "admin_api_unauthenticated",
     "Mosquitto runs with /mosquitto-no-auth.conf (a listener on every address with allow_anonymous "
     "true): anyone who reaches 1883 reads every topic and publishes commands to the devices, with "
     "no authentication"),
)  # fmt: skip


def image_auth_findings(
    where: str, image: Any, env: Iterable[tuple[str, Any]], words: list[str]
) -> Iterator[Finding]:
    """Servers that serve everything to everyone unless given a secret: Hasura without an admin
    secret, Celery's Flower without --basic-auth or --auth."""
    name = image_name(image)
    names = {n.upper() for n, _ in env}
    said = " ".join(words).split()
    for image_of, word, code, what in _OPEN_WHEN_STARTED:
        if name == image_of and word in said:
            yield rule_finding(code, where, what)
    if name == "graphql-engine" and not {n for n in names if n.startswith("HASURA_GRAPHQL_ADMIN_SECRET")}:
        yield rule_finding(
            "admin_api_unauthenticated",
            where,
            "Hasura runs without HASURA_GRAPHQL_ADMIN_SECRET: every request is treated as admin (read and "
            "write every table, change the metadata), with no authentication",
        )
    if name == "atlantis" and not any(n.startswith("ATLANTIS_") and "WEBHOOK_SECRET" in n for n in names):
        yield rule_finding(
            "untrusted_code_execution",
            where,
            "Atlantis runs without a webhook secret (ATLANTIS_GITLAB_WEBHOOK_SECRET / "
            "ATLANTIS_GH_WEBHOOK_SECRET): anyone who reaches it can forge a merge-request event and run "
            "plan or apply",
        )
    values = {n.upper(): text_of(v).strip().lower() for n, v in env}
    if (
        name == "drone"
        and values.get("DRONE_REGISTRATION_CLOSED") != "true"
        and "DRONE_USER_FILTER" not in values
    ):
        yield rule_finding(
            "login_open_to_anyone",
            where,
            "Drone's registration is open (DRONE_REGISTRATION_CLOSED is not true) and there is no "
            "DRONE_USER_FILTER: any account of the forge can sign up and run pipelines on the runners",
        )
    yield from _proxies_and_dashboards(where, name, values, names, words)


def _proxies_and_dashboards(
    where: str, name: str, values: dict[str, str], names: set[str], words: list[str]
) -> Iterator[Finding]:
    """Proxies that let too much through (oauth2-proxy, Traefik, a mail server's trusted networks)
    and dashboards that need a login of their own (Gitea's installer, Flower)."""
    if name == "oauth2-proxy":
        flags = long_flags(words)
        flags |= {n.removeprefix("OAUTH2_PROXY_").lower().replace("_", "-"): v for n, v in values.items()}
        restricted = any(flags.get(k) for k in _OAUTH2_RESTRICTIONS)
        domains = flags.get("email-domain") or flags.get("email-domains")
        if domains in ("*", '"*"', "'*'") and not restricted:
            provider = flags.get("provider", "the identity provider")
            yield rule_finding(
                "login_open_to_anyone",
                where,
                f"oauth2-proxy with --email-domain=* and no organisation, team, group or e-mail list: any "
                f"{provider} account can sign in to what it protects",
            )
    if (
        name == "traefik"
        and _docker_provider(words)
        and not any(w.lower() in ("--providers.docker.exposedbydefault=false",) for w in words)
    ):
        yield rule_finding(
            "proxy_exposes_every_container",
            where,
            "Traefik's Docker provider runs with exposedByDefault (true unless set to false): every "
            "container on its network gets a router, admin tools meant to stay internal included",
        )
    if values.get("GITEA__SECURITY__INSTALL_LOCK") == "false":
        yield _gitea_installer(where, "GITEA__security__INSTALL_LOCK=false")
    if "mailserver" in name and values.get("PERMIT_DOCKER") in ("network", "connected-networks"):
        yield rule_finding(
            "open_mail_relay",
            where,
            f"PERMIT_DOCKER={values['PERMIT_DOCKER']} trusts whole Docker networks as mynetworks; with "
            "Docker's userland proxy, mail from the internet arrives from the bridge's gateway, inside "
            "them, so the server relays for anyone",
        )
    flower = name == "flower" or ("flower" in words and "celery" in " ".join(words))
    guarded = any(w.startswith(("--basic-auth", "--basic_auth", "--auth")) for w in words) or bool(
        names & {"FLOWER_BASIC_AUTH", "FLOWER_AUTH", "FLOWER_AUTH_PROVIDER"}
    )
    if flower and not guarded:
        yield rule_finding(
            "admin_api_unauthenticated",
            where,
            "Celery Flower runs without --basic-auth or --auth: anyone who reaches it sees task arguments "
            "and results and can revoke tasks or shut workers down, with no authentication",
        )


# Job-queue workers that keep their queue in Redis (RQ, Celery, Sidekiq, arq, Dramatiq, Huey).
_QUEUE_WORKERS = (
    ("rq", "worker"),
    ("celery", "worker"),
    ("sidekiq",),
    ("arq",),
    ("dramatiq",),
    ("huey_consumer",),
)
_AMQP_BROKER = re.compile(r"^(?:CELERY_)?BROKER_URL$", re.IGNORECASE)


def evicts_keys(text: str) -> bool:
    """Redis settings (a redis.conf or its command line) with an eviction policy: a cache, whose
    data may be lost by design."""
    return bool(_EVICTION_POLICY.search(_COMMENTED.sub("", text)))


def queue_findings(
    processes: list[tuple[str, Any, list[str], list[tuple[str, Any]]]], configs: Mapping[str, str]
) -> Iterator[Finding]:
    """A Redis beside a job-queue worker that loses the queue: one that keeps nothing on disk
    (--save '' and no append-only file: a restart drops every job), or one that evicts any key at
    maxmemory (allkeys-*: jobs vanish). One worker on an AMQP broker does not queue in Redis.
    `configs`: the configuration files each process reads (where -> their text)."""
    workers = [
        (where, env)
        for where, _image, words, env in processes
        if any(all(w in words for w in worker) for worker in _QUEUE_WORKERS)
        and not any(_AMQP_BROKER.match(n) and text_of(v).startswith("amqp") for n, v in env)
    ]
    if not workers:
        return
    worker = workers[0][0].split(" ", 1)[-1]
    redises = [p for p in processes if image_name(p[1]) in ("redis", "redis-stack-server", "valkey")]
    # The Redis the workers name in their settings, or the only one there is.
    named = [p for p in redises if any(_names_host(text_of(v), p[0]) for _, env in workers for _, v in env)]
    for where, _image, words, _env in named or (redises if len(redises) == 1 else []):
        settings = _COMMENTED.sub("", " ".join(words) + "\n" + configs.get(where, ""))
        if (policy := _EVICTION_POLICY.search(settings)) and policy[1].startswith("allkeys-"):
            yield rule_finding(
                "queue_keys_evicted",
                where,
                f"Redis keeps the job queue of {worker} with maxmemory-policy {policy[1]}: at maxmemory it "
                "deletes any key, queued, scheduled and retried jobs among them, without an error; use "
                "noeviction",
            )
            break
    for where, _image, words, _env in redises:
        if _EVICTION_POLICY.search(" ".join(words)):
            continue
        if _saves_nothing(words) and not _appends(words):
            yield rule_finding(
                "queue_without_persistence",
                where,
                f"Redis keeps the job queue of {worker} with persistence off "
                "(--save '' and no appendonly): a restart, an OOM kill or a reboot loses every queued job",
            )
            return


def _names_host(value: str, where: str) -> bool:
    """Whether a setting's value (redis://queue-redis:6379/0) names the service or workload at
    `where` ("service queue-redis", "StatefulSet redis container redis")."""
    names = where.split(" container ", 1)[0].split(" ", 1)[-1]
    return bool(re.search(rf"(?<![\w-]){re.escape(names)}(?![\w-])", value))


def _saves_nothing(words: list[str]) -> bool:
    for index, word in enumerate(words):
        if word == "--save":
            following = words[index + 1] if index + 1 < len(words) else ""
            return following in ("", "''", '""') or following.startswith("--")
    return False


def _appends(words: list[str]) -> bool:
    return any(
        w == "--appendonly" and i + 1 < len(words) and words[i + 1].strip("'\"") == "yes"
        for i, w in enumerate(words)
    )


_AGENT_JOBS = re.compile(r"sp_add_job|agent[-_ ]jobs?\b", re.IGNORECASE)


def agent_job_findings(
    processes: list[tuple[str, Any, list[str], list[tuple[str, Any]]]],
) -> Iterator[Finding]:
    """SQL Server Agent jobs created (sp_add_job, agent-jobs scripts) for a SQL Server container
    whose Agent is off: in the Linux image it runs only with MSSQL_AGENT_ENABLED=true."""
    if not any(_AGENT_JOBS.search(" ".join(words)) for _, _, words, _ in processes):
        return
    for where, image, _words, env in processes:
        if "mssql/server" not in text_of(image).lower():
            continue
        enabled = {n.upper(): text_of(v).strip().lower() for n, v in env}.get("MSSQL_AGENT_ENABLED")
        if enabled not in ("true", "1", "yes"):
            yield rule_finding(
                "agent_jobs_never_run",
                where,
                "SQL Server Agent jobs are created for this server, but MSSQL_AGENT_ENABLED is not true: "
                "the Agent does not run in the container, so the jobs (backups, imports) never run",
            )


# The address a clustered server tells its clients (and peers) to connect to after the first
# contact: Kafka's advertised listeners, Redpanda's advertised addresses, a broker's advertised host.
_ADVERTISED = re.compile(
    r"(?:^|_)ADVERTISED_(?:LISTENERS|KAFKA_API|ADDR(?:ESS)?|HOST(?:_?NAME)?)$|(?:^|_)ADVERTISE_ADDR$"
)
_LOOPBACK_HOST = re.compile(r"^(?:\w+://)?(?:localhost|127\.\d+\.\d+\.\d+|\[::1\])(?::\d+)?/?$")


def _only_loopback(advertised: str) -> bool:
    """Whether every address of an advertised list is a loopback one. A listener for the
    containers beside one for clients on the host (`PLAINTEXT://kafka:29092,
    PLAINTEXT_HOST://localhost:9092`) is the usual, right layout."""
    addresses = [a.strip() for a in re.split(r"[,\s]+", advertised) if a.strip()]
    return bool(addresses) and all(_LOOPBACK_HOST.match(a) for a in addresses)


def advertised_loopback(
    processes: list[tuple[str, Any, list[str], list[tuple[str, Any]]]],
) -> Iterator[Finding]:
    """A server that advertises localhost to clients in other containers: they reach it by its
    name for the first contact, are then told to connect to localhost, and reach only themselves.
    Judged when the file runs other processes (its clients); alone, localhost may be the point."""
    if len(processes) < 2:
        return
    for where, _image, _words, env in processes:
        for name, value in env:
            text = text_of(value)
            if _ADVERTISED.search(name.upper()) and _only_loopback(text):
                yield rule_finding(
                    "advertised_address_loopback",
                    where,
                    f"{name}={text} advertises a loopback address: clients in other containers connect "
                    "once by name, are told to use localhost, and then reach only themselves",
                )
                break
