"""Mends the typos people make in a hurry ("pign", "latnecy", "memroy", "increse") before a
request is embedded: a token the router's vocabulary lacks becomes the vocabulary word one
swapped pair or one missing or extra letter away. A static embedding model sees "pign" as
unrelated sub-word pieces, so without this one typo can hide what a request is about.

Letters are never substituted, the first letter never changes and short tokens are left alone:
that keeps real words that the vocabulary happens to lack ("post", "pint") as they are.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_WORD = re.compile(r"[a-z]{4,}")
MIN_LENGTH = 4


class TypoFixer:
    def __init__(self, texts: Iterable[str]) -> None:
        # Words seen at least twice: the examples themselves hold a few typos ("pign db01"), and
        # a word written once may be one of them.
        counts = Counter(w for text in texts for w in re.findall(r"[a-z]+", text.lower()))
        self.vocabulary = frozenset(word for word, count in counts.items() if count >= 2)
        # Each word under every spelling with one letter dropped: a typo that added a letter,
        # or swapped two, matches one of these.
        self._by_deletion: dict[str, str] = {}
        for word in sorted(self.vocabulary):
            if len(word) >= MIN_LENGTH:
                for variant in _deletions(word):
                    self._by_deletion.setdefault(variant, word)

    def fix(self, text: str) -> str:
        lowered = text.lower()
        return _WORD.sub(lambda m: self._word(m.group(0)), lowered)

    def _word(self, token: str) -> str:
        if token in self.vocabulary:
            return token
        for candidate in _transpositions(token):  # "pign" -> "ping"
            if candidate in self.vocabulary:
                return candidate
        for candidate in _deletions(token):  # "pingg" -> "ping"
            if candidate in self.vocabulary and candidate[0] == token[0]:
                return candidate
        match = self._by_deletion.get(token)  # "increse" -> "increase"
        if match is not None and match[0] == token[0]:
            return match
        return token


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(1, len(word))}


def _transpositions(word: str) -> list[str]:
    return [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1)]
