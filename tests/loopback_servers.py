"""Servers the tests start on 127.0.0.1: TCP, HTTP, TLS (certificates made here) and DNS."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class Certificates:
    ca_file: Path
    cert_file: Path
    key_file: Path
    not_after: dt.datetime


def make_certificates(
    directory: Path, days_valid: int, names: tuple[str, ...] = ("localhost",), ip_san: bool = True
) -> Certificates:
    """A test CA and a server certificate for `names` (and 127.0.0.1 unless `ip_san` is off),
    valid `days_valid` days."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Ops CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                          content_commitment=False, key_encipherment=False, data_encipherment=False,
                          key_agreement=False, encipher_only=False, decipher_only=False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    not_after = now + dt.timedelta(days=days_valid, hours=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(not_after)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(n) for n in names]
                + ([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))] if ip_san else [])
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    ca_file, cert_file, key_file = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    ca_file.write_bytes(ca_cert.public_bytes(pem))
    cert_file.write_bytes(cert.public_bytes(pem))
    key_file.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return Certificates(ca_file, cert_file, key_file, not_after)


def server_context(certs: Certificates) -> ssl.SSLContext:
    """The server side of TLS with `certs`: what every loopback TLS server here listens with."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certs.cert_file, certs.key_file)
    return context


def http_routes(path: str) -> tuple[int, str, dict[str, str]]:
    if path == "/fail":
        return 503, "Service Unavailable", {}
    if path == "/missing":
        return 404, "Not Found", {}
    if path == "/to-metadata":
        return 302, "Found", {"Location": "http://169.254.169.254/latest/meta-data/"}
    if path == "/to-home":
        return 301, "Moved Permanently", {"Location": "/"}
    return 200, "OK", {}


async def start_http(ssl_context: ssl.SSLContext | None = None,
                     routes: Callable[[str], tuple[int, str, dict[str, str]]] = http_routes) -> asyncio.Server:  # fmt: skip
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            writer.close()
            return
        path = head.split(b" ")[1].decode()
        status, reason, headers = routes(path)
        body = f"{status} {reason}\n".encode()
        lines = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}", "Server: loopback-test",
                 "Connection: close"] + [f"{k}: {v}" for k, v in headers.items()]  # fmt: skip
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        try:
            await writer.drain()
        finally:
            writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0, ssl=ssl_context)


class _DNSProtocol(asyncio.DatagramProtocol):
    def __init__(self, zone: dict[tuple[str, str], list[str]]) -> None:
        self.zone = zone
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        question = query.question[0]
        name = question.name.to_text().rstrip(".").lower()
        rtype = dns.rdatatype.to_text(question.rdtype)
        known = {n for n, _ in self.zone}
        if name not in known:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif (name, rtype) in self.zone:
            response.answer.append(
                dns.rrset.from_text_list(question.name, 60, "IN", rtype, self.zone[(name, rtype)])
            )
        assert self.transport is not None
        self.transport.sendto(response.to_wire(), addr)


async def start_dns(zone: dict[tuple[str, str], list[str]]) -> tuple[asyncio.DatagramTransport, int]:
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: _DNSProtocol(zone), local_addr=("127.0.0.1", 0)
    )
    return transport, transport.get_extra_info("sockname")[1]  # type: ignore[return-value]


def server_port(server: asyncio.Server) -> int:
    port: int = server.sockets[0].getsockname()[1]
    return port
