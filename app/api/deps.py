"""FastAPI dependencies: the container, the authenticated caller and the rate limit."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Annotated, Any

import structlog
from fastapi import Depends, Request, Response, Security
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from app.container import Container
from app.errors import AuthenticationRequired, RateLimited
from app.observability.metrics import RATE_LIMITED
from app.security.api_keys import Caller
from app.security.rate_limit import RateLimitStatus
from app.settings import Settings
from app.storage.audit import AuditEvent

log = structlog.get_logger("app.auth")
WWW_AUTHENTICATE = 'Bearer realm="ops-agent-orchestrator", ApiKey header="X-API-Key"'

api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="API key (`label:secret` entry's secret)."
)
bearer_scheme = HTTPBearer(auto_error=False, description="The same API key as a Bearer token.")


# Dependencies are `async def` even when they never await: FastAPI runs plain `def` ones in its
# thread pool, a thread hop per request for a dictionary lookup.
async def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


async def get_settings(container: ContainerDep) -> Settings:
    return container.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def authenticate(
    request: Request,
    container: ContainerDep,
    api_key: Annotated[str | None, Security(api_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
) -> Caller:
    """Resolve the caller from X-API-Key or Authorization: Bearer; 401 when neither is valid.
    On the API's routes `GuardedRoute` has done it before the body was read. The two security
    parameters declare the schemes for OpenAPI; the key is read once, by `_presented_key`, the
    same way for every route."""
    known: Caller | None = getattr(request.state, "caller", None)
    if known is not None:
        return known
    return await _authenticate(request, container, _presented_key(request))


def _presented_key(request: Request) -> str | None:
    """The key as `api_key_header` and `bearer_scheme` read it, straight from the headers."""
    if key := request.headers.get("x-api-key"):
        return key
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() or None if scheme.lower() == "bearer" else None


async def _authenticate(request: Request, container: Container, presented: str | None) -> Caller:
    settings = container.settings
    client_ip: str = getattr(request.state, "client_ip", None) or (
        request.client.host if request.client else "unknown"
    )
    if not settings.auth_enabled:
        caller = Caller(key_label=None, admin=True, client_ip=client_ip)
        request.state.caller = caller
        return caller

    label = container.api_keys.authenticate(presented) if presented else None
    if label is None:
        reason = "missing" if not presented else "invalid"
        log.warning("authentication_failed", reason=reason, client=client_ip)
        failure = AuditEvent(
            "authentication_failed",
            None,
            client_ip,
            getattr(request.state, "request_id", None),
            reason,
            {"path": request.url.path},
        )
        # Failed attempts spend the client address's budget, so guessing keys is throttled;
        # the throttle comes first and the audit counts a flood instead of writing a row each.
        try:
            await container.rate_limiter.check(f"authfail:{client_ip}")
        except RateLimited:
            RATE_LIMITED.inc()
            await container.floods.record(replace(failure, outcome="throttled"))
            raise
        await container.floods.record(failure)
        raise AuthenticationRequired(
            "A valid API key is required: send it as X-API-Key or Authorization: Bearer."
            if reason == "missing"
            else "The API key is not valid.",
            headers={"WWW-Authenticate": WWW_AUTHENTICATE},
        )
    request.state.key_label = label
    structlog.contextvars.bind_contextvars(key_label=label)
    caller = Caller(key_label=label, admin=label in settings.admin_key_labels, client_ip=client_ip)
    request.state.caller = caller
    return caller


CallerDep = Annotated[Caller, Depends(authenticate)]


async def enforce_rate_limit(request: Request, container: ContainerDep, caller: CallerDep) -> RateLimitStatus:
    """Count the request against the caller's budget; the headers are added by middleware."""
    spent: RateLimitStatus | None = getattr(request.state, "rate_limit", None)
    if spent is not None:  # `GuardedRoute` spent it before the body was read
        return spent
    return await _spend(request, container, caller)


async def _spend(request: Request, container: Container, caller: Caller) -> RateLimitStatus:
    try:
        status = await container.rate_limiter.check(caller.rate_limit_identity)
    except RateLimited:
        RATE_LIMITED.inc()
        await container.floods.record(
            AuditEvent(
                "rate_limited",
                caller.key_label,
                caller.client_ip,
                getattr(request.state, "request_id", None),
                "rejected",
                {"path": request.url.path},
            )
        )
        raise
    request.state.rate_limit = status
    return status


class GuardedRoute(APIRoute):
    """A route of the API proper: the caller is authenticated and its rate-limit budget spent
    before FastAPI reads and parses the body, so a request without a valid key gets 401 (and a
    throttled one 429) without its body being read, malformed or not."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            await guard(request)
            return await handler(request)

        return guarded


async def guard(request: Request) -> Caller:
    """Authenticate the caller and spend its rate-limit budget, before anything reads the body
    (the API's routes and the MCP endpoint alike)."""
    container: Container = request.app.state.container
    caller = await _authenticate(request, container, _presented_key(request))
    await _spend(request, container, caller)
    return caller


RateLimitDep = Annotated[RateLimitStatus, Depends(enforce_rate_limit)]
