"""Shared fixtures: isolated settings, the app with its lifespan run, and a loopback-only network."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from app.main import create_app
from app.settings import Settings
from tests.llm.standins import Script, bedrock_app, ollama_app, openai_app, serve

PLAIN_KEY = "plain-secret-key-1234"
HASHED_KEY = "hashed-secret-key-5678"

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_sendto = socket.socket.sendto


def _is_loopback(address: Any) -> bool:
    if isinstance(address, str | bytes):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if not _is_loopback(address):
        raise ConnectionRefusedError(f"tests may only connect to loopback, not {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if not _is_loopback(address):
        raise ConnectionRefusedError(f"tests may only connect to loopback, not {address!r}")
    return _real_connect_ex(self, address)


def _guarded_sendto(self: socket.socket, data: Any, *args: Any) -> int:
    address = args[-1]
    if not _is_loopback(address):
        raise ConnectionRefusedError(f"tests may only send to loopback, not {address!r}")
    return _real_sendto(self, data, *args)


@pytest.fixture(autouse=True, scope="session")
def _loopback_only() -> Iterator[None]:
    """Like pydantic-ai's conftest: no test reaches beyond 127.0.0.1 / ::1 (TCP connects, and
    UDP/ICMP datagrams such as DNS queries and pings)."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = _guarded_sendto  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = _real_sendto  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings in tests come from arguments only, never from the developer's shell or .env."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def hashed(secret: str) -> str:
    import hashlib

    return hashlib.sha256(secret.encode()).hexdigest()


def database_backend() -> str:
    """`TEST_DB=postgres` runs the whole suite on TEST_DATABASE_URL instead of SQLite files."""
    backend = os.environ.get("TEST_DB", "sqlite")
    if backend not in ("sqlite", "postgres"):
        raise pytest.UsageError("TEST_DB is sqlite or postgres")
    return backend


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL pass leaves out the modules marked `database_free` (an agent's parsing, the
    audit rules, the golden files' checks): the SQLite pass ran them, and on PostgreSQL they
    would run the same code again (about a minute of CI)."""
    if database_backend() != "postgres":
        return
    left_out = [item for item in items if item.get_closest_marker("database_free")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("database_free")]


def reset_postgres(url: str) -> None:
    """Drop and recreate the public schema, in a thread so it works inside a running loop."""
    import asyncio
    import threading

    import asyncpg

    async def reset() -> None:
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
        finally:
            await connection.close()

    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(reset())
        except BaseException as exc:  # reported in the calling thread
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def shared_database_url(folder: Path) -> str:
    """A database for a module-scoped service: a SQLite file in `folder`, or the emptied
    PostgreSQL test database when the suite runs on PostgreSQL."""
    if database_backend() == "postgres":
        url = _service_url("TEST_DATABASE_URL", "PostgreSQL")
        reset_postgres(url)
        return url
    return f"sqlite+aiosqlite:///{folder / 'service.db'}"


def loopback_service_settings(database_url: str, api_keys: list[str], **overrides: Any) -> Settings:
    """A module-scoped service's settings: loopback targets only (allow-list mode), the offline
    provider, no Redis (built before the per-test clean environment), no plugins."""
    values: dict[str, Any] = {
        "api_keys": api_keys,
        "database_url": database_url,
        "rate_limit": "10000/minute",
        "network_allow_targets": ["127.0.0.0/8", "localhost"],
        "network_default_policy": "deny",
        "log_level": "WARNING",
        "agent_plugins_enabled": False,
        "redis_url": None,
        "llm_provider": "offline",
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def test_database_url(tmp_path: Path) -> str:
    """The database of this test: a fresh SQLite file, or the emptied PostgreSQL test database."""
    if database_backend() == "postgres":
        url = _service_url("TEST_DATABASE_URL", "PostgreSQL")
        reset_postgres(url)
        return url
    return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def make_settings(test_database_url: str) -> Callable[..., Settings]:
    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "api_keys": [f"ops:{PLAIN_KEY}", f"bot:sha256={hashed(HASHED_KEY)}"],
            "database_url": test_database_url,
            "rate_limit": "1000/minute",
            "health_cache_seconds": 0,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return factory


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


async def open_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async for c in open_client(app):
        yield c


def _service_url(variable: str, what: str) -> str:
    url = os.environ.get(variable)
    if not url:
        reason = f"{variable} is not set; `bash .ci/run` tests against a real {what}"
        if os.environ.get("CI_REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return url


@pytest.fixture
def redis_url() -> str:
    return _service_url("TEST_REDIS_URL", "Redis")


@pytest.fixture
def database_url() -> str:
    return _service_url("TEST_DATABASE_URL", "PostgreSQL")


@pytest.fixture
def bedrock_script() -> Script:
    return Script()


@pytest.fixture
def bedrock_url(bedrock_script: Script) -> Iterator[str]:
    with serve(bedrock_app(bedrock_script)) as url:
        yield url


@pytest.fixture
def openai_script() -> Script:
    return Script()


@pytest.fixture
def openai_url(openai_script: Script) -> Iterator[str]:
    with serve(openai_app(openai_script)) as url:
        yield url + "/v1"


@pytest.fixture
def ollama_script() -> Script:
    return Script()


@pytest.fixture
def ollama_url(ollama_script: Script) -> Iterator[str]:
    with serve(ollama_app(ollama_script)) as url:
        yield url


@pytest.fixture
def listening_port() -> Iterator[int]:
    """A TCP port on 127.0.0.1 with a listening socket (connections wait in its backlog)."""
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(16)
        yield listening.getsockname()[1]


@pytest.fixture
def tcp_listener() -> Iterator[int]:
    """A port on 127.0.0.1 that accepts connections and says nothing (an HTTP check hangs)."""
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            held.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        for connection in held:
            connection.close()
        server.close()


@pytest.fixture
async def listener() -> AsyncIterator[int]:
    """A TCP port on 127.0.0.1 that accepts connections (and closes them at once)."""
    import asyncio

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
