from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest
import pytest_asyncio

from infra.sandboxes import QboState, SeedParams, build_qbo_app, seed_company

AS_OF = date(2026, 11, 21)
REALM = "9341453000000000"
BASIC_AUTH = ("sandbox-client-id", "sandbox-client-secret")


@pytest.fixture
def qbo_state() -> QboState:
    state = QboState()
    seed_company(state, SeedParams(as_of=AS_OF))
    return state


@pytest_asyncio.fixture
async def qbo(qbo_state: QboState) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_qbo_app(qbo_state))
    async with httpx.AsyncClient(transport=transport, base_url="http://qbo.sandbox") as client:
        yield client


async def refresh(client: httpx.AsyncClient, refresh_token: str = "sandbox-refresh-token") -> httpx.Response:
    return await client.post(
        "/oauth2/v1/tokens/bearer",
        auth=BASIC_AUTH,
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        headers={"Accept": "application/json"},
    )


async def bearer(client: httpx.AsyncClient) -> dict[str, str]:
    response = await refresh(client)
    return {"Authorization": f"Bearer {response.json()['access_token']}", "Accept": "application/json"}
