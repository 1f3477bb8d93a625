"""cash_planning's part of every service, through each service's bootstrap on TestKafkaBroker with fakes at the
ports: connectors fetch a company's cash records and its tenant file on a trigger and turn bursts of QuickBooks
changes into one check; validation types them (naming what is missing, refusing an unpriced currency); rules alert
once per shortfall however often it is recomputed, and once when it clears; reasoning words the facts offline or
through Claude's tool and refuses an ungrounded figure; approval sends the owner's alert once by policy; the
notifier posts it once; `seamline cash project` prints the projection offline."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from click.testing import CliRunner
from faststream.kafka import KafkaMessage
from pydantic import SecretStr

from contracts import deadletter as dl
from contracts.approval import ActionStatus, Route
from contracts.cash_planning import SPEC as CASH
from contracts.cash_planning import (
    AlertKind,
    AlertState,
    CashAlertDecided,
    CashApproval,
    CashCheckRequested,
    CashCheckSource,
    CashExplained,
    CashPlanning,
    CashValidated,
    RawCashFetched,
    RecommendedKind,
    ShortfallCause,
)
from contracts.envelope import Envelope
from contracts.registry import PIPELINES
from infra.sandboxes.anthropic_cash import cash_reply
from services.approval.bootstrap import build_parts as approval_parts
from services.approval.handlers import build_router as approval_router
from services.cli import main
from services.connectors.bootstrap import attach_intuit, build_deps, build_parts
from services.connectors.handlers import build_router
from services.connectors.pipelines.cash_planning import CashConnectorsPorts
from services.connectors.pipelines.cash_planning.domain import (
    BANK_ACCOUNTS_QUERY,
    OPEN_BILLS_QUERY,
    OPEN_INVOICES_QUERY,
    paid_invoices_query,
    payments_query,
)
from services.connectors.pipelines.cash_planning.settings import CashConnectorsSettings
from services.connectors.settings import ConnectorsSettings
from services.notifier.bootstrap import build_deps as notifier_deps
from services.notifier.bootstrap import build_parts as notifier_parts
from services.notifier.handlers import build_router as notifier_router
from services.notifier.settings import NotifierSettings
from services.reasoning.adapters.anthropic_messages import ToolCall
from services.reasoning.bootstrap import build_deps as reasoning_deps
from services.reasoning.bootstrap import build_parts as reasoning_parts
from services.reasoning.handlers import build_router as reasoning_router
from services.reasoning.llm import TokenUsage
from services.reasoning.pipelines.cash_planning import CashReasoningPorts
from services.reasoning.pipelines.cash_planning.adapters import AnthropicSummarizer
from services.reasoning.pipelines.cash_planning.domain import check_grounding, template_summary
from services.reasoning.settings import ReasoningSettings
from services.rules.bootstrap import build_deps as rules_deps
from services.rules.bootstrap import build_parts as rules_parts
from services.rules.handlers import build_router as rules_router
from services.rules.pipelines.cash_planning import CASH_PROJECTIONS
from services.rules.settings import RulesSettings
from services.validation.bootstrap import build_deps as validation_deps
from services.validation.bootstrap import build_parts as validation_parts
from services.validation.handlers import build_router as validation_router
from services.validation.settings import ValidationSettings
from shared.errors import DraftRefused
from shared.runtime import ServiceRuntime
from tests.unit.harness import Captured, kernel_for, running
from tests.unit.test_approval_api import approval_deps
from tests.unit.test_intuit_webhook import FakeClaims, legacy_body, sign
from tests.unit.test_notifier_handlers import FakeChatPoster, FakeSentLog

REALM = "9341453000000000"
TENANT = "demo-co"
AS_OF = date(2026, 12, 7)  # a Monday
PAYROLL_ON = date(2026, 12, 18)  # a Friday, 11 days on: the balance falls below the buffer that day
RECEIVABLE_DUE = date(2026, 12, 27)  # 20 days on: the money comes, just after the payroll
JsonObject = dict[str, Any]


def tenant_file(**overrides: Any) -> JsonObject:
    config: JsonObject = {
        "tenant": TENANT, "version": "test.1", "currency": "USD", "horizon_days": 30, "history_days": 365,
        "buffer": {"minimum": "5000.00", "include_next_payroll": False, "realert_growth": "2500.00",
                   "recovery_margin": "500.00"},
        "payroll": [{"id": "staff", "description": "Biweekly payroll", "cadence": "biweekly",
                     "next_on": PAYROLL_ON.isoformat(), "amount": "42000.00"}],
        "holidays": ["2026-12-25", "2027-01-01"],
    }  # fmt: skip
    config.update(overrides)
    return config


def account(account_id: str, balance: float, **more: Any) -> JsonObject:
    return {"Id": account_id, "Name": f"Account {account_id}", "AccountType": "Bank", "CurrentBalance": balance,
            "CurrencyRef": {"value": "USD"}, "Active": True, **more}  # fmt: skip


def open_invoice(invoice_id: str, amount: float, due: date, **more: Any) -> JsonObject:
    return {"Id": invoice_id, "DocNumber": f"INV-{invoice_id}", "CustomerRef": {"value": "C1", "name": "Northwind"},
            "Balance": amount, "DueDate": due.isoformat(), "CurrencyRef": {"value": "USD"}, **more}  # fmt: skip


PAID = [{"Id": f"P{n}", "CustomerRef": {"value": "C1"}, "DueDate": f"2026-0{n + 6}-15", "Balance": 0} for n in range(3)]
PAYMENTS = [{"Id": f"PM{n}", "TxnDate": f"2026-0{n + 6}-15", "Line": [{"LinkedTxn": [{"TxnId": f"P{n}",
             "TxnType": "Invoice"}]}]} for n in range(3)]  # fmt: skip


def company(**overrides: Any) -> JsonObject:
    """A company whose payroll on day 12 exceeds its cash while a large receivable arrives on day 21."""
    records: JsonObject = {
        "accounts": [account("35", 22000.0), account("36", 8000.0)],
        "open_invoices": [open_invoice("130", 60000.0, RECEIVABLE_DUE)],
        "paid_invoices": PAID,
        "payments": PAYMENTS,
        "open_bills": [],
    }
    records.update(overrides)
    return records


def raw(tenant: JsonObject | None = None, **overrides: Any) -> RawCashFetched:
    return RawCashFetched(realm_id=REALM, as_of=AS_OF, tenant_file=tenant or tenant_file(), **company(**overrides))


class FakeQuickBooks:
    def __init__(self, rows: dict[str, list[JsonObject]]) -> None:
        self.rows = rows
        self.calls: list[str] = []

    async def query_all(self, query: str) -> list[JsonObject]:
        self.calls.append(query)
        return self.rows.get(query, [])

    async def read(self, entity: str, entity_id: str) -> JsonObject | None:
        self.calls.append(f"read {entity} {entity_id}")
        return None

    async def changed_since(self, entities: Sequence[str], since: datetime) -> JsonObject:
        raise AssertionError("no catch-up here")


def _start(payload: Any) -> Envelope[Any]:
    return Envelope.start(payload, pipeline=CASH.name, tenant=TENANT)


# Connectors.


@asynccontextmanager
async def connectors(qbo: FakeQuickBooks, tenants: Path) -> AsyncIterator[tuple[Captured, httpx.AsyncClient, Any]]:
    kernel = kernel_for("connectors")
    settings = ConnectorsSettings(
        qbo_client_id="x", qbo_client_secret=SecretStr("x"), qbo_refresh_token=SecretStr("x"), qbo_realm_id=REALM,
        qbo_webhook_verifier=SecretStr("qbo-webhook-verifier-token"), qbo_cdc_interval_s=0,
    )  # fmt: skip
    deps = build_deps(kernel, settings, qbo=qbo)
    cash = CashConnectorsSettings(tenants_dir=tenants, check_interval_s=0, debounce_s=3600)
    parts = build_parts(deps, (CASH,), ports={CASH.name: CashConnectorsPorts(cash, FakeClaims())})
    router = build_router(deps, parts)
    triggers: list[Envelope[CashCheckRequested]] = []
    dead: list[dict[str, str]] = []

    @kernel.broker.subscriber(CashPlanning.TRIGGER, group_id="test.triggers")
    async def catch(message: KafkaMessage) -> None:
        triggers.append(Envelope[CashCheckRequested].model_validate_json(message.body))

    @kernel.broker.subscriber(CASH.dead_letter, group_id="test.dead")
    async def catch_dead(message: KafkaMessage) -> None:
        dead.append(dict(message.headers))

    runtime = ServiceRuntime("connectors", kernel.broker, 0)
    parts.attach(runtime, deps)
    attach_intuit(runtime, deps, claims=FakeClaims())
    transport = httpx.ASGITransport(app=runtime.http_app())
    async with (
        running(kernel, router, [CASH]) as captured,
        httpx.AsyncClient(transport=transport, base_url="http://connectors.test") as client,
    ):
        yield captured, client, (kernel, triggers, dead)


def _tenants(tmp_path: Path) -> Path:
    (tmp_path / TENANT).mkdir()
    (tmp_path / TENANT / "cash_planning.yaml").write_text(yaml.safe_dump(tenant_file()))
    return tmp_path


async def test_a_check_fetches_balances_receivables_history_and_payables_with_the_tenant_file(tmp_path: Path) -> None:
    since = AS_OF - timedelta(days=365)
    c = company()
    qbo = FakeQuickBooks({
        BANK_ACCOUNTS_QUERY: c["accounts"], OPEN_INVOICES_QUERY: c["open_invoices"],
        paid_invoices_query(since): PAID, payments_query(since): PAYMENTS, OPEN_BILLS_QUERY: [],
    })  # fmt: skip
    async with connectors(qbo, _tenants(tmp_path)) as (captured, _, (kernel, _, _)):
        check = CashCheckRequested(realm_id=REALM, as_of=AS_OF, source=CashCheckSource.COMMAND, requested_by="ops")
        await kernel.publisher.publish(CashPlanning.TRIGGER, _start(check), key=REALM)
    [fetched] = [m.payload for m in captured.of(CashPlanning.RAW)]
    assert fetched == raw(), "every record as QuickBooks returned it, the tenant's file as written"
    assert sorted(qbo.calls) == sorted(
        [BANK_ACCOUNTS_QUERY, OPEN_INVOICES_QUERY, paid_invoices_query(since), payments_query(since), OPEN_BILLS_QUERY]
    )


async def test_a_burst_of_quickbooks_changes_starts_one_check(tmp_path: Path) -> None:
    async with connectors(FakeQuickBooks({}), _tenants(tmp_path)) as (_, client, (_, triggers, _)):
        body = legacy_body(("Invoice", "130", "Update"), ("Payment", "77", "Create"), ("Bill", "9", "Create"))
        answer = await client.post("/webhooks/intuit", content=body, headers={"intuit-signature": sign(body)})
    assert answer.status_code == 200 and answer.json()["delivered"] == 3
    [trigger] = triggers
    assert trigger.payload.source is CashCheckSource.WEBHOOK and trigger.payload.realm_id == REALM
    assert trigger.payload.requested_by == "Invoice:130:Update"


async def test_a_tenant_without_a_cash_file_is_dead_lettered(tmp_path: Path) -> None:
    async with connectors(FakeQuickBooks({}), tmp_path) as (_, _, (kernel, _, dead)):
        check = CashCheckRequested(realm_id=REALM, as_of=AS_OF, source=CashCheckSource.SCHEDULE, requested_by="x")
        await kernel.publisher.publish(CashPlanning.TRIGGER, _start(check), key=REALM)
    assert [d[dl.ERROR_TYPE] for d in dead] == ["PolicyRefused"]


# Validation.


async def _validate(message: RawCashFetched) -> tuple[Captured, list[dict[str, str]]]:
    kernel = kernel_for("validation")
    deps = validation_deps(kernel, ValidationSettings())
    router = validation_router(deps, validation_parts(deps, (CASH,)))
    dead: list[dict[str, str]] = []

    @kernel.broker.subscriber(CASH.dead_letter, group_id="test.dead")
    async def catch(msg: KafkaMessage) -> None:
        dead.append(dict(msg.headers))

    async with running(kernel, router, [CASH]) as captured:
        await kernel.publisher.publish(CashPlanning.RAW, _start(message), key=REALM)
    return captured, dead


async def test_quickbooks_records_and_the_tenant_file_become_the_snapshot() -> None:
    captured, _ = await _validate(raw())
    [validated] = [m.payload for m in captured.of(CashPlanning.VALIDATED)]
    snapshot = validated.snapshot
    assert sum(b.balance for b in snapshot.balances) == Decimal("30000.0")
    assert [(i.invoice_id, i.balance, i.due_date) for i in snapshot.invoices] == [("130", 60000, RECEIVABLE_DUE)]
    assert [(p.invoice_id, p.days_late) for p in snapshot.history] == [("P0", 0), ("P1", 0), ("P2", 0)]
    assert [r.pay_date for r in snapshot.payroll] == [PAYROLL_ON, PAYROLL_ON + timedelta(weeks=2)]
    assert snapshot.buffer.minimum == Decimal("5000.00") and snapshot.holidays == (date(2026, 12, 25), date(2027, 1, 1))


@pytest.mark.parametrize(
    ("message", "field"),
    [
        (raw(accounts=[{"Id": "35", "Name": "Checking", "AccountType": "Bank"}]), "Account[0].CurrentBalance"),
        (raw(open_invoices=[open_invoice("130", 600.0, RECEIVABLE_DUE, DueDate=None)]), "Invoice[0].DueDate"),
        (raw(tenant_file(buffer={"minimum": 5000.5, "realert_growth": "1"})), "cash_planning.yaml.buffer.minimum"),
        (raw(accounts=[account("35", 100.0, CurrencyRef={"value": "EUR"})]), "snapshot"),
    ],
    ids=["balance", "due-date", "float-in-file", "unpriced-currency"],
)
async def test_a_missing_or_malformed_field_or_an_unpriced_currency_is_dead_lettered_by_name(
    message: RawCashFetched, field: str
) -> None:
    captured, dead = await _validate(message)
    assert captured.of(CashPlanning.VALIDATED) == []
    [letter] = dead
    assert (letter[dl.ERROR_TYPE], letter[dl.ERROR_FIELD]) == ("ContractInvalid", field)


async def test_an_account_in_another_currency_is_converted_by_the_files_rate() -> None:
    eur = account("40", 1000.0, CurrencyRef={"value": "EUR"})
    captured, _ = await _validate(raw(tenant_file(rates={"EUR": "1.10"}), accounts=[account("35", 29000.0), eur]))
    [validated] = [m.payload for m in captured.of(CashPlanning.VALIDATED)]
    assert validated.snapshot.rates == {"EUR": Decimal("1.10")}


# Rules.


class FakeAlertStates:
    def __init__(self) -> None:
        self.states: dict[tuple[str, str], AlertState] = {}

    async def load(self, tenant: str, realm_id: str) -> AlertState | None:
        return self.states.get((tenant, realm_id))

    async def save(self, tenant: str, realm_id: str, state: AlertState | None) -> None:
        if state is None:
            self.states.pop((tenant, realm_id), None)
        else:
            self.states[(tenant, realm_id)] = state


def validated(message: RawCashFetched | None = None, credit_line: str | None = None) -> CashValidated:
    from services.validation.pipelines.cash_planning.domain import validate_cash

    found = validate_cash(message or raw())
    return found.model_copy(update={"credit_line": Decimal(credit_line)}) if credit_line else found


async def _project(states: FakeAlertStates, *messages: CashValidated) -> Captured:
    kernel = kernel_for("rules")
    deps = rules_deps(kernel, RulesSettings())
    router = rules_router(deps, rules_parts(deps, (CASH,), ports={CASH.name: states}))
    async with running(kernel, router, [CASH]) as captured:
        for message in messages:
            await kernel.publisher.publish(CashPlanning.VALIDATED, _start(message), key=REALM)
    return captured


async def test_a_timing_gap_is_alerted_once_however_often_it_is_recomputed() -> None:
    states = FakeAlertStates()
    computed = CASH_PROJECTIONS.labels("true")._value.get()
    captured = await _project(states, *([validated(credit_line="10000.00")] * 5))
    [decided] = [m.payload for m in captured.of(CashPlanning.PROJECTED)]
    facts = decided.projection.shortfall
    assert decided.decision.kind is AlertKind.SHORTFALL and facts is not None
    assert (facts.cause, facts.first_breach_on, facts.shortfall) == (
        ShortfallCause.TIMING_GAP,
        PAYROLL_ON,
        Decimal("17000.00"),
    )
    assert facts.recovers_on == RECEIVABLE_DUE and [c.invoice_id for c in facts.receivables] == ["130"]
    assert [(a.kind, a.ref, a.amount) for a in decided.recommended] == [
        (RecommendedKind.CHASE_RECEIVABLE, "130", Decimal("60000.00")),
        (RecommendedKind.DRAW_CREDIT_LINE, "credit_line", Decimal("10000.00")),
    ]
    assert states.states[(TENANT, REALM)] == AlertState(first_breach_on=PAYROLL_ON, shortfall=Decimal("17000.00"))
    assert CASH_PROJECTIONS.labels("true")._value.get() == computed + 5, "every projection counted"
    assert len(captured.of(CASH.audit)) == 5


async def test_cash_that_clears_the_shortfall_sends_one_recovered_notice() -> None:
    states = FakeAlertStates()
    richer = validated(raw(accounts=[account("35", 70000.0)]))
    captured = await _project(states, validated(), richer, richer)
    kinds = [m.payload.decision.kind for m in captured.of(CashPlanning.PROJECTED)]
    assert kinds == [AlertKind.SHORTFALL, AlertKind.RECOVERED]
    assert states.states == {}


# Reasoning.


def alert_decided(message: RawCashFetched | None = None) -> CashAlertDecided:
    from services.rules.pipelines.cash_planning.actions import recommend
    from services.rules.pipelines.cash_planning.domain import alert_decision, plan_cash

    snapshot = validated(message).snapshot
    projected = plan_cash(snapshot)
    decision = alert_decision(None, projected.verdict, snapshot.buffer)
    return CashAlertDecided(projection=projected, decision=decision, recommended=recommend(projected, None))


class FakeMessages:
    """AnthropicMessages at its seam: the sandbox's own answer to the forced tool call."""

    model = "claude-sonnet-4-6"

    def __init__(self, wrong_amount: bool = False) -> None:
        self.wrong_amount = wrong_amount
        self.users: list[str] = []

    async def call_tool(self, system: str, tool: Any, user: str, max_tokens: int) -> ToolCall:
        self.users.append(user)
        body = {"tools": [dict(tool)], "messages": [{"role": "user", "content": user}]}
        [block], _ = cash_reply(body, self.wrong_amount)
        return ToolCall(block["input"], TokenUsage(self.model, 900, 120))


async def _explain(ports: CashReasoningPorts | None, decided: CashAlertDecided) -> tuple[Captured, list[Any]]:
    from tests.unit.test_reasoning_handlers import FakeSpendLedger

    deps = reasoning_deps(kernel_for("reasoning"), ReasoningSettings(), ledger=FakeSpendLedger())
    given = {CASH.name: ports} if ports else None
    router = reasoning_router(deps, reasoning_parts(deps, (CASH,), ports=given))
    dead: list[dict[str, str]] = []

    @deps.kernel.broker.subscriber(CASH.dead_letter, group_id="test.dead")
    async def catch(msg: KafkaMessage) -> None:
        dead.append(dict(msg.headers))

    async with running(deps.kernel, router, [CASH]) as captured:
        await deps.kernel.publisher.publish(CashPlanning.PROJECTED, _start(decided), key=REALM)
    return captured, dead


async def test_without_a_key_the_summary_is_the_template_worded_from_the_facts() -> None:
    decided = alert_decided()
    captured, _ = await _explain(None, decided)
    [explained] = [m.payload for m in captured.of(CashPlanning.EXPLAINED)]
    assert explained.model == "offline-drafter" and explained.summary == template_summary(decided)
    assert "timing gap" in explained.summary and "invoice INV-130 from Northwind (USD 60000.00" in explained.summary
    assert f"on {PAYROLL_ON}" in explained.summary and "USD 17000.00 short" in explained.summary


async def test_claudes_summary_is_grounded_and_an_invented_figure_is_refused() -> None:
    from services.reasoning.adapters.prompt_files import load_prompt

    prompt = load_prompt("services.reasoning.pipelines.cash_planning", "cash_summary.v1")
    decided = alert_decided()
    messages = FakeMessages()
    captured, _ = await _explain(CashReasoningPorts(AnthropicSummarizer(messages), prompt), decided)  # type: ignore[arg-type]
    [explained] = [m.payload for m in captured.of(CashPlanning.EXPLAINED)]
    assert explained.model == "claude-sonnet-4-6" and explained.cost_usd > 0
    assert "<facts>" in messages.users[0] and "timing gap" in explained.summary
    wrong = CashReasoningPorts(AnthropicSummarizer(FakeMessages(wrong_amount=True)), prompt)  # type: ignore[arg-type]
    captured, dead = await _explain(wrong, decided)
    assert captured.of(CashPlanning.EXPLAINED) == []
    assert [d[dl.ERROR_TYPE] for d in dead] == ["DraftRefused"]


def test_grounding_refuses_a_date_or_amount_that_is_not_a_fact() -> None:
    decided = alert_decided()
    check_grounding(template_summary(decided), decided)
    with pytest.raises(DraftRefused, match="date"):
        check_grounding("Cash falls short on 2026-12-19.", decided)
    with pytest.raises(DraftRefused, match="figure"):
        check_grounding("You are USD 17500.00 short.", decided)


# Approval and notifier.


class FakeDone(FakeClaims):
    """RedisIdempotencyStore as the executor uses it."""

    async def result(self, key: str) -> str | None:
        return self.held.get(key)


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str, str]] = []

    async def send(self, to: str, subject: str, body: str, idempotency_key: str) -> str:
        self.sent.append((to, subject, body, idempotency_key))
        return f"<{len(self.sent)}@mail.test>"


def explained_alert(decided: CashAlertDecided | None = None) -> CashExplained:
    decided = decided or alert_decided()
    return CashExplained(decided=decided, summary=template_summary(decided), prompt_id="cash_summary",
                         prompt_version="1", model="offline-drafter")  # fmt: skip


async def test_the_alert_goes_to_the_owner_by_policy_once_with_the_actions_listed_not_done() -> None:
    deps, store, _ = approval_deps()
    deps.kernel = kernel_for("approval")
    deps.done = FakeDone()  # type: ignore[assignment]
    mailer = FakeMailer()
    deps.mailer = mailer
    from tests.unit.ap_factories import ap_flow_ports

    parts = approval_parts(deps, PIPELINES, ports=ap_flow_ports(deps))
    alert = explained_alert()
    async with running(deps.kernel, approval_router(deps, parts), PIPELINES) as captured:
        for _ in range(2):  # a redelivery asks nothing again and sends nothing again
            await deps.kernel.publisher.publish(CashPlanning.EXPLAINED, _start(alert), key=REALM)
    [requested] = [m.payload for m in captured.of(CASH.approval_requested)]
    assert requested.route is Route.AUTO and requested.amount == Decimal("17000.00")
    assert isinstance(requested.payload, CashApproval)
    assert requested.payload.recipients == ("alex.rivera@demo-co.example",), "the owner role of the policy"
    assert await store.get(requested.request_id) is not None
    [(to, subject, body, _)] = mailer.sent
    assert to == "alex.rivera@demo-co.example" and subject == requested.summary and "timing gap" in subject
    assert "Chase invoice INV-130 from Northwind" in body and "nothing is done until you do it" in body
    statuses = [m.payload.status for m in captured.of(CASH.actions)]
    assert statuses == [ActionStatus.STARTED, ActionStatus.EXECUTED]


async def test_the_owner_gets_one_slack_message_with_summary_cause_and_actions() -> None:
    from services.approval.domain import parse_policy
    from services.approval.pipelines.cash_planning.domain import cash_request
    from tests.unit.test_approval_api import DEMO_POLICY

    loaded = parse_policy(DEMO_POLICY.read_text())
    request = cash_request(explained_alert(), TENANT, loaded, datetime(2026, 12, 7, 9, 0).astimezone())
    shadowed = request.model_copy(update={"route": Route.SHADOW, "request_id": "shadow-1"})
    kernel = kernel_for("notifier")
    chat = FakeChatPoster()
    settings = NotifierSettings(approvals_webhook_url=SecretStr("https://hooks.test/approvals"),
                                alerts_webhook_url=SecretStr("https://hooks.test/alerts"))  # fmt: skip
    deps = notifier_deps(kernel, settings, chat=chat)
    deps.sent = FakeSentLog()
    router = notifier_router(deps, notifier_parts(deps, (CASH,)))
    async with running(kernel, router, [CASH]):
        for message in (request, request, shadowed):
            await kernel.publisher.publish(CASH.approval_requested, _start(message), key=REALM)
    [(url, posted)] = chat.posted
    assert url == "https://hooks.test/approvals"
    text = json.dumps(posted["blocks"])
    assert "Cash shortfall ahead" in text and "timing gap" in text and "Recommended actions" in text
    assert "Chase invoice INV-130 from Northwind" in text
    assert "seamline_approve" not in text, "an alert sent by policy asks no one to approve"


# Operators.


def test_cash_project_prints_the_table_the_trigger_and_the_explanation(tmp_path: Path) -> None:
    c = company()
    snapshot = {
        "Account": c["accounts"], "Invoice": [*c["open_invoices"], *PAID], "Payment": PAYMENTS, "Bill": [],
        "cash_planning": tenant_file(),
    }  # fmt: skip
    path = tmp_path / "company.json"
    path.write_text(json.dumps(snapshot))
    answer = CliRunner().invoke(main, ["cash", "project", str(path), "--as-of", AS_OF.isoformat()])
    assert answer.exit_code == 0, answer.output
    assert f"{PAYROLL_ON.isoformat()}" in answer.output and "BELOW" in answer.output
    assert f"Trigger: BREACHED on {PAYROLL_ON}" in answer.output and "cause timing_gap" in answer.output
    assert "Chase invoice INV-130" in answer.output
    lower = CliRunner().invoke(main, ["cash", "project", str(path), "--as-of", AS_OF.isoformat(), "--buffer", "0"])
    assert "cause timing_gap" in lower.output and "Trigger: BREACHED" in lower.output, "-12000 is below 0"
    rich = {**snapshot, "Account": [account("35", 90000.0)]}
    path.write_text(json.dumps(rich))
    calm = CliRunner().invoke(main, ["cash", "project", str(path), "--as-of", AS_OF.isoformat()])
    assert "Trigger: not breached" in calm.output
