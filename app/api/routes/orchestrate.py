"""`POST /api/v1/orchestrate`: route a task to agents, run them, return what they found."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.api import API_PREFIX
from app.api.deps import CallerDep, ContainerDep
from app.api.schemas import (
    OrchestrateRequest,
    OrchestrateResponse,
    RoutingOut,
    error_responses,
)
from app.orchestration.orchestrator import TaskRequest

router = APIRouter(prefix=API_PREFIX, tags=["orchestration"])


@router.post("/orchestrate", response_model=OrchestrateResponse, responses=error_responses(403))
async def orchestrate(
    body: OrchestrateRequest, request: Request, container: ContainerDep, caller: CallerDep
) -> OrchestrateResponse:
    request_id = getattr(request.state, "request_id", None)
    run = await container.orchestrator.run(
        TaskRequest(
            task=body.task,
            context=body.context,
            agent_id=body.agent_id,
            agents=body.agents,
            timeout_seconds=body.timeout_seconds,
            dry_run=body.dry_run,
            request_id=request_id,
            key_label=caller.key_label,
            client_ip=caller.client_ip,
        )
    )
    return OrchestrateResponse(
        execution_id=run.execution_id,
        status=run.status,
        routing=RoutingOut(
            agents=run.routing.agents,
            strategy=run.routing.strategy,
            confidence=run.routing.confidence,
            reason=run.routing.reason,
            scores=run.routing.scores,
        ),
        results=run.results,
        summary=run.summary,
        duration_ms=run.duration_ms,
        request_id=request_id,
        warnings=run.warnings,
        dry_run=run.dry_run,
    )
