"""Alerts a service raises for operators, beside the dead-letter alerts the notifier derives itself."""

from __future__ import annotations

from contracts.envelope import Contract


class OperatorAlert(Contract):
    kind: str
    service: str
    message: str
    dedupe_key: str
