"""Who wants which QuickBooks changes, and their delivery: each change handed once to every handler that registered
interest in its entity, whether a webhook or the catch-up brought it."""

from __future__ import annotations

from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Final

from prometheus_client import Counter

from services.connectors.intuit.domain import KNOWN_ENTITIES, IntuitEvent
from services.connectors.ports import EventClaims
from shared.idempotency import idempotency_key

Handler = Callable[[IntuitEvent], Awaitable[None]]

INTUIT_EVENTS = Counter(
    "seamline_intuit_events_total",
    "QuickBooks changes received, by source, entity and outcome (delivered, duplicate, unwanted, other_realm)",
    ["source", "entity", "outcome"],
)
IN_FLIGHT_S: Final = 60
"""How long a change being delivered stays claimed if its deliverer dies: then a retry or the catch-up gets it."""


class IntuitSubscriptions:
    """The interface pipeline parts register through, from their `subscribe`:
    `deps.intuit.on({"Bill"}, handler)`; the handler gets every change to a Bill, whatever the operation."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)

    def on(self, entities: Collection[str], handler: Handler) -> None:
        if isinstance(entities, str):
            raise TypeError("entities is a collection of entity names, e.g. {'Bill'}")
        unknown = sorted(set(entities) - KNOWN_ENTITIES)
        if unknown:
            raise ValueError(f"QuickBooks sends no changes for {unknown}; known: {', '.join(sorted(KNOWN_ENTITIES))}")
        for entity in sorted(set(entities)):
            self._handlers[entity].append(handler)

    def handlers(self, entity: str) -> tuple[Handler, ...]:
        return tuple(self._handlers.get(entity, ()))

    @property
    def entities(self) -> tuple[str, ...]:
        """Every entity some handler wants, sorted: what the catch-up asks QuickBooks about."""
        return tuple(sorted(e for e, handlers in self._handlers.items() if handlers))


@dataclass(frozen=True)
class Delivery:
    delivered: int = 0
    duplicates: int = 0
    unwanted: int = 0
    """No handler wants the entity: acknowledged and counted."""
    other_realm: int = 0
    """For a QuickBooks company these connectors are not connected to: acknowledged and counted."""


class IntuitDelivery:
    """Claims each change under its event id and its change key (a CloudEvent's id differs from the key a catch-up
    derives), runs the interested handlers, then keeps the claims; a handler's failure releases them for the retry."""

    def __init__(
        self, subscriptions: IntuitSubscriptions, claims: EventClaims, tenant: str, realms: Collection[str]
    ) -> None:
        self._subscriptions = subscriptions
        self._claims = claims
        self._tenant = tenant
        self._realms = frozenset(realms)

    async def deliver(self, events: Iterable[IntuitEvent]) -> Delivery:
        outcomes: Tally[str] = Tally()
        for event in events:
            outcome = await self._deliver(event)
            outcomes[outcome] += 1
            entity = event.entity if event.entity in KNOWN_ENTITIES else "other"
            INTUIT_EVENTS.labels(event.source.value, entity, outcome).inc()
        return Delivery(
            delivered=outcomes["delivered"],
            duplicates=outcomes["duplicate"],
            unwanted=outcomes["unwanted"],
            other_realm=outcomes["other_realm"],
        )

    async def _deliver(self, event: IntuitEvent) -> str:
        if event.realm_id not in self._realms:
            return "other_realm"
        handlers = self._subscriptions.handlers(event.entity)
        if not handlers:
            return "unwanted"
        keys = [idempotency_key(self._tenant, k) for k in dict.fromkeys((event.event_id, event.change_key))]
        claimed: list[str] = []
        for key in keys:
            if not await self._claims.claim(key, "delivering", IN_FLIGHT_S):
                await self._release(claimed)
                return "duplicate"
            claimed.append(key)
        try:
            for handler in handlers:
                await handler(event)
        except BaseException:
            await self._release(claimed)  # let Intuit's retry, or the next catch-up, deliver it
            raise
        for key in claimed:
            await self._claims.record(key, event.source.value)
        return "delivered"

    async def _release(self, keys: Iterable[str]) -> None:
        for key in keys:
            await self._claims.forget(key)
