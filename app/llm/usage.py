"""Token and cost accounting per API key label, aggregated in memory for this replica."""

from __future__ import annotations

from dataclasses import dataclass, field
from threading import Lock

from app.llm.base import Usage


@dataclass
class UsageTotals:
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    by_provider: dict[str, int] = field(default_factory=dict)


class UsageTracker:
    def __init__(self) -> None:
        self._totals: dict[str, UsageTotals] = {}
        self._lock = Lock()

    def record(self, key_label: str | None, usage: Usage) -> None:
        label = key_label or "anonymous"
        with self._lock:
            totals = self._totals.setdefault(label, UsageTotals())
            totals.calls += 1
            totals.input_tokens += usage.input_tokens
            totals.output_tokens += usage.output_tokens
            totals.cost_usd = round(totals.cost_usd + usage.cost_usd, 8)
            totals.by_provider[usage.provider] = totals.by_provider.get(usage.provider, 0) + 1

    def totals(self, key_label: str | None = None) -> dict[str, UsageTotals]:
        with self._lock:
            if key_label is not None:
                found = self._totals.get(key_label)
                return {key_label: found} if found else {}
            return dict(self._totals)
