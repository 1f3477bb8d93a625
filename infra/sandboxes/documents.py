"""Document-store sandbox: contracts served as files (GET /documents/{id}, bearer auth, content type by kind)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from infra.sandboxes.documents_seed import SEED, render

DEFAULT_DOCUMENTS_TOKEN = "docs-sandbox-token"  # noqa: S105 - a published sandbox credential


@dataclass(frozen=True)
class StoredDocument:
    content_type: str
    filename: str
    data: bytes


def seed_documents() -> dict[str, StoredDocument]:
    out = {}
    for document_id, (kind, text) in SEED.items():
        content_type, suffix, data = render(kind, text)
        out[document_id] = StoredDocument(content_type, f"{document_id}.{suffix}", data)
    return out


@dataclass
class DocumentState:
    token: str = DEFAULT_DOCUMENTS_TOKEN
    documents: dict[str, StoredDocument] = field(default_factory=seed_documents)
    requests: list[str] = field(default_factory=list)


class AddDocument(BaseModel):
    """A document to serve: rendered from `text` by `kind`, or given as base64 bytes with a content type."""

    model_config = ConfigDict(extra="forbid")
    id: str
    kind: str = "text"
    text: str = ""
    content_b64: str | None = None
    content_type: str | None = None


def build_documents_app(state: DocumentState) -> Starlette:
    async def get_document(request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token.strip() != state.token:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        document_id = request.path_params["document_id"]
        state.requests.append(document_id)
        document = state.documents.get(document_id)
        if document is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        return Response(
            document.data,
            media_type=document.content_type,
            headers={"Content-Disposition": f'attachment; filename="{document.filename}"'},
        )

    async def add_document(request: Request) -> Response:
        try:
            body = AddDocument.model_validate_json(await request.body())
            if body.content_b64 is not None:
                content_type, data = (
                    body.content_type or "application/octet-stream",
                    base64.b64decode(body.content_b64),
                )
                suffix = "bin"
            else:
                content_type, suffix, data = render(body.kind, body.text)
        except (ValidationError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=422)
        state.documents[body.id] = StoredDocument(content_type, f"{body.id}.{suffix}", data)
        return JSONResponse({"id": body.id, "content_type": content_type, "bytes": len(data)}, status_code=201)

    async def list_documents(_: Request) -> Response:
        return JSONResponse(
            {k: {"content_type": d.content_type, "bytes": len(d.data)} for k, d in state.documents.items()}
        )

    return Starlette(
        routes=[
            Route("/documents/{document_id}", get_document, methods=["GET"]),
            Route("/_sandbox/documents", add_document, methods=["POST"]),
            Route("/_sandbox/documents", list_documents, methods=["GET"]),
        ]
    )
