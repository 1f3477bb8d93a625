"""Vendor invoices uploaded as documents, end to end on the real broker: read from PDF and DOCX, each value cited
from the text, resolved to the order it names, matched as any bill; approving one creates the bill in QuickBooks
once (and pays it, as the tenant's policy says), and QuickBooks announcing that bill asks nobody again; the same
invoice already in QuickBooks is a duplicate; one naming nothing QuickBooks knows is a dead letter by name."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from contracts import deadletter as dl
from contracts.ap_matching import SPEC as AP
from contracts.ap_matching import ApAction, ApApproval, ExceptionKind, MatchOutcome
from contracts.approval import ActionStatus, ApprovalRequested, Route
from contracts.envelope import Envelope
from infra.sandboxes.ap_documents_seed import INVOICE_DOCUMENTS
from services.ops.pipelines.ap_matching.check import COMMANDS
from services.ops.pipelines.ap_matching.demo import ApReport, ap_report, approve_from_link, upload_documents
from services.ops.stack import Stack
from shared.topic_reader import read_topic
from tests.e2e.conftest import eventually, run
from tests.e2e.test_ap_matching import _fire, _qbo, _settled

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def uploaded(stack: Stack) -> dict[str, str]:
    """filename -> bill id ("doc-<document id>") of each seeded invoice, uploaded to POST /intake/bills."""
    return {document.filename: bill_id for document, bill_id in run(upload_documents(stack.config))}


@pytest.fixture(scope="module")
def documents_run(stack: Stack, uploaded: dict[str, str]) -> ApReport:
    return _settled(stack, sorted(uploaded.values()))


def test_an_invoice_pdf_is_read_with_citations_and_matched_to_its_order(
    documents_run: ApReport, uploaded: dict[str, str]
) -> None:
    bill_id = uploaded["hop-7702.pdf"]
    matched, request = documents_run.matched[bill_id], documents_run.requests[bill_id]
    assert (matched.doc_number, matched.total, matched.po_numbers) == ("HOP-7702", Decimal("734.00"), ("PO-1013",))
    assert matched.outcome is MatchOutcome.MATCHED and matched.three_way, matched.exceptions
    assert (request.route, request.approver_role) == (Route.HUMAN, "bookkeeper"), "734.00 is above auto_below 500"
    assert request.action == ApAction.APPROVE_BILL and "read from hop-7702.pdf" in request.summary
    document = matched.document
    assert document is not None
    read = document.extracted
    assert read.total is not None and read.total.value == Decimal("734.00"), "the footer's 7.34 decided nothing"
    text = next(d.text for d in INVOICE_DOCUMENTS if d.filename == "hop-7702.pdf")
    quotes = [c.citation.quote for c in (read.invoice_number, read.total, *read.po_numbers) if c is not None]
    assert quotes and all(" ".join(q.split()) in " ".join(text.split()) for q in quotes)


def test_an_invoice_already_in_quickbooks_is_a_duplicate(documents_run: ApReport, uploaded: dict[str, str]) -> None:
    matched = documents_run.matched[uploaded["nw-58211-scan.docx"]]
    assert ExceptionKind.DUPLICATE in {e.kind for e in matched.exceptions}
    assert matched.duplicate_of == "2001"
    assert documents_run.requests[uploaded["nw-58211-scan.docx"]].route is Route.HUMAN


def test_an_invoice_naming_nothing_quickbooks_knows_is_a_named_dead_letter(
    documents_run: ApReport, uploaded: dict[str, str]
) -> None:
    headers = documents_run.dead_letters[uploaded["fjord-0091.txt"]]
    assert headers[dl.ERROR_TYPE] == "DocumentUnresolved"
    assert "Fjord Catering" in headers[dl.ERROR_MESSAGE]


def test_the_same_file_uploaded_again_is_not_read_twice(stack: Stack, tmp_path: Path) -> None:
    document = INVOICE_DOCUMENTS[2]
    url = f"http://127.0.0.1:{stack.config.service_ports['connectors']}/intake/bills"
    token = stack.config.service_env()["SEAMLINE_CONNECTORS_BILL_INTAKE_TOKEN"]
    files = {"file": (document.filename, document.content(), document.content_type)}
    first = httpx.post(url, headers={"Authorization": f"Bearer {token}"}, files=files)
    again = httpx.post(url, headers={"Authorization": f"Bearer {token}"}, files=files)
    forged = httpx.post(url, headers={"Authorization": "Bearer guessed"}, files=files)
    assert first.json()["document_id"] == again.json()["document_id"] and again.json()["duplicate"] is True
    assert forged.status_code == 401
    path = tmp_path / document.filename
    path.write_bytes(files["file"][1])
    by_command = CliRunner().invoke(
        COMMANDS, ["upload", str(path), "--connectors-url", url.removesuffix("/intake/bills"), "--token", token]
    )
    assert by_command.exit_code == 0 and "already uploaded" in by_command.output, by_command.output
    refused = CliRunner().invoke(
        COMMANDS, ["upload", str(path), "--connectors-url", url.removesuffix("/intake/bills"), "--token", "x"]
    )
    assert refused.exit_code == 1 and "refused (401)" in refused.output


def _bills_numbered(stack: Stack, doc_number: str) -> list[dict[str, Any]]:
    with _qbo(stack) as qbo:
        answer = qbo.get("/query", params={"query": "select * from Bill where VendorRef = '105'", "minorversion": "75"})
    return [b for b in answer.json()["QueryResponse"].get("Bill", []) if b.get("DocNumber") == doc_number]


def test_approving_an_invoice_creates_and_pays_its_bill_once_and_asks_nobody_again(
    stack: Stack, documents_run: ApReport, uploaded: dict[str, str]
) -> None:
    bill_id = uploaded["hop-7702.pdf"]
    request = documents_run.requests[bill_id]
    assert isinstance(request.payload, ApApproval) and request.payload.pay_on_approval
    run(approve_from_link(request, "e2e: goods received, invoice checked"))

    def done() -> list[Any] | None:
        acts = run(ap_report(stack.config, [bill_id])).actions.get(bill_id, [])
        executed = {a.action for a in acts if a.status is ActionStatus.EXECUTED}
        return acts if {ApAction.APPROVE_BILL, ApAction.PAY_BILL} <= executed else None

    eventually(done, timeout_s=60, what="the invoice's bill created and paid")
    [created] = _bills_numbered(stack, "HOP-7702")
    assert Decimal(str(created["TotalAmt"])) == Decimal("734.00") and Decimal(str(created["Balance"])) == 0
    assert "Approved by" in created["PrivateNote"]
    # QuickBooks announces the bill it now has: matched as the document's bill, not asked about again.
    _fire(stack, {"entities": [{"name": "Bill", "id": created["Id"], "operation": "Create"}]})

    def rematched() -> ApReport | None:
        report = run(ap_report(stack.config, [created["Id"]]))
        return report if created["Id"] in report.matched else None

    again = eventually(rematched, timeout_s=60, what=f"bill {created['Id']} matched")
    assert again.matched[created["Id"]].from_document == bill_id.removeprefix("doc-")
    time.sleep(3)  # the approval service takes milliseconds to ask; give it seconds
    asked = run(_requests_about(stack, bill_id, created["Id"]))
    assert [r.entity_id for r in asked] == [bill_id], "one request: the document's, none for the bill it became"
    assert len(_bills_numbered(stack, "HOP-7702")) == 1


async def _requests_about(stack: Stack, *bills: str) -> list[ApprovalRequested]:
    found = []
    async for record in read_topic(stack.config.kafka, AP.approval_requested):
        request = Envelope[AP.approval_request].model_validate_json(record.value).payload  # type: ignore[name-defined]
        facts = request.payload.explained.facts if isinstance(request.payload, ApApproval) else None
        if request.entity_id in bills or (facts is not None and facts.bill_id in bills):
            found.append(request)
    return found
