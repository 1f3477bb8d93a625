"""Picks the rules service's adapters; tests call `build_deps` with fakes instead."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.invoice_followup import DunningStage
from services.rules.adapters.baseline_files import BaselineBook
from services.rules.adapters.redis_contact_log import RedisContactLog
from services.rules.domain import DunningPolicy
from services.rules.ports import ContactLog
from services.rules.settings import RulesSettings
from shared.kernel import Kernel


@dataclass
class RulesDeps:
    kernel: Kernel
    contacts: ContactLog
    dunning: DunningPolicy
    baselines: BaselineBook | None = None


def dunning_policy(settings: RulesSettings) -> DunningPolicy:
    stages = []
    for item in settings.stage_starts.split(","):
        start, name = item.split(":")
        stages.append((int(start), DunningStage(name.strip())))
    return DunningPolicy(stages=tuple(stages), cadence_days=settings.cadence_days)


def build_deps(kernel: Kernel, settings: RulesSettings, contacts: ContactLog | None = None) -> RulesDeps:
    return RulesDeps(
        kernel,
        contacts or RedisContactLog(kernel.redis()),
        dunning_policy(settings),
        BaselineBook.load(settings.tenants_dir),
    )
