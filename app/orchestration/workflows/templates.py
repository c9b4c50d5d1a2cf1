"""Step templating with Jinja2's sandbox: `{{ input.target }}`, `{{ steps.dns.output.addresses[0] }}`.

A string that is exactly one `{{ expression }}` keeps the expression's type (a list stays a list);
anything else renders to text. Templates may only read `input`, `steps` (their ancestors) and,
inside `for_each`, `item`."""

from __future__ import annotations

import re
from typing import Any

from jinja2 import StrictUndefined, TemplateError, Undefined, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_EXPONENT = 64
MAX_REPEAT = 100_000


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox, with `**` and `*` bounded so a template cannot burn CPU or
    memory (`10 ** 10 ** 10`, `"x" * 10 ** 9`)."""

    intercepted_binops = frozenset({"**", "*"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
            raise SecurityError(f"exponents above {MAX_EXPONENT} are not allowed")
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | list | tuple)
                    and isinstance(count, int)
                    and len(seq) * count > MAX_REPEAT
                ):
                    raise SecurityError(f"repetitions beyond {MAX_REPEAT} items are not allowed")
        return super().call_binop(context, operator, left, right)


_ENV = _Sandbox(undefined=StrictUndefined, autoescape=False)
_SINGLE = re.compile(r"^\s*\{\{(.*)\}\}\s*$", re.S)
ALLOWED_NAMES = frozenset({"input", "steps", "item"})


class TemplateProblem(ValueError):
    pass


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings_in(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return []


def analyse(template: str, *, expression: bool = False) -> tuple[set[str], set[str]]:
    """The names a template reads and the step ids it reads through `steps.<id>`; raises
    TemplateProblem for bad syntax or names other than input, steps and item."""
    source = template if not expression else "{{ " + template + " }}"
    if "{{" not in source and "{%" not in source:
        return set(), set()
    try:
        tree = _ENV.parse(source)
    except TemplateError as exc:
        raise TemplateProblem(f"template {template[:80]!r} does not parse: {exc}") from None
    names = set(meta.find_undeclared_variables(tree))
    unknown = names - ALLOWED_NAMES
    if unknown:
        raise TemplateProblem(
            f"template {template[:80]!r} uses {sorted(unknown)}; only input, steps and item are available"
        )
    found: set[str] = set()
    for node in tree.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name) and node.node.name == "steps":
            found.add(node.attr)
    for item in tree.find_all(nodes.Getitem):
        key = item.arg
        if isinstance(item.node, nodes.Name) and item.node.name == "steps" and isinstance(key, nodes.Const):
            found.add(str(key.value))
    return names, found


def render(value: Any, context: dict[str, Any]) -> Any:
    """Render every string inside `value` (dicts and lists walked) against `context`."""
    if isinstance(value, str):
        return _render_string(value, context)
    if isinstance(value, dict):
        return {key: render(item, context) for key, item in value.items()}
    if isinstance(value, list):
        return [render(item, context) for item in value]
    return value


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    try:
        value = _ENV.compile_expression(expression, undefined_to_none=False)(**context)
    except Exception as exc:  # syntax, sandbox refusals, and any error the expression raises
        raise TemplateProblem(f"{expression[:80]!r}: {type(exc).__name__}: {exc}") from None
    if isinstance(value, Undefined):
        # A missing value (or an attribute the sandbox refuses) must fail, not flow on silently.
        raise TemplateProblem(f"{expression[:80]!r} is undefined: {value._undefined_hint or 'no such value'}")
    return value


def _render_string(template: str, context: dict[str, Any]) -> Any:
    if "{{" not in template and "{%" not in template:
        return template
    single = _SINGLE.match(template)
    if single and "}}" not in single.group(1) and "{{" not in single.group(1):
        return evaluate(single.group(1).strip(), context)
    try:
        return _ENV.from_string(template).render(**context)
    except Exception as exc:  # syntax, sandbox refusals, and any error the template raises
        raise TemplateProblem(f"{template[:80]!r}: {type(exc).__name__}: {exc}") from None
