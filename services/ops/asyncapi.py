"""The AsyncAPI document of all six services, generated from their FastStream apps and committed in contracts/.

`python -m services.ops.asyncapi` rewrites it; a test regenerates it and fails on drift.
"""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path
from typing import Any

from faststream.specification import AsyncAPI

from contracts.registry import PIPELINES
from services.ops.stack import REPO, SERVICES, StackConfig

DOCUMENT = REPO / "contracts" / "asyncapi.json"


def generate() -> dict[str, Any]:
    """Builds each service as it runs (settings from the demo credentials), without connecting to anything."""
    brokers = []
    saved = dict(os.environ)
    try:
        for service in SERVICES:
            os.environ.clear()
            os.environ.update(StackConfig().env_for(service))
            app = importlib.import_module(f"services.{service}.app")
            brokers.append(app.create_app(PIPELINES).broker)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    spec = AsyncAPI(*brokers, title="Seamline", version="1", schema_version="3.0.0").to_specification()
    document: dict[str, Any] = json.loads(spec.to_json())
    return document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def main(path: Path = DOCUMENT) -> None:
    path.write_text(render(generate()))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
