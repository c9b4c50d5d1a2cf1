"""The `/mcp` route in the app, without an MCP client: the switch, the rate limit and methods."""

from __future__ import annotations

from collections.abc import Callable

from app.main import create_app
from app.settings import Settings
from tests.conftest import PLAIN_KEY, open_client

HEADERS = {
    "X-API-Key": PLAIN_KEY,
    "Content-Type": "application/json",
    "Accept": "application/json, text/event-stream",
}


async def test_mcp_enabled_false_removes_the_endpoint(make_settings: Callable[..., Settings]) -> None:
    async for client in open_client(create_app(make_settings(mcp_enabled=False))):
        response = await client.post("/mcp", content=b"{}", headers=HEADERS)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


async def test_mcp_spends_the_key_s_rate_limit_budget(make_settings: Callable[..., Settings]) -> None:
    async for client in open_client(create_app(make_settings(rate_limit="2/minute"))):
        statuses = [
            (await client.post("/mcp", content=b"{not json", headers=HEADERS)).status_code for _ in range(3)
        ]
        assert statuses[:2] != [429, 429] and 401 not in statuses
        assert statuses[2] == 429
        limited = await client.post("/mcp", content=b"{not json", headers=HEADERS)
        assert limited.json()["error"]["code"] == "rate_limited" and "Retry-After" in limited.headers


async def test_other_methods_are_405_with_the_allowed_ones(make_settings: Callable[..., Settings]) -> None:
    async for client in open_client(create_app(make_settings())):
        response = await client.put("/mcp", content=b"{}", headers=HEADERS)
        assert response.status_code == 405 and response.json()["error"]["code"] == "method_not_allowed"
        assert {"GET", "POST", "DELETE"} <= set(response.headers["Allow"].split(", "))
