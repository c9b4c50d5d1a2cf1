"""What a single check returns: its output (the contract's `output.checks.<name>`) and findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.agents.base import Finding, Severity


@dataclass
class CheckOutcome:
    output: Any
    findings: list[Finding] = field(default_factory=list)

    def add(self, severity: Severity, code: str, message: str) -> None:
        self.findings.append(Finding(severity=severity, code=code, message=message))
