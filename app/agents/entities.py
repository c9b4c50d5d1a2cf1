"""Targets in a person's request: IPs, host names, URLs, ports and file paths.

Run it on the request sentence (`read_request(task).request`), never on pasted material: a host
inside a log line is evidence, not a target. Extraction is pure text work: nothing found here is
resolved or trusted; the target policy decides what may be probed.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from app.security.redaction import mask_secret_assignments

_URL = re.compile(r"\bhttps?://[^\s<>\"'`,;)\]]+", re.IGNORECASE)
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:])\[?(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}\]?(?![\w:])", re.IGNORECASE)
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# A token that could be a host: dotted names, bare names, each optionally with :port.
_HOST_TOKEN = re.compile(
    rf"(?<![\w.@/:-])((?:{_LABEL}\.)*{_LABEL})(?::(\d{{1,5}}))?(?![\w@/-]|\.\w|:\w)",
    re.IGNORECASE,
)
_PORT_LIST = re.compile(
    r"\bports?\s*(?:#|no\.?|number)?\s*((?:\d{1,5})(?:\s*(?:,|and|&|/|or|\+)\s*\d{1,5})*)\b(?![.:]\d)",
    re.IGNORECASE,
)
_PORT_BEFORE = re.compile(
    r"(?<![\w.:/-])(\d{1,5})\s*(?:/\s*(?:tcp|udp)\b|\s+(?:port|tcp|udp)\b)", re.IGNORECASE
)
_PROTO_PORT = re.compile(r"\b(?:tcp|udp)\s*/\s*(\d{1,5})\b", re.IGNORECASE)
_ON_PORT = re.compile(
    r"\b(on|at)\s+(\d{2,5}(?:\s*(?:,|and|&|or)\s*\d{2,5}\b)*)(?![\w.:/%-])(?!\s*(?:ms|s|sec|seconds?|min|minutes?|h|hours?|%|mb|gb|"
    r"kb|tb|requests|rps|users|times|cores|days|pm|am|servers?|hosts?|nodes?|machines?|boxes|pods?|"
    r"instances?|replicas?|containers?|workers?|threads?|connections?|clients?|percent|x|k|items|"
    r"lines|errors|files|jobs|tasks|calls|queries|retries|attempts)\b)",
    re.IGNORECASE,
)
_PATH = re.compile(r"(?<![\w.:/])(/(?:[\w.@-]+/)*[\w.@-]+)")
_LOG_PATH = re.compile(r"\.(?:log|txt|out|err|json)(?:\.\d+)?$|^/var/log/")
# Words that may name a host by themselves only after these verbs ("ping gateway").
_INTRODUCERS = frozenset(
    {
        "ping",
        "traceroute",
        "tracert",
        "mtr",
        "nslookup",
        "dig",
        "telnet",
        "curl",
        "ping6",
        "traceroute6",
        "hostname",
    }
)
# Hyphenated names without digits ("cache-a") need one of these before them.
_NAME_INTRODUCERS = _INTRODUCERS | frozenset(
    {"to", "on", "of", "at", "from", "against", "reach", "check", "is", "for", "hit", "hitting",
     "reaching", "between", "via", "server", "node", "box", "machine", "router", "switch",
     "vm", "instance", "host"}
)  # fmt: skip
# "3306 open on mysql-ro", "636 listening?"
_PORT_STATE = re.compile(
    r"(?<![\w.:/-])(\d{2,5})\s+(?:is\s+)?(?:even\s+|still\s+|really\s+|actually\s+|currently\s+)?"
    r"(?:open|closed|filtered|listening|reachable|blocked|answering|answers|responding|responds)\b",
    re.IGNORECASE,
)
_FILE_SUFFIXES = frozenset(
    "log txt yaml yml json py conf cfg ini sh md out err csv xml toml service pid sock gz zip tar "
    "html htm js ts jsx tsx css lock rb php java jar war class go rs c h cpp so dll exe bin img iso "
    "pem crt key csr der p12 pfx env bak tmp swp timer socket mount target d properties sql db "
    "error info warn warning debug access png jpg gif svg pdf doc docx xls xlsx tf tfvars hcl j2".split()
)
# Tokens with digits or hyphens that are not hosts: versions, units, devices, tech names.
_NOT_HOST_TOKEN = re.compile(
    r"^(?:v?\d[\w.]*|[a-z]?\d+[a-z]{0,3}|k8s|k3s|s3|ec2|ipv[46]|http[23]|tls1|sha\d+|md5|utf-?8|"
    r"base64|x509|x86(?:-64)?|ssh2|rsa\d+|aes\d+|ubuntu\d+|debian\d+|centos\d+|rhel\d+|"
    r"win(?:dows)?\d+|python\d+|go\d+|gp[23]|io[12]|pm2|x11|es\d+|win32|win64|node\d+|java\d+|jdk\d+|php\d|gcc\d*|arm64|amd64|aarch64|log4j2?|oauth2|py[23]|python[23]|e2e|i18n|a11y|"
    r"[45]xx|\d+xx|p\d{2,3}|(?:eth|ens|enp|eno|wlan|wlp|bond|br|veth|docker|lo|tun|tap|em)\d[\w]*|"
    r"(?:sd|vd|xvd|hd)[a-z]\d*|nvme\d\w*|md\d+|dm-\d+|loop\d+|tty\w*|cpu\d+|core\d+|node\d?-exporter|"
    r"[a-z0-9]+-(?:based|like|side|level|wide|only|free|safe|aware|friendly|specific|related|bound|heavy|"
    r"intensive|driven|facing|ready|enabled|disabled|signed|hosted|managed|native)|"
    r"(?:re|pre|post|non|un|co|self|multi|cross|sub|inter|over|under|out|de|anti|semi|pseudo|end|"
    r"point|round|load|rate|dead|blue|zero|auto|hot|cold|warm|state|day|night|real|full|half|all|"
    r"two|one|three|single|double|in|on|off|per|top|bottom|mid|much|well|ill|so|by|first|last|"
    r"next|built)-[a-z-]+|"
    r"[a-z]+-(?:in|up|out|on|off|by|over|to|of|down|back|through|ups?)|"
    r"read-write|read-only|docker-compose|e-?mail|on-?call|up-to-date|time-?out|log-?in|log-?on|"
    r"sign-?in|set-?up|well-known|third-party|high-\w+|low-\w+|long-\w+|short-\w+|"
    r"\w+-(?:check|checks|test|tests|probe|probes|port|ports|exporter|error|errors|log|logs)|"
    r"hot-?fix|roll-?out|fail-?over|back-?end|front-?end|x-[\w-]+|ok|k|u|"
    r"fail2ban|ed25519|ed448|x25519|curve25519|sev\d|raid\d+|latin-?\d|iso-?\d+|ping6|traceroute6|"
    r"crc32|u?int\d+|float\d+|smbv?\d|nfsv\d|snmpv\d|ssl\d|tls\d+|h[23]c?|"
    r"(?:us|eu|ap|sa|ca|me|af|il|cn)-(?:north|south|east|west|central|northeast|southeast|northwest|"
    r"southwest)-\d|cve-\d{4}-\d+)$",
    re.IGNORECASE,
)
# Labels that make a dotted token code, an instance type or a version rather than a host name.
_NOT_HOST_LABEL = re.compile(
    r"^(?:v\d+|exc|query|session|objects|self|nano|micro|small|medium|large|\d*xlarge|metal|"
    r"\w*(?:error|exception|warning))$",
    re.IGNORECASE,
)
_TICKET = re.compile(r"^[A-Z][A-Z0-9]*-\d+(?:-\d+)?$")
# Verb forms: "traceroute keeps timing out" names no host called "keeps".
_VERB_FORM = re.compile(r"^\w{3,}(?:s|ed|ing|ly)$")
_STOPWORDS = frozenset(
    "the a an my our your their his her it its this that these those me us them you all every each "
    "some any what which whether who why how when where is are was be been am and or but if then so "
    "to for of on at in from with by via up down now again there here please pls plz thanks thx "
    "check see make find test look tell show help can could would will should may might just also "
    "too still not no yes ok okay port ports host hosts server servers service services site website "
    "network internet dns tls ssl http https tcp udp icmp ip cpu memory disk load logs log errors "
    "error localhost6 box machine node vm instance it's whats what's a aaaa mx cname txt ns soa "
    "ptr srv caa short trace itself himself herself themselves yourself right today already "
    "tonight yesterday tomorrow".split()
)


_EXPORTER_URL = re.compile(r"^https?://[^/]+:9100(?:/|$)|/metrics/?$", re.IGNORECASE)


def is_exporter_url(url: str) -> bool:
    """A Prometheus node exporter's address: read by system monitoring, not probed."""
    return bool(_EXPORTER_URL.search(url))


@dataclass
class Entities:
    ips: list[str] = field(default_factory=list)
    hostnames: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    @property
    def hosts(self) -> list[str]:
        """Targets in order of preference: URL hosts, then IPs, then names."""
        from_urls = [urlsplit(u).hostname or "" for u in self.urls]
        ordered = [h for h in from_urls if h] + self.ips + self.hostnames
        return list(dict.fromkeys(ordered))

    @property
    def log_paths(self) -> list[str]:
        return [p for p in self.paths if _LOG_PATH.search(p)]

    def kinds(self) -> set[str]:
        found = set()
        if self.ips:
            found.add("ip")
        if self.hostnames:
            found.add("hostname")
        if self.urls:
            found.add("url")
        if self.ports:
            found.add("port")
        if self.log_paths:
            found.add("path")
        return found


def _add_port(ports: list[int], text: str) -> None:
    value = int(text)
    if 1 <= value <= 65535 and value not in ports:
        ports.append(value)


@lru_cache(maxsize=512)
def _cached(text: str) -> Entities:
    found = Entities()
    for match in _URL.finditer(text):
        found.urls.append(match.group(0).rstrip(".?!"))
    # A secret's value is never a target: `db_password=hunter2-prod` must not be looked up in DNS.
    # URLs are taken as written, before: masking would break `https://vault-secrets.internal:8200/`.
    rest = mask_secret_assignments(_URL.sub(" ", text))
    for match in _PATH.finditer(rest):
        found.paths.append(match.group(1).rstrip("."))
    rest = _PATH.sub(" ", rest)
    _ips(rest, found)
    rest = _IPV6.sub(lambda m: " " if _is_ipv6(m.group(0)) else m.group(0), rest)
    _hosts(rest, found)
    _ports(rest, found)
    return found


def extract_entities(text: str) -> Entities:
    """Targets named in `text`; a fresh copy each call, so callers may change it."""
    cached = _cached(text)
    return Entities(
        list(cached.ips), list(cached.hostnames), list(cached.urls), list(cached.ports), list(cached.paths)
    )


def _is_ipv6(candidate: str) -> bool:
    try:
        ipaddress.IPv6Address(candidate.strip("[]"))
    except ValueError:
        return False
    return True


def _ips(text: str, found: Entities) -> None:
    for match in _IPV4.finditer(text):
        try:
            ipaddress.IPv4Address(match.group(0))
        except ValueError:
            continue
        found.ips.append(match.group(0))
    for match in _IPV6.finditer(text):
        if _is_ipv6(match.group(0)):
            found.ips.append(match.group(0).strip("[]"))


def _hosts(text: str, found: Entities) -> None:
    for match in _HOST_TOKEN.finditer(text):
        written, port = match.group(1), match.group(2)
        name = written.lower()
        if not port and _TICKET.match(written):  # ORA-12541, INC-4821, JIRA-42: ids, not hosts
            continue
        if name in found.ips or _IPV4.fullmatch(name) or name.isdigit():
            if port and name in found.ips:
                _add_port(found.ports, port)
            continue
        before = re.findall(r"[\w'-]+", text[max(0, match.start() - 40) : match.start()])
        after = re.match(r"\s*([\w'-]*)(?!\s*(?:ms|s|sec|%|mb|gb)\b)", text[match.end() :])
        following = after.group(1).lower() if after else ""
        if not _looks_like_host(name, bool(port), before[-1].lower() if before else ""):
            continue
        if name not in found.hostnames and not any(h.startswith(name + ".") for h in found.hostnames):
            found.hostnames.append(name)
        if port:
            _add_port(found.ports, port)
        elif name in found.hostnames and re.match(r"\d{2,5}\b(?![.:%/-])", following):
            _add_port(found.ports, following)  # "ldap.corp 636"


def _looks_like_host(name: str, with_port: bool, previous: str) -> bool:
    if name == "localhost":
        return True
    if "." in name:
        labels = name.split(".")
        last = labels[-1]
        if last.isdigit() or len(last) < 2 or not last.isalnum():
            return False
        code_like = any(_NOT_HOST_LABEL.match(label) for label in labels[1:])
        return with_port or (
            last not in _FILE_SUFFIXES and not re.match(r"v?\d+$", labels[0]) and not code_like
        )
    if name in _STOPWORDS or len(name) < 2:
        return False
    if with_port:
        return True
    if re.search(r"\d", name) and re.search(r"[a-z]", name):
        return name[0].isalpha() and not _NOT_HOST_TOKEN.match(name)
    if "-" in name:
        return previous in _NAME_INTRODUCERS and not _NOT_HOST_TOKEN.match(name)
    # "ping gateway", "nslookup gateway returns nothing"; not "traceroute keeps timing out".
    return previous in _INTRODUCERS and name.isalpha() and len(name) >= 3 and not _VERB_FORM.match(name)


_SERVICE = (
    r"smtps?|submission|imaps?|pop3s?|ldaps?|rdp|ssh|sftp|ftps?|https?|nfs|rpcbind|amqps?|mqtt|winrm|"
    r"smb|dns|ntp|snmp|syslog|postgres(?:ql)?|mysql|redis|mongo(?:db)?|kafka|zookeeper|etcd|"
    r"memcached?|elasticsearch|grafana|prometheus|alertmanager|consul|vault|ldap|kerberos|radius|"
    r"sip|rtsp|vnc|telnet|gossip|management|native|jmx|tls|ssl|starttls|grpc|websocket|rabbitmq"
)
# "imap 993", "amqp 5672" (not "http 504": a status), "9093 (tls)", "8301 gossip"
_SERVICE_THEN_PORT = re.compile(rf"\b({_SERVICE})\s+(?:port\s+)?(\d{{2,5}})\b(?![.:%/-]\d)", re.IGNORECASE)
_PORT_THEN_SERVICE = re.compile(rf"(?<![\w.:/-])(\d{{2,5}})\s+\(?(?:{_SERVICE})\b", re.IGNORECASE)
# "binds 9404", "uses 2049,", "moved from 3000 to port 3001"
_PORT_VERB = re.compile(
    r"\b(?:binds?(?:\s+to)?|exposes?|listens?(?:\s+on)?|uses|moved\s+from|from)\s+(?:port\s+)?(\d{2,5})\b"
    r"(?=\s*(?:,|$)|\s+(?:to|but|and)\b)",
    re.IGNORECASE,
)
_BRACKET_PORT = re.compile(r"\]:(\d{1,5})\b")


_NUMBER_RUN = re.compile(r"(?<![\w.:/-])\d{2,5}(?:(?:\s*,\s*|\s+and\s+|\s+)\d{2,5})+(?![\w.:%/-])")


def _ports(text: str, found: Entities) -> None:
    if re.search(r"\bports?\b", text, re.IGNORECASE):  # "open ports on nas01? check 80 443 and 5000"
        for match in _NUMBER_RUN.finditer(text):
            for number in re.findall(r"\d{2,5}", match.group(0)):
                _add_port(found.ports, number)
    for match in _SERVICE_THEN_PORT.finditer(text):
        if not (match.group(1).lower().startswith("http") and 100 <= int(match.group(2)) <= 599):
            _add_port(found.ports, match.group(2))
    for pattern in (_PORT_THEN_SERVICE, _PORT_VERB):
        for match in pattern.finditer(text):
            _add_port(found.ports, match.group(1))
    for match in _BRACKET_PORT.finditer(text):
        _add_port(found.ports, match.group(1))
    for match in _PORT_LIST.finditer(text):
        for number in re.findall(r"\d{1,5}", match.group(1)):
            _add_port(found.ports, number)
    for pattern in (_PORT_BEFORE, _PROTO_PORT, _PORT_STATE):
        for match in pattern.finditer(text):
            _add_port(found.ports, match.group(1))
    for match in _ON_PORT.finditer(text):
        if match.group(1).lower() == "on" or found.hostnames or found.ips:
            for number in re.findall(r"\d{2,5}", match.group(2)):
                _add_port(found.ports, number)
