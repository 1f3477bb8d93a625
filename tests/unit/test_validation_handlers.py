"""The validation service's handlers through its bootstrap, on TestKafkaBroker, with the document limits it is given."""

from __future__ import annotations

import base64
from decimal import Decimal

from faststream.kafka import KafkaMessage, KafkaRouter

from contracts import deadletter as dl
from contracts.contract_review import SPEC as REVIEW
from contracts.contract_review import ContractReview, DocumentKind, RawContractFetched
from contracts.envelope import Envelope
from contracts.invoice_followup import SPEC as FOLLOWUP
from contracts.invoice_followup import InvoiceFollowup
from contracts.pipeline import PipelineSpec
from services.validation.bootstrap import build_deps, build_parts
from services.validation.documents import DocumentLimits
from services.validation.handlers import build_router
from services.validation.settings import ValidationSettings
from shared.kernel import Kernel
from tests.unit import factories
from tests.unit.harness import kernel_for, running

CONTRACT_TEXT = (
    "1. Payment\n\nCustomer pays each invoice within thirty (30) days of the invoice date.\n\n"
    "2. Term\n\nThis agreement runs for twelve (12) months from the effective date and renews for equal terms "
    "unless either party gives sixty (60) days' written notice before the end of the current term.\n"
)


def _validation(specs: list[PipelineSpec], limits: DocumentLimits | None = None) -> tuple[Kernel, KafkaRouter]:
    kernel = kernel_for("validation")
    deps = build_deps(kernel, ValidationSettings())
    parts = build_parts(deps, specs, ports={REVIEW.name: limits} if limits else None)
    return kernel, build_router(deps, parts)


def _catch_dead_letters(kernel: Kernel, spec: PipelineSpec) -> list[KafkaMessage]:
    """The dead letters of `spec` with their headers (the harness keeps bodies only)."""
    caught: list[KafkaMessage] = []

    @kernel.broker.subscriber(spec.dead_letter, group_id=f"test.{spec.dead_letter}")
    async def catch(message: KafkaMessage) -> None:
        caught.append(message)

    return caught


def _raw_contract(text: str = CONTRACT_TEXT, deal_id: str = "5001") -> RawContractFetched:
    data = text.encode()
    return RawContractFetched(
        deal_id=deal_id,
        as_of=factories.AS_OF,
        deal={"id": deal_id, "properties": {"dealname": "Harbor Marine renewal", "amount": "48000"}},
        document_id=f"doc-{deal_id}",
        content_type="text/plain",
        filename=f"contract-{deal_id}.txt",
        size_bytes=len(data),
        content_b64=base64.b64encode(data).decode(),
    )


async def test_a_raw_invoice_is_published_validated_with_its_customer_and_payments() -> None:
    kernel, router = _validation([FOLLOWUP, REVIEW])
    payment = factories.qbo_payment("5001", "131", 250.0, "2026-11-01")
    raw = factories.raw_fetched(payments=[payment])
    async with running(kernel, router, [FOLLOWUP, REVIEW]) as captured:
        await kernel.publisher.publish(
            InvoiceFollowup.RAW, Envelope.start(raw, pipeline=FOLLOWUP.name, tenant="demo-co"), key="131"
        )
    [validated] = captured.of(InvoiceFollowup.VALIDATED)
    invoice = validated.payload
    assert (invoice.invoice_id, invoice.customer_name, invoice.balance) == ("131", "Harbor Marine", Decimal("1250.00"))
    assert [(p.payment_id, p.amount) for p in invoice.payments] == [("5001", Decimal("250.00"))]
    assert (validated.pipeline, validated.tenant) == (FOLLOWUP.name, "demo-co")
    assert [(a.payload.step, a.payload.outcome) for a in captured.of(FOLLOWUP.audit)] == [("validate", "valid")]


async def test_a_malformed_raw_invoice_is_dead_lettered_naming_the_field_and_not_validated() -> None:
    kernel, router = _validation([FOLLOWUP])
    dead = _catch_dead_letters(kernel, FOLLOWUP)
    invoice = {k: v for k, v in factories.qbo_invoice().items() if k != "DueDate"}
    raw = factories.raw_fetched(invoice=invoice)
    async with running(kernel, router, [FOLLOWUP]) as captured:
        await kernel.publisher.publish(
            InvoiceFollowup.RAW, Envelope.start(raw, pipeline=FOLLOWUP.name, tenant="demo-co"), key="131"
        )
    assert captured.of(InvoiceFollowup.VALIDATED) == []
    assert [(m.headers[dl.ERROR_TYPE], m.headers[dl.ERROR_FIELD]) for m in dead] == [
        ("ContractInvalid", "Invoice.DueDate")
    ]


async def test_a_contract_document_becomes_its_text_and_metadata() -> None:
    kernel, router = _validation([FOLLOWUP, REVIEW])
    async with running(kernel, router, [FOLLOWUP, REVIEW]) as captured:
        raw = _raw_contract()
        await kernel.publisher.publish(
            ContractReview.RAW, Envelope.start(raw, pipeline=REVIEW.name, tenant="demo-co"), key="5001"
        )
    [validated] = captured.of(ContractReview.VALIDATED)
    document = validated.payload
    assert (document.meta.deal_id, document.meta.kind, document.meta.annual_fees) == (
        "5001",
        DocumentKind.TEXT,
        Decimal("48000.00"),
    )
    assert document.text == CONTRACT_TEXT.strip()
    assert [(a.payload.step, a.payload.outcome) for a in captured.of(REVIEW.audit)] == [("validate", "valid:text")]
    assert captured.of(InvoiceFollowup.VALIDATED) == []


async def test_a_document_over_the_configured_size_is_dead_lettered_not_validated() -> None:
    kernel, router = _validation([REVIEW], limits=DocumentLimits(max_bytes=len(CONTRACT_TEXT) - 1))
    dead = _catch_dead_letters(kernel, REVIEW)
    async with running(kernel, router, [REVIEW]) as captured:
        raw = _raw_contract()
        await kernel.publisher.publish(
            ContractReview.RAW, Envelope.start(raw, pipeline=REVIEW.name, tenant="demo-co"), key="5001"
        )
    assert captured.of(ContractReview.VALIDATED) == []
    assert [m.headers[dl.ERROR_FIELD] for m in dead] == ["document.size_bytes"]


async def test_a_pipeline_not_run_here_is_not_consumed() -> None:
    kernel, router = _validation([FOLLOWUP])
    async with running(kernel, router, [FOLLOWUP, REVIEW]) as captured:
        raw = _raw_contract()
        await kernel.publisher.publish(
            ContractReview.RAW, Envelope.start(raw, pipeline=REVIEW.name, tenant="demo-co"), key="5001"
        )
    assert captured.of(ContractReview.VALIDATED) == []
    assert len(captured.of(ContractReview.RAW)) == 1, "the raw contract reached only the catcher"
