"""What people see: aligned tables, coloured severities on a terminal, indented JSON for --json."""

from __future__ import annotations

import json
import os
import shutil
import sys
from typing import Any

MIN_FITTED_WIDTH = 30
_COLOURS = {
    "critical": "\033[31m",
    "warning": "\033[33m",
    "info": "\033[32m",
    "bold": "\033[1m",
    "end": "\033[0m",
}


class Output:
    """Tables and colour for people (colour only on a terminal, never with NO_COLOR), JSON for --json."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR") and not as_json

    def paint(self, text: str, style: str) -> str:
        return f"{_COLOURS[style]}{text}{_COLOURS['end']}" if self.colour and style in _COLOURS else text

    def json(self, data: Any) -> None:
        print(json.dumps(data, indent=2, default=str))

    def table(self, rows: list[list[str]], header: list[str], fit_last: bool = False) -> None:
        """Aligned columns; with `fit_last` the last column is shortened to fit the terminal."""
        if fit_last:
            fixed = sum(max(len(r[i]) for r in [header, *rows]) + 2 for i in range(len(header) - 1))
            room = max(MIN_FITTED_WIDTH, shutil.get_terminal_size().columns - fixed - 1)
            rows = [[*row[:-1], shorten(row[-1], room)] for row in rows]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        print(self.paint("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(), "bold"))
        for row in rows:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())

    def results(self, results: list[dict[str, Any]]) -> None:
        for result in results:
            print(
                self.paint(f"{result.get('agent_id') or result.get('step')} ({result.get('status')})", "bold")
            )
            for finding in result.get("findings", []):
                severity = finding.get("severity", "info")
                print(f"  {self.paint(severity.upper().ljust(8), severity)} {finding.get('message')}")


def shorten(text: str, width: int) -> str:
    """One line of at most `width` characters, ending in an ellipsis when cut."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
