"""ap_matching in the rules service: each bill matched to its orders and receipts under the tenant's tolerances,
its vendor's bank details compared with the last approved ones; each bill's outcome and exceptions counted once."""

from __future__ import annotations

from dataclasses import dataclass

from faststream.kafka import KafkaRouter
from prometheus_client import Counter

from contracts.ap_matching import (
    SPEC,
    ApMatching,
    BankDetailsVerified,
    BillMatched,
    BillReceived,
    BillSource,
    BillValidated,
    ExceptionKind,
    MatchOutcome,
)
from contracts.envelope import Envelope
from services.rules.bootstrap import RulesDeps
from services.rules.pipelines.ap_matching.adapters import RedisBankRecord, ToleranceBook
from services.rules.pipelines.ap_matching.domain import bank_fingerprint, match_bill
from services.rules.pipelines.ap_matching.ports import BankRecord, Claims
from shared.idempotency import RedisIdempotencyStore, idempotency_key
from shared.parts import ServicePart

BILLS_MATCHED = Counter(
    "seamline_ap_bills_matched_total",
    "Bills matched, by outcome; a bill matched again unchanged counts once",
    ["outcome"],
)
AP_EXCEPTIONS = Counter("seamline_ap_exceptions_total", "Exceptions found in the bills counted as matched", ["kind"])
# Every series exists from start-up at 0: one that first appears at 1 hides that bill from increase().
for _outcome in MatchOutcome:
    BILLS_MATCHED.labels(_outcome.value)
for _kind in ExceptionKind:
    AP_EXCEPTIONS.labels(_kind.value)
# A bill comes back from QuickBooks after every change to it (Seamline's own approval note included) and is matched
# again. It counts once per amount and outcome, what approval asks once for, for longer than an approval may wait.
COUNTED_FOR_S = 90 * 24 * 3600


@dataclass
class ApRulesPorts:
    tolerances: ToleranceBook
    banks: BankRecord
    counted: Claims


def build_ports(deps: RulesDeps) -> ApRulesPorts:
    redis = deps.kernel.redis()
    return ApRulesPorts(
        ToleranceBook.load(deps.settings.tenants_dir),
        RedisBankRecord(redis),
        RedisIdempotencyStore(redis, f"{SPEC.name}:counted"),
    )


async def _count(counted: Claims, tenant: str, matched: BillMatched, holder: str) -> None:
    key = idempotency_key(tenant, matched.bill_id, str(matched.total), matched.outcome.value)
    if await counted.claim(key, holder, COUNTED_FOR_S):
        BILLS_MATCHED.labels(matched.outcome.value).inc()
        for exception in matched.exceptions:
            AP_EXCEPTIONS.labels(exception.kind.value).inc()


async def _approved_bank(banks: BankRecord, tenant: str, validated: BillValidated) -> tuple[str | None, str | None]:
    """The vendor's approved fingerprint and masked details; a vendor seen for the first time has its current
    details recorded as approved (nothing to compare them with yet)."""
    vendor = validated.vendor
    approved = await banks.approved(tenant, vendor.vendor_id)
    if approved is None and vendor.bank is not None:
        await banks.establish(tenant, vendor.vendor_id, bank_fingerprint(vendor.bank), vendor.bank.masked)
        approved = await banks.approved(tenant, vendor.vendor_id)  # another consumer may have established first
    if approved is None or vendor.bank is None or approved == bank_fingerprint(vendor.bank):
        return approved, None
    return approved, await banks.approved_masked(tenant, vendor.vendor_id)


def subscribe(router: KafkaRouter, deps: RulesDeps, ports: ApRulesPorts) -> None:
    kernel = deps.kernel

    @router.subscriber(ApMatching.VALIDATED, **kernel.subscriber_options(SPEC.name))
    async def on_bill_validated(msg: Envelope[BillValidated]) -> None:
        validated = msg.payload
        tolerance = ports.tolerances.for_tenant(msg.tenant)
        approved, masked = await _approved_bank(ports.banks, msg.tenant, validated)
        matched = match_bill(validated, tolerance, approved, masked)
        await kernel.publisher.publish(ApMatching.MATCHED, msg.follow(matched), key=matched.bill_id)
        await _count(ports.counted, msg.tenant, matched, str(msg.event_id))
        await kernel.audit.write(msg, "match", matched.outcome.value)

    @router.subscriber(ApMatching.BANK_VERIFIED, **kernel.subscriber_options(SPEC.name, "bank"))
    async def on_bank_details_verified(msg: Envelope[BankDetailsVerified]) -> None:
        """Details a person verified (or approved at onboarding) become the vendor's approved record; nothing else
        changes it. The bill held for them is then matched again. Replaying this topic rebuilds the records."""
        verified = msg.payload
        await ports.banks.record(msg.tenant, verified.vendor_id, verified.fingerprint, verified.masked)
        await kernel.audit.write(msg, "bank_record", f"verified_by:{verified.verified_by}")
        if verified.bill_id is not None:
            again = BillReceived(
                realm_id=verified.realm_id, bill_id=verified.bill_id, source=BillSource.BANK_VERIFIED,
                event_id=f"bank-verified:{verified.request_id}",
            )  # fmt: skip
            await kernel.publisher.publish(ApMatching.TRIGGER, msg.follow(again), key=verified.bill_id)


PART = ServicePart(build_ports, subscribe)
