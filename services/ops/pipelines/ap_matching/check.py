"""`seamline ap check BILL PO [RECEIPTS]`: one bill matched offline from QuickBooks-shaped JSON files, printed with
its variances and the route the tenant's policy gives it. Reads files, writes to the terminal, nothing else.
`seamline ap upload INVOICE`: a vendor invoice document sent to the connectors' intake."""

from __future__ import annotations

import json
import mimetypes
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import httpx
import yaml
from pydantic import ValidationError

from contracts.ap_matching import SPEC, ApAction, BillMatched, MatchException, MatchOutcome, RawBillFetched
from contracts.approval import Route
from services.approval.domain import parse_policy, route
from services.rules.pipelines.ap_matching.domain import match_bill, parse_tolerance
from services.validation.pipelines.ap_matching.domain import validate_bill
from shared.errors import AppError, ContractInvalid

DEMO_TENANT = Path(__file__).resolve().parents[4] / "infra" / "tenants" / "demo-co"
OFFLINE_REALM = "offline"

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _read(path: Path) -> Any:
    """JSON with every number read as the Decimal of its text."""
    try:
        return json.loads(path.read_text(), parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"{path}: not JSON ({exc})") from None


def _entities(data: Any, name: str) -> list[Any]:
    """`name` records as QuickBooks answers them: one bare, `{"<name>": ...}`, a list or a query response."""
    if isinstance(data, dict) and "QueryResponse" in data:
        data = data["QueryResponse"].get(name, [])
    if isinstance(data, dict) and name in data:
        data = data[name]
    return data if isinstance(data, list) else [data]


def _one(path: Path, name: str) -> Any:
    found = _entities(_read(path), name)
    if len(found) != 1:
        raise click.BadParameter(f"{path}: expected one {name}, found {len(found)}")
    return found[0]


def _vendor_of(bill: Any) -> dict[str, Any] | None:
    """Without a vendor file, the vendor the bill names (no bank details: no bank check)."""
    ref = bill.get("VendorRef") if isinstance(bill, dict) else None
    if not isinstance(ref, dict) or not ref.get("value"):
        return None
    return {"Id": ref["value"], "DisplayName": ref.get("name") or ref["value"]}


def _exception(e: MatchException) -> str:
    figures = ", ".join(
        f"{label} {value:,}"
        for label, value in (("expected", e.expected), ("found", e.found), ("variance", e.variance))
        if value is not None
    )
    return f"  {e.kind.value}: {e.detail}" + (f" ({figures})" if figures else "")


def _route(matched: BillMatched, policy_file: Path) -> str:
    if matched.held:
        return "held: the vendor's bank details changed; a person verifies them with the vendor (never automated)"
    amount = f"{matched.currency} {matched.total:,}"
    try:
        loaded = parse_policy(policy_file.read_text())
        chosen, role = route(loaded.policy, SPEC.name, ApAction.APPROVE_BILL, matched.total)
    except (ValueError, LookupError, AppError) as exc:
        first = str(exc).splitlines()[0]
        return (
            f"not available ({policy_file}: {type(exc).__name__}: {first}); outcome {matched.outcome.value}, {amount}"
        )
    where = f"(policy {loaded.policy.tenant} {loaded.policy.version}, {amount})"
    if chosen is Route.NEVER:
        return f"none: the policy has no {ApAction.APPROVE_BILL.value} rule for {SPEC.name} {where}"
    if chosen is Route.AUTO and matched.outcome is not MatchOutcome.MATCHED:
        role = loaded.policy.for_pipeline(SPEC.name).actions[ApAction.APPROVE_BILL].role_for(matched.total)
        return f"human, {role}: only a fully matched bill is approved without a person {where}"
    return f"{chosen.value}" + (f", {role}" if role else "") + f" {where}"


def describe(matched: BillMatched) -> list[str]:
    """The match as an operator reads it: the bill, each line's variances, the exceptions."""
    kind = "three-way (receipts checked)" if matched.three_way else "two-way (no receipts)"
    out = [
        f"Bill {matched.doc_number} (id {matched.bill_id}) from {matched.vendor_name}, {matched.txn_date.isoformat()}, "
        f"{matched.currency} {matched.total:,}",
        f"Purchase orders: {', '.join(matched.po_numbers) or 'none'}; {kind} match",
        f"Outcome: {matched.outcome.value.replace('_', ' ')}",
        "Lines:",
    ]
    for line in matched.lines:
        where = f"PO {line.po_id} line {line.po_line_id}" if line.po_line_id else "no PO line"
        status = "within tolerance" if line.within_tolerance else "EXCEPTION"
        out.append(
            f"  {line.bill_line_id}: {line.matched_by}, {where}; quantity variance {line.quantity_variance:,}, "
            f"price variance {line.price_variance:,}, amount variance {line.amount_variance:,}; {status}"
        )
    if matched.exceptions:
        out += ["Exceptions:", *(_exception(e) for e in matched.exceptions)]
    if matched.duplicate_of:
        out.append(f"Possible duplicate of bill {matched.duplicate_of}")
    if matched.bank_change:
        change = matched.bank_change
        out.append(f"Bank change for {change.vendor_name}: was {change.previous}; now {change.current}")
    return out


COMMANDS = click.Group("ap", help="AP matching: vendor bills against purchase orders and receipts.")


@COMMANDS.command("check")
@click.argument("bill_json", type=_FILE)
@click.argument("po_json", type=_FILE)
@click.argument("receipts_json", type=_FILE, required=False)
@click.option("--vendor", "vendor_json", type=_FILE, help="the QuickBooks Vendor (with VendorPaymentBankDetail)")
@click.option("--vendor-bills", "bills_json", type=_FILE, help="the vendor's other bills, for duplicates")
@click.option("--approved-bank", help="fingerprint of the vendor's last approved bank details")
@click.option("--tolerance", "tolerance_yaml", type=_FILE, default=DEMO_TENANT / "ap_matching.yaml", show_default=True)
@click.option("--policy", "policy_yaml", type=_FILE, default=DEMO_TENANT / "policy.yaml", show_default=True)
def check(  # click passes every parameter by name
    *,
    bill_json: Path,
    po_json: Path,
    receipts_json: Path | None,
    vendor_json: Path | None,
    bills_json: Path | None,
    approved_bank: str | None,
    tolerance_yaml: Path,
    policy_yaml: Path,
) -> None:
    """Match one bill (BILL_JSON) against its purchase orders (PO_JSON: one or a list) and, given RECEIPTS_JSON
    (the receiving log's entries), its receipts; print the match, the variances and the route."""
    bill = _one(bill_json, "Bill")
    try:
        raw = RawBillFetched(
            realm_id=OFFLINE_REALM,
            bill_id=str(bill.get("Id", "")) if isinstance(bill, dict) else "",
            bill=bill,
            purchase_orders=_entities(_read(po_json), "PurchaseOrder"),
            vendor=_one(vendor_json, "Vendor") if vendor_json else _vendor_of(bill),
            vendor_bills=_entities(_read(bills_json), "Bill") if bills_json else [],
            receipts=_entities(_read(receipts_json), "Receipt") if receipts_json else None,
        )
        validated = validate_bill(raw)
    except ValidationError as exc:
        raise click.ClickException(f"invalid input: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}") from None
    except ContractInvalid as exc:
        raise click.ClickException(f"invalid input: {exc}") from None
    tolerance = parse_tolerance(yaml.safe_load(tolerance_yaml.read_text()))
    matched = match_bill(validated, tolerance, approved_bank)
    for text in [*describe(matched), f"Route: {_route(matched, policy_yaml)}"]:
        click.echo(text)


@COMMANDS.command("upload")
@click.argument("document", type=_FILE)
@click.option("--connectors-url", envvar="SEAMLINE_CONNECTORS_URL", default="http://127.0.0.1:8801", show_default=True)
@click.option("--token", envvar="SEAMLINE_CONNECTORS_BILL_INTAKE_TOKEN", required=True, help="the intake token")
@click.option("--submitted-by", default=None, help="who sends it (kept with the document)")
def upload(document: Path, connectors_url: str, token: str, submitted_by: str | None) -> None:
    """Upload a vendor invoice (PDF, DOCX or text) to POST /intake/bills; prints its document id. It is then read,
    matched and routed as any bill (`seamline report` follows it)."""
    media = mimetypes.guess_type(document.name)[0] or "application/octet-stream"
    headers = {"Authorization": f"Bearer {token}"} | ({"X-Submitted-By": submitted_by} if submitted_by else {})
    answer = httpx.post(
        f"{connectors_url.rstrip('/')}/intake/bills",
        headers=headers,
        files={"file": (document.name, document.read_bytes(), media)},
        timeout=30,
    )
    if answer.status_code >= 400:
        raise click.ClickException(f"refused ({answer.status_code}): {answer.json().get('error', answer.text)}")
    found = answer.json()
    seen = " (already uploaded: not read again)" if found["duplicate"] else ""
    click.echo(f"document {found['document_id']}: bill doc-{found['document_id']}{seen}")
