"""Which hosts the diagnostics may probe, decided on resolved addresses (no DNS-rebinding escape).

Probes connect to the addresses checked here, never re-resolve the name, and host names are
validated before anything sees them: nothing reaches a shell.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from app.errors import InvalidTarget, TargetNotAllowed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_LEGACY_IPV4 = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$", re.IGNORECASE)
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_EXTRA_REFUSED = (ipaddress.ip_network("0.0.0.0/8"), ipaddress.ip_network("fec0::/10"))


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
        self, allow: Iterable[str] = (), deny: Iterable[str] = (), resolve_timeout: float = 3.0
    ) -> None:
        self._allow_nets, self._allow_names = _split_entries(allow)
        self._deny_nets, self._deny_names = _split_entries(deny)
        self.resolve_timeout = resolve_timeout

    def check_address(self, ip: IPAddress, host: str | None = None) -> None:
        """Raise TargetNotAllowed unless `ip` (reached through `host`) may be probed."""
        ip = _unmap(ip)
        embedded = _embedded_ipv4(ip)
        candidates = [ip] if embedded is None else [ip, embedded]
        shown = f"{host} ({ip})" if host and host != str(ip) else str(ip)
        for address in candidates:
            if self._matches(address, host, self._deny_nets, self._deny_names):
                raise TargetNotAllowed(
                    f"{shown} is refused by NETWORK_DENY_TARGETS.",
                    details={"target": host or str(ip), "address": str(ip), "reason": "denied"},
                )
        if any(self._matches(a, host, self._allow_nets, self._allow_names) for a in candidates):
            return
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
        host, ip = self.check_host(text)
        if ip is not None:
            return ResolvedTarget(host=host, addresses=(ip,), is_ip=True)
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, None, type=socket.SOCK_STREAM), self.resolve_timeout
            )
        except TimeoutError:
            return ResolvedTarget(host, (), False, f"no answer within {self.resolve_timeout:g}s")
        except OSError as exc:
            return ResolvedTarget(host, (), False, exc.strerror or str(exc))
        addresses: list[IPAddress] = []
        for info in infos:
            address = _unmap(ipaddress.ip_address(str(info[4][0]).split("%")[0]))
            if address not in addresses:
                addresses.append(address)
        for address in addresses:
            self.check_address(address, host)
        return ResolvedTarget(host=host, addresses=tuple(addresses), is_ip=False)

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


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    if isinstance(ip, ipaddress.IPv6Address) and ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


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
