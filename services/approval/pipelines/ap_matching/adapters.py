"""The writes of an approved AP decision: a sparse update of the QuickBooks bill, and a verified bank change
published for rules to record."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from typing import Any

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

from contracts.ap_matching import DOCUMENT_MARK, SPEC, ApMatching, BankDetailsVerified
from contracts.envelope import Envelope
from shared.broker import EventPublisher
from shared.errors import PolicyRefused, UpstreamRejected, UpstreamUnavailable
from shared.http_errors import raise_for_upstream
from shared.qbo_oauth import QboOAuth

MINOR_VERSION = "75"
STALE_OBJECT = "5010"


class StaleBill(Exception):
    """QuickBooks refused the update: someone changed the bill between our read and our write."""


class QboBills:
    def __init__(self, client: httpx.AsyncClient, oauth: QboOAuth, realm_id: str, pay_from: str = "") -> None:
        self._client = client
        self._oauth = oauth
        self._path = f"/v3/company/{realm_id}/bill"
        self._payments = f"/v3/company/{realm_id}/billpayment"
        self._query_path = f"/v3/company/{realm_id}/query"
        self._pay_from = pay_from

    async def _call(
        self,
        method: str,
        path: str,
        request_id: str | None = None,
        params_extra: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        token = await self._oauth.access_token()
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        params = {"minorversion": MINOR_VERSION} | ({"requestid": request_id} if request_id else {})
        params |= params_extra or {}
        try:
            return await self._client.request(method, path, headers=headers, params=params, **kwargs)
        except httpx.TransportError as exc:
            raise UpstreamUnavailable(f"QBO unreachable: {type(exc).__name__}") from exc

    async def _read(self, bill_id: str) -> dict[str, Any]:
        response = await self._call("GET", f"{self._path}/{bill_id}")
        raise_for_upstream(response, "QBO bill read")
        bill: dict[str, Any] = response.json()["Bill"]
        return bill

    async def record_approval(
        self, bill_id: str, approved_sync_token: str, approved_total: Decimal, note: str, mark: str
    ) -> str:
        """Read, check, write under the SyncToken just read; a write that loses a race is read and checked again.
        The bill is never overwritten blind: a changed total means the approval no longer holds."""
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(StaleBill), stop=stop_after_attempt(3), reraise=True
        ):
            with attempt:
                bill = await self._read(bill_id)
                existing = str(bill.get("PrivateNote") or "")
                if mark in existing:
                    return f"bill {bill_id} already recorded (SyncToken {bill.get('SyncToken')})"
                total = Decimal(str(bill.get("TotalAmt")))
                if total != approved_total:
                    raise PolicyRefused(
                        f"bill {bill_id} changed since it was approved (SyncToken {approved_sync_token} -> "
                        f"{bill.get('SyncToken')}, total {approved_total} -> {total}): it is matched again"
                    )
                body = {
                    "sparse": True,
                    "Id": bill_id,
                    "SyncToken": bill["SyncToken"],
                    "VendorRef": bill["VendorRef"],  # QuickBooks wants it on every bill update
                    "PrivateNote": f"{existing}\n{note}".strip(),
                }
                # requestid makes QuickBooks answer a repeated write with the first answer (Intuit's retry key).
                request_id = hashlib.sha256(f"{mark}:{bill['SyncToken']}".encode()).hexdigest()[:40]
                response = await self._call("POST", self._path, request_id=request_id, json=body)
                if response.status_code == 400 and STALE_OBJECT in response.text:
                    raise StaleBill(response.text[:200])
                raise_for_upstream(response, "QBO bill update")
                return f"bill {bill_id} SyncToken {response.json()['Bill']['SyncToken']}"
        raise UpstreamRejected(f"bill {bill_id}: no answer")  # pragma: no cover - AsyncRetrying reraises

    async def pay(self, bill_id: str, amount: Decimal, memo: str) -> str:
        """Pay the open balance once: a bill already paid is left alone (its payment found by the balance), one
        whose open balance is not the approved amount is refused; the write carries Intuit's requestid."""
        bill = await self._read(bill_id)
        balance = Decimal(str(bill.get("Balance")))
        if balance == 0:
            return f"bill {bill_id} already paid"
        if balance != amount:
            raise PolicyRefused(f"bill {bill_id} has {balance} open, not the {amount} approved: not paid")
        body = {
            "VendorRef": bill["VendorRef"],
            "PayType": "Check",
            "CheckPayment": {"BankAccountRef": {"value": self._pay_from}},
            "TotalAmt": float(amount),
            "PrivateNote": memo,
            "Line": [{"Amount": float(amount), "LinkedTxn": [{"TxnId": bill_id, "TxnType": "Bill"}]}],
        }
        request_id = hashlib.sha256(memo.encode()).hexdigest()[:40]
        response = await self._call("POST", self._payments, request_id=request_id, json=body)
        raise_for_upstream(response, "QBO bill payment")
        return f"bill {bill_id} paid: BillPayment {response.json()['BillPayment']['Id']}"

    async def _numbered(self, draft: dict[str, Any]) -> list[dict[str, Any]]:
        """The vendor's QuickBooks bills with the draft's number (case, spaces and dashes aside)."""
        vendor = str(draft["VendorRef"]["value"])
        if not vendor.isdigit():
            raise PolicyRefused(f"vendor id {vendor!r} is not a QuickBooks id")
        query = f"select * from Bill where VendorRef = '{vendor}' maxresults 1000"  # noqa: S608 - digits only
        response = await self._call("GET", self._query_path, params_extra={"query": query})
        raise_for_upstream(response, "QBO bill query")
        found: list[dict[str, Any]] = response.json().get("QueryResponse", {}).get("Bill", [])
        return [b for b in found if _number(b.get("DocNumber")) == _number(draft.get("DocNumber"))]

    def _ours(self, bills: list[dict[str, Any]], draft: dict[str, Any]) -> dict[str, Any] | None:
        own = str(draft.get("PrivateNote") or "")
        document = own[own.find(DOCUMENT_MARK) :].split("]", maxsplit=1)[0] if DOCUMENT_MARK in own else None
        return next((b for b in bills if document and document in str(b.get("PrivateNote") or "")), None)

    async def create_from_document(self, draft: dict[str, Any], approved_total: Decimal, note: str) -> str:
        """Create the bill once: ours found again (by the document's mark) is the earlier write; a bill of the
        vendor with the same number that is not ours is the same invoice entered another way, and nothing is
        created. Lines and tax that do not add up to the approved total are not written (QuickBooks would compute
        another total than the one approved)."""
        existing = await self._numbered(draft)
        ours = self._ours(existing, draft)
        if ours is not None:
            return f"bill {ours['Id']} already created from the document"
        if existing:
            raise PolicyRefused(
                f"the vendor's bill {draft.get('DocNumber')} is already in QuickBooks as bill {existing[0]['Id']}: "
                "not created twice"
            )
        body = {k: v for k, v in draft.items() if k not in ("Id", "SyncToken")}
        tax = Decimal(str((draft.get("TxnTaxDetail") or {}).get("TotalTax") or 0))
        added = sum((Decimal(str(line["Amount"])) for line in draft["Line"]), tax).quantize(Decimal("0.01"))
        if added != approved_total:
            raise PolicyRefused(f"the invoice's lines and tax add up to {added}, not its total {approved_total}")
        body["PrivateNote"] = f"{draft.get('PrivateNote', '')}\n{note}".strip()
        request_id = hashlib.sha256(f"create:{body['PrivateNote']}".encode()).hexdigest()[:40]
        response = await self._call("POST", self._path, request_id=request_id, json=body)
        raise_for_upstream(response, "QBO bill create")
        created = response.json()["Bill"]
        return f"bill {created['Id']} created from the document (SyncToken {created['SyncToken']})"

    async def pay_created(self, draft: dict[str, Any], amount: Decimal, memo: str) -> str:
        """Pay the bill created from the document (found by its mark), once, as any approved bill."""
        ours = self._ours(await self._numbered(draft), draft)
        if ours is None:
            raise PolicyRefused(f"no bill was created from this document ({draft.get('DocNumber')}): nothing paid")
        return await self.pay(str(ours["Id"]), amount, memo)


def _number(text: object) -> str:
    return re.sub(r"[\s\-_]", "", str(text or "").casefold())


class PublishedBankRecords:
    """A verified bank change goes to the pipeline's bank_verified topic; rules record it and match the bill
    again. The topic is the durable record of every verification."""

    def __init__(self, publisher: EventPublisher, tenant: str) -> None:
        self._publisher = publisher
        self._tenant = tenant

    async def verified(self, record: BankDetailsVerified) -> str:
        envelope = Envelope.start(record, pipeline=SPEC.name, tenant=self._tenant)
        await self._publisher.publish(ApMatching.BANK_VERIFIED, envelope, key=record.vendor_id)
        return f"bank details of vendor {record.vendor_id} recorded as verified by {record.verified_by}"
