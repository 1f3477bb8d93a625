"""Invoice follow-up end to end: QuickBooks sandbox in, SMTP sink, CRM and Slack out, through the real broker."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import signal
import subprocess
import sys
from decimal import Decimal
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from contracts import deadletter as dl
from contracts.approval import ApprovalDecided
from contracts.envelope import Envelope
from contracts.invoice_followup import SPEC as FOLLOWUP_SPEC
from contracts.invoice_followup import FollowUpApproval
from services.ops.pipelines.invoice_followup.demo import trigger
from services.ops.pipelines.invoice_followup.report import RunReport, build_report
from services.ops.stack import Stack
from shared.broker import EventPublisher, build_broker
from shared.settings import KernelSettings
from shared.topic_reader import read_topic
from tests.e2e.conftest import add_customer, add_invoice, eventually, run

pytestmark = pytest.mark.e2e


def report_for(stack: Stack, correlation_id: str) -> RunReport:
    return run(build_report(stack.config.kafka, correlation_id))


def mails(stack: Stack, client: httpx.Client) -> list[dict[str, Any]]:
    return list(client.get(f"{stack.config.sandbox_urls['smtp_http']}/messages").json())


def notes(stack: Stack, client: httpx.Client) -> list[dict[str, Any]]:
    body = client.get(f"{stack.config.sandbox_urls['crm']}/_sandbox/notes").json()
    return list(body["results"] if isinstance(body, dict) else body)


def slack(stack: Stack, client: httpx.Client) -> list[dict[str, Any]]:
    return list(client.get(f"{stack.config.sandbox_urls['slack']}/_sandbox/messages").json())


def decide(client: httpx.Client, link: str, decision: str) -> httpx.Response:
    token = link.split("token=", 1)[1]
    return client.post(link.split("?", 1)[0], data={"token": token, "decision": decision, "reason": "e2e"})


def pending_request(stack: Stack, correlation_id: str) -> RunReport:
    return eventually(
        lambda: (r := report_for(stack, correlation_id)).pending and r, timeout_s=45, what="an approval request"
    )


def test_overdue_invoice_leads_to_exactly_one_email_after_approval_and_one_crm_note(
    stack: Stack, sandbox: httpx.Client
) -> None:
    add_customer(sandbox, stack, "c900", "Acme Parts")
    add_invoice(sandbox, stack, "9001", "c900", "4321.09", days_overdue=12)
    correlation_id = run(trigger(stack.config, "e2e"))

    request = pending_request(stack, correlation_id).pending[0]
    assert isinstance(request.payload, FollowUpApproval)
    assert request.payload.draft.facts.invoice_number == "E2E-9001"
    assert request.payload.draft.facts.amount_due == Decimal("4321.09")
    assert request.approver_role == "ar_manager"
    posted = eventually(
        lambda: [m for m in slack(stack, sandbox) if "E2E-9001" in json.dumps(m["payload"])], what="Slack message"
    )
    assert request.links[0].url in json.dumps(posted[0]["payload"])

    page = sandbox.get(request.links[0].url)
    assert page.status_code == 200 and "Approve" in page.text
    assert mails(stack, sandbox) == [], "opening the link must not decide"

    assert decide(sandbox, request.links[0].url, "approve").status_code == 200
    sent = eventually(lambda: mails(stack, sandbox), what="the email")
    eventually(lambda: notes(stack, sandbox), what="the CRM note")
    assert decide(sandbox, request.links[0].url, "approve").status_code == 409

    eventually(lambda: report_for(stack, correlation_id).actions["post_crm_note:executed"] == 1, what="actions")
    sent = mails(stack, sandbox)
    assert len(sent) == 1
    assert sent[0]["rcpt_tos"] == ["ap@c900.example"]
    text = sent[0]["subject"] + sent[0]["text"]
    assert "E2E-9001" in text and "4321.09" in text
    crm = notes(stack, sandbox)
    assert len(crm) == 1 and "E2E-9001" in json.dumps(crm[0])


def test_approving_in_slack_sends_exactly_one_email_and_updates_the_message(
    stack: Stack, sandbox: httpx.Client
) -> None:
    add_customer(sandbox, stack, "c905", "Delta Freight")
    add_invoice(sandbox, stack, "9051", "c905", "2750.40", days_overdue=21)
    correlation_id = run(trigger(stack.config, "e2e"))
    request = pending_request(stack, correlation_id).pending[0]
    eventually(
        lambda: [m for m in slack(stack, sandbox) if request.request_id in json.dumps(m["payload"])],
        what="the approval message in Slack",
    )
    target = f"http://127.0.0.1:{stack.config.service_ports['approval']}/slack/interactions"
    slack_url = stack.config.sandbox_urls["slack"]

    def click(action_id: str, user_id: str) -> dict[str, Any]:
        body = {"target_url": target, "action_id": action_id, "value": request.request_id, "user_id": user_id}
        answer = sandbox.post(f"{slack_url}/_sandbox/interactions/click", json=body)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    assert json.loads(click("seamline_approve", "U0DEMOSAM")["body"])["ok"] is False, "sam is not an ar_manager"
    assert click("seamline_approve", "U0DEMOMARIA")["status"] == 200
    assert json.loads(click("seamline_reject", "U0DEMOMARIA")["body"])["refused"] == "request already decided"

    eventually(lambda: report_for(stack, correlation_id).actions["post_crm_note:executed"] == 1, what="actions")
    sent = mails(stack, sandbox)
    assert len(sent) == 1
    assert "E2E-9051" in sent[0]["subject"] + sent[0]["text"] and "2750.40" in sent[0]["text"]
    assert len(notes(stack, sandbox)) == 1
    told = [r["payload"] for r in sandbox.get(f"{slack_url}/_sandbox/responses").json()]
    assert [t.get("replace_original") for t in told] == [False, True, False]
    assert told[1]["text"].startswith("Approved by maria.lopez@demo-co.example")


def test_an_email_whose_answer_is_lost_stays_uncertain_until_an_operator_resolves_it(
    stack: Stack, sandbox: httpx.Client
) -> None:
    add_customer(sandbox, stack, "c990", "Harbor Lights")
    add_invoice(sandbox, stack, "9901", "c990", "3100.00", days_overdue=35)
    correlation_id = run(trigger(stack.config, "e2e"))
    request = pending_request(stack, correlation_id).pending[0]
    smtp = stack.config.sandbox_urls["smtp_http"]
    sandbox.post(f"{smtp}/_sandbox/fault", json={"ack_delay_s": 20})  # longer than approval's 15 s SMTP timeout
    assert decide(sandbox, request.links[0].url, "approve").status_code == 200

    alert = eventually(
        lambda: [m for m in slack(stack, sandbox) if f"request {request.request_id}" in json.dumps(m["payload"])],
        timeout_s=60,
        what="the operator alert for the uncertain email",
    )
    assert "no answer after DATA" in json.dumps(alert[0]["payload"])
    assert "seamline actions resolve" in json.dumps(alert[0]["payload"])
    report = report_for(stack, correlation_id)
    assert report.actions["send_followup_email:uncertain"] == 1
    assert len(mails(stack, sandbox)) == 1, "the server took it: the mail log shows it went out"
    sandbox.post(f"{smtp}/_sandbox/fault", json={"ack_delay_s": 0})

    def resolve(*flags: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "services.cli", "actions", "resolve", request.request_id]
        env = {**stack.config.env_for("cli"), "SEAMLINE_APPROVAL_API_TOKEN": "demo-ops-token"}
        api = f"http://127.0.0.1:{stack.config.service_ports['approval']}"
        return subprocess.run(
            [*command, "send_followup_email", *flags, "--operator", "ops@demo-co.example", "--api", api],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    resolved = resolve("--sent", "--reason", "found in the mail server log")
    assert resolved.returncode == 0, resolved.stderr
    assert "send_followup_email for" in resolved.stdout and "executed" in resolved.stdout
    eventually(
        lambda: report_for(stack, correlation_id).actions["send_followup_email:executed"] == 1,
        what="the resolution in the actions journal",
    )
    again = resolve("--not-sent")
    assert again.returncode != 0 and "not uncertain" in again.stderr
    assert len(mails(stack, sandbox)) == 1, "resolving never sends a second email"


def test_malformed_record_is_dead_lettered_naming_the_field_while_the_batch_goes_on(
    stack: Stack, sandbox: httpx.Client
) -> None:
    add_customer(sandbox, stack, "c910", "Bolt Works")
    add_invoice(sandbox, stack, "9101", "c910", "250.00", days_overdue=5)
    add_invoice(sandbox, stack, "9102", "c910", "99.00", days_overdue=9, TotalAmt="12x.50")
    add_invoice(sandbox, stack, "9103", "c910", "310.00", days_overdue=40)
    correlation_id = run(trigger(stack.config, "e2e"))

    report = eventually(lambda: (r := report_for(stack, correlation_id)).accounted and r, what="the run to settle")
    assert report.fetched == 3
    assert len(report.dead_letters) == 1, report.dead_letters
    letter = report.dead_letters[0]
    assert letter[dl.ERROR_TYPE] == "ContractInvalid"
    assert letter[dl.ERROR_FIELD] == "Invoice.TotalAmt"
    assert letter[dl.SERVICE] == "validation"
    sent = eventually(lambda: len(m := mails(stack, sandbox)) == 2 and m, what="two auto-approved emails")
    assert sorted(n for m in sent for n in ("E2E-9101", "E2E-9103") if n in m["subject"]) == ["E2E-9101", "E2E-9103"]
    alerts = eventually(
        lambda: [m for m in slack(stack, sandbox) if f"show {letter['_ref']}`" in json.dumps(m["payload"])],
        timeout_s=90,
        what="the operator alert for this dead letter",
    )
    assert len(alerts) == 1, "one alert per dead letter"
    assert "Invoice.TotalAmt" in json.dumps(alerts[0]["payload"])


def test_a_draft_with_a_wrong_amount_is_refused_and_nothing_is_sent(stack: Stack, sandbox: httpx.Client) -> None:
    add_customer(sandbox, stack, "c920", "Cobalt Foods")
    add_invoice(sandbox, stack, "9201", "c920", "300.00", days_overdue=20)
    sandbox.post(f"{stack.config.sandbox_urls['anthropic']}/_sandbox/mode", json={"mode": "wrong_amount"})
    correlation_id = run(trigger(stack.config, "e2e"))

    report = eventually(lambda: (r := report_for(stack, correlation_id)).dead_letters and r, what="a dead letter")
    assert report.dead_letters[0][dl.ERROR_TYPE] == "DraftRefused"
    assert report.dead_letters[0][dl.SERVICE] == "reasoning"
    assert "400.00" in report.dead_letters[0][dl.ERROR_MESSAGE]
    assert report.drafted == 0 and sum(report.routes.values()) == 0
    assert mails(stack, sandbox) == []
    assert notes(stack, sandbox) == []


def test_read_only_tenant_records_what_it_would_send_and_sends_nothing(stack: Stack, sandbox: httpx.Client) -> None:
    add_customer(sandbox, stack, "c930", "Delta Dairy")
    add_invoice(sandbox, stack, "9301", "c930", "120.00", days_overdue=3)
    add_invoice(sandbox, stack, "9302", "c930", "5120.00", days_overdue=33)
    correlation_id = run(trigger(dataclasses.replace(stack.config, tenant="shadow-co"), "e2e"))

    report = eventually(lambda: (r := report_for(stack, correlation_id)).accounted and r, what="the run to settle")
    assert report.routes == {"shadow": 2}
    assert report.actions == {"send_followup_email:recorded_only": 2}
    assert report.pending == []
    actions = [
        json.loads(r.value)["payload"]
        for r in run(_records(stack.config.kafka, FOLLOWUP_SPEC.actions))
        if dict(r.headers)[dl.MSG_CORRELATION_ID].decode() == correlation_id
    ]
    assert {"ap@c930.example" in a["detail"] for a in actions} == {True}, "records who would have been emailed"
    assert mails(stack, sandbox) == [] and notes(stack, sandbox) == []
    assert not [m for m in slack(stack, sandbox) if "E2E-930" in json.dumps(m["payload"])]


def test_quickbooks_throttling_is_honoured_and_the_run_completes(stack: Stack, sandbox: httpx.Client) -> None:
    add_customer(sandbox, stack, "c940", "Ember Tools")
    add_invoice(sandbox, stack, "9401", "c940", "410.00", days_overdue=15)
    qbo = stack.config.sandbox_urls["qbo"]
    sandbox.delete(f"{qbo}/_sandbox/requests")
    sandbox.post(f"{qbo}/_sandbox/faults", json={"mode": "429", "count": 3, "retry_after": 1})
    correlation_id = run(trigger(stack.config, "e2e"))

    eventually(lambda: len(mails(stack, sandbox)) == 1, what="the email after throttling")
    counts = sandbox.get(f"{qbo}/_sandbox/requests").json()
    assert counts["by_status"].get("429") == 3
    assert report_for(stack, correlation_id).dead_letters == []


def test_duplicate_decision_and_redelivery_after_restart_still_send_one_email(
    stack: Stack, sandbox: httpx.Client
) -> None:
    add_customer(sandbox, stack, "c950", "Fjord Freight")
    add_invoice(sandbox, stack, "9501", "c950", "2500.00", days_overdue=45)
    correlation_id = run(trigger(stack.config, "e2e"))
    request = pending_request(stack, correlation_id).pending[0]
    assert decide(sandbox, request.links[0].url, "approve").status_code == 200
    eventually(lambda: len(notes(stack, sandbox)) == 1, what="email and note")

    decided = [
        r
        for r in run(_records(stack.config.kafka, FOLLOWUP_SPEC.decisions))
        if Envelope[ApprovalDecided].model_validate_json(r.value).payload.request_id == request.request_id
    ]
    run(_publish_again(stack.config.kafka, FOLLOWUP_SPEC.decisions, decided[0].value, key=request.entity_id))
    eventually(
        lambda: report_for(stack, correlation_id).actions["send_followup_email:already_done"] == 1,
        what="the duplicate decision to be recognised",
    )

    stack.stop("approval", signal.SIGTERM)
    position = TopicPartition(FOLLOWUP_SPEC.decisions, decided[0].partition)
    run(_rewind(stack.config.kafka, "approval.invoice_followup.executor", {position: decided[0].offset}))
    stack.start_service("approval")
    eventually(
        lambda: report_for(stack, correlation_id).actions["send_followup_email:already_done"] >= 2,
        what="redelivery after the restart",
    )
    assert len(mails(stack, sandbox)) == 1
    assert len(notes(stack, sandbox)) == 1


async def _records(bootstrap: str, topic: str) -> list[Any]:
    return [r async for r in read_topic(bootstrap, topic)]


async def _publish_again(bootstrap: str, topic: str, body: bytes, key: str) -> None:
    broker = build_broker(KernelSettings(kafka_bootstrap_servers=bootstrap), "e2e")
    await broker.start()
    try:
        envelope = Envelope[ApprovalDecided].model_validate_json(body)
        await EventPublisher(broker, "e2e").publish(topic, envelope, key)
    finally:
        await broker.stop()


async def _rewind(bootstrap: str, group: str, offsets: dict[TopicPartition, int]) -> None:
    """As if the executor had never committed the decision: its group's offset goes back to it."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        for _ in range(150):  # the stopped member leaves, or its session expires
            (described,) = await admin.describe_consumer_groups([group])
            if described.groups[0][2] == "Empty":
                break
            await asyncio.sleep(0.2)
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit(offsets)
    finally:
        await consumer.stop()
