"""In-memory state of the QuickBooks Online sandbox: company data, OAuth tokens, injected faults."""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, get_args

import httpx

DEFAULT_REALM_ID = "9341453000000000"
DEFAULT_CLIENT_ID = "sandbox-client-id"
# Well-known sandbox credentials, published so local clients can be configured with them.
DEFAULT_CLIENT_SECRET = "sandbox-client-secret"  # noqa: S105
SEED_REFRESH_TOKEN = "sandbox-refresh-token"  # noqa: S105
DEFAULT_WEBHOOK_VERIFIER_TOKEN = "qbo-webhook-verifier-token"  # noqa: S105
DEFAULT_RECEIVING_TOKEN = "receiving-sandbox-token"  # noqa: S105
REFRESH_TOKEN_TTL = 8_726_400

FaultMode = Literal["none", "429", "500", "timeout"]
EntityKind = Literal["Invoice", "Customer", "Payment", "Vendor", "PurchaseOrder", "Bill", "BillPayment", "Account"]
ENTITY_KINDS: tuple[EntityKind, ...] = get_args(EntityKind)


@dataclass
class TokenStore:
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    access_token_ttl: float = 3600
    clock: Callable[[], float] = time.time
    # Every refresh token ever issued stays valid so a client restarted with an older
    # token keeps working, as Intuit tolerates for a while after rotation.
    refresh_tokens: set[str] = field(default_factory=lambda: {SEED_REFRESH_TOKEN})
    access_tokens: dict[str, float] = field(default_factory=dict)

    def refresh(self, refresh_token: str) -> tuple[str, str] | None:
        """Return (access_token, new_refresh_token), or None if the refresh token is unknown."""
        if refresh_token not in self.refresh_tokens:
            return None
        access = "sbx-at-" + secrets.token_urlsafe(24)
        rotated = "sbx-rt-" + secrets.token_urlsafe(24)
        self.access_tokens[access] = self.clock() + self.access_token_ttl
        self.refresh_tokens.add(rotated)
        return access, rotated

    def is_valid_access_token(self, token: str) -> bool:
        expiry = self.access_tokens.get(token)
        return expiry is not None and self.clock() < expiry


@dataclass
class FaultPlan:
    mode: FaultMode = "none"
    remaining: int | None = None
    retry_after: int = 1
    delay: float = 5.0

    def take(self) -> FaultMode:
        """The fault to apply to the next API request, consuming one from the budget."""
        if self.mode == "none":
            return "none"
        mode = self.mode
        if self.remaining is not None:
            self.remaining -= 1
            if self.remaining <= 0:
                self.mode, self.remaining = "none", None
        return mode


@dataclass
class RequestLog:
    by_kind: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    by_kind_status: Counter[str] = field(default_factory=Counter)

    def record(self, kind: str, status: int) -> None:
        self.by_kind[kind] += 1
        self.by_status[str(status)] += 1
        self.by_kind_status[f"{kind}:{status}"] += 1

    def as_json(self) -> dict[str, Any]:
        return {
            "total": sum(self.by_kind.values()),
            "by_kind": dict(self.by_kind),
            "by_status": dict(self.by_status),
            "by_kind_status": dict(self.by_kind_status),
        }


@dataclass
class ReceivingLog:
    """The tenant's receiving log (goods received against purchase order lines): not QuickBooks data."""

    token: str = DEFAULT_RECEIVING_TOKEN
    receipts: list[dict[str, Any]] = field(default_factory=list)


class TableIndex(Protocol):
    def stored(self, key: str, record: dict[str, Any]) -> None:
        """`record` is now the one under `key` (it may replace another)."""

    def removed(self, key: str) -> None: ...


def id_order(key: str) -> tuple[int, int, str]:
    """Sort key of a record Id: numeric Ids in numeric order, then the others by text."""
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


class Table(dict[str, dict[str, Any]]):
    """One entity's records by Id. Every way of storing or removing a record tells the attached indexes, so they
    stay right as long as an indexed field changes by storing a new record (as writes do), never in place."""

    def __init__(self, records: Mapping[str, dict[str, Any]] | None = None) -> None:
        super().__init__()
        self.indexes: dict[str, TableIndex] = {}
        if records:
            self.update(records)

    def __setitem__(self, key: str, record: dict[str, Any]) -> None:
        super().__setitem__(key, record)
        for index in self.indexes.values():
            index.stored(key, record)

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        for index in self.indexes.values():
            index.removed(key)

    # dict's own bulk and pop methods bypass __setitem__/__delitem__: route them through.
    def update(self, *args: Any, **kwargs: dict[str, Any]) -> None:
        for key, record in dict(*args, **kwargs).items():
            self[key] = record

    def __ior__(self, other: Any) -> Table:  # type: ignore[override,misc]
        self.update(other)
        return self

    def setdefault(self, key: str, default: dict[str, Any]) -> dict[str, Any]:
        if key not in self:
            self[key] = default
        return self[key]

    def pop(self, key: str, *default: Any) -> Any:
        if key not in self:
            return dict.pop(self, key, *default)
        record = self[key]
        del self[key]
        return record

    def popitem(self) -> tuple[str, dict[str, Any]]:
        if not self:
            raise KeyError("popitem(): table is empty")
        key = next(reversed(self))
        return key, self.pop(key)

    def clear(self) -> None:
        keys = list(self)
        super().clear()
        for index in self.indexes.values():
            for key in keys:
                index.removed(key)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class QboState:
    realm_id: str = DEFAULT_REALM_ID
    tokens: TokenStore = field(default_factory=TokenStore)
    faults: FaultPlan = field(default_factory=FaultPlan)
    requests: RequestLog = field(default_factory=RequestLog)
    invoices: Table = field(default_factory=Table)
    customers: Table = field(default_factory=Table)
    payments: Table = field(default_factory=Table)
    vendors: Table = field(default_factory=Table)
    purchase_orders: Table = field(default_factory=Table)
    bills: Table = field(default_factory=Table)
    bill_payments: Table = field(default_factory=Table)
    accounts: Table = field(default_factory=Table)
    """The chart of accounts' records the API serves: bank accounts with their CurrentBalance (read-only here)."""
    summary: dict[str, Any] = field(default_factory=dict)
    ap_summary: dict[str, Any] = field(default_factory=dict)
    receiving: ReceivingLog = field(default_factory=ReceivingLog)
    webhook_verifier_token: str = DEFAULT_WEBHOOK_VERIFIER_TOKEN
    # Tests swap in an ASGI transport to receive fired webhooks without a socket.
    webhook_transport: httpx.AsyncBaseTransport | None = None
    # Answers already given per `requestid`, replayed as Intuit does for a retried write.
    write_replies: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The time writes stamp into MetaData.LastUpdatedTime (and CDC compares against).
    now: Callable[[], datetime] = _utc_now

    def table(self, entity: EntityKind) -> Table:
        return {
            "Invoice": self.invoices,
            "Customer": self.customers,
            "Payment": self.payments,
            "Vendor": self.vendors,
            "PurchaseOrder": self.purchase_orders,
            "Bill": self.bills,
            "BillPayment": self.bill_payments,
            "Account": self.accounts,
        }[entity]

    def insert(self, entity: EntityKind, record: dict[str, Any]) -> dict[str, Any]:
        """Store `record` as-is, assigning the next numeric Id when it has none."""
        table = self.table(entity)
        if "Id" not in record:
            numeric = [int(k) for k in table if k.isdigit()]
            record["Id"] = str(max(numeric, default=0) + 1)
        record.setdefault("SyncToken", "0")
        table[str(record["Id"])] = record
        return record

    def records_in_id_order(self, entity: EntityKind) -> list[dict[str, Any]]:
        table = self.table(entity)
        return [table[k] for k in sorted(table, key=id_order)]
