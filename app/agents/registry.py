"""The agent registry: built-in agents, and third-party ones found through an entry-point group."""

from __future__ import annotations

import builtins
from importlib.metadata import entry_points

import structlog

from app.agents.base import Agent, AgentCard

log = structlog.get_logger("app.agents")
ENTRY_POINT_GROUP = "ops_orchestrator.agents"


class AgentNotFound(LookupError):
    def __init__(self, agent_id: str) -> None:
        super().__init__(agent_id)
        self.agent_id = agent_id


class AgentRegistry:
    def __init__(self) -> None:
        self._agents: dict[str, Agent] = {}

    def register(self, agent: Agent) -> None:
        card = getattr(agent, "card", None)
        if not isinstance(card, AgentCard) or not callable(getattr(agent, "execute", None)):
            raise TypeError(f"{agent!r} is not an agent: it needs a `card` and `async execute()`")
        if card.id in self._agents:
            raise ValueError(f"an agent with id {card.id!r} is already registered")
        self._agents[card.id] = agent

    def get(self, agent_id: str) -> Agent:
        try:
            return self._agents[agent_id]
        except KeyError:
            raise AgentNotFound(agent_id) from None

    def __contains__(self, agent_id: object) -> bool:
        return agent_id in self._agents

    def list(self) -> builtins.list[Agent]:
        return sorted(self._agents.values(), key=lambda agent: agent.card.id)

    def load_entry_points(self, group: str = ENTRY_POINT_GROUP) -> builtins.list[str]:
        """Register every agent a pip-installed package declares under `group`.

        The entry point names a zero-argument callable (usually the agent class) that returns
        the agent. A plugin that fails to load is logged and skipped: it must not stop the service.
        """
        loaded: builtins.list[str] = []
        for entry_point in entry_points(group=group):
            try:
                factory = entry_point.load()
                agent = factory()
                self.register(agent)
            except Exception as exc:  # a broken plugin is reported, never fatal
                log.error(
                    "agent_plugin_failed",
                    entry_point=entry_point.name,
                    value=entry_point.value,
                    error=f"{type(exc).__name__}: {exc}",
                )
                continue
            loaded.append(agent.card.id)
            log.info("agent_plugin_loaded", agent_id=agent.card.id, entry_point=entry_point.value)
        return loaded
