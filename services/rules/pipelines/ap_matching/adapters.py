"""The tenants' tolerance bands, read once at start-up, and the approved bank details of each vendor on Redis."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from redis.asyncio import Redis

from services.rules.pipelines.ap_matching.domain import Tolerance, parse_tolerance
from shared.errors import PolicyRefused

TOLERANCE_FILE = "ap_matching.yaml"


class ToleranceBook:
    """Each tenant's bands from infra/tenants/<tenant>/ap_matching.yaml."""

    def __init__(self, tolerances: dict[str, Tolerance]) -> None:
        self._tolerances = tolerances

    @classmethod
    def load(cls, directory: Path) -> ToleranceBook:
        return cls(
            {
                path.parent.name: parse_tolerance(yaml.safe_load(path.read_text()))
                for path in sorted(directory.glob(f"*/{TOLERANCE_FILE}"))
            }
        )

    def for_tenant(self, tenant: str) -> Tolerance:
        try:
            return self._tolerances[tenant]
        except KeyError:
            raise PolicyRefused(f"no AP matching tolerances on file for tenant {tenant!r}") from None


class RedisBankRecord:
    """The last approved bank details per tenant and vendor: their fingerprint and masked text, never the numbers.

    `establish` records a vendor's details the first time the vendor is seen (SET NX: it never replaces a record);
    `record` replaces it when a person has verified a change. The record is rebuilt from the decisions topic,
    which the rules service reads from the beginning."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    @staticmethod
    def _key(tenant: str, vendor_id: str) -> str:
        return f"ap:bank:{tenant}:{vendor_id}"

    async def _get(self, tenant: str, vendor_id: str) -> dict[str, str] | None:
        raw = await self._redis.get(self._key(tenant, vendor_id))
        if not raw:
            return None
        held: dict[str, str] = json.loads(raw)
        return held

    async def approved(self, tenant: str, vendor_id: str) -> str | None:
        held = await self._get(tenant, vendor_id)
        return held["fingerprint"] if held else None

    async def approved_masked(self, tenant: str, vendor_id: str) -> str | None:
        held = await self._get(tenant, vendor_id)
        return held["masked"] if held else None

    async def record(self, tenant: str, vendor_id: str, fingerprint: str, masked: str) -> None:
        await self._redis.set(self._key(tenant, vendor_id), json.dumps({"fingerprint": fingerprint, "masked": masked}))

    async def establish(self, tenant: str, vendor_id: str, fingerprint: str, masked: str) -> bool:
        """True when this call recorded the details (there was no record); a record is never replaced here."""
        value = json.dumps({"fingerprint": fingerprint, "masked": masked})
        return bool(await self._redis.set(self._key(tenant, vendor_id), value, nx=True))
