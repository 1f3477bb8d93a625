"""Notifier: Slack Block Kit for approvers and operators, within Slack's size limits."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from contracts import deadletter as dl
from contracts.approval import ApprovalLink, ApprovalRequested, Route
from contracts.contract_review import (
    Anomaly,
    Citation,
    Cited,
    ContractReviewApproval,
    ContractReviewSummary,
    ContractTerms,
    DocumentKind,
    DocumentMeta,
    KeyDates,
    Severity,
)
from contracts.invoice_followup import FollowUpApproval, FollowUpDrafted
from services.notifier.domain import DeadLetterRef, dead_letter_alert, dead_letter_digest
from services.notifier.pipelines.contract_review.domain import contract_review_message
from services.notifier.pipelines.invoice_followup.domain import approval_message
from shared.errors import ContractInvalid
from tests.unit.factories import AS_OF, NOW, follow_up_drafted, follow_up_due

DEMO_POLICY_VERSION = "2026-11-21.1"  # infra/tenants/demo-co/policy.yaml


def followup_request(
    drafted: FollowUpDrafted | None = None,
    route: Route = Route.HUMAN,
    links: tuple[ApprovalLink, ...] = (),
    request_id: str = "req-followup-131",
) -> ApprovalRequested:
    """A follow-up request as the approval service makes it under the demo tenant's policy (ar_manager, 72 h)."""
    drafted = drafted or follow_up_drafted()
    facts = drafted.facts
    return ApprovalRequested(
        request_id=request_id,
        action="send_followup_email",
        entity_id=facts.invoice_id,
        amount=facts.amount_due,
        currency=facts.currency,
        route=route,
        approver_role="ar_manager" if route is Route.HUMAN else None,
        requested_by="seamline:invoice_followup",
        policy_version=DEMO_POLICY_VERSION,
        policy_hash="0" * 64,
        summary=(
            f"Send the {facts.stage.value} follow-up to {facts.customer_name} <{facts.customer_email}> for invoice "
            f"{facts.invoice_number}: {facts.currency} {facts.amount_due}, {facts.days_overdue} days overdue."
        ),
        payload=FollowUpApproval(draft=drafted),
        expires_at=NOW + timedelta(hours=72),
        links=links,
    )


def review_request(
    route: Route = Route.HUMAN, links: tuple[ApprovalLink, ...] = (), request_id: str = "req-review-9001"
) -> ApprovalRequested:
    """A contract review request under the demo tenant's policy (contract_reviewer, 168 h), one departure found."""
    meta = DocumentMeta(
        deal_id="9001",
        deal_name="Acme Freight renewal",
        annual_fees=Decimal("48000.00"),
        currency="USD",
        as_of=AS_OF,
        document_id="doc-9001",
        kind=DocumentKind.TEXT,
        sha256="a" * 64,
        chars=1200,
    )
    quote = "Payment is due sixty (60) days after the invoice date."
    net = Cited[int](value=60, citation=Citation(chunk_id="c003", quote=quote, start=400, end=400 + len(quote)))
    review = ContractReviewSummary(
        meta=meta,
        terms=ContractTerms(payment_net_days=net),
        anomalies=(
            Anomaly(
                field="payment_net_days",
                found="net 60",
                baseline="net 30 or shorter",
                severity=Severity.MEDIUM,
                citation=net.citation,
            ),
        ),
        dates=KeyDates(term_end=date(2027, 11, 30)),
        baseline_version="3",
        model="offline-extractor",
        summary="Contract for deal 9001 (Acme Freight renewal): 1 departure(s) from the baseline.",
    )
    return ApprovalRequested(
        request_id=request_id,
        action="review_contract",
        entity_id=meta.deal_id,
        amount=Decimal("48000.00"),
        currency="USD",
        route=route,
        approver_role="contract_reviewer" if route is Route.HUMAN else None,
        requested_by="seamline:contract_review",
        policy_version=DEMO_POLICY_VERSION,
        policy_hash="0" * 64,
        summary=review.summary,
        payload=ContractReviewApproval(review=review),
        expires_at=NOW + timedelta(hours=168),
        links=links,
    )


# Slack's documented caps.
HEADER_MAX = 150
SECTION_TEXT_MAX = 3000
BUTTON_TEXT_MAX = 75
ACTIONS_MAX = 25

LINKS = (
    ApprovalLink(approver="maria.lopez@demo-co.example", url="https://approvals.example/approvals/r1/decision?token=a"),
    ApprovalLink(approver="sam.chen@demo-co.example", url="https://approvals.example/approvals/r1/decision?token=b"),
)


def _request(
    links: tuple[ApprovalLink, ...] = LINKS, subject: str | None = None, body: str | None = None
) -> ApprovalRequested:
    overrides = {k: v for k, v in (("subject", subject), ("body", body)) if v is not None}
    return followup_request(follow_up_drafted(follow_up_due(), **overrides), links=links)


def _blocks(message: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [b for b in message["blocks"] if b["type"] == kind]


def _all_texts(message: dict[str, Any]) -> list[str]:
    texts = []
    for block in message["blocks"]:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts += [f["text"] for f in block.get("fields", [])]
    return texts


def test_approval_message_has_header_facts_and_one_button_per_link() -> None:
    request = _request()
    message = approval_message(request, "demo-co")

    assert message["text"].startswith("Approval needed (demo-co): Send the final follow-up to Harbor Marine")
    (header,) = _blocks(message, "header")
    assert header["text"] == {"type": "plain_text", "text": "Approval needed: invoice 1131"}
    fields = [f["text"] for b in _blocks(message, "section") for f in b.get("fields", [])]
    assert "*Amount due*\nUSD 1250.00" in fields
    assert "*Due date*\n2026-10-20" in fields
    assert "*Days overdue*\n32" in fields
    assert "*Approver role*\nar_manager" in fields
    assert "*Expires*\n2026-11-24 09:30 UTC" in fields
    (actions,) = _blocks(message, "actions")
    approve, reject, *links = actions["elements"]
    assert (approve["action_id"], approve["value"], approve["text"]["text"]) == (
        "seamline_approve",
        request.request_id,
        "Approve",
    )
    assert (reject["action_id"], reject["value"], reject["text"]["text"]) == (
        "seamline_reject",
        request.request_id,
        "Reject",
    )
    assert [(b["text"]["text"], b["url"]) for b in links] == [
        ("Review as maria.lopez@demo-co.example", LINKS[0].url),
        ("Review as sam.chen@demo-co.example", LINKS[1].url),
    ]
    assert len({b["action_id"] for b in actions["elements"]}) == 4, "action ids are unique within a block"
    (context,) = _blocks(message, "context")
    assert request.request_id in context["elements"][0]["text"]


def test_the_draft_is_quoted_line_by_line() -> None:
    message = approval_message(
        _request(subject="Final reminder: invoice 1131", body="Dear Harbor,\n\nPlease pay."), "t"
    )
    assert "*Final reminder: invoice 1131*\n>Dear Harbor,\n>\n>Please pay." in _all_texts(message)


def test_button_labels_and_button_count_stay_within_slack_limits() -> None:
    many = tuple(
        ApprovalLink(approver=f"approver-{i}-with-a-very-long-name@finance.demo-co.example", url=f"https://a/{i}")
        for i in range(30)
    )
    (actions,) = _blocks(approval_message(_request(links=many), "demo-co"), "actions")
    assert len(actions["elements"]) == ACTIONS_MAX
    assert all(len(b["text"]["text"]) <= BUTTON_TEXT_MAX for b in actions["elements"])
    assert [b["action_id"] for b in actions["elements"][:2]] == ["seamline_approve", "seamline_reject"]
    assert actions["elements"][2]["url"] == "https://a/0"


def test_a_typical_draft_fits_slack_limits() -> None:
    body = "\n".join(["Dear Harbor Marine,", "", "Invoice 1131 for USD 1250.00 is overdue. " * 5, "", "Dana"])
    message = approval_message(_request(body=body), "demo-co")
    assert max(len(t) for t in _all_texts(message)) <= SECTION_TEXT_MAX
    assert len(_blocks(message, "header")[0]["text"]["text"]) <= HEADER_MAX


def test_an_overlong_body_is_cut_before_quoting() -> None:
    message = approval_message(_request(subject="s", body="x" * 4000), "demo-co")
    (draft_text,) = [t for t in _all_texts(message) if t.startswith("*s*")]
    assert draft_text.startswith("*s*\n>xxxx")
    assert len(draft_text) <= SECTION_TEXT_MAX


def test_the_longest_draft_the_model_may_write_fits_a_slack_section() -> None:
    body = "\n".join(["Payment of invoice 1131 is overdue; please settle the balance of USD 1250.00 soon."] * 47)
    assert len(body) <= 4000  # what the submit_followup_draft tool accepts
    message = approval_message(_request(subject="S" * 200, body=body), "demo-co")
    assert max(len(t) for t in _all_texts(message)) <= SECTION_TEXT_MAX


def test_a_contract_review_message_shows_each_departure_with_its_quote_and_the_buttons() -> None:
    request = review_request(links=LINKS[:1])
    message = contract_review_message(request, "demo-co")
    assert message["text"].startswith("Contract review needed (demo-co): Contract for deal 9001")
    assert _blocks(message, "header")[0]["text"]["text"] == "Contract review: Acme Freight renewal"
    texts = _all_texts(message)
    departure = "*payment_net_days* (medium): found net 60; baseline net 30 or shorter"
    assert f"{departure}\n>Payment is due sixty (60) days after the invoice date. _(c003)_" in texts
    assert "*Reviewer role*\ncontract_reviewer" in texts
    (actions,) = _blocks(message, "actions")
    assert [(b["action_id"], b.get("value")) for b in actions["elements"][:2]] == [
        ("seamline_approve", request.request_id),
        ("seamline_reject", request.request_id),
    ]
    assert actions["elements"][2]["url"] == LINKS[0].url


def test_each_message_refuses_another_pipelines_request_by_name() -> None:
    with pytest.raises(ContractInvalid, match="ContractReviewApproval, not the draft"):
        approval_message(review_request(), "demo-co")
    with pytest.raises(ContractInvalid, match="FollowUpApproval, not the review"):
        contract_review_message(followup_request(), "demo-co")


# --- dead letters ------------------------------------------------------------------------------------

HEADERS = {
    dl.ERROR_TYPE: "ContractInvalid",
    dl.ERROR_MESSAGE: "Invoice.DueDate: Field required",
    dl.ERROR_FIELD: "Invoice.DueDate",
    dl.SOURCE_TOPIC: "invoice_followup.raw.v1",
    dl.SOURCE_PARTITION: "2",
    dl.SOURCE_OFFSET: "41",
    dl.ATTEMPTS: "1",
    dl.SERVICE: "validation",
    dl.CORRELATION_ID: "5b0c7f8e-0000-4000-8000-000000000001",
}


def test_dead_letter_alert_names_the_error_the_source_and_how_to_replay() -> None:
    alert = dead_letter_alert(DeadLetterRef(HEADERS, "invoice_followup.deadletter.v1", 0, 17))
    assert alert["text"] == "Dead letter on invoice_followup.deadletter.v1: ContractInvalid"
    header, section = alert["blocks"]
    assert header["text"]["text"] == "Dead letter: invoice_followup.deadletter.v1"
    text = section["text"]["text"]
    assert "*ContractInvalid*: Invoice.DueDate: Field required" in text
    assert "service `validation` · source `invoice_followup.raw.v1` partition 2 offset 41 · attempts 1" in text
    assert "field `Invoice.DueDate`" in text
    assert "correlation id `5b0c7f8e-0000-4000-8000-000000000001`" in text
    assert "`seamline deadletters replay invoice_followup.deadletter.v1:0:17`" in text
    assert "`seamline deadletters show invoice_followup.deadletter.v1:0:17`" in text


def test_dead_letter_alert_survives_missing_headers() -> None:
    alert = dead_letter_alert(DeadLetterRef({}, "invoice_followup.deadletter.v1", 1, 2))
    assert alert["text"] == "Dead letter on invoice_followup.deadletter.v1: unknown"
    assert "field `" not in alert["blocks"][1]["text"]["text"]


def test_dead_letter_alert_stays_within_slack_limits() -> None:
    headers = {**HEADERS, dl.ERROR_MESSAGE: "e" * 2000}  # the middleware caps messages at 2000 chars
    alert = dead_letter_alert(DeadLetterRef(headers, "invoice_followup." + "t" * 200 + ".v1", 0, 1))
    assert len(alert["blocks"][0]["text"]["text"]) <= HEADER_MAX
    assert len(alert["blocks"][1]["text"]["text"]) <= SECTION_TEXT_MAX


def _letter(offset: int, **headers: str) -> DeadLetterRef:
    return DeadLetterRef({**HEADERS, **headers}, "invoice_followup.deadletter.v1", 0, offset)


def test_a_digest_names_every_letter_once_with_its_field_and_show_command() -> None:
    letters = [_letter(n) for n in range(10)] + [_letter(10, **{dl.ERROR_TYPE: "UpstreamUnavailable"})]
    digest = dead_letter_digest(letters)
    text = "\n".join(_all_texts(digest))
    for n in range(11):
        assert text.count(f"`seamline deadletters show invoice_followup.deadletter.v1:0:{n}`") == 1
    assert text.count("field `Invoice.DueDate`") == 11
    assert digest["blocks"][0]["text"]["text"] == "11 dead letters: invoice_followup.deadletter.v1"
    assert "*10 ContractInvalid* from `validation` · *1 UpstreamUnavailable* from `validation`" in text


def test_a_digest_of_one_letter_is_the_single_alert() -> None:
    assert dead_letter_digest([_letter(3)]) == dead_letter_alert(_letter(3))


def test_the_largest_digest_of_the_longest_letters_stays_within_slack_limits() -> None:
    long = {dl.ERROR_MESSAGE: "m" * 2000, dl.ERROR_FIELD: "f" * 300, dl.CORRELATION_ID: "c" * 200}
    letters = [_letter(n, **long) for n in range(50)]  # NotifierSettings caps a digest at 50
    digest = dead_letter_digest(letters)
    assert len(digest["blocks"]) <= 50
    assert max(len(t) for t in _all_texts(digest)) <= SECTION_TEXT_MAX
    text = "\n".join(_all_texts(digest))
    assert all(f"invoice_followup.deadletter.v1:0:{n}`" in text for n in range(50)), "no letter cut off"
