"""AP matching at the trust seam. Pure.

A matched bill becomes a request to approve it, routed by the tenant's dollar thresholds; only a fully matched
bill may be approved by policy alone, anything with a variance or an exception goes to a person. A bill whose
vendor's bank details changed is held: the request is to verify the change, always decided by a person, and an
approval of it writes nothing outside Seamline; it only records the new details as approved so that the bill
is matched again. No path approves or pays a bill around a bank change."""

from __future__ import annotations

import html
import json
from datetime import datetime

from contracts.ap_matching import (
    SPEC,
    ApAction,
    ApApproval,
    BankDetailsVerified,
    BillExplained,
    BillMatched,
    MatchOutcome,
)
from contracts.approval import ApprovalDecided, ApprovalRequested, Decision
from services.approval.domain import NEVER_AUTOMATED, LoadedPolicy, PlannedAction, new_request
from services.approval.flow import ApprovalPage
from shared.errors import PolicyRefused
from shared.idempotency import idempotency_key

SEAMLINE_MARK = "seamline:"
"""Written into the bill's PrivateNote with the action's key: how a retried write finds its own earlier one."""


def bill_request(explained: BillExplained, tenant: str, loaded: LoadedPolicy, now: datetime) -> ApprovalRequested:
    """One request per bill and matched content: the bill coming back unchanged (our own write to it, a
    duplicate webhook, the CDC catch-up) asks again for nothing; a changed amount or outcome asks anew."""
    facts = explained.facts
    if facts.held:
        return _verify_bank_request(explained, tenant, loaded, now)
    document = facts.document
    read_from = f" (read from {document.filename}; approving creates it in QuickBooks)" if document else ""
    # A bill created in QuickBooks from an approved document is that document's bill: not asked again.
    entity = f"doc-{facts.from_document}" if facts.from_document else facts.bill_id
    return new_request(
        pipeline=SPEC.name,
        action=ApAction.APPROVE_BILL,
        entity_id=entity,
        amount=facts.total,
        currency=facts.currency,
        summary=(
            f"Approve bill {facts.doc_number} from {facts.vendor_name}{read_from}: {facts.currency} {facts.total}, "
            f"{_outcome(facts)}."
        ),
        payload=ApApproval(
            explained=explained,
            pay_on_approval=ApAction.PAY_BILL in loaded.policy.for_pipeline(SPEC.name).actions,
        ),
        tenant=tenant,
        loaded=loaded,
        now=now,
        key=(entity, str(facts.total), facts.outcome.value),
        # A bill read from a document is decided by a person: the reading can be wrong (the offline reader's
        # precision on totals is 0.95 on invoices it was not tuned on, README), so policy never approves it alone.
        always_human=facts.outcome is not MatchOutcome.MATCHED or facts.document is not None,
    )


def _verify_bank_request(
    explained: BillExplained, tenant: str, loaded: LoadedPolicy, now: datetime
) -> ApprovalRequested:
    facts = explained.facts
    change = facts.bank_change
    assert change is not None
    return new_request(
        pipeline=SPEC.name,
        action=ApAction.VERIFY_BANK_CHANGE,
        entity_id=facts.bill_id,
        amount=facts.total,
        currency=facts.currency,
        summary=(
            f"Bill {facts.doc_number} from {facts.vendor_name} ({facts.currency} {facts.total}) is held: the "
            f"vendor's bank details changed from {change.previous} to {change.current}. Confirm the change with "
            "the vendor by phone, on a number you already had, before approving."
        ),
        payload=ApApproval(explained=explained),
        tenant=tenant,
        loaded=loaded,
        now=now,
        key=(change.vendor_id, change.fingerprint),
        always_human=True,
    )


def _outcome(facts: BillMatched) -> str:
    match = "three-way" if facts.three_way else "two-way (no receipts recorded)"
    if facts.outcome is MatchOutcome.MATCHED:
        return f"{match} match, no variance"
    if facts.outcome is MatchOutcome.WITHIN_TOLERANCE:
        return f"{match} match within tolerance"
    kinds = sorted({e.kind.value for e in facts.exceptions})
    return f"{match} match with {len(facts.exceptions)} exception(s): {', '.join(kinds)}"


def explained_of(request: ApprovalRequested) -> BillExplained:
    if not isinstance(request.payload, ApApproval):
        raise PolicyRefused(f"request {request.request_id} is not an AP bill")
    return request.payload.explained


def plan_decided(decided: ApprovalDecided) -> tuple[PlannedAction, ...]:
    """An approved bill is one sparse update of the QuickBooks bill, then, where the tenant turned payment on,
    one BillPayment of the approved amount; an approved bank change is one record of the verified details. A
    rejection leads to nothing."""
    if decided.decision is not Decision.APPROVED:
        return ()
    request = decided.request
    if request.action in NEVER_AUTOMATED:
        raise PolicyRefused(f"{request.action} is never automated, even with an approval")
    facts = explained_of(request).facts
    if request.action == ApAction.VERIFY_BANK_CHANGE:
        change = facts.bank_change
        if change is None:
            raise PolicyRefused(f"request {request.request_id} names no bank change")
        record = BankDetailsVerified(
            realm_id=facts.realm_id, bill_id=facts.bill_id, vendor_id=change.vendor_id,
            fingerprint=change.fingerprint, masked=change.current, verified_by=decided.decided_by,
            request_id=request.request_id,
        )  # fmt: skip
        key = idempotency_key(request.request_id, ApAction.VERIFY_BANK_CHANGE)
        return (PlannedAction(ApAction.VERIFY_BANK_CHANGE, key, body=record.model_dump_json(), target=facts.bill_id),)
    if facts.held:
        raise PolicyRefused(f"bill {facts.doc_number} is held for a bank change: verify it first")
    key = idempotency_key(request.request_id, ApAction.APPROVE_BILL)
    note = f"Approved by {decided.decided_by} in Seamline: {_outcome(facts)} [{SEAMLINE_MARK}{key}]"
    creates = json.dumps(facts.document.draft) if facts.document else ""
    planned = [
        PlannedAction(
            ApAction.APPROVE_BILL, key, body=note, target=facts.bill_id, target_version=facts.sync_token,
            amount=facts.total, creates=creates,
        ),
    ]  # fmt: skip
    if isinstance(request.payload, ApApproval) and request.payload.pay_on_approval:
        paid = idempotency_key(request.request_id, ApAction.PAY_BILL)
        memo = f"Paid on approval by {decided.decided_by} [{SEAMLINE_MARK}{paid}]"
        planned.append(
            PlannedAction(ApAction.PAY_BILL, paid, body=memo, target=facts.bill_id, amount=facts.total, creates=creates)
        )
    return tuple(planned)


def unexecuted_detail(decided: ApprovalDecided) -> str:
    facts = explained_of(decided.request).facts
    return f"{decided.reason}; would record {decided.request.action} on bill {facts.doc_number} ({facts.bill_id})"


def _citations(facts: BillMatched) -> str:
    """Where each value of a document's bill was read: the value and the quote it came from."""
    if facts.document is None:
        return ""
    read = facts.document.extracted
    values: list[tuple[str, object, str]] = [
        (name, cited.value, cited.citation.quote)
        for name in ("vendor_name", "invoice_number", "invoice_date", "due_date", "currency", "tax", "freight", "total")
        if (cited := getattr(read, name)) is not None
    ]
    values += [("po_number", n.value, n.citation.quote) for n in read.po_numbers]
    for i, line in enumerate(read.lines, start=1):
        values += [(f"line {i} amount", line.amount.value, line.amount.citation.quote)]
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{html.escape(str(value))}</td><td><q>{html.escape(quote)}</q></td></tr>"
        for name, value, quote in values
    )
    return (
        f"<h3>Read from {html.escape(facts.document.filename)}</h3>"
        f"<table><tr><th>value</th><th>read as</th><th>quoted from the document</th></tr>{rows}</table>"
    )


def page(request: ApprovalRequested) -> ApprovalPage:
    explained = explained_of(request)
    facts = explained.facts
    rows = "".join(
        f"<tr><td>{html.escape(e.kind.value)}</td><td>{html.escape(e.line_id or '-')}</td>"
        f"<td>{e.expected if e.expected is not None else '-'}</td><td>{e.found if e.found is not None else '-'}</td>"
        f"<td>{e.variance if e.variance is not None else '-'}</td><td>{html.escape(e.detail)}</td></tr>"
        for e in facts.exceptions
    )
    table = (
        "<table><tr><th>exception</th><th>line</th><th>expected</th><th>found</th><th>variance</th><th></th></tr>"
        f"{rows}</table>"
        if rows
        else ""
    )
    body = (
        f"<p>Purchase orders: {html.escape(', '.join(facts.po_numbers) or 'none')}</p>"
        f"<p>{html.escape(explained.summary)}</p>{table}{_citations(facts)}"
    )
    fields = {
        "bill_id": facts.bill_id,
        "outcome": facts.outcome.value,
        "three_way": facts.three_way,
        "exceptions": [e.model_dump(mode="json") for e in facts.exceptions],
        "summary": explained.summary,
        "document": facts.document.model_dump(mode="json", exclude={"draft"}) if facts.document else None,
    }
    title = "Verify this bank change?" if facts.held else "Approve this bill?"
    return ApprovalPage(title, body, fields)
