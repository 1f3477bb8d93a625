"""What every pipeline's QuickBooks records share in validation: the base model (unknown fields ignored, frozen),
the reference shape, and amounts as JSON numbers read through their text into Decimal."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from services.validation.money import CENT, MONEY_LIMIT


class QboRecord(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class QboRef(QboRecord):
    value: str = Field(min_length=1)
    name: str | None = None


def json_number(value: Any) -> Any:
    """A JSON number as the Decimal of its text; text, booleans and the rest are refused."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("must be a JSON number")  # noqa: TRY004 - pydantic wants ValueError
    return Decimal(str(value))


def _money(value: Any) -> Any:
    """An amount written to the cent (1478.0 becomes 1478.00, the same number); sub-cent digits are kept as sent."""
    amount: Decimal = json_number(value)
    cents = amount.quantize(CENT) if amount.is_finite() and abs(amount) < MONEY_LIMIT else amount
    return cents if cents == amount else amount


Number = Annotated[Decimal, BeforeValidator(json_number), Field(allow_inf_nan=False, gt=-MONEY_LIMIT, lt=MONEY_LIMIT)]
Money = Annotated[Decimal, BeforeValidator(_money), Field(allow_inf_nan=False, gt=-MONEY_LIMIT, lt=MONEY_LIMIT)]
