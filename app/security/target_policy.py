"""Which hosts the diagnostics may probe, decided on resolved addresses (no DNS-rebinding escape).

Probes connect to the addresses checked here, never re-resolve the name, and host names are
validated before anything sees them: nothing reaches a shell.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import time
import unicodedata
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import structlog

from app import blocking
from app.errors import InvalidTarget, TargetNotAllowed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_LEGACY_IPV4 = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$", re.IGNORECASE)
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
# IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64, RFC 6052 and 8215).
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_EXTRA_REFUSED = (ipaddress.ip_network("0.0.0.0/8"), ipaddress.ip_network("fec0::/10"))
# Instance metadata services hand out cloud credentials; the IPv4 link-local ones are refused
# as link-local, these are not link-local. Only an allow entry naming the very address opens one.
_METADATA = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)
DENIED_NAMES_TTL = 60.0
log = structlog.get_logger("app.target_policy")

# (host) -> (canonical name, addresses): the system's resolution, CNAMEs followed.
Resolver = Callable[[str], Awaitable[tuple[str, list[str]]]]


def _getaddrinfo(host: str) -> list[tuple[str, str]]:
    """(canonical name, address) of each answer: only the first carries the canonical name."""
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM, flags=socket.AI_CANONNAME)
    return [(info[3], str(info[4][0])) for info in infos]


async def system_resolver(host: str) -> tuple[str, list[str]]:
    """The system's resolution (/etc/hosts, search domains, NSS), on the DNS pool: a resolver
    that hangs holds a DNS thread, never one that sampling or parsing needs."""
    infos = await blocking.run("dns", _getaddrinfo, host)
    canonical = next((name for name, _ in infos if name), host)
    return canonical.rstrip(".").lower(), [address.split("%")[0] for _, address in infos]


@dataclass(frozen=True, slots=True)
class ResolvedTarget:
    host: str  # normalised host name, or the IP address in canonical form
    addresses: tuple[IPAddress, ...]
    is_ip: bool
    resolution_error: str | None = None

    @property
    def primary(self) -> IPAddress | None:
        return self.addresses[0] if self.addresses else None


def parse_ip(text: str) -> IPAddress | None:
    """An IP address in any spelling the OS would accept: `127.1`, `0x7f000001`, `[::1]`, ..."""
    candidate = text.strip().strip("[]")
    try:
        return _unmap(ipaddress.ip_address(candidate))
    except ValueError:
        pass
    if _LEGACY_IPV4.match(candidate):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(candidate))
        except OSError:
            raise InvalidTarget(f"{text!r} is not a valid IPv4 address.") from None
    return None


def _unmap(ip: IPAddress) -> IPAddress:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def normalise_hostname(text: str) -> str:
    """Lower-case, IDNA-encoded, validated host name; raises InvalidTarget for anything else."""
    host = text.strip().rstrip(".").lower()
    if not host or len(host) > 253:
        raise InvalidTarget("A host name is 1 to 253 characters.")
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp") for char in host):
        # IDNA would silently drop zero-width characters: refuse what the user cannot see.
        raise InvalidTarget(f"{text[:80]!r} contains invisible or control characters.")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidTarget(f"{text[:80]!r} is not a valid host name.") from None
    if not all(_LABEL.match(label) for label in host.split(".")):
        raise InvalidTarget(
            f"{text[:80]!r} is not a valid host name: labels are letters, digits and hyphens."
        )
    return host


class TargetPolicy:
    def __init__(
        self,
        allow: Iterable[str] = (),
        deny: Iterable[str] = (),
        resolve_timeout: float = 3.0,
        *,
        default: Literal["allow", "deny"] = "allow",
        resolver: Resolver = system_resolver,
    ) -> None:
        self._allow_nets, self._allow_names = _split_entries(allow)
        self._deny_nets, self._deny_names = _split_entries(deny)
        self.resolve_timeout = resolve_timeout
        self.default = default
        self.resolver = resolver
        # The addresses of the names a deny list names, so that an alias of a denied host, or
        # its address typed directly, is refused too. Refreshed at most every DENIED_NAMES_TTL.
        self._denied_addresses: dict[IPAddress, str] = {}
        self._denied_resolved_at = -DENIED_NAMES_TTL

    def check_address(self, ip: IPAddress, host: str | None = None) -> None:
        """Raise TargetNotAllowed unless `ip` (reached through `host`) may be probed."""
        ip = _unmap(ip)
        candidates = [ip, *_embedded_ipv4(ip)]
        shown = f"{host} ({ip})" if host and host != str(ip) else str(ip)
        for address in candidates:
            if self._matches(address, host, self._deny_nets, self._deny_names):
                raise TargetNotAllowed(
                    f"{shown} is refused by NETWORK_DENY_TARGETS.",
                    details={"target": host or str(ip), "address": str(ip), "reason": "denied"},
                )
            if address in self._denied_addresses:
                name = self._denied_addresses[address]
                raise TargetNotAllowed(
                    f"{shown} is an address of {name}, which NETWORK_DENY_TARGETS refuses.",
                    details={"target": host or str(ip), "address": str(ip), "reason": "denied"},
                )
        for address in candidates:
            if address in _METADATA and not self._names_exactly(address):
                kind = "link-local" if address.is_link_local else "cloud metadata"
                raise TargetNotAllowed(
                    f"{shown} is a {kind} address (a cloud metadata service), which the "
                    "diagnostics never probe unless NETWORK_ALLOW_TARGETS names that very address.",
                    details={"target": host or str(ip), "address": str(ip), "reason": kind},
                )
        if any(self._matches(a, host, self._allow_nets, self._allow_names) for a in candidates):
            return
        if self.default == "deny":
            raise TargetNotAllowed(
                f"{shown} is not in NETWORK_ALLOW_TARGETS, and NETWORK_DEFAULT_POLICY=deny probes "
                "only what that list names.",
                details={"target": host or str(ip), "address": str(ip), "reason": "not_allowed"},
            )
        for address in candidates:
            reason = _refused_category(address)
            if reason:
                raise TargetNotAllowed(
                    f"{shown} is a {reason} address, which the diagnostics do not probe unless "
                    "NETWORK_ALLOW_TARGETS opens it.",
                    details={"target": host or str(ip), "address": str(ip), "reason": reason},
                )

    def check_host(self, text: str) -> tuple[str, IPAddress | None]:
        """Validate a host or IP literal; refuse early what a deny list names. Returns the
        normalised host and, for literals, the address."""
        ip = parse_ip(text)
        if ip is not None:
            self.check_address(ip)
            return str(ip), ip
        host = normalise_hostname(text)
        if _name_matches(host, self._deny_names):
            raise TargetNotAllowed(
                f"{host} is refused by NETWORK_DENY_TARGETS.",
                details={"target": host, "reason": "denied"},
            )
        return host, None

    async def resolve(self, text: str) -> ResolvedTarget:
        """Validate, resolve and check every address; a name that does not resolve is returned
        with `resolution_error` (a finding for the caller, not a refusal)."""
        await self._resolve_denied_names()
        host, ip = self.check_host(text)
        if ip is not None:
            return ResolvedTarget(host=host, addresses=(ip,), is_ip=True)
        try:
            canonical, found = await asyncio.wait_for(self.resolver(host), self.resolve_timeout)
        except TimeoutError:
            return ResolvedTarget(host, (), False, f"no answer within {self.resolve_timeout:g}s")
        except OSError as exc:
            return ResolvedTarget(host, (), False, exc.strerror or str(exc))
        if canonical != host and _name_matches(canonical, self._deny_names):
            raise TargetNotAllowed(
                f"{host} is an alias of {canonical}, which NETWORK_DENY_TARGETS refuses.",
                details={"target": host, "reason": "denied"},
            )
        addresses: list[IPAddress] = []
        for text_address in found:
            address = _unmap(ipaddress.ip_address(text_address))
            if address not in addresses:
                addresses.append(address)
        for address in addresses:
            self.check_address(address, host)
        return ResolvedTarget(host=host, addresses=tuple(addresses), is_ip=False)

    async def _resolve_denied_names(self) -> None:
        exact = [name for name in self._deny_names if not name.startswith(".")]
        now = time.monotonic()
        if not exact or now - self._denied_resolved_at < DENIED_NAMES_TTL:
            return
        self._denied_resolved_at = now
        denied: dict[IPAddress, str] = {}
        for name in exact:
            try:
                _, found = await asyncio.wait_for(self.resolver(name), self.resolve_timeout)
            except (TimeoutError, OSError) as exc:  # the name still refuses itself by name
                log.info("denied_name_unresolved", name=name, error=type(exc).__name__)
                continue
            for text_address in found:
                denied.setdefault(_unmap(ipaddress.ip_address(text_address)), name)
        self._denied_addresses = denied

    def _names_exactly(self, ip: IPAddress) -> bool:
        return any(
            net.num_addresses == 1 and ip in net for net in self._allow_nets if net.version == ip.version
        )

    def _matches(
        self,
        ip: IPAddress,
        host: str | None,
        nets: tuple[IPNetwork, ...],
        names: tuple[str, ...],
    ) -> bool:
        if any(ip.version == net.version and ip in net for net in nets):
            return True
        return host is not None and _name_matches(host, names)


def _split_entries(entries: Iterable[str]) -> tuple[tuple[IPNetwork, ...], tuple[str, ...]]:
    nets: list[IPNetwork] = []
    names: list[str] = []
    for raw in entries:
        entry = raw.strip()
        if not entry:
            continue
        try:
            nets.append(ipaddress.ip_network(entry, strict=False))
            continue
        except ValueError:
            pass
        ip = parse_ip(entry)
        if ip is not None:
            nets.append(ipaddress.ip_network(ip))
            continue
        wildcard = entry.startswith(("*.", "."))
        name = normalise_hostname(entry.lstrip("*").lstrip("."))
        names.append("." + name if wildcard else name)
    return tuple(nets), tuple(names)


def _name_matches(host: str, names: tuple[str, ...]) -> bool:
    return any(host.endswith(n) if n.startswith(".") else host == n for n in names)


def _embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address reaches through translation (NAT64, 6to4, Teredo)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    if any(ip in net for net in _NAT64):
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)
    return []


def _refused_category(ip: IPAddress) -> str | None:
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_reserved or any(ip.version == n.version and ip in n for n in _EXTRA_REFUSED):
        return "reserved"
    return None
