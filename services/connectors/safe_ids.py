"""Ids taken from outside records before they go into a query or a URL path: the whole value must be an id."""

from __future__ import annotations

import re

_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def safe_id(value: object) -> str | None:
    """`value` if all of it is an id (letters, digits, '-', '_', at most 64), else None."""
    return value if isinstance(value, str) and _SAFE_ID.fullmatch(value) else None


def checked(entity_id: str) -> str:
    """`entity_id` for a QuickBooks query; anything else is refused before it is sent."""
    if safe_id(entity_id) is None:
        raise ValueError(f"unsafe id in a QBO query: {entity_id!r}")
    return entity_id
