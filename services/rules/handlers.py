from __future__ import annotations

from collections.abc import Collection

from faststream.kafka import KafkaRouter

from contracts.approval import ActionExecuted, ActionKind, ActionStatus
from contracts.contract_review import ContractChunked, ContractDocumentValidated, ContractTermsExtracted
from contracts.envelope import Envelope, Pipeline
from contracts.invoice_followup import FollowUpDue, InvoiceValidated
from contracts.topics import ContractReview, InvoiceFollowup
from services.rules.bootstrap import RulesDeps
from services.rules.contract_domain import chunk_contract, review_contract
from services.rules.domain import decide
from shared.metrics import ITEMS_PROCESSED


def build_router(deps: RulesDeps, pipelines: Collection[Pipeline]) -> KafkaRouter:
    router = KafkaRouter()
    kernel = deps.kernel
    if Pipeline.INVOICE_FOLLOWUP in pipelines:
        pipeline = Pipeline.INVOICE_FOLLOWUP

        @router.subscriber(InvoiceFollowup.VALIDATED, **kernel.subscriber_options(pipeline))
        async def on_invoice_validated(msg: Envelope[InvoiceValidated]) -> None:
            invoice = msg.payload
            last = await deps.contacts.last_contacted(msg.tenant, invoice.invoice_id)
            outcome = decide(invoice, last, deps.dunning)
            if isinstance(outcome, FollowUpDue):
                topic, result = InvoiceFollowup.DECIDED, "follow_up"
            else:
                topic, result = InvoiceFollowup.SKIPPED, f"skip:{outcome.reason.value}"
                ITEMS_PROCESSED.labels(pipeline.value, "skipped").inc()
            await kernel.publisher.publish(topic, msg.follow(outcome), key=invoice.invoice_id)
            await kernel.audit.write(msg, "decide", result)

        @router.subscriber(InvoiceFollowup.ACTIONS, **kernel.subscriber_options(pipeline, "contacts"))
        async def on_action_executed(msg: Envelope[ActionExecuted]) -> None:
            action = msg.payload
            sent = action.status in (ActionStatus.EXECUTED, ActionStatus.ALREADY_DONE)
            if action.action is ActionKind.SEND_FOLLOWUP_EMAIL and sent:
                await deps.contacts.record_contact(msg.tenant, action.entity_id, action.executed_at.date())

    if Pipeline.CONTRACT_REVIEW in pipelines and deps.baselines is not None:
        review, baselines = Pipeline.CONTRACT_REVIEW, deps.baselines

        @router.subscriber(ContractReview.VALIDATED, **kernel.subscriber_options(review))
        async def on_contract_validated(msg: Envelope[ContractDocumentValidated]) -> None:
            document = msg.payload
            chunked = ContractChunked(meta=document.meta, chunks=chunk_contract(document.text))
            await kernel.publisher.publish(ContractReview.CHUNKED, msg.follow(chunked), key=document.meta.deal_id)
            await kernel.audit.write(msg, "chunk", f"chunks:{len(chunked.chunks)}")

        @router.subscriber(ContractReview.EXTRACTED, **kernel.subscriber_options(review, "baseline"))
        async def on_contract_terms_extracted(msg: Envelope[ContractTermsExtracted]) -> None:
            extracted = msg.payload
            baseline = baselines.for_tenant(msg.tenant)
            reviewed = review_contract(extracted, baseline)
            await kernel.publisher.publish(ContractReview.REVIEWED, msg.follow(reviewed), key=extracted.meta.deal_id)
            await kernel.audit.write(msg, "compare", f"anomalies:{len(reviewed.anomalies)}")

    return router
