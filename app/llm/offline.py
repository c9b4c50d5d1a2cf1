"""The offline provider: deterministic, no network. It restates the findings handed to it in the
prompt's data block; it is not a model and says so. Zero-config default and test double."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

from app.llm.base import GenerationOptions, LLMResponse, Message, Usage
from app.llm.prompts import extract_data
from app.observability.timing import ms_since

MODEL = "offline-rules"


class OfflineProvider:
    name = "offline"
    model = MODEL

    async def generate_with_metadata(
        self, messages: list[Message], options: GenerationOptions
    ) -> LLMResponse:
        started = time.perf_counter()
        text = _summarise(messages)
        words_in = sum(len(m.content.split()) for m in messages)
        usage = Usage(
            provider=self.name,
            model=self.model,
            input_tokens=words_in,
            output_tokens=len(text.split()),
            latency_ms=ms_since(started),
        )
        return LLMResponse(text=text, usage=usage)

    async def stream(self, messages: list[Message], options: GenerationOptions) -> AsyncIterator[str]:
        text = _summarise(messages)
        words = text.split(" ")
        for index, word in enumerate(words):
            yield word if index == len(words) - 1 else word + " "

    async def health(self) -> dict[str, Any]:
        return {"provider": self.name, "model": self.model, "network": False}

    async def close(self) -> None:
        return None


def _summarise(messages: list[Message]) -> str:
    """Summarise the findings in the last data block; without one, say what this provider is."""
    data: Any = None
    for message in reversed(messages):
        data = extract_data(message.content)
        if data is not None:
            break
    if not isinstance(data, dict):
        last = messages[-1].content.strip() if messages else ""
        return (
            "Offline provider (no language model configured): it can only restate structured "
            f"findings. Received {len(last)} characters of text without a data block."
        )
    findings = data.get("findings") or []
    if not findings:
        return f"Offline summary (no model): {data.get('summary') or 'no findings were reported.'}"
    counts: dict[str, int] = {}
    for finding in findings:
        counts[str(finding.get("severity"))] = counts.get(str(finding.get("severity")), 0) + 1
    order = ["critical", "warning", "info"]
    tally = ", ".join(f"{counts[s]} {s}" for s in order if s in counts)
    ranked = sorted(
        findings, key=lambda f: order.index(f.get("severity", "info")) if f.get("severity") in order else 3
    )
    lead = "; ".join(str(f.get("message", "")) for f in ranked[:3])
    return f"Offline summary (no model): {tally}. {lead}"
