"""TLS certificate check: subject, issuer, SANs, expiry, trust and protocol, against a checked address."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from typing import Any

from cryptography import x509

from app.agents.base import Severity
from app.agents.network.checks.outcome import CheckOutcome
from app.security.target_policy import IPAddress

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
            return _failed(host, port, inner, timeout)
    except (OSError, TimeoutError, ssl.SSLError) as exc:
        return _failed(host, port, exc, timeout)
    return _describe(host, port, der, version, cipher, verify_error)


def _failed(host: str, port: int, exc: BaseException, timeout: float) -> CheckOutcome:
    reason = (
        f"no handshake within {timeout:g}s"
        if isinstance(exc, TimeoutError)
        else (getattr(exc, "strerror", None) or str(exc) or type(exc).__name__)
    )
    outcome = CheckOutcome({"port": port, "valid": False, "error": reason})
    outcome.add(Severity.CRITICAL, "tls_handshake_failed", f"TLS to {host}:{port} failed: {reason}.")
    return outcome


def _describe(
    host: str, port: int, der: bytes, version: str | None, cipher: str | None, verify_error: str | None
) -> CheckOutcome:
    cert = x509.load_der_x509_certificate(der)
    now = dt.datetime.now(dt.UTC)
    not_after = cert.not_valid_after_utc
    not_before = cert.not_valid_before_utc
    days = int((not_after - now).total_seconds() // 86400)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        sans = [str(n) for n in san.get_values_for_type(x509.DNSName)] + [
            str(ip) for ip in san.get_values_for_type(x509.IPAddress)
        ]
    except x509.ExtensionNotFound:
        sans = []
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
    if now > not_after:
        outcome.add(
            Severity.CRITICAL,
            "certificate_expired",
            f"The certificate of {host}:{port} expired {-days} day(s) ago ({not_after:%Y-%m-%d}).",
        )
    elif days <= EXPIRY_CRITICAL_DAYS:
        outcome.add(
            Severity.CRITICAL,
            "certificate_expiring",
            f"The certificate of {host}:{port} expires in {days} day(s), on {not_after:%Y-%m-%d}.",
        )
    elif days <= EXPIRY_WARNING_DAYS:
        outcome.add(
            Severity.WARNING,
            "certificate_expiring",
            f"The certificate of {host}:{port} expires in {days} days, on {not_after:%Y-%m-%d}.",
        )
    if not trusted:
        outcome.add(
            Severity.CRITICAL,
            "certificate_untrusted",
            f"The certificate of {host}:{port} is not trusted: {verify_error}.",
        )
    if version in _OLD_PROTOCOLS:
        outcome.add(Severity.WARNING, "tls_protocol_outdated", f"{host}:{port} negotiated {version}.")
    if trusted and in_window and days > EXPIRY_WARNING_DAYS:
        outcome.add(
            Severity.INFO,
            "certificate_ok",
            f"The certificate of {host}:{port} is trusted and valid for {days} more days.",
        )
    return outcome
