"""TLS certificate check: subject, issuer, SANs, expiry, trust and protocol, against a checked address."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from typing import Any

from cryptography import x509

from app.agents.base import Severity
from app.agents.checks.outcome import CheckOutcome
from app.security.target_policy import IPAddress

# Ports where TLS is the protocol itself, not a choice: plain text there is a fault.
TLS_PORTS = frozenset({443, 8443, 465, 636, 993, 995, 5986, 6443})
EXPIRY_WARNING_DAYS = 14
EXPIRY_CRITICAL_DAYS = 3
_OLD_PROTOCOLS = {"TLSv1", "TLSv1.1", "SSLv3"}


def trust_context(ca_file: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def _inspect_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def _handshake(
    ip: IPAddress, port: int, server_name: str | None, context: ssl.SSLContext, timeout: float
) -> tuple[bytes, str | None, str | None]:
    _, writer = await asyncio.wait_for(
        asyncio.open_connection(str(ip), port, ssl=context, server_hostname=server_name),
        timeout,
    )
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True)
        cipher = ssl_object.cipher()
        return der, ssl_object.version(), cipher[0] if cipher else None
    finally:
        writer.close()


async def check_tls(
    ip: IPAddress, host: str, port: int, timeout: float, trust: ssl.SSLContext
) -> CheckOutcome:
    # For an IP target the certificate must name the IP (Python checks IP SANs; no SNI is sent).
    server_name = host
    verify_error: str | None = None
    try:
        der, version, cipher = await _handshake(ip, port, server_name, trust, timeout)
    except ssl.SSLCertVerificationError as exc:
        verify_error = getattr(exc, "verify_message", None) or str(exc)
        try:
            der, version, cipher = await _handshake(ip, port, server_name, _inspect_context(), timeout)
        except (OSError, TimeoutError, ssl.SSLError) as inner:
            return await _failed(ip, host, port, inner, timeout)
    except (OSError, TimeoutError, ssl.SSLError) as exc:
        return await _failed(ip, host, port, exc, timeout)
    return _describe(host, port, der, version, cipher, verify_error)


async def speaks_tls(ip: IPAddress, port: int, timeout: float) -> bool:
    """Whether the port completes a TLS handshake (any certificate): how the HTTP check and the
    workflows tell https from http on ports that are not 80 or 443."""
    try:
        await _handshake(ip, port, None, _inspect_context(), timeout)
    except (OSError, TimeoutError, ssl.SSLError):
        return False
    return True


# OpenSSL reasons, by what they mean to the person who asked.
_NOT_TLS = frozenset(
    {"WRONG_VERSION_NUMBER", "HTTP_REQUEST", "UNKNOWN_PROTOCOL", "RECORD_LAYER_FAILURE",
     "PACKET_LENGTH_TOO_LONG", "UNEXPECTED_MESSAGE", "UNEXPECTED_EOF_WHILE_READING"}
)  # fmt: skip
_NO_COMMON_VERSION = frozenset(
    {"UNSUPPORTED_PROTOCOL", "TLSV1_ALERT_PROTOCOL_VERSION", "NO_PROTOCOLS_AVAILABLE",
     "VERSION_TOO_LOW", "VERSION_TOO_HIGH", "TLSV1_ALERT_INAPPROPRIATE_FALLBACK"}
)  # fmt: skip
_REFUSED = frozenset(
    {"SSLV3_ALERT_HANDSHAKE_FAILURE", "NO_SHARED_CIPHER", "NO_CIPHERS_AVAILABLE",
     "TLSV13_ALERT_CERTIFICATE_REQUIRED", "SSLV3_ALERT_BAD_CERTIFICATE"}
)  # fmt: skip


async def _failed(ip: IPAddress, host: str, port: int, exc: BaseException, timeout: float) -> CheckOutcome:
    """A handshake that failed, in words an engineer can act on rather than OpenSSL's."""
    reason = getattr(exc, "reason", None) if isinstance(exc, ssl.SSLError) else None
    where = f"{host}:{port}"
    severity = Severity.CRITICAL
    not_tls = reason in _NOT_TLS or isinstance(exc, ssl.SSLEOFError | TimeoutError)
    if isinstance(exc, ConnectionRefusedError):
        code, message = "tls_port_closed", f"Nothing listens on {where}: the connection was refused."
    elif not_tls and await _plain_greeting(ip, port, min(timeout, 2.0)) == "http":
        # A server that answers a plain question but not a TLS one (some time out on the
        # ClientHello, others answer it with an HTTP 400) speaks plain HTTP there.
        code = "tls_not_spoken"
        message = (
            f"{where} speaks plain HTTP, not TLS: there is no certificate to check "
            "(use http:// there, or the port TLS is served on)."
        )
        severity = Severity.CRITICAL if port in TLS_PORTS else Severity.WARNING
    elif isinstance(exc, TimeoutError):
        code, message = "tls_handshake_timeout", f"TLS to {where} did not complete within {timeout:g}s."
    elif not_tls:
        code, message = "tls_not_spoken", f"{where} does not speak TLS: the handshake got a non-TLS answer."
        severity = Severity.CRITICAL if port in TLS_PORTS else Severity.WARNING
    elif reason in _NO_COMMON_VERSION:
        code = "tls_protocol_mismatch"
        message = (
            f"{where} and this service share no TLS version (the server offers only older or newer ones)."
        )
    elif reason in _REFUSED:
        code = "tls_handshake_refused"
        message = f"{where} refused the handshake: no cipher in common, or it requires a client certificate."
    else:
        detail = getattr(exc, "strerror", None) or reason or type(exc).__name__
        code, message = "tls_handshake_failed", f"TLS to {where} failed: {detail}."
    outcome = CheckOutcome({"port": port, "valid": False, "error": code})
    outcome.add(severity, code, message)
    return outcome


async def _plain_greeting(ip: IPAddress, port: int, timeout: float) -> str | None:
    """Ask the port a plain HTTP question: "http" when it answers like an HTTP server."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(str(ip), port), timeout)
    except (OSError, TimeoutError):
        return None
    try:
        writer.write(b"HEAD / HTTP/1.0\r\n\r\n")
        await writer.drain()
        first = await asyncio.wait_for(reader.read(16), timeout)
    except (OSError, TimeoutError):
        return None
    finally:
        writer.close()
    return "http" if first.startswith(b"HTTP/") else None


def _untrusted(
    outcome: CheckOutcome, host: str, port: int, error: str, cert: x509.Certificate, sans: list[str]
) -> None:
    """Why verification failed, in words: expiry has its own finding already."""
    text = error.lower()
    where = f"{host}:{port}"
    if "expired" in text:
        return
    if "mismatch" in text:
        names = ", ".join(sans[:4]) or cert.subject.rfc4514_string()
        outcome.add(
            Severity.CRITICAL,
            "certificate_name_mismatch",
            f"The certificate of {where} is not valid for {host}: it names {names}.",
        )
    elif "self-signed" in text or "self signed" in text or "issuer" in text:
        issuer = cert.issuer.rfc4514_string()
        kind = "self-signed" if cert.subject == cert.issuer else f"issued by {issuer}"
        outcome.add(
            Severity.CRITICAL,
            "certificate_unknown_ca",
            f"The certificate of {where} is {kind}, an unknown CA that this service does not trust "
            "(the chain is not trusted); clients without that CA will refuse it.",
        )
    elif "not yet valid" in text:
        outcome.add(
            Severity.CRITICAL, "certificate_not_yet_valid", f"The certificate of {where} is not valid yet."
        )
    else:
        outcome.add(
            Severity.CRITICAL, "certificate_untrusted", f"The certificate of {where} is not trusted: {error}."
        )


def _alt_names(cert: x509.Certificate) -> list[str]:
    """The DNS names and IP addresses a certificate is for."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [str(n) for n in san.get_values_for_type(x509.DNSName)] + [
        str(ip) for ip in san.get_values_for_type(x509.IPAddress)
    ]


def _expiry(outcome: CheckOutcome, where: str, now: dt.datetime, not_after: dt.datetime, days: int) -> None:
    """Expired (critical), expiring within the critical or warning window, or nothing."""
    if now > not_after:
        outcome.add(
            Severity.CRITICAL,
            "certificate_expired",
            f"The certificate of {where} expired {-days} day(s) ago ({not_after:%Y-%m-%d}).",
        )
    elif days <= EXPIRY_CRITICAL_DAYS:
        outcome.add(
            Severity.CRITICAL,
            "certificate_expiring",
            f"The certificate of {where} expires in {days} day(s), on {not_after:%Y-%m-%d}.",
        )
    elif days <= EXPIRY_WARNING_DAYS:
        outcome.add(
            Severity.WARNING,
            "certificate_expiring",
            f"The certificate of {where} expires in {days} days, on {not_after:%Y-%m-%d}.",
        )


def _describe(
    host: str, port: int, der: bytes, version: str | None, cipher: str | None, verify_error: str | None
) -> CheckOutcome:
    cert = x509.load_der_x509_certificate(der)
    now = dt.datetime.now(dt.UTC)
    not_after = cert.not_valid_after_utc
    not_before = cert.not_valid_before_utc
    days = int((not_after - now).total_seconds() // 86400)
    sans = _alt_names(cert)
    trusted = verify_error is None
    in_window = not_before <= now <= not_after
    output: dict[str, Any] = {
        "port": port,
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "subject_alt_names": sans,
        "not_before": not_before.isoformat(),
        "not_after": not_after.isoformat(),
        "days_until_expiry": days,
        "trusted": trusted,
        "verify_error": verify_error,
        "self_signed": cert.subject == cert.issuer,
        "valid": trusted and in_window,
        "protocol": version,
        "cipher": cipher,
        "serial_number": format(cert.serial_number, "x"),
    }
    outcome = CheckOutcome(output)
    _expiry(outcome, f"{host}:{port}", now, not_after, days)
    if not trusted:
        _untrusted(outcome, host, port, verify_error or "", cert, sans)
    if version in _OLD_PROTOCOLS:
        outcome.add(Severity.WARNING, "tls_protocol_outdated", f"{host}:{port} negotiated {version}.")
    if trusted and in_window and days > EXPIRY_WARNING_DAYS:
        outcome.add(
            Severity.INFO,
            "certificate_ok",
            f"The certificate of {host}:{port} is trusted and valid for {days} more days.",
        )
    return outcome
