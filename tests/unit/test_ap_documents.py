"""Vendor invoices uploaded as documents, through the connectors' bootstrap on TestKafkaBroker with a fake
QuickBooks: an authorised upload is published once by its content; an extracted invoice is resolved to the order
and vendor it names and becomes a draft bill that validation and rules take as any bill; what cannot be resolved
or read is a named dead letter, not a guess."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from contracts import deadletter as dl
from contracts.ap_matching import (
    DOCUMENT_MARK,
    ApMatching,
    BillDocument,
    BillDocumentExtracted,
    BillDocumentReceived,
    ExceptionKind,
    ExtractedBill,
    ExtractedBillLine,
    MatchOutcome,
    Quoted,
    RawBillFetched,
    SourceSpan,
)
from contracts.ap_matching import SPEC as AP
from contracts.envelope import Envelope
from services.connectors.pipelines.ap_matching.documents import (
    orders_by_number_query,
    vendor_by_name_query,
)
from services.connectors.pipelines.ap_matching.domain import vendor_bills_query
from services.connectors.pipelines.ap_matching.intake import INTAKE_PATH, document_id
from services.rules.pipelines.ap_matching.domain import Tolerance, match_bill
from services.validation.pipelines.ap_matching.domain import validate_bill
from shared.errors import ContractInvalid
from tests.unit.test_ap_connectors import INTAKE_TOKEN, REALM, VENDOR, FakeQuickBooks, JsonObject, connectors

TOLERANCE = Tolerance(
    price_pct=Decimal("1"), price_abs=Decimal("5"), quantity_pct=Decimal("0"), quantity_abs=Decimal("0"),
    total_pct=Decimal("1"), total_abs=Decimal("5"), duplicate_window_days=30,
)  # fmt: skip
ORDER: JsonObject = {
    "Id": "1001", "DocNumber": "PO-1001", "VendorRef": {"value": "56", "name": "Harbor Supply"},
    "CurrencyRef": {"value": "USD"}, "TotalAmt": 1000.0, "POStatus": "Open",
    "Line": [
        {"Id": "1", "Amount": 1000.0, "Description": "Mooring rope 10mm", "DetailType": "ItemBasedExpenseLineDetail",
         "ItemBasedExpenseLineDetail": {"ItemRef": {"value": "7", "name": "Rope"}, "UnitPrice": 10, "Qty": 100}},
    ],
}  # fmt: skip
TEXT = "Harbor Supply LLC\nInvoice HS-4471\nPO PO-1001\nMooring rope 10mm 100 10.00 1,000.00\nTotal $1,000.00\n"


def quoted(value: Any, quote: str) -> Any:
    start = TEXT.find(quote)
    return Quoted[type(value)](
        value=value, citation=SourceSpan(quote=quote, start=max(start, 0), end=start + len(quote))
    )  # type: ignore[misc]


def extracted(**overrides: Any) -> BillDocumentExtracted:
    fields: dict[str, Any] = {
        "vendor_name": quoted("Harbor Supply LLC", "Harbor Supply LLC"),
        "invoice_number": quoted("HS-4471", "HS-4471"),
        "invoice_date": quoted(date(2026, 11, 18), "Invoice HS-4471"),
        "po_numbers": (quoted("PO-1001", "PO-1001"),),
        "total": quoted(Decimal("1000.00"), "$1,000.00"),
        "lines": (
            ExtractedBillLine(
                description=quoted("Mooring rope 10mm", "Mooring rope 10mm"),
                quantity=quoted(Decimal("100"), "100"),
                unit_price=quoted(Decimal("10.00"), "10.00"),
                amount=quoted(Decimal("1000.00"), "1,000.00"),
            ),
        ),
    }
    fields.update(overrides)
    return BillDocumentExtracted(
        realm_id=REALM, document_id="ab12cd34ef56ab78", filename="hs-4471.pdf", sha256="0" * 64,
        extracted=ExtractedBill(**fields), model="offline", prompt_id="bill_document", prompt_version="1",
    )  # fmt: skip


def document_quickbooks(
    orders: list[JsonObject] | None = None, vendors: list[JsonObject] | None = None
) -> FakeQuickBooks:
    return FakeQuickBooks(
        records={("Vendor", "56"): VENDOR},
        rows={
            orders_by_number_query(["PO-1001"]) or "": [ORDER] if orders is None else orders,
            vendor_by_name_query("Harbor Supply LLC") or "": vendors or [],
            vendor_bills_query("56"): [],
        },
    )


def _extracted_envelope(payload: BillDocumentExtracted) -> Envelope[BillDocumentExtracted]:
    return Envelope.start(payload, pipeline=AP.name, tenant="demo-co")


async def test_an_authorised_upload_is_published_once_by_its_content() -> None:
    pdf = b"%PDF-1.4 a vendor invoice " * 20
    async with connectors(document_quickbooks()) as app:
        headers = {"Authorization": f"Bearer {INTAKE_TOKEN}", "X-Submitted-By": "ap@demo-co.example"}
        files = {"file": ("hs-4471.pdf", pdf, "application/pdf")}
        first = await app.client.post(INTAKE_PATH, headers=headers, files=files)
        again = await app.client.post(INTAKE_PATH, headers=headers, files=files)
        raw_body = await app.client.post(
            f"{INTAKE_PATH}?filename=note.txt", headers=headers | {"Content-Type": "text/plain"}, content=b"x" * 300
        )
    assert first.status_code == 202 and first.json() == {"document_id": document_id(pdf), "duplicate": False}
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert raw_body.status_code == 202
    published: list[BillDocumentReceived] = [m.payload for m in app.captured.of(ApMatching.DOCUMENT)]
    assert [(d.filename, d.content_type, d.size_bytes) for d in published] == [
        ("hs-4471.pdf", "application/pdf", len(pdf)),
        ("note.txt", "text/plain", 300),
    ]
    assert published[0].submitted_by == "ap@demo-co.example" and published[0].realm_id == REALM


@pytest.mark.parametrize(
    ("headers", "content", "status"),
    [
        ({}, b"x" * 300, 401),
        ({"Authorization": "Bearer wrong"}, b"x" * 300, 401),
        ({"Authorization": f"Bearer {INTAKE_TOKEN}"}, b"", 400),
        ({"Authorization": f"Bearer {INTAKE_TOKEN}"}, b"x" * 2_000_001, 413),
    ],
)
async def test_an_unauthorised_empty_or_oversized_upload_is_refused_and_publishes_nothing(
    headers: dict[str, str], content: bytes, status: int
) -> None:
    async with connectors(document_quickbooks()) as app:
        answer = await app.client.post(
            INTAKE_PATH, headers=headers | {"Content-Type": "application/pdf"}, content=content
        )
    assert answer.status_code == status, answer.text
    assert "error" in answer.json()
    assert app.captured.of(ApMatching.DOCUMENT) == []


async def test_an_extracted_invoice_becomes_a_draft_bill_tied_to_the_order_it_names() -> None:
    qbo = document_quickbooks()
    async with connectors(qbo) as app:
        await app.kernel.publisher.publish(ApMatching.DOCUMENT_EXTRACTED, _extracted_envelope(extracted()), key="d")
    [raw] = app.raw()
    assert raw.bill_id == "doc-ab12cd34ef56ab78" and raw.document is not None
    assert raw.bill["VendorRef"]["value"] == "56", "the vendor of the order the invoice names"
    [line] = raw.bill["Line"]
    assert line["ItemBasedExpenseLineDetail"]["ItemRef"]["value"] == "7"
    assert line["LinkedTxn"] == [{"TxnId": "1001", "TxnType": "PurchaseOrder", "TxnLineId": "1"}]
    assert DOCUMENT_MARK + "ab12cd34ef56ab78" in raw.bill["PrivateNote"]
    assert sorted(qbo.calls) == sorted(
        [orders_by_number_query(["PO-1001"]), "read Vendor 56", vendor_bills_query("56")]
    ), "no name lookup when the order names the vendor"
    validated = validate_bill(raw)
    matched = match_bill(validated, TOLERANCE, approved_bank=None)
    assert matched.outcome is MatchOutcome.MATCHED, matched.exceptions
    assert matched.document is not None and matched.document.extracted.total is not None
    assert matched.lines[0].matched_by == "item"


async def test_an_invoice_issued_under_another_name_than_the_orders_vendor_goes_to_a_person() -> None:
    async with connectors(document_quickbooks()) as app:
        other = extracted(vendor_name=quoted("Harbour Trading Ltd", "Harbor Supply LLC"))
        await app.kernel.publisher.publish(ApMatching.DOCUMENT_EXTRACTED, _extracted_envelope(other), key="d")
    [raw] = app.raw()
    matched = match_bill(validate_bill(raw), TOLERANCE, approved_bank=None)
    assert matched.outcome is MatchOutcome.EXCEPTIONS
    assert [e.kind for e in matched.exceptions] == [ExceptionKind.VENDOR_MISMATCH]


async def test_an_invoice_without_an_order_is_found_by_its_vendor_name_and_matched_as_having_none() -> None:
    qbo = document_quickbooks(orders=[], vendors=[VENDOR])
    async with connectors(qbo) as app:
        await app.kernel.publisher.publish(ApMatching.DOCUMENT_EXTRACTED, _extracted_envelope(extracted()), key="d")
    [raw] = app.raw()
    matched = match_bill(validate_bill(raw), TOLERANCE, approved_bank=None)
    assert ExceptionKind.NO_PURCHASE_ORDER in {e.kind for e in matched.exceptions}
    assert raw.bill["Line"][0]["AccountBasedExpenseLineDetail"]["AccountRef"]["value"] == "70"


async def test_an_invoice_naming_nothing_quickbooks_knows_is_dead_lettered_by_name() -> None:
    qbo = document_quickbooks(orders=[], vendors=[])
    async with connectors(qbo) as app:
        await app.kernel.publisher.publish(ApMatching.DOCUMENT_EXTRACTED, _extracted_envelope(extracted()), key="d")
    assert app.raw() == []
    [letter] = app.dead_letters
    assert letter[dl.ERROR_TYPE] == "DocumentUnresolved"
    assert "PO-1001" in letter[dl.ERROR_MESSAGE] and "Harbor Supply LLC" in letter[dl.ERROR_MESSAGE]


def test_a_draft_missing_what_the_invoice_did_not_state_is_invalid_by_the_documents_field() -> None:
    line = {"Id": "1", "Amount": 10.0, "DetailType": "AccountBasedExpenseLineDetail",
            "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "7"}}}  # fmt: skip
    raw_bill = {"Id": "doc-1", "SyncToken": "0", "VendorRef": {"value": "56"}, "TxnDate": "2026-11-18",
                "TotalAmt": 10.0, "Line": [line]}  # fmt: skip
    document = BillDocument(document_id="1", filename="x.pdf", sha256="0", extracted=ExtractedBill(), draft=raw_bill)
    raw = RawBillFetched(
        realm_id=REALM, bill_id="doc-1", bill=raw_bill, purchase_orders=[], vendor=VENDOR, document=document
    )
    with pytest.raises(ContractInvalid) as refused:
        validate_bill(raw)
    assert refused.value.field == "document.invoice_number"
