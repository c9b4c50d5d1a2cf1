"""What a task offers the agents: the request sentence, pasted material, the targets the sentence
names and the structured context, reduced to entity kinds the cards speak of."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.agents.entities import Entities, extract_entities, is_exporter_url
from app.agents.request_text import RequestText, read_request

# Context keys that name an entity kind, so a caller's structured context routes like text does.
CONTEXT_KINDS: Mapping[str, str] = {
    "hostname": "hostname",
    "host": "hostname",
    "url": "url",
    "port": "port",
    "ports": "port",
    "logs": "log_lines",
    "log_file": "path",
    "config": "yaml",
    "inventory": "inventory",
    "duration": "sampling",
    "interval": "sampling",
    "node_exporter_url": "sampling",
}


@dataclass(frozen=True)
class Evidence:
    text: RequestText
    entities: Entities  # found in the request sentence only
    from_text: frozenset[str]  # kinds in the sentence and the material
    from_context: frozenset[str]

    @property
    def kinds(self) -> frozenset[str]:
        return self.from_text | self.from_context

    def satisfies(self, required: tuple[str, ...]) -> bool:
        return not required or bool(self.kinds.intersection(required))


def gather_evidence(task: str, context: Mapping[str, Any]) -> Evidence:
    text = read_request(task)
    entities = extract_entities(text.request)
    from_text = set(entities.kinds()) | text.kinds
    exporters = [url for url in entities.urls if is_exporter_url(url)]
    if exporters:  # a node exporter's /metrics is read by system monitoring, not probed
        from_text.add("exporter")
        if len(exporters) == len(entities.urls) and not (entities.ips or entities.hostnames):
            from_text.discard("url")
    if text.material.strip():
        from_text.add("material")
    from_context = frozenset(
        kind for key, kind in CONTEXT_KINDS.items() if context.get(key) not in (None, "", [], {})
    )
    return Evidence(text, entities, frozenset(from_text), from_context)
