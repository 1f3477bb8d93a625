"""ap_matching in the validation service: a QuickBooks bill (or a document's draft bill) with its orders, vendor and
receipts in, typed out; an uploaded vendor invoice's text read from its PDF, DOCX or text."""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from contracts.ap_matching import SPEC, ApMatching, BillDocumentRead, BillDocumentReceived, RawBillFetched
from contracts.envelope import Envelope
from services.validation.bootstrap import ValidationDeps
from services.validation.documents import DocumentLimits, decode_content, read_document
from services.validation.pipelines.ap_matching.domain import validate_bill
from shared.parts import ServicePart


def build_ports(deps: ValidationDeps) -> DocumentLimits:
    """Validating a bill needs nothing from outside; reading an invoice, the document limits (an invoice may be
    short: 80 characters of text at least)."""
    return DocumentLimits(max_bytes=2_000_000, max_pages=50, min_chars=80)


def subscribe(router: KafkaRouter, deps: ValidationDeps, limits: DocumentLimits) -> None:
    kernel = deps.kernel

    @router.subscriber(ApMatching.DOCUMENT, **kernel.subscriber_options(SPEC.name))
    async def on_bill_document(msg: Envelope[BillDocumentReceived]) -> None:
        received = msg.payload
        data = decode_content(received.content_b64, limits)
        document = read_document(data, received.content_type, received.filename, limits)
        read = BillDocumentRead(
            realm_id=received.realm_id,
            document_id=received.document_id,
            filename=received.filename,
            sha256=document.sha256,
            kind=document.kind,
            pages=document.pages,
            text=document.text,
        )
        key = f"doc-{received.document_id}"  # a document and the bill it becomes share one key
        await kernel.publisher.publish(ApMatching.DOCUMENT_READ, msg.follow(read), key=key)
        await kernel.audit.write(msg, "read_document", f"{document.kind}:{len(document.text)} chars")

    @router.subscriber(ApMatching.RAW, **kernel.subscriber_options(SPEC.name))
    async def on_raw_bill_fetched(msg: Envelope[RawBillFetched]) -> None:
        validated = validate_bill(msg.payload)
        await kernel.publisher.publish(ApMatching.VALIDATED, msg.follow(validated), key=validated.bill.bill_id)
        await kernel.audit.write(msg, "validate", "valid")


PART = ServicePart(build_ports, subscribe)
