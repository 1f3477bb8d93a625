"""The committed AsyncAPI document is what the services' FastStream apps generate: no drift."""

from __future__ import annotations

from services.ops.asyncapi import DOCUMENT, generate, render


def test_the_committed_asyncapi_document_matches_the_apps() -> None:
    generated = render(generate())
    assert generated == DOCUMENT.read_text(), "run `python -m services.ops.asyncapi` and commit contracts/asyncapi.json"
    assert "invoice_followup.drafted.v1:OnApprovalSource" in generated
