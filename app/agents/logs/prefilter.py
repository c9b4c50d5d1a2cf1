"""A quick first look before the long regular expressions: the literal words a match must contain.

The cause and symptom patterns are alternations of hundreds of phrases, searched over texts of
thousands of characters; most texts contain the words of a handful of them. Each pattern's
alternatives are compiled apart, each with the literal words any match of it must contain (read
from the parsed pattern), and one Aho-Corasick pass over the lowercased text says which
alternatives can match at all: only those are searched. The answers are those of `re.search`
(tests/agents/test_log_prefilter.py compares them on every golden log); a text that is not ASCII,
where case folding is not a plain lowercase, skips the first look.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import ahocorasick


class PatternSet:
    """Several patterns searched in one text: which of them match."""

    def __init__(self, patterns: Sequence[re.Pattern[str]]) -> None:
        self._patterns = tuple(patterns)
        self._always: list[int] = []  # patterns with no word every match contains
        owners: dict[str, list[int]] = {}
        for index, pattern in enumerate(self._patterns):
            words = needed_words(pattern)
            if words is None:
                self._always.append(index)
            for word in words or ():
                owners.setdefault(word, []).append(index)
        self._automaton = ahocorasick.Automaton()
        for word, indices in owners.items():
            self._automaton.add_word(word, tuple(indices))
        if owners:
            self._automaton.make_automaton()
        self._searched = bool(owners)

    def _candidates(self, text: str) -> Iterable[int]:
        if not text.isascii():
            return range(len(self._patterns))
        found = set(self._always)
        if self._searched:
            for _, indices in self._automaton.iter(text.lower()):
                found.update(indices)
        return sorted(found)

    def matching(self, text: str) -> frozenset[int]:
        """The indices of the patterns that match somewhere in `text`."""
        return frozenset(i for i in self._candidates(text) if self._patterns[i].search(text))

    def first(self, text: str) -> int | None:
        """The index of the first pattern (in the order given) that matches, or None."""
        return next((i for i in self._candidates(text) if self._patterns[i].search(text)), None)

    def any_match(self, text: str) -> bool:
        return self.first(text) is not None


class Alternatives:
    """One long alternation asked only whether it matches: `bool(pattern.search(text))`, with
    its top-level alternatives searched apart, each only when its words are in the text."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self._parts = PatternSet(split_alternatives(pattern))

    def found_in(self, text: str) -> bool:
        return self._parts.any_match(text)


def split_alternatives(pattern: re.Pattern[str]) -> list[re.Pattern[str]]:
    """The pattern's top-level alternatives, each compiled with its flags; the pattern itself when
    splitting could change what it matches (verbose mode, inline flags, references across parts)."""
    source = pattern.pattern
    if pattern.flags & re.VERBOSE or source.startswith("(?") and _inline_flags(source):
        return [pattern]
    try:
        return [re.compile(part, pattern.flags) for part in _top_level_parts(source)]
    except re.error:
        return [pattern]


def _inline_flags(source: str) -> bool:
    return re.match(r"\(\?[aiLmsux-]+\)", source) is not None


def _top_level_parts(source: str) -> list[str]:
    parts: list[str] = []
    depth, start, index, in_class = 0, 0, 0, False
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            index += 1 if source[index + 1 : index + 2] == "^" else 0
            index += 1 if source[index + 1 : index + 2] == "]" else 0  # "[]...]": a literal "]"
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            parts.append(source[start:index])
            start = index + 1
        index += 1
    return [*parts, source[start:]]


def needed_words(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Lowercase ASCII words one of which every match of `pattern` contains, or None when there is
    no such set (an optional part, a class of characters, a word outside ASCII)."""
    return _needed(sre_parse.parse(pattern.pattern, pattern.flags))


def _needed(items: Any) -> frozenset[str] | None:
    best: frozenset[str] | None = None
    run: list[str] = []

    def consider(words: frozenset[str] | None) -> None:
        nonlocal best
        if words and (best is None or _strength(words) > _strength(best)):
            best = words

    for op, value in items:
        if op is sre.LITERAL and value < 128:
            run.append(chr(value).lower())
            continue
        if run:
            consider(frozenset({"".join(run)}))
            run = []
        consider(_needed_of_item(op, value))
    if run:
        consider(frozenset({"".join(run)}))
    return best


def _needed_of_item(op: Any, value: Any) -> frozenset[str] | None:
    """What one element of a sequence needs (every element of a sequence must match)."""
    if op is sre.SUBPATTERN:
        return _needed(value[-1])
    if op is getattr(sre, "ATOMIC_GROUP", None):
        return _needed(value)
    if op is sre.ASSERT:  # a lookahead or lookbehind looks at the same text
        return _needed(value[1])
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)) and value[0] >= 1:
        return _needed(value[2])
    if op is sre.BRANCH:
        options = [_needed(branch) for branch in value[1]]
        if all(options):
            return frozenset().union(*options)  # type: ignore[arg-type]
    return None


def _strength(words: frozenset[str]) -> tuple[int, int]:
    """Longer words filter more; fewer of them too."""
    return min(len(word) for word in words), -len(words)
