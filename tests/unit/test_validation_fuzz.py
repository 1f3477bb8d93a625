"""Random QuickBooks-shaped payloads through validation: a typed result or a ContractInvalid, nothing else.

CI runs a short sample; `pytest -m slow tests/unit/test_validation_fuzz.py` is the 10,000-case run.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.invoice_followup import InvoiceValidated, RawInvoiceFetched
from services.validation.pipelines.invoice_followup.domain import validate_invoice
from shared.errors import ContractInvalid
from tests.unit.factories import AS_OF, REALM, qbo_customer, qbo_invoice, qbo_payment

EXAMPLES = int(os.environ.get("SEAMLINE_FUZZ_EXAMPLES", "300"))

json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12), st.floats(allow_nan=False), st.text(max_size=30),
    st.sampled_from(["2026-10-20", "2026-13-45", "", "12x.50", "N/A", "-5", "1e309", "disputed", "promise_to_pay"]),
)  # fmt: skip
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12,
)  # fmt: skip
INVOICE_FIELDS = ["Id", "DocNumber", "TxnDate", "DueDate", "TotalAmt", "Balance", "CurrencyRef", "CustomerRef",
                  "BillEmail", "CustomField", "Line", "LinkedTxn"]  # fmt: skip
CUSTOMER_FIELDS = ["Id", "DisplayName", "PrimaryEmailAddr"]


def _mutate(record: dict[str, Any], fields: list[str], changes: dict[str, Any], drops: list[str]) -> dict[str, Any]:
    mutated = dict(record)
    for name, value in changes.items():
        mutated[fields[hash(name) % len(fields)]] = value
    for name in drops:
        mutated.pop(name, None)
    return mutated


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None)
@given(st.data())
def test_validation_long_fuzz(data: st.DataObject) -> None:
    _check(data)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.data())
def test_validation_answers_every_payload_with_a_contract_or_a_typed_error(data: st.DataObject) -> None:
    _check(data)


def _check(data: st.DataObject) -> None:
    invoice = _mutate(
        qbo_invoice(),
        INVOICE_FIELDS,
        data.draw(st.dictionaries(st.text(max_size=8), json_value, max_size=3)),
        data.draw(st.lists(st.sampled_from(INVOICE_FIELDS), max_size=2)),
    )
    customer = data.draw(
        st.one_of(
            st.none(),
            st.just(qbo_customer()),
            st.builds(
                lambda c, d: _mutate(qbo_customer(), CUSTOMER_FIELDS, c, d),
                st.dictionaries(st.text(max_size=8), json_value, max_size=2),
                st.lists(st.sampled_from(CUSTOMER_FIELDS), max_size=1),
            ),
        )
    )
    payments = data.draw(
        st.lists(
            st.one_of(
                st.just(qbo_payment("9", "131", 10.0, "2026-11-01")),
                st.dictionaries(st.text(max_size=8), json_value, max_size=3),
            ),
            max_size=3,
        )
    )
    raw = RawInvoiceFetched(
        realm_id=REALM, as_of=AS_OF, invoice_id="131", invoice=invoice, customer=customer, payments=payments
    )
    try:
        result = validate_invoice(raw)
    except ContractInvalid as exc:
        assert exc.field, "a typed error names the field"
        return
    assert isinstance(result, InvoiceValidated)
    assert result.balance <= result.total_amount
