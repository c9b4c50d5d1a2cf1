"""The LLM hook of the agents: explains a rule-based result in plain words.

Check output is passed as a delimited data block; the model's text is only ever shown to the
caller as part of the summary: it is never executed and never picks a probe target.
"""

from __future__ import annotations

from typing import Any

import structlog

from app.agents.base import AgentCard, AgentResult, LLMNote
from app.llm.base import AllProvidersFailed
from app.llm.manager import LLMManager
from app.llm.prompts import interpretation_messages

log = structlog.get_logger("app.orchestration.interpreter")
MAX_INTERPRETATION_CHARS = 2000
OFFLINE_NOTE = "offline provider (no model configured): rule-based summary"


class LLMInterpreter:
    def __init__(self, manager: LLMManager) -> None:
        self.manager = manager

    async def interpret(
        self, card: AgentCard, task: str, result: AgentResult, key_label: str | None = None
    ) -> AgentResult:
        if self.manager.offline_only:
            # No model to ask: the offline provider would only restate the findings, and its
            # text is never shown. Nothing is sent, counted or billed; the result says so.
            primary = self.manager.primary
            note = LLMNote(provider=primary.name, model=primary.model, used=False, detail=OFFLINE_NOTE)
            return result.model_copy(update={"llm": note})
        data: dict[str, Any] = {
            "agent": card.id,
            "summary": result.summary,
            "findings": [f.model_dump(mode="json") for f in result.findings],
            "output": result.output,
        }
        try:
            response = await self.manager.generate_with_metadata(interpretation_messages(card.id, task, data))
        except AllProvidersFailed as exc:
            note = LLMNote(
                provider=self.manager.primary.name,
                model=self.manager.primary.model,
                used=False,
                detail=f"every LLM provider failed ({exc}); the rule-based summary stands",
            )
            return result.model_copy(update={"llm": note})
        usage = response.usage
        text = " ".join(response.text.split())[:MAX_INTERPRETATION_CHARS]
        note = LLMNote(
            provider=usage.provider,
            model=usage.model,
            used=True,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=usage.cost_usd,
            latency_ms=usage.latency_ms,
        )
        if usage.provider == "offline":
            # Not a model: the agent's own summary stands, and the result says so.
            note = note.model_copy(update={"used": False, "detail": OFFLINE_NOTE})
            return result.model_copy(update={"llm": note})
        summary = f"{text} (interpretation by {usage.provider}/{usage.model}; rule-based: {result.summary})"
        return result.model_copy(
            update={"summary": summary, "summary_source": "llm", "llm": note, "rule_summary": result.summary}
        )
