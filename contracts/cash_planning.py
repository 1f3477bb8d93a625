"""cash_planning messages: what a 30-day cash projection is computed from (balances, receivables with their
customers' payment history, payables, payroll, recurring and planned items, the tenant's buffer and risk policy)
and what rules compute from it (the daily projection in two scenarios, the trigger verdict, the shortfall's facts
and the alert decision). Every figure and date the owner reads is computed here, none by the LLM.

Money is Decimal with its currency; dates are dates. A snapshot is in one currency: an item in another currency
is refused unless the snapshot states its rate, and converted by it explicitly (never silently summed).
In pipeline order: trigger (a check requested by schedule, webhook or command) -> raw (QuickBooks records and the
tenant's cash file, untrusted) -> validated (the snapshot) -> projected (only a projection that tells the owner
something: a new or worse shortfall, or its recovery) -> explained (the summary, worded from the facts), then
approval (see SPEC).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from pydantic import Field, StringConstraints, model_validator

from contracts.approval import ApprovalPayload
from contracts.envelope import Contract
from contracts.pipeline import PipelineSpec, Topic

NAME: Final = "cash_planning"

Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Positive = Annotated[Decimal, Field(gt=0)]


# Inputs.


class BankBalance(Contract):
    """A bank or cash account's balance at the start of `as_of` (QuickBooks Account, Bank or a flagged Other
    Current Asset); an overdrawn account is negative."""

    account_id: str
    name: str
    account_type: Literal["Bank", "OtherCurrentAsset"] = "Bank"
    currency: Currency
    balance: Decimal


class OpenInvoice(Contract):
    """A receivable: what is still open on a customer's invoice."""

    invoice_id: str
    doc_number: str
    customer_id: str
    customer_name: str
    currency: Currency
    balance: Positive
    due_date: date
    disputed: bool = False
    promised_on: date | None = None
    """The date the customer promised to pay by, if any; a promise past its date with the invoice open is broken."""


class PaidInvoice(Contract):
    """One entry of a customer's payment history: a settled invoice, when it was due and when it was paid."""

    customer_id: str
    invoice_id: str
    due_date: date
    paid_on: date

    @property
    def days_late(self) -> int:
        """Negative when paid early."""
        return (self.paid_on - self.due_date).days


class OpenBill(Contract):
    """A payable: what is still open on a vendor's bill."""

    bill_id: str
    doc_number: str
    vendor_id: str
    vendor_name: str
    currency: Currency
    balance: Positive
    due_date: date


class PayrollRun(Contract):
    """One entry of the tenant's payroll schedule (tenant config, or derived from past payroll expenses)."""

    run_id: str
    pay_date: date
    """The scheduled date; a weekend or holiday moves it to the business day before."""
    amount: Positive
    currency: Currency
    description: str = "Payroll"


class Cadence(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"
    """Same day of the month as `next_on`, or the month's last day when it has fewer days."""


class RecurringOutflow(Contract):
    """A recurring payment not yet billed (rent, a subscription, a loan repayment), detected from history."""

    recurring_id: str
    description: str
    vendor_name: str | None = None
    amount: Positive
    currency: Currency
    cadence: Cadence
    next_on: date
    until: date | None = None


class PlannedItem(Contract):
    """A line of the tenant's planning file: a one-off inflow or outflow on a date."""

    item_id: str
    description: str
    on: date
    direction: Literal["inflow", "outflow"]
    amount: Positive
    currency: Currency


class BufferPolicy(Contract):
    """The cash the business wants to keep at all times, and when a changed shortfall is worth a new alert."""

    minimum: Decimal = Field(ge=0)
    include_next_payroll: bool = True
    """The buffer is the minimum plus the first payroll within the horizon."""
    realert_growth: Decimal = Field(gt=0)
    """A shortfall that grows by at least this much since the last alert is alerted again."""
    recovery_margin: Decimal = Field(default=Decimal(0), ge=0)
    """A shortfall has cleared when the lowest balance is at least the buffer plus this margin."""


class RiskPolicy(Contract):
    """How collection dates are estimated and which receivables count as at risk."""

    history_size: int = Field(default=6, ge=1)
    """The customer's last N paid invoices are the estimate's sample."""
    default_days_late: int = 0
    """The estimate when no customer of the company has any payment history."""
    overdue_days_at_risk: int = Field(default=60, ge=0)
    """An invoice more than this many days overdue is at risk."""
    chronic_late_days: int = Field(default=30, ge=1)
    """A customer whose own history says this many days late or more is chronically late: at risk."""


class CashSnapshot(Contract):
    """Everything a projection is computed from, as of the start of `as_of`."""

    realm_id: str
    as_of: date
    horizon_days: int = Field(default=30, ge=1, le=366)
    currency: Currency
    rates: dict[Currency, Positive] = Field(default_factory=dict)
    """Units of `currency` per unit of each other currency, stated explicitly."""
    balances: tuple[BankBalance, ...]
    invoices: tuple[OpenInvoice, ...] = ()
    history: tuple[PaidInvoice, ...] = ()
    bills: tuple[OpenBill, ...] = ()
    payroll: tuple[PayrollRun, ...] = ()
    recurring: tuple[RecurringOutflow, ...] = ()
    planned: tuple[PlannedItem, ...] = ()
    holidays: tuple[date, ...] = ()
    """The tenant's bank holidays (payroll moves before them)."""
    buffer: BufferPolicy
    risk: RiskPolicy = RiskPolicy()

    @model_validator(mode="after")
    def _one_currency_and_unique_ids(self) -> CashSnapshot:
        if self.currency in self.rates:
            raise ValueError(f"rates: {self.currency} is the snapshot's own currency")
        priced = [
            *(("balances", b.account_id, b.currency) for b in self.balances),
            *(("invoices", i.invoice_id, i.currency) for i in self.invoices),
            *(("bills", b.bill_id, b.currency) for b in self.bills),
            *(("payroll", p.run_id, p.currency) for p in self.payroll),
            *(("recurring", r.recurring_id, r.currency) for r in self.recurring),
            *(("planned", p.item_id, p.currency) for p in self.planned),
        ]
        for kind, ref, currency in priced:
            if currency != self.currency and currency not in self.rates:
                raise ValueError(f"{kind} {ref} is in {currency}, the snapshot in {self.currency}, and no rate given")
        for kind, ids in (
            ("balances", [b.account_id for b in self.balances]),
            ("invoices", [i.invoice_id for i in self.invoices]),
            ("bills", [b.bill_id for b in self.bills]),
            ("payroll", [p.run_id for p in self.payroll]),
            ("recurring", [r.recurring_id for r in self.recurring]),
            ("planned", [p.item_id for p in self.planned]),
        ):
            if len(set(ids)) != len(ids):
                raise ValueError(f"{kind}: an id appears twice (it would be counted twice)")
        return self


# Outputs.


class Conversion(Contract):
    """An amount as its source states it, and the rate that converted it into the snapshot's currency."""

    amount: Decimal
    currency: Currency
    rate: Decimal


class OpeningBalance(Contract):
    account_id: str
    name: str
    amount: Decimal
    converted: Conversion | None = None


class FlowKind(StrEnum):
    RECEIVABLE = "receivable"
    PLANNED_INFLOW = "planned_inflow"
    BILL = "bill"
    PAYROLL = "payroll"
    RECURRING = "recurring"
    PLANNED_OUTFLOW = "planned_outflow"


class FlowItem(Contract):
    """One inflow or outflow of the projection, in the snapshot's currency, to the cent."""

    kind: FlowKind
    ref: str
    """The invoice, bill, payroll run, recurring item or planned item id."""
    description: str
    counterparty: str | None = None
    on: date
    """The projection day it falls on."""
    scheduled: date
    """The date its source gives: the expected collection date, due date or pay date. An open document whose
    date has passed falls on the first day; a payroll on a weekend or holiday on the business day before."""
    amount: Decimal
    converted: Conversion | None = None


class ProjectionDay(Contract):
    day: date
    opening: Decimal
    inflows: Decimal
    outflows: Decimal
    closing: Decimal
    """opening + inflows - outflows; the next day's opening."""
    inflow_items: tuple[FlowItem, ...] = ()
    outflow_items: tuple[FlowItem, ...] = ()
    below_buffer: bool


class Scenario(StrEnum):
    EXPECTED = "expected"
    """Every receivable at its expected collection date."""
    CONSERVATIVE = "conservative"
    """Receivables at risk left out: the scenario the trigger watches."""


class Projection(Contract):
    scenario: Scenario
    days: tuple[ProjectionDay, ...]


class EstimateBasis(StrEnum):
    CUSTOMER = "customer_history"
    COMPANY = "company_history"
    """The customer has no paid invoice yet: the company's customers' histories, pooled."""
    DEFAULT = "default"
    """Nobody has a history: the tenant's default days late."""


class RiskReason(StrEnum):
    DISPUTED = "disputed"
    LONG_OVERDUE = "long_overdue"
    BROKEN_PROMISE = "broken_promise"
    CHRONICALLY_LATE = "chronically_late"


class ExpectedCollection(Contract):
    """When an open invoice is expected to be paid, from its customer's own history, and whether it is at risk."""

    invoice_id: str
    doc_number: str
    customer_id: str
    customer_name: str
    amount: Decimal
    converted: Conversion | None = None
    due_date: date
    days_overdue: int
    estimated_days_late: int
    basis: EstimateBasis
    sample_size: int
    """How many paid invoices the estimate was taken from."""
    expected_on: date
    """The due date plus the estimated days late, or the first day when that date has passed."""
    risks: tuple[RiskReason, ...] = ()

    @property
    def at_risk(self) -> bool:
        return bool(self.risks)


class Buffer(Contract):
    amount: Decimal
    """`minimum` + `payroll`: a closing balance below it is a shortfall."""
    minimum: Decimal
    payroll: Decimal
    payroll_on: date | None = None


class TriggerVerdict(Contract):
    """The conservative projection against the buffer: breached when some day closes below it."""

    breached: bool
    buffer: Decimal
    first_breach_on: date | None = None
    first_breach_balance: Decimal | None = None
    lowest_balance: Decimal
    lowest_on: date
    shortfall: Decimal
    """The buffer minus the lowest balance when breached, else 0.00."""


class ShortfallCause(StrEnum):
    TIMING_GAP = "timing_gap"
    """The conservative projection is back at or above the buffer by the horizon's end: the money is coming
    (from receivables not at risk), just after the outflow."""
    RECEIVABLE_AT_RISK = "receivable_at_risk"
    """It is not, and the receivables at risk would cover what is missing at the horizon's end."""
    STRUCTURAL = "structural"
    """It is not, and even every receivable at risk would not cover it: outflows exceed expected inflows."""


class ShortfallFacts(Contract):
    """Everything the owner's summary may say, each figure and date computed: the LLM words it, nothing more."""

    realm_id: str
    as_of: date
    horizon_end: date
    currency: Currency
    buffer: Buffer
    cause: ShortfallCause
    first_breach_on: date
    days_to_breach: int
    first_breach_balance: Decimal
    breach_outflows: tuple[FlowItem, ...]
    """The outflows of the first day below the buffer."""
    lowest_balance: Decimal
    lowest_on: date
    shortfall: Decimal
    end_balance: Decimal
    """The conservative projection's closing balance on the horizon's last day."""
    end_shortfall: Decimal
    """The buffer minus `end_balance`, or 0.00 when the balance is back at the buffer."""
    recovers_on: date | None = None
    """Timing gap: from this day to the horizon's end every balance is at or above the buffer."""
    recovered_balance: Decimal | None = None
    arriving: tuple[FlowItem, ...] = ()
    """Timing gap: the inflows after the first breach up to and including the recovery day."""
    receivables: tuple[ExpectedCollection, ...] = ()
    """Timing gap: the receivables among `arriving`. Otherwise the receivables at risk, largest first."""
    at_risk_total: Decimal
    covering: tuple[str, ...] = ()
    """Receivable at risk: the fewest invoices (largest first) whose collection covers `end_shortfall`."""
    uncovered: Decimal
    """Structural: `end_shortfall` minus `at_risk_total`; 0.00 otherwise."""


class CashProjected(Contract):
    """Rules' projection of one company's cash: both scenarios, the verdict, and the facts of any shortfall."""

    realm_id: str
    as_of: date
    horizon_end: date
    currency: Currency
    buffer: Buffer
    accounts: tuple[OpeningBalance, ...]
    collections: tuple[ExpectedCollection, ...]
    expected: Projection
    conservative: Projection
    verdict: TriggerVerdict
    shortfall: ShortfallFacts | None = None


class AlertState(Contract):
    """What the last alert told the owner, kept until the shortfall clears."""

    first_breach_on: date
    shortfall: Decimal


class AlertKind(StrEnum):
    SHORTFALL = "shortfall"
    WORSENED = "worsened"
    RECOVERED = "recovered"


Worsening = Literal["earlier", "grown"]


class AlertDecision(Contract):
    """Whether this recomputation tells the owner anything; `state` is what to keep for the next one."""

    kind: AlertKind | None
    worsened_by: tuple[Worsening, ...] = ()
    state: AlertState | None


# The pipeline's messages.

JsonObject = dict[str, Any]


class CashCheckSource(StrEnum):
    SCHEDULE = "schedule"
    WEBHOOK = "webhook"
    """A QuickBooks change (invoice, payment, bill, bill payment) that may move the projection."""
    COMMAND = "command"


class CashCheckRequested(Contract):
    """Trigger: recompute one company's projection as of `as_of`."""

    realm_id: str
    as_of: date
    source: CashCheckSource
    requested_by: str
    """Who or what asked: `schedule`, the QuickBooks change (`Invoice:130:Update`), an operator."""


class RawCashFetched(Contract):
    """QuickBooks records as returned (bank accounts, open invoices, paid invoices and payments of the history
    window, open bills) and the tenant's cash planning file as read; not yet trusted."""

    realm_id: str
    as_of: date
    accounts: list[JsonObject]
    open_invoices: list[JsonObject]
    paid_invoices: list[JsonObject] = Field(default_factory=list)
    payments: list[JsonObject] = Field(default_factory=list)
    open_bills: list[JsonObject]
    tenant_file: JsonObject
    """infra/tenants/<tenant>/cash_planning.yaml: payroll schedule, buffer, risk, planned items, holidays, rates."""


class CashValidated(Contract):
    snapshot: CashSnapshot
    credit_line: Decimal | None = None
    """Undrawn credit the tenant's file names, if any: one of the recommended actions draws on it."""


class RecommendedKind(StrEnum):
    CHASE_RECEIVABLE = "chase_receivable"
    DEFER_PAYABLE = "defer_payable"
    DRAW_CREDIT_LINE = "draw_credit_line"


class RecommendedAction(Contract):
    """One action the owner may take, chosen from an allowed list by rules and named from the facts. Listed in the
    alert, never executed by this pipeline: any write is a change request of its own."""

    kind: RecommendedKind
    ref: str
    """The invoice or bill id; `credit_line` for a draw."""
    counterparty: str | None = None
    amount: Decimal
    on: date
    """When the invoice is expected (chase), when the bill is due (defer), the first shortfall day (draw)."""
    detail: str


class CashAlertDecided(Contract):
    """A projection that tells the owner something (the decision's kind is set), with the actions rules chose."""

    projection: CashProjected
    decision: AlertDecision
    recommended: tuple[RecommendedAction, ...] = ()

    @model_validator(mode="after")
    def _alerts(self) -> CashAlertDecided:
        if self.decision.kind is None:
            raise ValueError("decision: a projection that alerts nothing is not published")
        return self


class CashExplained(Contract):
    """The owner's summary, written from the facts only and grounded, with what it cost."""

    decided: CashAlertDecided
    summary: str
    prompt_id: str
    prompt_version: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Decimal = Decimal("0")


class CashAction(StrEnum):
    SEND_CASH_ALERT = "send_cash_alert"
    """The alert (or the recovered notice) to the owner role, by email, once."""


class CashApproval(ApprovalPayload):
    """The owner reads the summary, the cause and the recommended actions (listed, not executed)."""

    pipeline: Literal["cash_planning"] = NAME
    explained: CashExplained
    recipients: tuple[str, ...] = ()
    """The addresses of the role the tenant's policy names for the alert: each is sent it once."""


class CashPlanning:
    """trigger -> raw -> validated -> projected -> explained, then approval (see SPEC)."""

    TRIGGER: Final = Topic(NAME, "trigger", CashCheckRequested)
    RAW: Final = Topic(NAME, "raw", RawCashFetched)
    VALIDATED: Final = Topic(NAME, "validated", CashValidated)
    PROJECTED: Final = Topic(NAME, "projected", CashAlertDecided)
    EXPLAINED: Final = Topic(NAME, "explained", CashExplained)


SPEC: Final = PipelineSpec(
    name=NAME,
    stages=(
        CashPlanning.TRIGGER,
        CashPlanning.RAW,
        CashPlanning.VALIDATED,
        CashPlanning.PROJECTED,
        CashPlanning.EXPLAINED,
    ),
    approval_source=CashPlanning.EXPLAINED,
    action_kinds=frozenset(CashAction),
    approval_payload=CashApproval,
)
