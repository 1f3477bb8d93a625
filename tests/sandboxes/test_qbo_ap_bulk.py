"""Bulk AP data for the bench (POST /_sandbox/ap/bulk): as many bills as asked, each reaching the outcome it was
generated for when matched by the real validation and rules code, none of them looking like a duplicate."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from contracts.ap_matching import RawBillFetched
from infra.sandboxes import QboState, build_qbo_app
from infra.sandboxes.qbo_ap_seed import BulkMix, BulkParams, seed_ap_bulk
from services.rules.pipelines.ap_matching.domain import bank_fingerprint, match_bill, parse_tolerance
from services.validation.pipelines.ap_matching.domain import validate_bill

from .conftest import AS_OF, REALM, bearer

TOLERANCE = parse_tolerance(yaml.safe_load(Path("infra/tenants/demo-co/ap_matching.yaml").read_text()))


def _raw(state: QboState, bill: dict[str, Any], vendor_bills: list[dict[str, Any]]) -> RawBillFetched:
    """What the connectors fetch for the bill: its orders, vendor, the vendor's other bills and the receipts."""
    po_ids = {link["TxnId"] for link in bill["LinkedTxn"] if link["TxnType"] == "PurchaseOrder"}
    return RawBillFetched(
        realm_id=REALM,
        bill_id=bill["Id"],
        bill=bill,
        purchase_orders=[state.purchase_orders[po_id] for po_id in sorted(po_ids)],
        vendor=state.vendors[bill["VendorRef"]["value"]],
        vendor_bills=[other for other in vendor_bills if other["Id"] != bill["Id"]],
        receipts=[r for r in state.receiving.receipts if r["PurchaseOrderId"] in po_ids],
    )


@pytest.mark.parametrize("mix", ["mixed", "matched"])
def test_every_bulk_bill_is_matched_as_generated(mix: BulkMix) -> None:
    state = QboState()
    summary = seed_ap_bulk(state, BulkParams(AS_OF, bills=300, vendors=12, mix=mix))
    by_vendor: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for bill in state.bills.values():
        by_vendor[bill["VendorRef"]["value"]].append(bill)

    for bill_id, intended in summary["bill_outcomes"].items():
        bill = state.bills[bill_id]
        validated = validate_bill(_raw(state, bill, by_vendor[bill["VendorRef"]["value"]]))
        assert validated.vendor.bank is not None
        matched = match_bill(validated, TOLERANCE, bank_fingerprint(validated.vendor.bank))
        kinds = {e.kind.value for e in matched.exceptions}
        assert matched.outcome.value == intended["outcome"], (bill_id, intended, kinds)
        if intended["exception"]:
            assert intended["exception"] in kinds, (bill_id, kinds)
        assert "duplicate" not in kinds, bill_id
    expected = {"matched": 300} if mix == "matched" else {"matched": 210, "within_tolerance": 30}
    assert {k: v for k, v in summary["intended"].items() if k in expected} == expected


def test_the_same_seed_generates_the_same_company() -> None:
    first, second = QboState(), QboState()
    seed_ap_bulk(first, BulkParams(AS_OF, bills=50, vendors=5))
    seed_ap_bulk(second, BulkParams(AS_OF, bills=50, vendors=5))
    assert first.bills == second.bills and first.purchase_orders == second.purchase_orders
    assert first.receiving.receipts == second.receiving.receipts


async def test_the_control_endpoint_replaces_the_ap_data_and_quickbooks_serves_it() -> None:
    state = QboState()
    transport = httpx.ASGITransport(app=build_qbo_app(state))
    async with httpx.AsyncClient(transport=transport, base_url="http://qbo.sandbox") as client:
        answer = await client.post("/_sandbox/ap/bulk", json={"as_of": AS_OF.isoformat(), "bills": 120})
        assert answer.status_code == 200
        summary = answer.json()
        assert (summary["bills"], summary["vendors"]) == (120, 6)  # a vendor per 20 bills by default
        assert sum(summary["intended"].values()) == 120 == len(summary["bill_outcomes"])

        client.headers.update(await bearer(client))
        bill_id = sorted(summary["bill_outcomes"])[0]
        read = await client.get(f"/v3/company/{REALM}/bill/{bill_id}", params={"minorversion": "75"})
        assert read.status_code == 200
        vendor = read.json()["Bill"]["VendorRef"]["value"]
        query = f"select count(*) from Bill where VendorRef = '{vendor}'"
        counted = await client.get(f"/v3/company/{REALM}/query", params={"query": query})
        assert counted.json()["QueryResponse"]["totalCount"] == 20

        refused = await client.post("/_sandbox/ap/bulk", json={"bills": 3, "vendors": 4})
        assert refused.status_code == 422
