"""The writes of an approved AP decision: a sparse update of the QuickBooks bill, and a verified bank change
published for rules to record."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

from contracts.ap_matching import SPEC, ApMatching, BankDetailsVerified
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
        self._pay_from = pay_from

    async def _call(self, method: str, path: str, request_id: str | None = None, **kwargs: Any) -> httpx.Response:
        token = await self._oauth.access_token()
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        params = {"minorversion": MINOR_VERSION} | ({"requestid": request_id} if request_id else {})
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
