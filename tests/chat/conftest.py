"""Targets on 127.0.0.1 for the OpenAI-compatible endpoints' tests."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Iterator

import pytest

from tests.loopback_servers import make_certificates, server_context


@pytest.fixture(scope="module")
def tls_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A TLS server on 127.0.0.1 with a certificate made here; it completes handshakes only."""
    context = server_context(make_certificates(tmp_path_factory.mktemp("tls"), days_valid=40))
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop_event = threading.Event()

    def serve() -> None:
        while not stop_event.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            with contextlib.suppress(OSError, ssl.SSLError):
                connection.settimeout(5)
                with context.wrap_socket(connection, server_side=True) as tls:
                    tls.recv(1)
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop_event.set()
    thread.join(timeout=2)
    listener.close()
