"""Sentence embeddings for routing: a small static model that ships inside a PyPI wheel.

WordLlama's bundled 256-dimensional `l2_supercat` model (token embeddings with average pooling)
is loaded from the installed package's own files with downloads disabled: nothing is fetched at
run time and no other model is used. `ExampleIndex` embeds each label's example requests once and
scores a task against them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]
MODEL_CONFIG = "l2_supercat"
MODEL_DIM = 256
# How many of a label's nearest examples are averaged into its score.
TOP_K = 3


class SentenceEncoder(Protocol):
    """Turns texts into unit-length rows of one matrix."""

    name: str

    def encode(self, texts: Sequence[str]) -> Vector: ...

    def __hash__(self) -> int: ...  # indexes of its embeddings are cached per encoder


class WordLlamaEncoder:
    """WordLlama from the wheel's files. Its loader looks for the tokenizer under `tokenizer/`
    while the wheel ships `tokenizers/`; naming the package folder as the cache directory makes
    the loader find both files there, and `disable_download` forbids any fallback fetch."""

    name = f"wordllama {MODEL_CONFIG} {MODEL_DIM}d"

    def __init__(self) -> None:
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        try:
            import wordllama
            from wordllama import WordLlama
        finally:
            # wordllama.inference calls logging.basicConfig() at import; undo it so our
            # logging set-up stays the only one.
            root.handlers[:] = handlers
            root.setLevel(level)
        package = Path(wordllama.__file__).parent
        self.model: Any = WordLlama.load(
            MODEL_CONFIG, dim=MODEL_DIM, cache_dir=package, disable_download=True
        )
        self.files = {
            "weights": package / "weights" / f"{MODEL_CONFIG}_{MODEL_DIM}.safetensors",
            "tokenizer": package / "tokenizers" / f"{MODEL_CONFIG}_tokenizer_config.json",
        }

    def encode(self, texts: Sequence[str]) -> Vector:
        if not texts:
            return np.zeros((0, MODEL_DIM), dtype=np.float32)
        vectors = np.asarray(self.model.embed(list(texts), norm=False), dtype=np.float32)
        return _unit(vectors)


@cache
def default_encoder() -> WordLlamaEncoder:
    """The wheel's model, loaded once per process (it is read-only and shared by every app)."""
    return WordLlamaEncoder()


def _unit(vectors: Vector) -> Vector:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.asarray(vectors / norms, dtype=np.float32)


@dataclass(frozen=True)
class LabelMatch:
    label: str
    score: float  # mean cosine similarity of the label's TOP_K nearest examples
    example: str  # the nearest example, for the human-readable reason


class ExampleIndex:
    """Example requests per label (agent ids, plus a label for requests no agent takes),
    embedded once. The common direction of all examples is removed before comparing: average
    pooling leaves every sentence leaning the same way, which drowns what tells them apart."""

    def __init__(self, encoder: SentenceEncoder, examples: Mapping[str, Sequence[str]]) -> None:
        self.encoder = encoder
        self.labels: list[str] = []
        self.texts: list[str] = []
        for label, texts in examples.items():
            unique = list(dict.fromkeys(t.strip() for t in texts if t.strip()))
            self.labels += [label] * len(unique)
            self.texts += unique
        raw = encoder.encode(self.texts)
        self.mean: Vector = (raw.mean(axis=0) if len(raw) else np.zeros(MODEL_DIM, dtype=np.float32)).astype(
            np.float32
        )
        self.matrix = _unit(raw - self.mean)
        self._rows = {
            label: np.flatnonzero(np.asarray(self.labels) == label) for label in dict.fromkeys(self.labels)
        }

    def vector(self, text: str) -> Vector:
        row: Vector = _unit(self.encoder.encode([text]) - self.mean)[0]
        return row

    def scores(self, text: str) -> dict[str, LabelMatch]:
        similarities: Vector = self.matrix @ self.vector(text)
        matches = {}
        for label, rows in self._rows.items():
            values = similarities[rows]
            k = min(TOP_K, len(values))
            top = np.argpartition(-values, k - 1)[:k]
            best = rows[top[np.argmax(values[top])]]
            matches[label] = LabelMatch(label, float(values[top].mean()), self.texts[best])
        return matches
