"""Estimated cost per call from published per-token prices (USD per million tokens).

Prices change: `LLM_PRICE_INPUT_PER_MTOK` / `LLM_PRICE_OUTPUT_PER_MTOK` override the table for
the configured models. Unknown models cost 0 and say so in the usage record's model name only.
"""

from __future__ import annotations

# (input, output) USD per million tokens, matched by substring of the model id.
PRICES: tuple[tuple[str, float, float], ...] = (
    ("claude-3-5-haiku", 0.80, 4.00),
    ("claude-3-haiku", 0.25, 1.25),
    ("claude-3-5-sonnet", 3.00, 15.00),
    ("claude-3-7-sonnet", 3.00, 15.00),
    ("claude-sonnet-4", 3.00, 15.00),
    ("nova-micro", 0.035, 0.14),
    ("nova-lite", 0.06, 0.24),
    ("nova-pro", 0.80, 3.20),
    ("gpt-4o-mini", 0.15, 0.60),
    ("gpt-4o", 2.50, 10.00),
    ("gpt-4.1-mini", 0.40, 1.60),
    ("gpt-4.1", 2.00, 8.00),
)


def estimate_cost(
    model: str,
    input_tokens: int,
    output_tokens: int,
    override: tuple[float, float] | None = None,
) -> float:
    if override is not None:
        per_in, per_out = override
    else:
        match = next(((i, o) for key, i, o in PRICES if key in model.lower()), None)
        if match is None:
            return 0.0
        per_in, per_out = match
    return round((input_tokens * per_in + output_tokens * per_out) / 1_000_000, 8)
