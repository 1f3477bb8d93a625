"""Each tenant's contract baseline, read once at start-up from infra/tenants/<tenant>/contract_baseline.yaml."""

from __future__ import annotations

from pathlib import Path

import yaml

from services.rules.pipelines.contract_review.domain import Baseline, parse_baseline
from shared.errors import PolicyRefused


class BaselineBook:
    def __init__(self, baselines: dict[str, Baseline]) -> None:
        self._baselines = baselines

    @classmethod
    def load(cls, directory: Path) -> BaselineBook:
        return cls(
            {
                path.parent.name: parse_baseline(yaml.safe_load(path.read_text()))
                for path in sorted(directory.glob("*/contract_baseline.yaml"))
            }
        )

    def for_tenant(self, tenant: str) -> Baseline:
        try:
            return self._baselines[tenant]
        except KeyError:
            raise PolicyRefused(f"no contract baseline on file for tenant {tenant!r}") from None
