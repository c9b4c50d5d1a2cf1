"""`orchestrator mcp`: the MCP endpoint over stdio, for desktop assistants that start a command
instead of sending HTTP headers. Messages pass unchanged between the assistant (stdin/stdout)
and the service's `/mcp`, which the proxy calls with the key from its own configuration, so the
key sits in the assistant's config (or the environment), never in a URL.

On the 2026-07-28 protocol each request carries its routing headers (`MCP-Protocol-Version`,
`Mcp-Method`, `Mcp-Name`), set here as the SDK's own client sets them, and an assistant's
`notifications/cancelled` closes that request's HTTP stream, which cancels the run on the
service. Handshake-era assistants cannot cancel this way (the stateless service cannot tie their
separate cancel notification to the call). Diagnostics go to stderr: stdout carries only
protocol messages."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import anyio
import mcp_types as types
from mcp.client.streamable_http import streamable_http_client
from mcp.server.stdio import stdio_server
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.inbound import (
    MCP_METHOD_HEADER,
    MCP_NAME_HEADER,
    MCP_PROTOCOL_VERSION_HEADER,
    NAME_BEARING_METHODS,
    encode_header_value,
)
from mcp.shared.message import ClientMessageMetadata, SessionMessage
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from app.mcp import MCP_PATH


async def proxy(url: str, key: str | None) -> None:
    """Serve stdio until the assistant closes stdin."""
    http = create_mcp_http_client(headers={"X-API-Key": key} if key else None)
    async with (
        http,
        stdio_server() as (from_assistant, to_assistant),
        streamable_http_client(url.rstrip("/") + MCP_PATH, http_client=http) as (from_service, to_service),
        anyio.create_task_group() as group,
    ):

        async def upstream() -> None:
            async for item in from_assistant:
                if isinstance(item, Exception):
                    _say(f"unreadable message from the assistant: {item}")
                    continue
                await to_service.send(SessionMessage(item.message, metadata=_metadata(item.message)))
            group.cancel_scope.cancel()  # the assistant is gone

        async def downstream() -> None:
            async for item in from_service:
                if isinstance(item, Exception):
                    _say(str(item))
                    continue
                await to_assistant.send(item)

        group.start_soon(upstream)
        group.start_soon(downstream)


def _metadata(message: types.JSONRPCMessage) -> ClientMessageMetadata | None:
    """The per-message headers a 2026-07-28 request needs; None for the handshake era."""
    if not isinstance(message, types.JSONRPCRequest | types.JSONRPCNotification):
        return None
    params: Mapping[str, Any] = message.params or {}
    meta = params.get("_meta")
    version = meta.get(types.PROTOCOL_VERSION_META_KEY) if isinstance(meta, Mapping) else None
    if version not in MODERN_PROTOCOL_VERSIONS:
        return None
    headers = {MCP_PROTOCOL_VERSION_HEADER: str(version), MCP_METHOD_HEADER: message.method}
    name_key = NAME_BEARING_METHODS.get(message.method)
    if name_key is not None and isinstance(name := params.get(name_key), str):
        headers[MCP_NAME_HEADER] = encode_header_value(name)
    return ClientMessageMetadata(headers=headers)


def _say(text: str) -> None:
    sys.stderr.write(f"orchestrator mcp: {text}\n")
    sys.stderr.flush()
