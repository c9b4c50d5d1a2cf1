"""`--input KEY=VALUE` to a workflow's `input_data`, read by the type each input declares
(GET /api/v1/workflows/{id}), so lists, numbers and booleans need no JSON on the command line."""

from __future__ import annotations

import json
import math
from typing import Any

from app.cli.errors import UsageError

INPUT_HELP = """\
workflow inputs (--input KEY=VALUE, repeatable; `workflows list` shows each input's type):
  list      repeat the key or give a comma list; items are strings, a value starting with [
            is read as JSON:
              --input endpoints=a.example:443 --input endpoints=b.example:443
              --input endpoints=a.example:443,b.example:443
              --input 'endpoints=["a.example:443", "b.example:443"]'
  integer   --input port=8443 is sent as a number (likewise for `number` inputs)
  boolean   true/false, yes/no, on/off, 1/0
  object    JSON: --input 'labels={"team": "db"}'
  string    sent as typed, even when it looks like a number
A value that does not fit its input's type stops the command with exit code 2.

example:
  orchestrator workflows run certificate_audit --input endpoints=example.com:443,example.org:443"""

KINDS = ("string", "integer", "number", "boolean", "list", "object")  # InputSpec.type
_BOOLEANS = {"true": True, "yes": True, "on": True, "1": True}
_BOOLEANS |= {"false": False, "no": False, "off": False, "0": False}
_JSON_NAMES: dict[type, str] = {list: "list", dict: "object", str: "string"}


def group_inputs(items: list[str]) -> dict[str, list[str]]:
    """`--input KEY=VALUE` items grouped by key, values in the order given."""
    grouped: dict[str, list[str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--input takes KEY=VALUE, not {item!r}")
        grouped.setdefault(key.strip(), []).append(value)
    return grouped


def coerce_inputs(given: dict[str, list[str]], types: dict[str, str]) -> dict[str, Any]:
    """Each input's text as the JSON its declared type wants. An input the workflow does not
    declare is JSON if it parses (else text), a list if repeated, and left to the service to judge."""
    kinds = {name: kind for name, kind in types.items() if kind in KINDS}
    return {key: _coerce(key, values, kinds.get(key)) for key, values in given.items()}


def _coerce(key: str, values: list[str], kind: str | None) -> Any:
    what = f"input {key!r}"
    if kind == "list":
        if len(values) == 1 and values[0].lstrip().startswith("["):
            return parse_json(what, values[0], list)
        return [part.strip() for value in values for part in value.split(",") if part.strip()]
    if len(values) > 1:
        if kind is None:
            return values
        raise UsageError(f"{what} takes one {kind}, not {len(values)} values")
    text = values[0]
    parsed = _loose(text)
    if kind is None:
        return parsed
    if kind == "string":  # as typed, unless typed as a JSON string: "\"quoted\""
        return parsed if isinstance(parsed, str) and text.lstrip().startswith('"') else text
    if kind == "object":
        return parse_json(what, text, dict)
    if kind == "boolean" and text.strip().lower() in _BOOLEANS:
        return _BOOLEANS[text.strip().lower()]
    if kind in ("integer", "number") and type(parsed) is int:
        return parsed
    if kind == "number" and type(parsed) is float and math.isfinite(parsed):
        return parsed
    article = "an" if kind[0] in "aeiou" else "a"
    raise UsageError(f"{what} wants {article} {kind}, not {text!r} (see `workflows --help`)")


def _loose(text: str) -> Any:
    """JSON if the text parses as JSON (NaN and Infinity stay text), else the text itself."""
    try:
        return json.loads(text, parse_constant=str)
    except json.JSONDecodeError:
        return text


def parse_json(what: str, text: str, expected: type[list[Any] | dict[str, Any] | str]) -> Any:
    """`text` as JSON of the `expected` type, or a UsageError that names `what` was wrong."""
    try:
        value = json.loads(text, parse_constant=str)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{what} is not valid JSON ({exc.msg} at character {exc.pos}): {text!r}") from None
    if not isinstance(value, expected):
        raise UsageError(f"{what} must be a JSON {_JSON_NAMES[expected]}, not {text!r}")
    return value
