"""What every LLM call shares, whichever pipeline makes it: its prompt, the tokens it used and their price. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

MILLION = Decimal(1_000_000)
MICRO_USD = Decimal("0.000001")


@dataclass(frozen=True)
class Prompt:
    prompt_id: str
    version: str
    system: str


@dataclass(frozen=True)
class TokenUsage:
    """What one or more LLM calls used, from the API's usage fields: what cost is computed from.

    `input_tokens` are the uncached input only; cache reads and writes are counted apart, as the API reports them.
    """

    model: str
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0

    @classmethod
    def total(cls, model: str, usages: Iterable[TokenUsage]) -> TokenUsage:
        """Several calls' usage summed, each kind apart: one item read in several calls costs their sum."""
        calls = list(usages)
        return cls(
            model,
            sum(u.input_tokens for u in calls),
            sum(u.output_tokens for u in calls),
            sum(u.cache_read_tokens for u in calls),
            sum(u.cache_write_tokens for u in calls),
        )


@dataclass(frozen=True)
class Price:
    """US dollars per million tokens."""

    input: Decimal
    output: Decimal
    cache_write: Decimal
    cache_read: Decimal


PRICES: dict[str, Price] = {
    "claude-sonnet-4-6": Price(Decimal(3), Decimal(15), Decimal("3.75"), Decimal("0.30")),
    "claude-sonnet-4-5": Price(Decimal(3), Decimal(15), Decimal("3.75"), Decimal("0.30")),
    "claude-haiku-4-5": Price(Decimal(1), Decimal(5), Decimal("1.25"), Decimal("0.10")),
    "claude-opus-4-1": Price(Decimal(15), Decimal(75), Decimal("18.75"), Decimal("1.50")),
    "offline-drafter": Price(Decimal(0), Decimal(0), Decimal(0), Decimal(0)),
}


def cost_usd(usage: TokenUsage) -> Decimal:
    """The one price rule for every call: uncached input, output, cache writes (5-minute) and cache reads, each
    at its own rate, to the micro-dollar. An unknown model is priced as the default model, never as free."""
    price = PRICES.get(usage.model) or next(
        (p for name, p in PRICES.items() if usage.model.startswith(name)), PRICES["claude-sonnet-4-6"]
    )
    total = (
        usage.input_tokens * price.input
        + usage.output_tokens * price.output
        + usage.cache_write_tokens * price.cache_write
        + usage.cache_read_tokens * price.cache_read
    ) / MILLION
    return total.quantize(MICRO_USD)
