"""The one navigation choke point: every page load of every bot passes through `goto`.

It applies the navigation policy (`crawler/browser/policy.py`: before the load, and on the address a
redirect ended at), the time-out, the per-host politeness pace and the target's allowed hosts, and
it is the only place where Playwright's errors become kiemtra's (`kiemtra.errors`).
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Iterable
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, Response
from playwright.async_api import TimeoutError as PlaywrightTimeout

from crawler.browser.policy import NavigationPolicy, leave_refused
from kiemtra.errors import (
    BlockedByPolicy,
    BrowserCrashed,
    ConnectionFailed,
    DownloadInstead,
    HostNotAllowed,
    NavigationTimeout,
    RedirectLoop,
    VisitError,
)

_CONNECTION_ERRORS = ("ERR_CONNECTION_REFUSED", "ERR_CONNECTION_RESET", "ERR_CONNECTION_CLOSED",
                      "ERR_NAME_NOT_RESOLVED", "ERR_ADDRESS_UNREACHABLE", "ERR_EMPTY_RESPONSE",
                      "ERR_CONNECTION_FAILED", "ERR_SSL", "ERR_CERT", "ERR_INTERNET_DISCONNECTED",
                      "ERR_INVALID_RESPONSE", "ERR_CONNECTION_TIMED_OUT")


def host_of(url: str) -> str:
    """host:port, the unit of politeness and of the allowed-hosts list."""
    parts = urlsplit(url)
    return parts.netloc.lower()


class HostLimiter:
    """Per-host politeness: at most so many navigations per second to one host.

    How many checks run at once on one host is the queue runner's to decide (it does not claim a
    job whose host is full), so a limiter only paces.
    """

    def __init__(self, per_host_rps: float) -> None:
        self.interval = 1.0 / per_host_rps
        self._next: dict[str, float] = defaultdict(float)
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def pace(self, host: str) -> None:
        async with self._locks[host]:
            wait = self._next[host] - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._next[host] = time.monotonic() + self.interval


def translate(error: Exception) -> VisitError:
    """A Playwright error as kiemtra's: what kind of failure the bot met."""
    if isinstance(error, VisitError):
        return error
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    if isinstance(error, (PlaywrightTimeout, asyncio.TimeoutError)) or "Timeout" in message:
        return NavigationTimeout(message)
    if "ERR_BLOCKED_BY_CLIENT" in message:
        return BlockedByPolicy(f"chính sách điều hướng đã chặn địa chỉ này ({message})")
    if "ERR_TOO_MANY_REDIRECTS" in message:
        return RedirectLoop(message)
    if "Download is starting" in message or "ERR_ABORTED" in message and "download" in message.lower():
        return DownloadInstead(message)
    if any(code in message for code in _CONNECTION_ERRORS):
        return ConnectionFailed(message)
    if "closed" in message or "crash" in message.lower():
        return BrowserCrashed(message)
    return VisitError(message)


async def goto(page: Page, url: str, *, timeout_s: float, limiter: HostLimiter | None = None,
               allowed_hosts: Iterable[str] | None = None, wait_until: str = "load",
               policy: NavigationPolicy | None = None) -> Response | None:
    """Load `url` in `page` politely within `timeout_s`; raise a VisitError subclass on failure.

    With a `policy`, a refused address (before loading, or where redirects ended) is BlockedByPolicy
    and the page is left on a blank document, so nothing of it is recorded.
    """
    host = host_of(url)
    if allowed_hosts is not None and host not in set(allowed_hosts):
        raise HostNotAllowed(f"{host} nằm ngoài các máy chủ được phép của lần kiểm tra này")
    if policy is not None:
        await policy.check(url)
    if limiter is not None:
        await limiter.pace(host)
    try:
        response = await page.goto(url, timeout=timeout_s * 1000, wait_until=wait_until)  # type: ignore[arg-type]
    except (PlaywrightError, asyncio.TimeoutError) as error:
        failure = translate(error)
        if policy is not None:
            await leave_refused(page, policy)
            if isinstance(failure, BlockedByPolicy) and policy.last_reason:
                failure = BlockedByPolicy(f"không mở {url[:200]}: {policy.last_reason}", url=url, reason=policy.last_reason)
        raise failure from None
    if policy is not None:
        refused = await leave_refused(page, policy)
        if refused is not None:
            raise refused
    return response
