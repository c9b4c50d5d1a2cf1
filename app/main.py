"""Application factory: settings, logging, middleware, routers, and the lifespan-built container."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext

import structlog
from fastapi import Depends, FastAPI
from opentelemetry.sdk.trace import TracerProvider
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app import __version__
from app.api.deps import enforce_rate_limit
from app.api.errors import register_error_handlers
from app.api.routes import (
    agents,
    audit,
    executions,
    health,
    me,
    openai_compat,
    orchestrate,
    responses,
    usage,
    workflows,
)
from app.api.routes.metrics import mount_metrics
from app.api.schemas import error_responses
from app.console.routes import mount_console
from app.container import Container
from app.mcp.endpoint import mount_mcp, serving_mcp
from app.middleware.body_limit import BodyLimitMiddleware
from app.middleware.cors import EnvelopeCORSMiddleware
from app.middleware.error_boundary import ErrorBoundaryMiddleware
from app.middleware.request_context import RequestContextMiddleware
from app.middleware.root_path import RootPathMiddleware
from app.middleware.security_headers import SecurityHeadersMiddleware
from app.observability.health import drain_on_signals
from app.observability.logging import configure_logging
from app.observability.tracing import instrument, provider_from_environment
from app.settings import InvalidSettings, Settings, load_settings

log = structlog.get_logger("app.main")

API_DESCRIPTION = """Routes IT-operations tasks to diagnostic agents and reports what they find.

Authenticate with `X-API-Key: <secret>` or `Authorization: Bearer <secret>`. Every error body has
the shape `{"error": {"code", "message", "details", "request_id"}}`."""


def create_app(settings: Settings | None = None, tracer_provider: TracerProvider | None = None) -> FastAPI:
    """Build the ASGI app; the container (database, Redis, limiter, health) is built at start-up.
    Tracing is on when `tracer_provider` is given or the OTEL_* variables configure an exporter."""
    settings = settings or load_settings()
    configure_logging(settings.log_level, settings.log_format, settings.secret_values)
    app = FastAPI(
        title="Ops Agent Orchestrator",
        version=__version__,
        description=API_DESCRIPTION,
        lifespan=_lifespan(settings),
        docs_url="/docs" if settings.docs_enabled else None,
        redoc_url="/redoc" if settings.docs_enabled else None,
        openapi_url="/openapi.json" if settings.docs_enabled else None,
    )
    register_error_handlers(app)
    _include_routes(app, settings)
    _add_middleware(app, settings)
    provider = tracer_provider or provider_from_environment()
    if provider is not None:
        instrument(app, provider)
    return app


def _lifespan(settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container = Container.build(settings)
        app.state.container = container
        await container.start()
        _log_startup(settings, container)
        # Everything loaded so far (libraries, the routing model, the container) lives as long as
        # the process: out of the collector's sight, a full collection no longer walks it (one
        # took tens of milliseconds in the middle of a request). No collection first: it would
        # cost every start that much again (a test run starts hundreds of apps).
        gc.freeze()
        restore_signals = drain_on_signals(container.health)
        try:
            async with serving_mcp(app, settings) if settings.mcp_enabled else nullcontext():
                yield
        finally:
            log.info("shutdown_started")
            gc.unfreeze()  # what this app loaded may go with it (tests build many apps in one process)
            restore_signals()
            await container.close()
            log.info("shutdown_complete")

    return lifespan


def _include_routes(app: FastAPI, settings: Settings) -> None:
    """Health and metrics are never limited; every other router needs a key and spends its budget."""
    app.include_router(health.router)
    mount_metrics(app, settings)
    if settings.console_enabled:
        mount_console(app)
    if settings.mcp_enabled:
        mount_mcp(app)
    for router in (
        me.router,
        agents.router,
        orchestrate.router,
        executions.router,
        workflows.router,
        audit.router,
        usage.router,
        openai_compat.router,
        responses.router,
    ):
        app.include_router(
            router,
            dependencies=[Depends(enforce_rate_limit)],
            responses=error_responses(400, 401, 413, 422, 429, 500, 503),
        )


# What browsers may send and read across origins (MCP's routing headers for browser-based MCP
# clients: docs/MCP.md).
_CORS_REQUEST_HEADERS = [
    "Authorization", "X-API-Key", "X-Request-ID", "Content-Type", "Last-Event-ID",
    "Mcp-Protocol-Version", "Mcp-Method", "Mcp-Name", "Mcp-Session-Id",
]  # fmt: skip
_CORS_RESPONSE_HEADERS = [
    "X-Request-ID", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After",
]  # fmt: skip


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    """Added innermost first: the request context wraps everything, the error boundary sits
    closest to the app so even a 500 carries the request id and security headers."""
    app.add_middleware(ErrorBoundaryMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_request_bytes)
    if settings.cors_origins:
        app.add_middleware(
            EnvelopeCORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=_CORS_REQUEST_HEADERS,
            expose_headers=_CORS_RESPONSE_HEADERS,
            max_age=600,
        )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestContextMiddleware)
    if settings.trusted_proxies:
        # X-Forwarded-For and -Proto believed from these peers only: the nearest untrusted hop is the client.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    if settings.root_path:
        app.add_middleware(RootPathMiddleware, root_path=settings.root_path)


def _log_startup(settings: Settings, container: Container) -> None:
    if not settings.auth_enabled:
        log.warning(
            "AUTHENTICATION IS DISABLED",
            detail="AUTH_ENABLED=false: every endpoint is open to anyone who can reach it. "
            "Use this only on a trusted development machine.",
        )
    elif len(container.api_keys) == 0:
        log.warning(
            "no_api_keys_configured",
            detail="Protected endpoints answer 401 until API_KEYS is set, e.g. "
            "API_KEYS=ops:<secret> or API_KEYS=ops:sha256=<hex of sha256(secret)>.",
        )
    log.info(
        "service_started",
        version=__version__,
        database=container.database.safe_url,
        redis=container.redis is not None,
        rate_limit=settings.rate_limit,
        rate_limit_shared=container.rate_limiter.shared,
        llm_provider=settings.llm_provider,
        key_labels=container.api_keys.labels,
    )


def __getattr__(name: str) -> FastAPI:
    """`uvicorn app.main:app` builds the app from the environment on first access, not at import,
    so tests and tools can import `create_app` without reading the environment."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        application = create_app()
    except InvalidSettings as exc:
        raise SystemExit(f"ops-agent-orchestrator: {exc}") from None
    globals()["app"] = application
    return application
