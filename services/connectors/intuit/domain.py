"""QuickBooks change notifications, however they arrive: the `intuit-signature` check, both webhook payload shapes
(the legacy `eventNotifications` and CloudEvents) and the change data capture answer, each read into the same
`IntuitEvent`. Pure."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Final, TypeVar

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from shared.errors import ContractInvalid

KNOWN_ENTITIES: Final = frozenset(
    {
        "Account", "Bill", "BillPayment", "Budget", "Class", "CreditMemo", "Currency", "Customer", "Department",
        "Deposit", "Employee", "Estimate", "Invoice", "Item", "JournalCode", "JournalEntry", "Payment",
        "PaymentMethod", "Preferences", "Purchase", "PurchaseOrder", "RefundReceipt", "SalesReceipt", "TaxAgency",
        "Term", "TimeActivity", "Transfer", "Vendor", "VendorCredit",
    }
)  # fmt: skip
"""The entities QuickBooks sends webhooks for."""
_BY_LOWER: Final = {name.lower(): name for name in KNOWN_ENTITIES}
_CLOUD_VERBS: Final = {
    "created": "Create", "updated": "Update", "deleted": "Delete", "merged": "Merge", "voided": "Void",
    "emailed": "Emailed",
}  # fmt: skip
CDC_MAX_OBJECTS: Final = 1000
"""QuickBooks cuts a change data capture answer at this many objects."""


class EventSource(StrEnum):
    WEBHOOK = "webhook"
    CDC = "cdc"


class SignatureInvalid(Exception):
    """The request is not provably from Intuit (unsigned or forged): answer 401, publish nothing."""


class MalformedNotification(ContractInvalid):
    """A signed body that is not a notification Intuit sends: answer 400, publish nothing."""


@dataclass(frozen=True)
class IntuitEvent:
    """One change to one QuickBooks record."""

    realm_id: str
    entity: str
    """QuickBooks' entity name as the API spells it: Bill, PurchaseOrder, Vendor."""
    entity_id: str
    operation: str
    """Create, Update, Delete, Merge, Void or Emailed."""
    event_id: str
    """Intuit's id for a CloudEvent; otherwise (legacy webhooks, change data capture) the change key."""
    occurred_at: datetime
    """UTC: the record's last update (legacy, CDC) or the event's time (CloudEvents)."""
    source: EventSource

    @property
    def change_key(self) -> str:
        """The change itself, whichever way it arrived: a webhook and a catch-up that saw it agree on this."""
        return change_key(self.realm_id, self.entity, self.entity_id, self.operation, self.occurred_at)


def change_key(realm_id: str, entity: str, entity_id: str, operation: str, at: datetime) -> str:
    """`realm:Entity:id:Operation:time`, the time in UTC to the second: QuickBooks' metadata carries no more."""
    return f"{realm_id}:{entity}:{entity_id}:{operation}:{_utc(at):%Y-%m-%dT%H:%M:%SZ}"


def intuit_signature(verifier_token: str, body: bytes) -> str:
    """What Intuit sends in `intuit-signature`: base64(HMAC-SHA256(verifier token, raw body))."""
    return base64.b64encode(hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()).decode()


def verify_intuit_signature(verifier_token: str, body: bytes, signature: str | None) -> None:
    if not signature:
        raise SignatureInvalid("missing intuit-signature")
    expected = intuit_signature(verifier_token, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise SignatureInvalid("signature does not match")


# What QuickBooks ids look like; anything else never reaches a URL or a query.
_Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
_Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{1,64}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


M = TypeVar("M", bound=_Model)


class _LegacyEntity(_Model):
    name: _Name
    id: _Id
    operation: _Name
    lastUpdated: datetime  # noqa: N815 - Intuit's field names


class _DataChangeEvent(_Model):
    entities: list[_LegacyEntity]


class _EventNotification(_Model):
    realmId: _Id  # noqa: N815
    dataChangeEvent: _DataChangeEvent  # noqa: N815


class _LegacyNotification(_Model):
    eventNotifications: list[_EventNotification]  # noqa: N815


class _CloudEvent(_Model):
    id: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    type: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]+\.[A-Za-z0-9]+\.[A-Za-z]+(\.v[0-9]+)?$")]
    """`qbo.<entity>.<past-tense operation>.v<N>`, e.g. qbo.bill.created.v1."""
    time: datetime
    intuitentityid: _Id
    intuitaccountid: _Id


def parse_notification(body: bytes) -> list[IntuitEvent]:
    """Every change a webhook body announces, in the order sent; MalformedNotification if any of it is unreadable."""
    try:
        data = json.loads(body)
    except RecursionError:
        raise MalformedNotification("nested too deeply", "<body>") from None
    except ValueError:
        raise MalformedNotification("not JSON", "<body>") from None
    if isinstance(data, dict) and "eventNotifications" in data:
        return list(_legacy_events(_validated(_LegacyNotification, data, "")))
    if isinstance(data, list):
        return [_cloud_event(_validated(_CloudEvent, item, f"[{i}]")) for i, item in enumerate(data)]
    raise MalformedNotification('expected {"eventNotifications": [...]} or a JSON array of CloudEvents', "<body>")


def _validated(model: type[M], data: Any, where: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        path = ".".join(str(p) for p in error["loc"])
        raise MalformedNotification(error["msg"], f"{where}.{path}" if where and path else where or path) from None


def _legacy_events(notification: _LegacyNotification) -> Iterator[IntuitEvent]:
    for batch in notification.eventNotifications:
        for entity in batch.dataChangeEvent.entities:
            name = _BY_LOWER.get(entity.name.lower(), entity.name)
            key = change_key(batch.realmId, name, entity.id, entity.operation, entity.lastUpdated)
            yield IntuitEvent(
                batch.realmId, name, entity.id, entity.operation, key, _utc(entity.lastUpdated), EventSource.WEBHOOK
            )


def _cloud_event(event: _CloudEvent) -> IntuitEvent:
    product, entity, verb = event.type.lower().split(".")[:3]
    name = _BY_LOWER.get(entity, entity) if product == "qbo" else f"{product}.{entity}"
    operation = _CLOUD_VERBS.get(verb, verb.capitalize())
    return IntuitEvent(
        event.intuitaccountid, name, event.intuitentityid, operation, event.id, _utc(event.time), EventSource.WEBHOOK
    )


class _CdcMetaData(_Model):
    CreateTime: datetime | None = None
    LastUpdatedTime: datetime


class _CdcRecord(_Model):
    Id: _Id
    status: str | None = None
    """"Deleted" for a record deleted since; absent otherwise."""
    MetaData: _CdcMetaData


@dataclass(frozen=True)
class CdcChanges:
    events: tuple[IntuitEvent, ...]
    unreadable: int
    """Records without a usable Id or LastUpdatedTime: skipped."""
    position: datetime | None
    """Where the next catch-up starts: the answer's `time`; the latest change instead when the answer was cut at
    QuickBooks' limit (or carries no time); None when it tells nothing."""


def cdc_changes(realm_id: str, answer: dict[str, Any]) -> CdcChanges:
    """A change data capture answer ({"CDCResponse": [{"QueryResponse": [{"Bill": [...]}, ...]}], "time": ...}) as
    the events a webhook would have sent: Delete for a deleted record, Create when it was never updated, else Update."""
    events: list[IntuitEvent] = []
    unreadable = 0
    for entity, record in _cdc_records(answer):
        try:
            found = _CdcRecord.model_validate(record)
        except ValidationError:
            unreadable += 1
            continue
        meta = found.MetaData
        if found.status == "Deleted":
            operation = "Delete"
        elif meta.CreateTime is not None and _utc(meta.CreateTime) == _utc(meta.LastUpdatedTime):
            operation = "Create"
        else:
            operation = "Update"
        key = change_key(realm_id, entity, found.Id, operation, meta.LastUpdatedTime)
        events.append(
            IntuitEvent(realm_id, entity, found.Id, operation, key, _utc(meta.LastUpdatedTime), EventSource.CDC)
        )
    latest = max((e.occurred_at for e in events), default=None)
    stamped = _time(answer.get("time"))
    cut = len(events) + unreadable >= CDC_MAX_OBJECTS
    return CdcChanges(tuple(events), unreadable, latest if cut or stamped is None else stamped)


def _cdc_records(answer: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for block in _list(answer.get("CDCResponse")):
        for response in _list(block.get("QueryResponse") if isinstance(block, dict) else None):
            if not isinstance(response, dict):
                continue
            for entity, records in response.items():
                if entity in KNOWN_ENTITIES:
                    yield from ((entity, record) for record in _list(records))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _time(value: Any) -> datetime | None:
    try:
        return _utc(datetime.fromisoformat(value)) if isinstance(value, str) else None
    except ValueError:
        return None


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
