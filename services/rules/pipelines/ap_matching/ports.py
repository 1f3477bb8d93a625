"""Side effects AP matching's rules need: the vendors' last approved bank details, and which matches were
already counted."""

from __future__ import annotations

from typing import Protocol


class BankRecord(Protocol):
    async def approved(self, tenant: str, vendor_id: str) -> str | None:
        """The fingerprint of the vendor's last approved bank details; None when none is on record."""

    async def approved_masked(self, tenant: str, vendor_id: str) -> str | None: ...

    async def record(self, tenant: str, vendor_id: str, fingerprint: str, masked: str) -> None: ...

    async def establish(self, tenant: str, vendor_id: str, fingerprint: str, masked: str) -> bool: ...


class Claims(Protocol):
    async def claim(self, key: str, holder: str, ttl_s: int) -> bool:
        """True for the one caller that takes `key` until `ttl_s` passes."""
