"""HTTP(S) check over h11 on a checked address: status, latency, redirects each checked by policy."""

from __future__ import annotations

import asyncio
import errno
import ssl
import time
from typing import Any
from urllib.parse import urljoin, urlsplit

import h11

from app import __version__
from app.agents.base import Severity
from app.agents.checks.outcome import CheckOutcome
from app.errors import InvalidTarget, TargetNotAllowed
from app.observability.timing import ms_since
from app.security.target_policy import IPAddress, TargetPolicy

MAX_REDIRECTS = 5
SLOW_RESPONSE_MS = 2000.0
_MAX_HEADER_BYTES = 64 * 1024


async def fetch_status(
    ip: IPAddress,
    host: str,
    port: int,
    scheme: str,
    target: str,
    timeout: float,
    trust: ssl.SSLContext,
    *,
    body_limit: int | None = None,
) -> dict[str, Any]:
    """Send one GET and read the status line and headers; with `body_limit`, also the body
    (as `body`), refusing one longer than that many bytes."""
    started = time.perf_counter()
    reader, writer, verified, verify_error = await _connect(
        ip, host, port, trust if scheme == "https" else None, timeout
    )
    try:
        connection = h11.Connection(h11.CLIENT, max_incomplete_event_size=_MAX_HEADER_BYTES)
        request = _get_request(host, port, target)
        writer.write(connection.send(request) + (connection.send(h11.EndOfMessage()) or b""))
        await writer.drain()
        deadline = time.monotonic() + timeout
        event = await _read_response(connection, reader, deadline)
        headers = {k.decode().lower(): v.decode("latin-1") for k, v in event.headers}
        response: dict[str, Any] = {
            "status_code": event.status_code,
            "reason": event.reason.decode("latin-1"),
            "latency_ms": ms_since(started),
            "location": headers.get("location"),
            "server": headers.get("server"),
            "tls_verified": verified,
            "tls_error": verify_error,
        }
        if body_limit is None:
            return response
        response["body"] = await _read_body(connection, reader, body_limit, deadline)
        return response
    finally:
        writer.close()


async def _connect(
    ip: IPAddress, host: str, port: int, context: ssl.SSLContext | None, timeout: float
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bool | None, str | None]:
    """Open the connection, over TLS with `context` if given. A certificate that fails verification
    is a finding, not a failure: the connection is opened again without verifying, and the reader,
    writer, whether the certificate verified (None without TLS) and why not are returned."""
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(str(ip), port, ssl=context, server_hostname=host if context else None),
            timeout,
        )
    except ssl.SSLCertVerificationError as exc:
        verify_error = getattr(exc, "verify_message", None) or str(exc)
        insecure = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        insecure.check_hostname = False
        insecure.verify_mode = ssl.CERT_NONE
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(str(ip), port, ssl=insecure, server_hostname=host), timeout
        )
        return reader, writer, False, verify_error
    return reader, writer, (True if context is not None else None), None


def _get_request(host: str, port: int, target: str) -> h11.Request:
    """The GET of `target`, with a Host header that names the port only when it is not 80 or 443
    and brackets an IPv6 address."""
    host_header = host if port in (80, 443) else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        host_header = f"[{host}]" if port in (80, 443) else f"[{host}]:{port}"
    return h11.Request(
        method="GET",
        target=target,
        headers=[
            ("Host", host_header),
            ("User-Agent", f"ops-agent-orchestrator/{__version__}"),
            ("Accept", "*/*"),
            ("Connection", "close"),
        ],
    )


async def _read_response(
    connection: h11.Connection, reader: asyncio.StreamReader, deadline: float
) -> h11.Response:
    """The final response's status line and headers, passing over interim (1xx) responses."""
    while True:
        event = await _next_event(connection, reader, deadline)
        if isinstance(event, h11.Response):
            return event
        if isinstance(event, h11.ConnectionClosed):
            raise ConnectionError("the server closed the connection without answering")


class ResponseTooLarge(ValueError):
    pass


async def _next_event(connection: h11.Connection, reader: asyncio.StreamReader, deadline: float) -> Any:
    """The next h11 event, reading from the socket as needed until `deadline`."""
    while (event := connection.next_event()) is h11.NEED_DATA:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        connection.receive_data(await asyncio.wait_for(reader.read(65536), remaining))
    return event


async def _read_body(
    connection: h11.Connection, reader: asyncio.StreamReader, limit: int, deadline: float
) -> bytes:
    body = bytearray()
    while True:
        event = await _next_event(connection, reader, deadline)
        if isinstance(event, h11.Data):
            body += event.data
            if len(body) > limit:
                raise ResponseTooLarge(f"the response is larger than {limit} bytes")
        elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
            return bytes(body)


async def check_http(
    url: str,
    ip: IPAddress,
    policy: TargetPolicy,
    timeout: float,
    trust: ssl.SSLContext,
) -> CheckOutcome:
    """GET `url` (already resolved to `ip`); follow redirects only to targets the policy allows."""
    current, current_ip = url, ip
    redirects: list[dict[str, Any]] = []
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(current)
        scheme = parts.scheme.lower()
        host = parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            response = await fetch_status(current_ip, host, port, scheme, target, timeout, trust)
        except (OSError, TimeoutError, ssl.SSLError, h11.ProtocolError) as exc:
            return _failed(current, redirects, exc, timeout)
        location = response.pop("location")
        if response["status_code"] in (301, 302, 303, 307, 308) and location:
            next_url = urljoin(current, location)
            hop: dict[str, Any] = {"status_code": response["status_code"], "location": next_url}
            redirects.append(hop)
            refusal = await _check_redirect(next_url, policy)
            if isinstance(refusal, str):
                hop.update(followed=False, refused_reason=refusal)
                return _report(url, current, response, redirects)
            hop["followed"] = True
            current, current_ip = next_url, refusal
            continue
        return _report(url, current, response, redirects)
    return _report(url, current, response, redirects)


async def _check_redirect(url: str, policy: TargetPolicy) -> IPAddress | str:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return f"not an http(s) URL: {url[:200]}"
    try:
        resolved = await policy.resolve(parts.hostname)
    except (TargetNotAllowed, InvalidTarget) as exc:
        return exc.message
    if resolved.primary is None:
        return f"{parts.hostname} does not resolve: {resolved.resolution_error}"
    return resolved.primary


def _untrusted_because(error: str) -> str:
    text = error.lower()
    if "expired" in text:
        return ": it has expired"
    if "mismatch" in text:
        return ": it is issued for another name"
    if "self-signed" in text or "self signed" in text or "issuer" in text:
        return ": its issuer is not a trusted CA"
    if "not yet valid" in text:
        return ": it is not valid yet"
    return f" ({error})" if error else ""


# What a failed connect means, in words, by errno (asyncio's own text is "Connect call failed
# ('127.0.0.1', 8080)", which says nothing of why).
_CONNECT_ERRORS = {
    errno.ECONNREFUSED: "connection refused: the host is up but nothing listens on port {port}",
    errno.ECONNRESET: "the connection was reset by the server",
    errno.EHOSTUNREACH: "no route to the host (host unreachable)",
    errno.ENETUNREACH: "the network is unreachable",
}


def failure_reason(exc: BaseException, url: str, timeout: float) -> str:
    """Why a request to `url` got no answer, in words (a refused port, a timeout), not errno names."""
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g}s"
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    code = getattr(exc, "errno", None)
    if code is None and "Multiple exceptions" in text and "Connect call failed" in text:
        code = errno.ECONNREFUSED  # every address of the name refused the connection
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if code in _CONNECT_ERRORS:
        return _CONNECT_ERRORS[code].format(port=port)
    return text


def _failed(url: str, redirects: list[dict[str, Any]], exc: BaseException, timeout: float) -> CheckOutcome:
    reason = failure_reason(exc, url, timeout)
    outcome = CheckOutcome(
        {"url": url, "status_code": None, "latency_ms": None, "redirects": redirects, "error": reason}
    )
    outcome.add(Severity.CRITICAL, "http_request_failed", f"GET {url} failed: {reason}.")
    return outcome


def _report(
    url: str, final_url: str, response: dict[str, Any], redirects: list[dict[str, Any]]
) -> CheckOutcome:
    status = response["status_code"]
    output = {"url": url, "final_url": final_url, **response, "redirects": redirects, "error": None}
    outcome = CheckOutcome(output)
    shown = f"GET {url}" + (f" (after redirects, {final_url})" if final_url != url else "")
    if status >= 500:
        outcome.add(
            Severity.CRITICAL, "http_server_error", f"{shown} answered {status}: the server is failing."
        )
    elif status in (301, 302, 303, 307, 308):
        refused = next((r for r in redirects if r.get("followed") is False), None)
        detail = f" not followed: {refused['refused_reason']}" if refused else ""
        outcome.add(
            Severity.WARNING if refused else Severity.INFO,
            "http_redirect",
            f"{shown} redirects to {response.get('location') or redirects[-1]['location']}{detail}.",
        )
    elif status >= 400:
        outcome.add(Severity.WARNING, "http_client_error", f"{shown} answered {status} {response['reason']}.")
    else:
        outcome.add(
            Severity.INFO, "http_ok", f"{shown} answered {status} in {response['latency_ms']:.0f} ms."
        )
    if response["latency_ms"] > SLOW_RESPONSE_MS:
        outcome.add(Severity.WARNING, "http_slow", f"{shown} took {response['latency_ms']:.0f} ms to answer.")
    if response.get("tls_verified") is False:
        why = _untrusted_because(str(response.get("tls_error") or ""))
        outcome.add(
            Severity.CRITICAL,
            "certificate_untrusted",
            f"{shown}: the server's certificate is not trusted{why}.",
        )
    return outcome
