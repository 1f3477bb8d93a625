"""`seamline cash project COMPANY_JSON [--buffer N] [--as-of DATE]`: one company's 30-day projection computed
offline from a QuickBooks-shaped file, printed as the daily table, the trigger and the explanation, by the same
validation, rules and wording the services use. Reads files, writes to the terminal, nothing else.

COMPANY_JSON holds QuickBooks records by entity (`Account`, `Invoice` open and paid, `Payment`, `Bill`; each a list
or a query response) and, under `cash_planning`, the tenant's cash planning file (else --tenant-file)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import yaml

from contracts.cash_planning import (
    AlertDecision,
    AlertKind,
    CashAlertDecided,
    CashProjected,
    RawCashFetched,
)
from services.reasoning.pipelines.cash_planning.domain import template_summary
from services.rules.pipelines.cash_planning.actions import recommend
from services.rules.pipelines.cash_planning.domain import plan_cash
from services.validation.pipelines.cash_planning.domain import validate_cash
from shared.errors import ContractInvalid

DEMO_FILE = Path(__file__).resolve().parents[4] / "infra" / "tenants" / "demo-co" / "cash_planning.yaml"
OFFLINE_REALM = "offline"
_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _records(data: dict[str, Any], name: str) -> list[Any]:
    found = data.get(name, [])
    if isinstance(found, dict) and "QueryResponse" in found:
        found = found["QueryResponse"].get(name, [])
    return found if isinstance(found, list) else [found]


def _open(record: Any) -> bool:
    return isinstance(record, dict) and Decimal(str(record.get("Balance", 0))) > 0


def raw_from_file(data: dict[str, Any], tenant_file: dict[str, Any], as_of: date) -> RawCashFetched:
    """What the connectors would have fetched for this company (invoices split into open and paid)."""
    invoices = _records(data, "Invoice")
    return RawCashFetched(
        realm_id=str(data.get("realm_id", OFFLINE_REALM)),
        as_of=as_of,
        accounts=[a for a in _records(data, "Account") if isinstance(a, dict) and a.get("AccountType") == "Bank"],
        open_invoices=[i for i in invoices if _open(i)],
        paid_invoices=[i for i in invoices if not _open(i)],
        payments=_records(data, "Payment"),
        open_bills=[b for b in _records(data, "Bill") if _open(b)],
        tenant_file=tenant_file,
    )


def table(projected: CashProjected) -> list[str]:
    buffer = projected.buffer.amount
    out = [f"{'day':<10} {'opening':>14} {'in':>12} {'out':>12} {'closing':>14}  (buffer {buffer})"]
    for d in projected.conservative.days:
        items = [f"+{i.description}" for i in d.inflow_items] + [f"-{o.description}" for o in d.outflow_items]
        mark = " BELOW" if d.below_buffer else ""
        out.append(
            f"{d.day.isoformat():<10} {d.opening:>14,} {d.inflows:>12,} {d.outflows:>12,} {d.closing:>14,}{mark}"
            + (f"  {'; '.join(items)}" if items else "")
        )
    return out


def describe(projected: CashProjected, credit_line: Decimal | None) -> list[str]:
    verdict = projected.verdict
    at_risk = [c for c in projected.collections if c.at_risk]
    out = [
        f"Company {projected.realm_id}, {projected.as_of} to {projected.horizon_end}, {projected.currency}",
        f"Opening balance: {sum((a.amount for a in projected.accounts), Decimal('0.00')):,} "
        f"({', '.join(a.name for a in projected.accounts) or 'no bank account'})",
        f"Receivables at risk (left out of the conservative projection): {len(at_risk)}",
        *(f"  {c.doc_number} {c.customer_name} {c.amount:,}: {', '.join(r.value for r in c.risks)}" for c in at_risk),
        "Conservative projection:",
        *table(projected),
    ]
    if not verdict.breached:
        out.append(f"Trigger: not breached; lowest balance {verdict.lowest_balance:,} on {verdict.lowest_on}")
        return out
    facts = projected.shortfall
    assert facts is not None  # a breach always has its facts
    out.append(
        f"Trigger: BREACHED on {verdict.first_breach_on} (balance {verdict.first_breach_balance:,} below the buffer "
        f"{verdict.buffer:,}); shortfall {verdict.shortfall:,}; cause {facts.cause.value}"
    )
    decided = CashAlertDecided(
        projection=projected,
        decision=AlertDecision(kind=AlertKind.SHORTFALL, state=None),
        recommended=recommend(projected, credit_line),
    )
    out += ["Explanation:", f"  {template_summary(decided)}"]
    if decided.recommended:
        out += ["Recommended actions:", *(f"  - {a.detail}" for a in decided.recommended)]
    return out


COMMANDS = click.Group("cash", help="Cash planning: the 30-day projection against the buffer.")


@COMMANDS.command("project")
@click.argument("company_json", type=_FILE)
@click.option("--buffer", type=Decimal, default=None, help="the minimum balance to keep (overrides the file's)")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="default: today")
@click.option("--tenant-file", type=_FILE, default=DEMO_FILE, show_default=True, help="used without `cash_planning`")
def project(company_json: Path, buffer: Decimal | None, as_of: datetime | None, tenant_file: Path) -> None:
    """Project COMPANY_JSON's cash over the horizon and print the daily table, the trigger and the explanation."""
    try:
        data = json.loads(company_json.read_text(), parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"{company_json}: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise click.BadParameter(f"{company_json}: expected an object of QuickBooks records by entity")
    config = data.get("cash_planning") or yaml.safe_load(tenant_file.read_text())
    if buffer is not None:
        config = {**config, "buffer": {**config.get("buffer", {}), "minimum": str(buffer)}}
    day = as_of.date() if as_of else datetime.now(UTC).date()
    try:
        validated = validate_cash(raw_from_file(data, config, day))
    except ContractInvalid as exc:
        raise click.ClickException(f"invalid input: {exc}") from None
    for line in describe(plan_cash(validated.snapshot), validated.credit_line):
        click.echo(line)
