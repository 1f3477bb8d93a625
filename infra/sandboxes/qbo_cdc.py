"""Change data capture: GET /v3/company/<realm>/cdc?entities=Bill,Vendor&changedSince=<date-time>.

Answers QuickBooks' CDCResponse: one QueryResponse entry per requested entity, holding the full records whose
MetaData.LastUpdatedTime is at or after changedSince (an empty object when none changed). The sandbox reads
a changedSince without a zone in the company's zone.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any, Final

from infra.sandboxes.qbo_state import ENTITY_KINDS, QboState
from infra.sandboxes.qbo_writes import COMPANY_TZ, QboFault, missing_param

MAX_OBJECTS: Final = 1000


def parse_changed_since(text: str | None) -> datetime:
    if not text:
        raise missing_param("changedSince")
    try:
        # A '+' the client did not encode arrives as a space.
        moment = datetime.fromisoformat(text.strip().replace(" ", "+"))
    except ValueError:
        raise QboFault(
            400, "ValidationFault", "Invalid Date Time", f"Invalid changedSince date-time: {text}", "2030"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=COMPANY_TZ)


def _last_updated(record: dict[str, Any]) -> datetime | None:
    text = record.get("MetaData", {}).get("LastUpdatedTime")
    try:
        return datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def changes_since(state: QboState, entities: str | None, changed_since: str | None) -> dict[str, Any]:
    """The CDCResponse body (without its `time`)."""
    names = [name.strip() for name in (entities or "").split(",") if name.strip()]
    if not names:
        raise missing_param("entities")
    since = parse_changed_since(changed_since)
    responses: list[dict[str, Any]] = []
    budget = MAX_OBJECTS
    for name in names:
        entity = next((e for e in ENTITY_KINDS if e.lower() == name.lower()), None)
        if entity is None:
            raise QboFault(400, "ValidationFault", "Invalid entity", f"CDC does not know the entity {name}", "4000")
        changed = [
            copy.deepcopy(record)
            for record in state.records_in_id_order(entity)
            if (moment := _last_updated(record)) is not None and moment >= since
        ][:budget]
        budget -= len(changed)
        responses.append({entity: changed, "startPosition": 1, "maxResults": len(changed)} if changed else {})
    return {"CDCResponse": [{"QueryResponse": responses}]}
