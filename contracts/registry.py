"""The registry: the one list of pipelines. Every service, tool and document that needs the pipelines reads it.

A pipeline is registered by adding its contracts module's name below; the module declares `SPEC`.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Final

from contracts.pipeline import PipelineSpec

REGISTERED: Final = (
    "invoice_followup",
    "contract_review",
    "ap_matching",
    "cash_planning",
)


def _load() -> tuple[PipelineSpec, ...]:
    specs = tuple(importlib.import_module(f"contracts.{name}").SPEC for name in REGISTERED)
    for name, loaded in zip(REGISTERED, specs, strict=True):
        if not isinstance(loaded, PipelineSpec) or loaded.name != name:
            raise TypeError(f"contracts.{name}.SPEC must be the PipelineSpec named {name!r}")
    return specs


PIPELINES: Final = _load()
_BY_NAME: Final = {s.name: s for s in PIPELINES}


class UnknownPipeline(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown pipeline {name!r}; known: {', '.join(names())}")
        self.name = name


def names() -> tuple[str, ...]:
    return tuple(_BY_NAME)


def spec(name: str) -> PipelineSpec:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnknownPipeline(name) from None


def parse_names(text: str) -> tuple[PipelineSpec, ...]:
    """`a,b` as typed on a command line; an unknown name raises UnknownPipeline naming the known ones."""
    return tuple(spec(n.strip()) for n in text.split(",") if n.strip())


@cache
def action_kinds() -> frozenset[str]:
    return frozenset(kind for s in PIPELINES for kind in s.action_kinds)
