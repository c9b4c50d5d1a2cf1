"""`GET /api/v1/agents` and `GET /api/v1/agents/{agent_id}`: what each agent does and takes."""

from __future__ import annotations

from fastapi import APIRouter

from app.agents.base import Agent
from app.agents.registry import AgentNotFound
from app.api import API_PREFIX
from app.api.deps import ContainerDep, GuardedRoute
from app.api.schemas import AgentInfo, AgentList, error_responses
from app.errors import NotFound

# The router learns from every example; a caller reading the list wants the first few.
SHOWN_EXAMPLES = 10

router = APIRouter(prefix=f"{API_PREFIX}/agents", tags=["agents"], route_class=GuardedRoute)


def agent_info(agent: Agent) -> AgentInfo:
    card = agent.card
    return AgentInfo(
        id=card.id,
        name=card.name,
        description=card.description,
        capabilities=list(card.capabilities),
        status="available",
        version=card.version,
        examples=list(card.examples[:SHOWN_EXAMPLES]),
        example_count=len(card.examples),
        input_schema=card.input_schema(),
    )


@router.get("", response_model=AgentList)
async def list_agents(container: ContainerDep) -> AgentList:
    return AgentList(agents=[agent_info(agent) for agent in container.registry.list()])


@router.get("/{agent_id}", response_model=AgentInfo, responses=error_responses(404))
async def get_agent(agent_id: str, container: ContainerDep) -> AgentInfo:
    try:
        return agent_info(container.registry.get(agent_id))
    except AgentNotFound:
        raise NotFound(f"No agent is registered as {agent_id[:64]!r}.") from None
