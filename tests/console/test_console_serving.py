"""How the console is served, without a browser: one page under a strict policy, its own assets
and nothing else, the path prefix (ROOT_PATH) filled in whether a proxy strips it or not, and a
setting that turns it off."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from app.main import create_app
from app.settings import Settings
from tests.conftest import PLAIN_KEY

STATIC = Path(__file__).resolve().parents[2] / "app" / "console" / "static"


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with LifespanManager(create_app(settings)) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def get(settings: Settings, *paths: str, **headers: str) -> list[httpx.Response]:
    async with serving(settings) as client:
        return [await client.get(path, headers=headers) for path in paths]


async def test_the_page_has_a_policy_that_allows_only_its_own_scripts(
    make_settings: Callable[..., Settings],
) -> None:
    [page] = await get(make_settings(), "/console")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "http" not in policy
    assert "frame-ancestors 'none'" in policy and page.headers["x-frame-options"] == "DENY"
    # No inline script, no inline style, nothing from another origin.
    html = page.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", html) and "style=" not in html and "<style" not in html
    assert not re.search(r"(?:src|href)=\"(?:https?:)?//", html)
    for element_id in ("api-key", "task", "submit", "result", "history"):  # the contract's ids
        assert f'id="{element_id}"' in html


async def test_the_page_needs_no_key_and_carries_no_data(make_settings: Callable[..., Settings]) -> None:
    [page, me] = await get(make_settings(), "/console", "/api/v1/me")
    assert page.status_code == 200 and me.status_code == 401
    # The same bytes for everyone: no key, label or run in it.
    assert PLAIN_KEY not in page.text and page.headers["cache-control"] == "no-store"


async def test_every_asset_is_served_with_its_type_and_nothing_else_is(
    make_settings: Callable[..., Settings],
) -> None:
    assets = sorted(p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*") if p.is_file())
    assert "js/main.js" in assets and "console.css" in assets
    responses = await get(make_settings(), *(f"/console/static/{name}" for name in assets))
    for name, response in zip(assets, responses, strict=True):
        assert response.status_code == 200, name
        expected = {"js": "text/javascript", "css": "text/css", "svg": "image/svg+xml"}[
            name.rsplit(".", 1)[1]
        ]
        assert response.headers["content-type"].startswith(expected), name
        assert response.headers["cache-control"] == "no-cache" and "etag" in response.headers
    refused = await get(
        make_settings(),
        "/console/static/../routes.py",
        "/console/static/%2e%2e/routes.py",
        "/console/static/",
        "/console/static/nothing.js",
    )
    for response in refused:
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


async def test_an_unchanged_asset_is_not_sent_again(make_settings: Callable[..., Settings]) -> None:
    [first] = await get(make_settings(), "/console/static/js/main.js")
    [again] = await get(
        make_settings(), "/console/static/js/main.js", **{"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""


@pytest.mark.parametrize(
    "path", ["/ops/console", "/console"]
)  # a proxy that keeps the prefix, one that strips it
async def test_behind_a_prefix_the_page_links_its_assets_under_it(
    make_settings: Callable[..., Settings], path: str
) -> None:
    settings = make_settings(root_path="/ops")
    [page] = await get(settings, path)
    assert page.status_code == 200
    assert 'data-root="/ops"' in page.text
    links = re.findall(r'(?:src|href)="([^"#]+)"', page.text)
    assert links and all(link.startswith("/ops/console/static/") for link in links)
    responses = await get(settings, *links, *(link.removeprefix("/ops") for link in links))
    assert [r.status_code for r in responses] == [200] * len(responses)


async def test_behind_a_prefix_the_api_docs_and_errors_still_work(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(root_path="/ops")
    docs, health, stripped = await get(settings, "/ops/docs", "/ops/api/v1/health", "/api/v1/health")
    assert "unsafe-inline" in docs.headers["content-security-policy"]  # the docs page's own policy
    assert "/ops/openapi.json" in docs.text
    assert health.status_code == 200 and stripped.status_code == 200
    async with serving(settings) as client:
        wrong = await client.delete("/ops/api/v1/agents", headers={"X-API-Key": PLAIN_KEY})
        assert wrong.status_code == 405 and wrong.headers["allow"] == "GET"


async def test_the_trailing_slash_redirects_to_the_page(make_settings: Callable[..., Settings]) -> None:
    async with serving(make_settings(root_path="/ops")) as client:
        response = await client.get("/ops/console/")
        assert response.status_code == 308 and response.headers["location"] == "/ops/console"


async def test_the_console_can_be_turned_off(make_settings: Callable[..., Settings]) -> None:
    page, asset = await get(make_settings(console_enabled=False), "/console", "/console/static/js/main.js")
    assert page.status_code == 404 and asset.status_code == 404


def test_a_root_path_must_be_a_path() -> None:
    with pytest.raises(ValueError, match="root_path"):
        Settings(_env_file=None, root_path="ops/")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="root_path"):
        Settings(_env_file=None, root_path='/a"><script>')  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("path", "root", "expected"),
    [
        ("/ops/docs", "/ops", "/docs"),
        ("/ops", "/ops", "/"),
        ("/opsx/docs", "/ops", "/opsx/docs"),
        ("/docs", "", "/docs"),
    ],
)
def test_the_route_path_strips_the_prefix_only_at_a_segment_boundary(
    path: str, root: str, expected: str
) -> None:
    from app.middleware.root_path import route_path

    assert route_path({"path": path, "root_path": root}) == expected
