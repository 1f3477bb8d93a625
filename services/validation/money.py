"""What validation accepts as an amount of money, in every pipeline's records."""

from __future__ import annotations

from decimal import Decimal

CENT = Decimal("0.01")
# Larger than any real document's amount and small enough for Decimal's 28 digits at cent precision.
MONEY_LIMIT = Decimal("1e15")
