"""QuickBooks records in, typed contracts out. A missing or malformed field is a ContractInvalid naming it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationError, field_validator

from contracts.invoice_followup import (
    CollectionStatus,
    InvoiceValidated,
    PastInvoice,
    PaymentRecord,
    RawInvoiceFetched,
)
from services.validation.money import CENT, MONEY_LIMIT
from shared.errors import ContractInvalid

Money = Annotated[Decimal, Field(allow_inf_nan=False, gt=-MONEY_LIMIT, lt=MONEY_LIMIT)]


class _Qbo(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Ref(_Qbo):
    value: str = Field(min_length=1)
    name: str | None = None


class _Email(_Qbo):
    Address: EmailStr


class _CustomField(_Qbo):
    Name: str | None = None
    StringValue: str | None = None


class _LinkedTxn(_Qbo):
    TxnId: str
    TxnType: str


class _PaymentLine(_Qbo):
    Amount: Money | None = None
    LinkedTxn: list[_LinkedTxn] = []


class QboPayment(_Qbo):
    Id: str
    TxnDate: date
    TotalAmt: Money
    Line: list[_PaymentLine] = []


class QboInvoice(_Qbo):
    Id: str
    DocNumber: str = Field(min_length=1)
    TxnDate: date
    DueDate: date
    TotalAmt: Money = Field(ge=0)
    Balance: Money = Field(ge=0)
    CustomerRef: _Ref
    CurrencyRef: _Ref | None = None
    BillEmail: _Email | None = None
    CustomField: list[_CustomField] = []

    @field_validator("TotalAmt", "Balance", mode="before")
    @classmethod
    def _no_text_amounts(cls, v: Any) -> Any:
        if isinstance(v, str):
            raise ValueError("amount must be a JSON number")  # noqa: TRY004 - pydantic wants ValueError
        return v


class QboCustomer(_Qbo):
    Id: str
    DisplayName: str = Field(min_length=1)
    PrimaryEmailAddr: _Email | None = None


def _parse(model: type[_Qbo], data: Any, prefix: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in (prefix, *first["loc"]) if p != "")
        raise ContractInvalid(first["msg"], field=field) from None


def _custom(invoice: QboInvoice, name: str) -> str | None:
    return next((f.StringValue for f in invoice.CustomField if f.Name == name and f.StringValue), None)


def _collection_status(invoice: QboInvoice) -> tuple[CollectionStatus, date | None]:
    raw = _custom(invoice, "CollectionStatus")
    if raw is None:
        return CollectionStatus.NONE, None
    try:
        status = CollectionStatus(raw)
    except ValueError:
        raise ContractInvalid(f"unknown value {raw!r}", field="Invoice.CustomField.CollectionStatus") from None
    if status is not CollectionStatus.PROMISE_TO_PAY:
        return status, None
    promised = _custom(invoice, "PromiseDate")
    try:
        return status, date.fromisoformat(promised or "")
    except ValueError:
        raise ContractInvalid("promise to pay without a valid date", field="Invoice.CustomField.PromiseDate") from None


def _payment_links(raw: list[dict[str, Any]]) -> list[tuple[QboPayment, _PaymentLine, str]]:
    """Every (payment, line, invoice id) a payment applies money to."""
    out = []
    for i, data in enumerate(raw):
        p: QboPayment = _parse(QboPayment, data, f"Payment[{i}]")
        out += [(p, line, t.TxnId) for line in p.Line for t in line.LinkedTxn if t.TxnType == "Invoice"]
    return out


def _applied_to(invoice_id: str, links: list[tuple[QboPayment, _PaymentLine, str]]) -> tuple[PaymentRecord, ...]:
    return tuple(
        PaymentRecord(
            payment_id=p.Id,
            paid_on=p.TxnDate,
            amount=(line.Amount if line.Amount is not None else p.TotalAmt).quantize(CENT),
            invoice_ids=(inv_id,),
        )
        for p, line, inv_id in links
        if inv_id == invoice_id
    )


def _history(
    settled: list[dict[str, Any]], links: list[tuple[QboPayment, _PaymentLine, str]]
) -> tuple[PastInvoice, ...]:
    """Settled invoices with the date of the last payment applied to each; unreadable history rows are left out."""
    out = []
    for data in settled:
        try:
            inv = QboInvoice.model_validate(data)
        except ValidationError:
            continue
        paid = [p.TxnDate for p, _, inv_id in links if inv_id == inv.Id]
        if paid:
            out.append(PastInvoice(invoice_id=inv.Id, due_date=inv.DueDate, paid_on=max(paid)))
    return tuple(out)


def validate_invoice(raw: RawInvoiceFetched) -> InvoiceValidated:
    invoice: QboInvoice = _parse(QboInvoice, raw.invoice, "Invoice")
    if invoice.Balance > invoice.TotalAmt:
        raise ContractInvalid("balance exceeds the invoice total", field="Invoice.Balance")
    if raw.customer is None:
        raise ContractInvalid("customer record missing", field="Customer")
    customer: QboCustomer = _parse(QboCustomer, raw.customer, "Customer")
    if customer.Id != invoice.CustomerRef.value:
        raise ContractInvalid("customer record does not match CustomerRef", field="Invoice.CustomerRef.value")
    email = invoice.BillEmail or customer.PrimaryEmailAddr
    if email is None:
        raise ContractInvalid("no billing email on invoice or customer", field="Invoice.BillEmail.Address")
    status, promised = _collection_status(invoice)
    links = _payment_links(raw.payments)
    return InvoiceValidated(
        realm_id=raw.realm_id,
        as_of=raw.as_of,
        invoice_id=invoice.Id,
        invoice_number=invoice.DocNumber,
        customer_id=customer.Id,
        customer_name=customer.DisplayName,
        customer_email=str(email.Address),
        currency=invoice.CurrencyRef.value if invoice.CurrencyRef else "USD",
        total_amount=invoice.TotalAmt.quantize(CENT),
        balance=invoice.Balance.quantize(CENT),
        issued_on=invoice.TxnDate,
        due_date=invoice.DueDate,
        collection_status=status,
        promised_on=promised,
        payments=_applied_to(invoice.Id, links),
        customer_history=_history(raw.settled_invoices, links),
    )
