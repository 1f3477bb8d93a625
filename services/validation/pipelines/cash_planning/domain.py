"""QuickBooks records and the tenant's cash planning file in; a typed CashSnapshot out. Pure.

A missing or malformed field is a ContractInvalid naming it (`Account[0].CurrentBalance`,
`cash_planning.yaml.payroll.0.amount`). Amounts are JSON numbers in QuickBooks records (each the Decimal of its
text) and quoted decimals in the tenant's file. A record in a currency other than the tenant's is refused unless
the file states its rate (the snapshot converts it explicitly). An inactive account is left out; a paid invoice
whose payment is outside the fetched window is left out of the history (its paid date is unknown).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from contracts.cash_planning import (
    BankBalance,
    BufferPolicy,
    Cadence,
    CashSnapshot,
    CashValidated,
    OpenBill,
    OpenInvoice,
    PaidInvoice,
    PayrollRun,
    PlannedItem,
    RawCashFetched,
    RecurringOutflow,
    RiskPolicy,
)
from services.validation.money import MONEY_LIMIT
from services.validation.qbo_records import Number, QboRecord, QboRef
from shared.errors import ContractInvalid

TENANT_FILE: Final = "cash_planning.yaml"
DISPUTED: Final = "disputed"


def _quoted(value: Any) -> Any:
    """A decimal written as text in the tenant's file ("5000.00"): a float there is refused, not rounded."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError('must be a quoted decimal, e.g. "5000.00"')  # noqa: TRY004 - pydantic wants ValueError
    return Decimal(str(value))


Quoted = Annotated[Decimal, BeforeValidator(_quoted), Field(allow_inf_nan=False, gt=-MONEY_LIMIT, lt=MONEY_LIMIT)]


class _CustomField(QboRecord):
    Name: str | None = None
    StringValue: str | None = None


class QboAccount(QboRecord):
    Id: str = Field(min_length=1)
    Name: str = Field(min_length=1)
    AccountType: str
    CurrentBalance: Number
    CurrencyRef: QboRef | None = None
    Active: bool = True


class QboOpenInvoice(QboRecord):
    Id: str = Field(min_length=1)
    DocNumber: str = Field(min_length=1)
    CustomerRef: QboRef
    Balance: Number = Field(gt=0)
    DueDate: date
    CurrencyRef: QboRef | None = None
    CustomField: list[_CustomField] = Field(default_factory=list)


class QboPaidInvoice(QboRecord):
    Id: str = Field(min_length=1)
    CustomerRef: QboRef
    DueDate: date


class _LinkedTxn(QboRecord):
    TxnId: str = Field(min_length=1)
    TxnType: str


class _PaymentLine(QboRecord):
    LinkedTxn: list[_LinkedTxn] = Field(default_factory=list)


class QboPayment(QboRecord):
    Id: str = Field(min_length=1)
    TxnDate: date
    Line: list[_PaymentLine] = Field(default_factory=list)


class QboOpenBill(QboRecord):
    Id: str = Field(min_length=1)
    DocNumber: str | None = None
    VendorRef: QboRef
    Balance: Number = Field(gt=0)
    DueDate: date
    CurrencyRef: QboRef | None = None


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Payroll(_File):
    id: str = Field(min_length=1)
    description: str = "Payroll"
    cadence: Cadence
    next_on: date
    until: date | None = None
    amount: Quoted = Field(gt=0)
    currency: str | None = None


class _Recurring(_File):
    id: str = Field(min_length=1)
    description: str
    vendor_name: str | None = None
    cadence: Cadence
    next_on: date
    until: date | None = None
    amount: Quoted = Field(gt=0)
    currency: str | None = None


class _Planned(_File):
    id: str = Field(min_length=1)
    description: str
    on: date
    direction: Literal["inflow", "outflow"]
    amount: Quoted = Field(gt=0)
    currency: str | None = None


class _Buffer(_File):
    minimum: Quoted = Field(ge=0)
    include_next_payroll: bool = True
    realert_growth: Quoted = Field(gt=0)
    recovery_margin: Quoted = Field(default=Decimal(0), ge=0)


class TenantCashFile(_File):
    tenant: str
    version: str
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    horizon_days: int = Field(default=30, ge=1, le=366)
    history_days: int = Field(default=365, ge=1)
    buffer: _Buffer
    risk: RiskPolicy = RiskPolicy()
    payroll: list[_Payroll] = Field(default_factory=list)
    recurring: list[_Recurring] = Field(default_factory=list)
    planned: list[_Planned] = Field(default_factory=list)
    holidays: list[date] = Field(default_factory=list)
    rates: dict[str, Quoted] = {}
    credit_line: Quoted | None = None


def _parse(model: type[BaseModel], data: Any, prefix: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in (prefix, *first["loc"]) if p != "")
        raise ContractInvalid(first["msg"], field=field) from None


def _nth(cadence: Cadence, start: date, n: int) -> date:
    if cadence is Cadence.WEEKLY:
        return start + timedelta(weeks=n)
    if cadence is Cadence.BIWEEKLY:
        return start + timedelta(weeks=2 * n)
    year, month = divmod(start.year * 12 + start.month - 1 + n, 12)
    return date(year, month + 1, min(start.day, calendar.monthrange(year, month + 1)[1]))


def payroll_runs(entry: _Payroll, currency: str, as_of: date, end: date) -> list[PayrollRun]:
    """The schedule's scheduled dates from `as_of` to `end` (rules move one on a weekend or holiday)."""
    last = end if entry.until is None else min(end, entry.until)
    runs, n = [], 0
    while (day := _nth(entry.cadence, entry.next_on, n)) <= last:
        if day >= as_of:
            runs.append(
                PayrollRun(
                    run_id=f"{entry.id}@{day.isoformat()}", pay_date=day, amount=entry.amount,
                    currency=entry.currency or currency, description=entry.description,
                )
            )  # fmt: skip
        n += 1
    return runs


def _paid_on(raw_payments: list[dict[str, Any]]) -> dict[str, date]:
    """Each invoice's last payment date, from the payments that apply money to it."""
    paid: dict[str, date] = {}
    for i, data in enumerate(raw_payments):
        payment: QboPayment = _parse(QboPayment, data, f"Payment[{i}]")
        for line in payment.Line:
            for link in line.LinkedTxn:
                if link.TxnType == "Invoice":
                    paid[link.TxnId] = max(paid.get(link.TxnId, payment.TxnDate), payment.TxnDate)
    return paid


def _currency(ref: QboRef | None, home: str) -> str:
    return ref.value if ref else home


def _custom(fields: list[_CustomField], name: str) -> str | None:
    return next((f.StringValue for f in fields if f.Name == name and f.StringValue), None)


def _promised(invoice: QboOpenInvoice, where: str) -> date | None:
    raw = _custom(invoice.CustomField, "PromiseDate")
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ContractInvalid("promise to pay without a valid date", field=f"{where}.CustomField.PromiseDate") from None


def _balances(raw: list[dict[str, Any]], home: str) -> tuple[BankBalance, ...]:
    found = []
    for i, data in enumerate(raw):
        account: QboAccount = _parse(QboAccount, data, f"Account[{i}]")
        if account.AccountType != "Bank":
            raise ContractInvalid(f"{account.AccountType!r} is not a bank account", field=f"Account[{i}].AccountType")
        if account.Active:
            found.append(
                BankBalance(
                    account_id=account.Id, name=account.Name, currency=_currency(account.CurrencyRef, home),
                    balance=account.CurrentBalance,
                )
            )  # fmt: skip
    return tuple(found)


def _invoices(raw: list[dict[str, Any]], home: str) -> tuple[OpenInvoice, ...]:
    found = []
    for i, data in enumerate(raw):
        where = f"Invoice[{i}]"
        invoice: QboOpenInvoice = _parse(QboOpenInvoice, data, where)
        found.append(
            OpenInvoice(
                invoice_id=invoice.Id, doc_number=invoice.DocNumber, customer_id=invoice.CustomerRef.value,
                customer_name=invoice.CustomerRef.name or invoice.CustomerRef.value,
                currency=_currency(invoice.CurrencyRef, home), balance=invoice.Balance, due_date=invoice.DueDate,
                disputed=_custom(invoice.CustomField, "CollectionStatus") == DISPUTED,
                promised_on=_promised(invoice, where),
            )
        )  # fmt: skip
    return tuple(found)


def _history(raw_invoices: list[dict[str, Any]], raw_payments: list[dict[str, Any]]) -> tuple[PaidInvoice, ...]:
    paid_on = _paid_on(raw_payments)
    found = []
    for i, data in enumerate(raw_invoices):
        invoice: QboPaidInvoice = _parse(QboPaidInvoice, data, f"PaidInvoice[{i}]")
        if invoice.Id in paid_on:
            found.append(
                PaidInvoice(customer_id=invoice.CustomerRef.value, invoice_id=invoice.Id, due_date=invoice.DueDate,
                            paid_on=paid_on[invoice.Id])
            )  # fmt: skip
    return tuple(found)


def _bills(raw: list[dict[str, Any]], home: str) -> tuple[OpenBill, ...]:
    found = []
    for i, data in enumerate(raw):
        bill: QboOpenBill = _parse(QboOpenBill, data, f"Bill[{i}]")
        found.append(
            OpenBill(
                bill_id=bill.Id, doc_number=bill.DocNumber or bill.Id, vendor_id=bill.VendorRef.value,
                vendor_name=bill.VendorRef.name or bill.VendorRef.value, currency=_currency(bill.CurrencyRef, home),
                balance=bill.Balance, due_date=bill.DueDate,
            )
        )  # fmt: skip
    return tuple(found)


def tenant_file(data: Any) -> TenantCashFile:
    parsed: TenantCashFile = _parse(TenantCashFile, data, TENANT_FILE)
    return parsed


def validate_cash(raw: RawCashFetched) -> CashValidated:
    config = tenant_file(raw.tenant_file)
    home = config.currency
    end = raw.as_of + timedelta(days=config.horizon_days - 1)
    fields: dict[str, Any] = {
        "realm_id": raw.realm_id,
        "as_of": raw.as_of,
        "horizon_days": config.horizon_days,
        "currency": home,
        "rates": config.rates,
        "balances": _balances(raw.accounts, home),
        "invoices": _invoices(raw.open_invoices, home),
        "history": _history(raw.paid_invoices, raw.payments),
        "bills": _bills(raw.open_bills, home),
        "payroll": tuple(r for p in config.payroll for r in payroll_runs(p, home, raw.as_of, end)),
        "recurring": tuple(
            RecurringOutflow(
                recurring_id=r.id, description=r.description, vendor_name=r.vendor_name, amount=r.amount,
                currency=r.currency or home, cadence=r.cadence, next_on=r.next_on, until=r.until,
            )
            for r in config.recurring
        ),
        "planned": tuple(
            PlannedItem(item_id=p.id, description=p.description, on=p.on, direction=p.direction, amount=p.amount,
                        currency=p.currency or home)
            for p in config.planned
        ),
        "holidays": tuple(config.holidays),
        "buffer": BufferPolicy(**config.buffer.model_dump()),
        "risk": config.risk,
    }  # fmt: skip
    try:
        snapshot = CashSnapshot(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in ("snapshot", *first["loc"]) if p != "")
        raise ContractInvalid(first["msg"], field=field) from None
    return CashValidated(snapshot=snapshot, credit_line=config.credit_line)
