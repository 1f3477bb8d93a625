"""Slack Block Kit every pipeline shares: approvers' buttons, dead letters, operator alerts. Pure: contracts in,
JSON-ready dicts out (each pipeline draws its own approval request in services/notifier/pipelines/)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from contracts import deadletter as dl
from contracts.alerts import OperatorAlert
from contracts.approval import SLACK_APPROVE_ACTION, SLACK_REJECT_ACTION, ApprovalRequested

MAX_TEXT = 2900  # Slack caps a section's text at 3000 characters


@dataclass(frozen=True)
class DeadLetterRef:
    """One record of a dead-letter topic: its headers and where it sits."""

    headers: dict[str, str]
    topic: str
    partition: int
    offset: int

    @property
    def ref(self) -> str:
        return f"{self.topic}:{self.partition}:{self.offset}"

    @property
    def error(self) -> str:
        return self.headers.get(dl.ERROR_TYPE, "unknown")


def approver_actions(request: ApprovalRequested) -> dict[str, Any]:
    """Approve / Reject for approvers in Slack (the click is signed by Slack and names the user), and each
    approver's signed browser link for anyone reading elsewhere."""
    decide = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": label},
            "action_id": action_id,
            "value": request.request_id,
            "style": style,
        }
        for label, action_id, style in (
            ("Approve", SLACK_APPROVE_ACTION, "primary"),
            ("Reject", SLACK_REJECT_ACTION, "danger"),
        )
    ]
    links = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": f"Review as {link.approver}"[:75]},
            "action_id": f"seamline_link_{n}",
            "url": link.url,
        }
        for n, link in enumerate(request.links)
    ]
    return {"type": "actions", "elements": [*decide, *links][:25]}


def dead_letter_alert(letter: DeadLetterRef) -> dict[str, Any]:
    headers = letter.headers
    field = headers.get(dl.ERROR_FIELD, "")
    lines = [
        f"*{letter.error}*: {headers.get(dl.ERROR_MESSAGE, '')}"[:MAX_TEXT],
        f"service `{headers.get(dl.SERVICE, '?')}` · source `{headers.get(dl.SOURCE_TOPIC, '?')}`"
        f" partition {headers.get(dl.SOURCE_PARTITION, '?')} offset {headers.get(dl.SOURCE_OFFSET, '?')}"
        f" · attempts {headers.get(dl.ATTEMPTS, '?')}",
        f"correlation id `{headers.get(dl.CORRELATION_ID, '')}`" + (f" · field `{field}`" if field else ""),
        f"Inspect: `seamline deadletters show {letter.ref}` · replay after a fix:"
        f" `seamline deadletters replay {letter.ref}`",
    ]
    return {
        "text": f"Dead letter on {letter.topic}: {letter.error}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": f"Dead letter: {letter.topic}"[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}},
        ],
    }


DIGEST_MESSAGE_CHARS = 100  # of each letter's error message in a digest line


def dead_letter_digest(letters: Sequence[DeadLetterRef]) -> dict[str, Any]:
    """Several dead letters in one message (a burst must not become a wall of posts): each letter once, with its
    error, field, source and the command to inspect it; a summary by service and error type on top."""
    if len(letters) == 1:
        return dead_letter_alert(letters[0])
    topic = letters[0].topic
    counts = Counter((x.headers.get(dl.SERVICE, "?"), x.error) for x in letters)
    summary = " · ".join(f"*{n} {error}* from `{service}`" for (service, error), n in counts.most_common())
    lines = [_digest_line(x) for x in letters]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"{len(letters)} dead letters: {topic}"[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": summary[:MAX_TEXT]}},
    ]
    for chunk in _chunks(lines, MAX_TEXT):
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": chunk}})
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "Replay one after a fix: `seamline deadletters replay <ref>`"}],
        }
    )
    return {"text": f"{len(letters)} dead letters on {topic}: " + summary.replace("*", ""), "blocks": blocks}


def _digest_line(letter: DeadLetterRef) -> str:
    headers = letter.headers
    field = headers.get(dl.ERROR_FIELD, "")
    message = headers.get(dl.ERROR_MESSAGE, "")[:DIGEST_MESSAGE_CHARS]
    return (
        f"• *{letter.error}*" + (f" field `{field}`" if field else "") + f": {message}"
        f" · `{headers.get(dl.SERVICE, '?')}` from `{headers.get(dl.SOURCE_TOPIC, '?')}`"
        f" · correlation `{headers.get(dl.CORRELATION_ID, '')}` · `seamline deadletters show {letter.ref}`"
    )


def _chunks(lines: Sequence[str], limit: int) -> list[str]:
    """Join lines into texts of at most `limit` characters (a single longer line is cut)."""
    chunks: list[str] = []
    current = ""
    for line in (x[:limit] for x in lines):
        if current and len(current) + 1 + len(line) > limit:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    return [*chunks, current] if current else chunks


def operator_alert(alert: OperatorAlert, pipeline: str) -> dict[str, Any]:
    return {
        "text": f"{pipeline}: {alert.message}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": f"Alert: {alert.kind} ({pipeline})"[:150]}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"{alert.message}\nservice `{alert.service}`"[:MAX_TEXT]},
            },
        ],
    }
