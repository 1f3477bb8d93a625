"""cash_planning in the rules service: each snapshot projected over the horizon against the buffer (domain.py);
the alert decided against what the last alert said (kept per company), so recomputing the same projection tells the
owner nothing new; only a new or worse shortfall, or its recovery, goes on, with the recommended actions."""

from __future__ import annotations

from faststream.kafka import KafkaRouter
from prometheus_client import Counter

from contracts.cash_planning import SPEC, AlertKind, CashAlertDecided, CashPlanning, CashValidated
from contracts.envelope import Envelope
from services.rules.bootstrap import RulesDeps
from services.rules.pipelines.cash_planning.actions import recommend
from services.rules.pipelines.cash_planning.adapters import RedisAlertStates
from services.rules.pipelines.cash_planning.domain import alert_decision, plan_cash
from services.rules.pipelines.cash_planning.ports import AlertStates
from shared.parts import ServicePart

CASH_PROJECTIONS = Counter(
    "seamline_cash_projections_total", "Cash projections computed, by whether the buffer is breached", ["breached"]
)
CASH_ALERTS = Counter("seamline_cash_alerts_total", "Cash alerts decided, by kind", ["kind"])
for _breached in ("true", "false"):
    CASH_PROJECTIONS.labels(_breached)
for _kind in AlertKind:
    CASH_ALERTS.labels(_kind.value)


def build_ports(deps: RulesDeps) -> AlertStates:
    return RedisAlertStates(deps.kernel.redis())


def subscribe(router: KafkaRouter, deps: RulesDeps, alerts: AlertStates) -> None:
    kernel = deps.kernel

    @router.subscriber(CashPlanning.VALIDATED, **kernel.subscriber_options(SPEC.name))
    async def on_cash_validated(msg: Envelope[CashValidated]) -> None:
        snapshot = msg.payload.snapshot
        projected = plan_cash(snapshot)
        CASH_PROJECTIONS.labels(str(projected.verdict.breached).lower()).inc()
        previous = await alerts.load(msg.tenant, snapshot.realm_id)
        decision = alert_decision(previous, projected.verdict, snapshot.buffer)
        if decision.kind is not None:
            recommended = recommend(projected, msg.payload.credit_line)
            decided = CashAlertDecided(projection=projected, decision=decision, recommended=recommended)
            await kernel.publisher.publish(CashPlanning.PROJECTED, msg.follow(decided), key=snapshot.realm_id)
            CASH_ALERTS.labels(decision.kind.value).inc()
        if decision.state != previous:
            await alerts.save(msg.tenant, snapshot.realm_id, decision.state)
        verdict = projected.verdict
        alerted = decision.kind.value if decision.kind else "none"
        outcome = f"breached:{verdict.breached}:first:{verdict.first_breach_on}:shortfall:{verdict.shortfall}"
        await kernel.audit.write(msg, "project", f"{outcome}:alert:{alerted}")


PART = ServicePart(build_ports, subscribe)
