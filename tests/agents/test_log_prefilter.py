"""The log patterns' first look (app/agents/logs/prefilter.py) never changes an answer: it only
skips searches that cannot match."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.agents.logs import causes, hints, parsing
from app.agents.logs.prefilter import Alternatives, PatternSet, needed_words, split_alternatives

pytestmark = pytest.mark.database_free  # left out of the PostgreSQL pass: tests/conftest.py

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (r"disk full", {"disk full"}),
        (r"(?:no space|disk full) left", {"no space", "disk full"}),  # longer than " left"
        (r"no space left|disk (?:is )?full", {"no space left", "disk "}),
        (r"\bOOM\b", {"oom"}),
        (r"killed process \d+ \(\w+\)", {"killed process "}),
        (r"(?:timed out)?x", {"x"}),  # the optional part needs nothing; "x" it does
        (r"a?b*", None),
        (r"[abc]+", None),
        (r"(?<!perhaps )out of memory", {"out of memory"}),
        (r"(?=.*refused)conn", {"refused"}),
        (r"x(?!yz)", {"x"}),
        (r"café crème", {"caf", " cr"}),  # letters outside ASCII end a word
        (r"(a|b)\1", None),
    ],
)
def test_the_needed_words_are_those_every_match_contains(pattern: str, words: set[str] | None) -> None:
    found = needed_words(re.compile(pattern, re.IGNORECASE))
    if pattern == r"café crème":
        assert found in ({"caf"}, {" cr"})  # one of the two, each as long
        return
    assert found == (None if words is None else frozenset(words))


def test_top_level_alternatives_are_split_without_breaking_groups_classes_or_escapes() -> None:
    pattern = re.compile(r"a(?:b|c)|[|\]]x|\|y|[]|]z|last", re.IGNORECASE)
    parts = [p.pattern for p in split_alternatives(pattern)]
    assert parts == [r"a(?:b|c)", r"[|\]]x", r"\|y", r"[]|]z", "last"]
    assert all(p.flags == pattern.flags for p in split_alternatives(pattern))
    # Kept whole when splitting could change the meaning.
    for whole in (r"(?i)a|b", r"(a)|\1b"):
        assert [p.pattern for p in split_alternatives(re.compile(whole))] == [whole]
    verbose = re.compile("a | b", re.VERBOSE)
    assert split_alternatives(verbose) == [verbose]


def test_a_pattern_set_answers_as_the_patterns_do() -> None:
    patterns = [re.compile(p, re.IGNORECASE) for p in (r"disk full", r"\bOOM", r"x?", r"refused\b")]
    quick = PatternSet(patterns)
    for text in ("DISK FULL and oom", "connection refused", "", "nothing here", "oomph", "refusedx"):
        expected = frozenset(i for i, p in enumerate(patterns) if p.search(text))
        assert quick.matching(text) == expected
        assert quick.first(text) == min(expected, default=None)


def test_case_folding_outside_ascii_is_left_to_the_full_search() -> None:
    # Under IGNORECASE the Kelvin sign matches "k" and the long s matches "s": a lowercase
    # first look would miss them, so text outside ASCII is searched in full.
    pattern = re.compile(r"killed|sigsegv", re.IGNORECASE)
    quick = Alternatives(pattern)
    for text in ("\u212aILLED", "\u017figsegv", "KILLED", "calm"):
        assert quick.found_in(text) == bool(pattern.search(text))


def _app_patterns() -> dict[str, list[re.Pattern[str]]]:
    return {
        "cause": [causes._CAUSE],
        "definite": [causes._DEFINITE],
        "symptom": [causes._SYMPTOM],
        "background": [causes._BACKGROUND_NOISE],
        "always a problem": [parsing._ALWAYS_A_PROBLEM],
        "failure words": [parsing._FAILURE, parsing._WARNING_HINT, parsing._NEGATED, parsing._AUTH_FAILURE],
        "explainers": [explainer for explainer, _, _ in causes._EXPLAINS],
        "explained": [explained for _, explained, _ in causes._EXPLAINS],
        "hints": [pattern for pattern, _ in hints._HINTS],
    }


@cache
def _golden_lines(stride: int) -> list[str]:
    lines = sorted(
        {line for path in sorted(GOLDEN.glob("logs*/*")) for line in path.read_text().splitlines()}
    )
    return lines[::stride]


@pytest.mark.parametrize("name", list(_app_patterns()))
def test_the_app_patterns_answer_alike_with_and_without_the_first_look(name: str) -> None:
    """Every pattern the log analysis asks through the first look, on a sample of the golden logs'
    distinct lines (the whole set is the golden test's, through the analysis itself)."""
    patterns = _app_patterns()[name]
    quick = PatternSet(patterns)
    alternatives = [Alternatives(p) for p in patterns]
    for line in _golden_lines(stride=293):
        expected = frozenset(i for i, p in enumerate(patterns) if p.search(line))
        assert quick.matching(line) == expected, line
        assert [a.found_in(line) for a in alternatives] == [i in expected for i in range(len(patterns))], line


_QUICK = [(p, Alternatives(p)) for p in (parsing._ALWAYS_A_PROBLEM, parsing._NEGATED, causes._CAUSE)]
_WORDS = ["out of memory", "killed process ", "no space left", "refused", "timed out", "OOM", "=", " 0"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_WORDS), st.text(max_size=12)), max_size=8))
def test_any_text_is_answered_alike(pieces: list[str]) -> None:
    text = "".join(pieces)
    for pattern, quick in _QUICK:
        assert quick.found_in(text) == bool(pattern.search(text))
