"""Flags text that looks like an attempt to steer an LLM. Flagging never changes what runs:
targets and agents are chosen by rules and policy, not by the text's instructions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "instruction_override",
        re.compile(
            r"\b(ignore|disregard|forget|override)\b.{0,40}\b(previous|prior|above|earlier|all|system)\b"
            r".{0,20}\b(instructions?|prompts?|rules?|messages?|context)\b",
            re.I | re.S,
        ),
    ),
    (
        "role_marker",
        re.compile(
            r"(^|\n)\s*(system|assistant|developer)\s*:|<\|?(im_start|im_end|system|assistant)\|?>|"
            r"\[/?INST\]|<<SYS>>|###\s*(system|instruction)",
            re.I,
        ),
    ),
    (
        "tool_call_syntax",
        re.compile(
            r"<\s*(tool_call|function_call|tool_use)\b|\"(tool_calls|function_call)\"\s*:|"
            r"<invoke\b|\bcall the \w+ tool\b",
            re.I,
        ),
    ),
    (
        "prompt_exfiltration",
        re.compile(
            r"\b(reveal|print|show|repeat|output)\b.{0,30}"
            r"\b(system prompt|your instructions|hidden prompt)",
            re.I | re.S,
        ),
    ),
    (
        "jailbreak",
        re.compile(r"\b(jailbreak|DAN mode|developer mode enabled|act as an? unrestricted)\b", re.I),
    ),
)


def detect_prompt_injection(task: str, context: Any = None) -> list[str]:
    """Names of the patterns found in the task or any string inside the context."""
    found: list[str] = []
    for text in (task, *_strings(context)):
        for name, pattern in _PATTERNS:
            if name not in found and pattern.search(text):
                found.append(name)
    return found


def _strings(value: Any, depth: int = 0) -> Iterable[str]:
    if depth > 6:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item, depth + 1)
