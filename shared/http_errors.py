"""Map an outside system's HTTP answer onto the error tree, by status class."""

from __future__ import annotations

import httpx

from shared.errors import RateLimited, UpstreamRejected, UpstreamUnavailable


def raise_for_upstream(response: httpx.Response, system: str) -> None:
    if response.status_code == 429:
        retry_after = response.headers.get("retry-after")
        try:
            seconds = float(retry_after) if retry_after else None
        except ValueError:
            seconds = None
        raise RateLimited(f"{system} rate limited", seconds)
    if response.status_code >= 500:
        raise UpstreamUnavailable(f"{system} answered {response.status_code}")
    if response.status_code >= 400:
        raise UpstreamRejected(f"{system} refused with {response.status_code}: {response.text[:200]}")
