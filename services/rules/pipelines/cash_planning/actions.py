"""The actions recommended for a shortfall, chosen from an allowed list and named from its facts. Pure.

- chase: a timing gap's arriving receivables (so they do arrive when expected); for a receivable at risk the
  fewest at-risk invoices that cover the shortfall; for a structural one every receivable at risk.
- defer: each bill due on the first short day, to be moved within its terms (the owner checks them).
- draw: the undrawn credit line, up to the shortfall, where the tenant has one.
None is executed here: each would be a change request of its own.
"""

from __future__ import annotations

from decimal import Decimal

from contracts.cash_planning import (
    CashProjected,
    FlowKind,
    RecommendedAction,
    RecommendedKind,
    ShortfallCause,
)


def recommend(projected: CashProjected, credit_line: Decimal | None) -> tuple[RecommendedAction, ...]:
    facts = projected.shortfall
    if facts is None:
        return ()
    currency = facts.currency
    chased = facts.receivables
    if facts.cause is ShortfallCause.RECEIVABLE_AT_RISK:
        chased = tuple(c for c in facts.receivables if c.invoice_id in facts.covering)
    found = [
        RecommendedAction(
            kind=RecommendedKind.CHASE_RECEIVABLE, ref=c.invoice_id, counterparty=c.customer_name, amount=c.amount,
            on=c.expected_on,
            detail=f"Chase invoice {c.doc_number} from {c.customer_name}: {currency} {c.amount}, "
            + (f"at risk ({', '.join(r.value for r in c.risks)})" if c.at_risk else f"expected {c.expected_on}"),
        )
        for c in chased
    ]  # fmt: skip
    for item in facts.breach_outflows:
        if item.kind is FlowKind.BILL:
            found.append(
                RecommendedAction(
                    kind=RecommendedKind.DEFER_PAYABLE, ref=item.ref, counterparty=item.counterparty,
                    amount=item.amount, on=item.on,
                    detail=f"Ask {item.counterparty} to move {item.description} ({currency} {item.amount}, due "
                    f"{item.scheduled}) within its terms",
                )
            )  # fmt: skip
    if credit_line is not None and credit_line > 0:
        draw = min(credit_line, facts.shortfall)
        found.append(
            RecommendedAction(
                kind=RecommendedKind.DRAW_CREDIT_LINE,
                ref="credit_line",
                amount=draw,
                on=facts.first_breach_on,
                detail=f"Draw {currency} {draw} on the credit line before {facts.first_breach_on}",
            )
        )
    return tuple(found)
