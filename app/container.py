"""The object graph, built once in the lifespan and closed on shutdown."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import structlog
from redis.asyncio import ConnectionPool, Redis

from app.agents.network.agent import NetworkDiagnosticsAgent, NetworkLimits
from app.agents.registry import AgentRegistry
from app.llm.factory import build_manager
from app.llm.interpreter import LLMInterpreter
from app.llm.manager import LLMManager
from app.observability.health import HealthService
from app.orchestration.llm_router import AssistedRouter, LLMClassifierRouter
from app.orchestration.orchestrator import Orchestrator
from app.orchestration.router import KeywordRouter, TaskRouter
from app.security.api_keys import ApiKeyStore, parse_api_keys
from app.security.rate_limit import RateLimiter
from app.security.redaction import SecretRedactor
from app.security.target_policy import TargetPolicy
from app.settings import Settings
from app.storage import migrate
from app.storage.audit import AuditLog
from app.storage.db import Database
from app.storage.executions import ExecutionStore
from app.storage.maintenance import Maintenance
from app.storage.recorder import ExecutionRecorder
from app.storage.writer import GroupCommitWriter

log = structlog.get_logger("app.container")


@dataclass
class Container:
    settings: Settings
    api_keys: ApiKeyStore
    rate_limiter: RateLimiter
    database: Database
    redis: Redis | None
    health: HealthService
    registry: AgentRegistry
    orchestrator: Orchestrator
    llm: LLMManager
    writer: GroupCommitWriter
    executions: ExecutionStore
    audit: AuditLog
    maintenance: Maintenance
    instance_id: str

    @classmethod
    def build(cls, settings: Settings) -> Container:
        database = Database(settings.database_url)
        pool: ConnectionPool | None = None
        redis: Redis | None = None
        if settings.redis_url:
            pool = ConnectionPool.from_url(
                settings.redis_url,
                socket_timeout=settings.redis_timeout_seconds,
                socket_connect_timeout=settings.redis_timeout_seconds,
                health_check_interval=30,
            )
            redis = Redis(connection_pool=pool)
        rate_limiter = RateLimiter(
            settings.rate_limit,
            redis_pool=pool,
            redis_url=settings.redis_url,
            timeout_seconds=settings.redis_timeout_seconds,
            fail_mode=settings.rate_limit_fail_mode,
        )

        async def check_database() -> dict[str, Any]:
            await database.ping()
            return {"backend": database.dialect}

        async def check_redis() -> None:
            assert redis is not None  # noqa: S101 - only registered when Redis is configured
            await redis.ping()

        llm = build_manager(settings)
        instance_id = uuid.uuid4().hex
        writer = GroupCommitWriter(database.sessions)
        executions = ExecutionStore(database.sessions)
        recorder = ExecutionRecorder(
            writer,
            SecretRedactor(settings.secret_values),
            instance_id=instance_id,
            lease_seconds=settings.lease_seconds,
        )

        async def check_llm() -> dict[str, Any]:
            return await llm.health()

        critical = {"database"}
        if redis is not None and settings.rate_limit_fail_mode == "closed":
            critical.add("redis")
        health = HealthService(
            {
                "database": check_database,
                "redis": check_redis if redis is not None else None,
                "llm": check_llm,
            },
            critical=critical,
            timeout=settings.health_check_timeout_seconds,
            cache_seconds=settings.health_cache_seconds,
        )
        registry = build_registry(settings)
        router: TaskRouter = KeywordRouter(registry, settings.routing_min_confidence)
        if not llm.offline_only:
            router = AssistedRouter(router, LLMClassifierRouter(llm, registry), settings.llm_router_threshold)
        orchestrator = Orchestrator(
            registry,
            router,
            TargetPolicy(settings.network_allow_targets, settings.network_deny_targets),
            default_timeout=settings.agent_timeout_seconds,
            max_timeout=settings.agent_max_timeout_seconds,
            interpreter=LLMInterpreter(llm),
            recorder=recorder,
        )
        return cls(
            settings=settings,
            registry=registry,
            orchestrator=orchestrator,
            llm=llm,
            writer=writer,
            executions=executions,
            audit=AuditLog(writer, database.sessions),
            maintenance=Maintenance(
                executions,
                writer,
                instance_id=instance_id,
                lease_seconds=settings.lease_seconds,
                retention_days=settings.execution_retention_days,
            ),
            instance_id=instance_id,
            api_keys=ApiKeyStore(parse_api_keys(settings.api_keys)),
            rate_limiter=rate_limiter,
            database=database,
            redis=redis,
            health=health,
        )

    async def start(self) -> None:
        """Migrate (when configured), start the writer, interrupt runs orphaned by a crash, and
        start background upkeep. A database that is down does not stop start-up: readiness says so."""
        try:
            if self.settings.db_migrate_on_start:
                await migrate.upgrade(self.database.engine)
            self.writer.start()
            await self.maintenance.interrupt_orphans()
        except Exception as exc:
            log.error("storage_start_failed", error=type(exc).__name__, detail=str(exc)[:300])
            self.writer.start()
        self.maintenance.start()

    async def close(self) -> None:
        self.health.draining = True
        await self.maintenance.stop()
        await self.writer.close()
        await self.llm.close()
        if self.redis is not None:
            await self.redis.aclose(close_connection_pool=True)
        await self.database.close()


def build_registry(settings: Settings) -> AgentRegistry:
    """The built-in agents, then any installed through the `ops_orchestrator.agents` entry points."""
    registry = AgentRegistry()
    registry.register(
        NetworkDiagnosticsAgent(
            NetworkLimits(
                check_timeout=settings.network_check_timeout_seconds,
                max_ports=settings.network_max_ports,
                concurrency=settings.network_probe_concurrency,
                nameservers=tuple(settings.dns_nameservers),
                ca_file=settings.tls_ca_file,
            )
        )
    )
    if settings.agent_plugins_enabled:
        registry.load_entry_points()
    return registry
