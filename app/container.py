"""The object graph, built once in the lifespan and closed on shutdown."""

from __future__ import annotations

import asyncio
import uuid
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

import structlog
from redis.asyncio import ConnectionPool, Redis

from app.agents.checks.tls import trust_context
from app.agents.infrastructure.agent import InfrastructureAgent
from app.agents.logs.agent import LogAnalysisAgent, LogLimits
from app.agents.network.agent import NetworkDiagnosticsAgent, NetworkLimits
from app.agents.registry import AgentRegistry
from app.agents.system.agent import SystemMonitoringAgent
from app.agents.system.report import Thresholds
from app.bus.base import MessageBus
from app.bus.memory import MemoryBus
from app.bus.redis import RedisBus
from app.llm.factory import build_manager
from app.llm.manager import LLMManager
from app.observability.health import HealthService
from app.observability.metrics import POOLS
from app.orchestration.interpreter import LLMInterpreter
from app.orchestration.llm_router import AssistedRouter, LLMClassifierRouter
from app.orchestration.orchestrator import Orchestrator
from app.orchestration.recorder import ExecutionRecorder
from app.orchestration.router import SemanticRouter, TaskRouter
from app.orchestration.semantic import default_encoder
from app.orchestration.workflows.executor import WorkflowExecutor
from app.orchestration.workflows.loader import shipped_definitions
from app.security.api_keys import ApiKeyStore, parse_api_keys
from app.security.rate_limit import RateLimiter
from app.security.redaction import SecretRedactor
from app.security.target_policy import TargetPolicy
from app.settings import Settings
from app.storage import migrate
from app.storage.audit import AuditLog, RepeatedEvents
from app.storage.db import Database
from app.storage.events import EventLog
from app.storage.executions import ExecutionStore
from app.storage.maintenance import Maintenance
from app.storage.responses import ResponseStore
from app.storage.writer import GroupCommitWriter

log = structlog.get_logger("app.container")


@dataclass
class Container:
    settings: Settings
    api_keys: ApiKeyStore
    rate_limiter: RateLimiter
    database: Database
    redis: Redis | None
    bus: MessageBus
    health: HealthService
    registry: AgentRegistry
    orchestrator: Orchestrator
    workflows: WorkflowExecutor
    llm: LLMManager
    writer: GroupCommitWriter
    executions: ExecutionStore
    responses: ResponseStore
    redactor: SecretRedactor
    events: EventLog
    audit: AuditLog
    floods: RepeatedEvents  # failed keys and throttled callers: one audit row per window
    maintenance: Maintenance
    instance_id: str
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    def build(cls, settings: Settings) -> Container:
        database = Database(settings.database_url)
        pool, redis = _redis(settings)
        bus = _bus(settings, redis)
        redactor = SecretRedactor(settings.secret_values)
        llm = build_manager(settings, redactor)
        instance_id = uuid.uuid4().hex
        writer = GroupCommitWriter(database)
        executions = ExecutionStore(database.sessions)
        responses = ResponseStore(writer, database.sessions)
        events = EventLog(writer, database.sessions, bus, redactor)
        registry = build_registry(settings)
        policy = _target_policy(settings)
        orchestrator = Orchestrator(
            registry,
            _task_router(settings, registry, llm, policy),
            policy,
            default_timeout=settings.agent_timeout_seconds,
            max_timeout=settings.agent_max_timeout_seconds,
            interpreter=LLMInterpreter(llm),
            recorder=ExecutionRecorder(
                writer, redactor, events, instance_id=instance_id, lease_seconds=settings.lease_seconds
            ),
        )
        workflows = _workflow_executor(settings, orchestrator, writer, events, redactor, instance_id)
        maintenance = Maintenance(
            executions,
            writer,
            instance_id=instance_id,
            lease_seconds=settings.lease_seconds,
            retention_days=settings.execution_retention_days,
            events=events,
            resumer=workflows if settings.workflow_resume else None,
            live=lambda: [*workflows.running, *orchestrator.running],
            responses=responses,
        )
        audit = AuditLog(writer, database.sessions)
        return cls(
            settings=settings,
            api_keys=ApiKeyStore(parse_api_keys(settings.api_keys)),
            rate_limiter=_rate_limiter(settings, pool),
            database=database,
            redis=redis,
            bus=bus,
            health=_health(settings, database, redis, llm),
            registry=registry,
            orchestrator=orchestrator,
            workflows=workflows,
            llm=llm,
            writer=writer,
            executions=executions,
            responses=responses,
            redactor=redactor,
            events=events,
            audit=audit,
            floods=RepeatedEvents(audit),
            maintenance=maintenance,
            instance_id=instance_id,
        )

    def _watch_pool(self) -> None:
        pool = self.database.engine.sync_engine.pool
        size, checked_out = getattr(pool, "size", None), getattr(pool, "checkedout", None)
        if callable(size) and callable(checked_out):
            POOLS.sources["main"] = lambda: (int(size()), int(checked_out()))

    async def start(self) -> None:
        """Migrate (when configured), start the writer, recover runs orphaned by a crash, and
        start background work. A database that is down does not stop start-up: readiness says so."""
        try:
            if self.settings.db_migrate_on_start:
                await migrate.upgrade(self.database.engine)
            self.writer.start()
            await self.maintenance.interrupt_orphans()
        except Exception as exc:
            log.error("storage_start_failed", error=type(exc).__name__, detail=str(exc)[:300])
            self.writer.start()
        self.maintenance.start()
        self._watch_pool()
        self._tasks.append(asyncio.create_task(self._cancel_listener(), name="cancel-listener"))
        self._tasks.append(asyncio.create_task(self._flush_floods(), name="audit-floods"))

    async def _flush_floods(self) -> None:
        while True:
            await asyncio.sleep(min(5.0, self.floods.window))
            await self.floods.flush()

    async def _cancel_listener(self) -> None:
        while True:
            try:
                await self.workflows.listen_for_cancels(self.bus)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the bus dropped: cancels still arrive through upkeep
                log.warning("cancel_listener_failed", error=type(exc).__name__)
                await asyncio.sleep(1.0)

    async def close(self) -> None:
        self.health.draining = True
        for task in self._tasks:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        await self.maintenance.stop()  # claims nothing more
        try:  # running workflows go to another replica, from their last completed step
            await self.workflows.hand_over()
        except Exception as exc:  # their leases lapse instead, and the sweep does the same
            log.warning("workflow_hand_over_failed", error=type(exc).__name__)
        await self.floods.flush(everything=True)
        if isinstance(self.orchestrator.recorder, ExecutionRecorder):
            self.orchestrator.recorder.release_held()  # runs still going get their running row
        await self.writer.close()
        await self.llm.close()
        await self.bus.close()
        if self.redis is not None:
            await self.redis.aclose(close_connection_pool=True)
        await self.database.close()


def _redis(settings: Settings) -> tuple[ConnectionPool | None, Redis | None]:
    if not settings.redis_url:
        return None, None
    pool = ConnectionPool.from_url(
        settings.redis_url,
        socket_timeout=settings.redis_timeout_seconds,
        socket_connect_timeout=settings.redis_timeout_seconds,
        health_check_interval=30,
    )
    return pool, Redis(connection_pool=pool)


def _task_router(
    settings: Settings, registry: AgentRegistry, llm: LLMManager, policy: TargetPolicy
) -> TaskRouter:
    """The semantic router, warmed up; with a model configured, assisted by its classification."""
    semantic = build_router(settings, registry)
    semantic.warm_up()
    if llm.offline_only:
        return semantic
    classifier = LLMClassifierRouter(llm, registry, policy)
    return AssistedRouter(semantic, classifier, settings.llm_router_threshold)


def _workflow_executor(
    settings: Settings,
    orchestrator: Orchestrator,
    writer: GroupCommitWriter,
    events: EventLog,
    redactor: SecretRedactor,
    instance_id: str,
) -> WorkflowExecutor:
    """The executor, with the shipped workflows whose agents are registered."""
    workflows = WorkflowExecutor(
        orchestrator,
        writer,
        events,
        redactor,
        instance_id=instance_id,
        lease_seconds=settings.lease_seconds,
        max_steps=settings.workflow_max_steps,
        max_running_per_key=settings.max_running_workflows_per_key,
    )
    registered = {a.card.id for a in orchestrator.registry.list()}
    workflows.definitions = shipped_definitions(registered, settings.workflow_max_steps)
    return workflows


def _bus(settings: Settings, redis: Redis | None) -> MessageBus:
    """Redis pub/sub when Redis is configured (several replicas share events), else in-process."""
    if redis is None:
        return MemoryBus()
    return RedisBus(redis, publish_timeout=max(settings.redis_timeout_seconds, 1.0))


def _target_policy(settings: Settings) -> TargetPolicy:
    return TargetPolicy(
        settings.network_allow_targets,
        settings.network_deny_targets,
        default=settings.network_default_policy,
    )


def _rate_limiter(settings: Settings, pool: ConnectionPool | None) -> RateLimiter:
    return RateLimiter(
        settings.rate_limit,
        redis_pool=pool,
        redis_url=settings.redis_url,
        timeout_seconds=settings.redis_timeout_seconds,
        fail_mode=settings.rate_limit_fail_mode,
    )


def _health(settings: Settings, database: Database, redis: Redis | None, llm: LLMManager) -> HealthService:
    async def check_database() -> dict[str, Any]:
        await database.ping()
        return {"backend": database.dialect}

    async def check_redis() -> None:
        assert redis is not None  # noqa: S101 - only registered when Redis is configured
        await redis.ping()

    async def check_llm() -> dict[str, Any]:
        return await llm.health()

    critical = {"database"}
    if redis is not None and settings.rate_limit_fail_mode == "closed":
        critical.add("redis")
    return HealthService(
        {"database": check_database, "redis": check_redis if redis is not None else None, "llm": check_llm},
        critical=critical,
        timeout=settings.health_check_timeout_seconds,
        cache_seconds=settings.health_cache_seconds,
    )


def build_router(settings: Settings, registry: AgentRegistry) -> SemanticRouter:
    return SemanticRouter(registry, default_encoder(), min_confidence=settings.routing_min_confidence)


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
    registry.register(
        SystemMonitoringAgent(
            Thresholds(
                cpu=(settings.cpu_warning_percent, settings.cpu_critical_percent),
                memory=(settings.memory_warning_percent, settings.memory_critical_percent),
                disk=(settings.disk_warning_percent, settings.disk_critical_percent),
            ),
            scrape_timeout=settings.network_check_timeout_seconds,
            trust=trust_context(settings.tls_ca_file),
        )
    )
    registry.register(
        LogAnalysisAgent(LogLimits(roots=tuple(settings.log_roots), max_bytes=settings.log_max_bytes))
    )
    registry.register(InfrastructureAgent(settings.network_check_timeout_seconds, settings.tls_ca_file))
    if settings.agent_plugins_enabled:
        registry.load_entry_points()
    return registry
