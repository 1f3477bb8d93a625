"""POST /intake/bills: a vendor invoice uploaded as a document (PDF, DOCX or text), as a multipart form field
`file` or as the raw body with its Content-Type and `?filename=`. The upload is authorised by the intake token,
bounded in size, claimed once by its content (the same file twice is one document) and published to the
pipeline's document topic; reading and checking it happen behind Kafka."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from prometheus_client import Counter
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contracts.ap_matching import BillDocumentReceived
from services.connectors.ports import EventClaims

log = logging.getLogger(__name__)
INTAKE_PATH = "/intake/bills"
DOCUMENTS_REFUSED = Counter(
    "seamline_ap_documents_refused_total", "Vendor invoice uploads refused, by reason", ["reason"]
)
DOCUMENTS_RECEIVED = Counter("seamline_ap_documents_received_total", "Vendor invoice uploads accepted", ["outcome"])

Publish = Callable[[BillDocumentReceived], Awaitable[None]]


def document_id(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:32]


@dataclass(frozen=True)
class Intake:
    token: str
    """Without one every upload is refused."""
    realm_id: str
    max_bytes: int
    ttl_s: int


class Refused(Exception):
    def __init__(self, reason: str, error: str, status_code: int) -> None:
        super().__init__(error)
        self.reason, self.error, self.status_code = reason, error, status_code


def build_intake_routes(intake: Intake, claims: EventClaims, publish: Publish) -> list[Route]:
    async def receive(request: Request) -> Response:
        try:
            _authorise(request, intake)
            content, filename, content_type = await _upload(request, intake.max_bytes)
        except Refused as refused:
            DOCUMENTS_REFUSED.labels(refused.reason).inc()
            return JSONResponse({"error": refused.error}, status_code=refused.status_code)
        doc_id = document_id(content)
        received = BillDocumentReceived(
            realm_id=intake.realm_id,
            document_id=doc_id,
            filename=filename[:200],
            content_type=content_type,
            size_bytes=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content_b64=base64.b64encode(content).decode(),
            submitted_by=request.headers.get("x-submitted-by"),
        )
        key = f"{intake.realm_id}:{doc_id}"
        if not await claims.claim(key, "intake", intake.ttl_s):
            DOCUMENTS_RECEIVED.labels("duplicate").inc()
            return JSONResponse({"document_id": doc_id, "duplicate": True})
        try:
            await publish(received)
        except Exception:
            await claims.forget(key)  # not published: the same upload may be tried again
            raise
        await claims.record(key, "published")
        DOCUMENTS_RECEIVED.labels("published").inc()
        log.info("vendor invoice received", extra={"fields": {"document_id": doc_id, "bytes": len(content)}})
        return JSONResponse({"document_id": doc_id, "duplicate": False}, status_code=202)

    return [Route(INTAKE_PATH, receive, methods=["POST"])]


def _authorise(request: Request, intake: Intake) -> None:
    if not intake.token:
        raise Refused("not_configured", "document intake is not configured", 401)
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), intake.token.encode()):
        raise Refused("unauthorised", "missing or wrong intake token", 401)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > intake.max_bytes + 64 * 1024:
        raise Refused("too_large", f"documents are at most {intake.max_bytes} bytes", 413)


async def _upload(request: Request, max_bytes: int) -> tuple[bytes, str, str]:
    """(content, filename, content type) from a multipart `file` field or the raw body."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "multipart/form-data":
        async with request.form(max_files=1, max_fields=4) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise Refused("no_file", "multipart upload without a `file` field", 400)
            content: bytes | None = await upload.read(max_bytes + 1)
            filename = upload.filename or "invoice"
            content_type = upload.content_type or "application/octet-stream"
    else:
        content = await _read_at_most(request, max_bytes)
        filename = request.query_params.get("filename") or "invoice"
        content_type = media or "application/octet-stream"
    if content is None or len(content) > max_bytes:
        raise Refused("too_large", f"documents are at most {max_bytes} bytes", 413)
    if not content:
        raise Refused("empty", "the document is empty", 400)
    return content, filename, content_type


async def _read_at_most(request: Request, limit: int) -> bytes | None:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)
