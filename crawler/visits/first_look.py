"""A first-look visit: open a portal's front page or a service's declared link and keep what it showed.

The run records the HTTP status, final URL, title and timing, and one step with a full-page
screenshot and the HTML. Outcomes keep "we could not see" apart from "the site answered badly":
`ok` (a page came back), `http_error` (the site answered 4xx/5xx), `failed` (time-out, refused,
redirect loop...: the bot could not see, to be retried, never held against the agency).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from playwright.async_api import Browser, Page

from checks.service_level import ServiceVerdict
from configuration.settings import Settings
from crawler.browser.launch import context_options
from crawler.browser.navigate import HostLimiter, goto, translate
from crawler.browser.policy import guard
from crawler.browser.recorder import StepRecorder
from crawler.nightly.plan import Target
from crawler.visits.sealing import end_job_lost, seal_in_background
from evidence import runs
from evidence.store import Store
from kiemtra import __version__
from kiemtra.errors import NavigationTimeout, VisitError


@dataclass(frozen=True)
class VisitResult:
    target: Target
    run_id: str
    outcome: str  # ok | http_error | failed
    http_status: int | None
    final_url: str
    title: str
    duration_ms: int
    error_kind: str | None = None
    error: str | None = None
    verdict: ServiceVerdict | None = None


def outcome_of(status: int | None) -> str:
    return "ok" if status is not None and status < 400 else "http_error"


async def _dismiss_dialogs(page: Page) -> None:
    # A hostile page's alert() would block every later step until answered.
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.dismiss()))
    page.on("popup", lambda popup: asyncio.ensure_future(popup.close()))


async def visit(browser: Browser, target: Target, store: Store, settings: Settings,
                limiter: HostLimiter | None = None, *, attempt: int = 1, job_id: int | None = None,
                fence: Callable[[], bool] | None = None) -> VisitResult:
    """Open `target.url` in a fresh context, keep the evidence, and store the run (`fence`: as `check_service`'s)."""
    run_id = runs.start(store, target.kind, target.target_id, target.agency_id, attempt=attempt, job_id=job_id,
                        bot_version=__version__, browser_version=browser.version)
    recorder = StepRecorder(store, run_id, settings.capture)
    context = await browser.new_context(**context_options(settings))
    policy = await guard(context, settings)
    t0 = time.monotonic()
    status, title, final_url, failure = None, "", target.url, None
    try:
        page = await context.new_page()
        await _dismiss_dialogs(page)
        started = recorder.begin()
        try:
            response = await asyncio.wait_for(
                goto(page, target.url, timeout_s=settings.timeouts.navigation_s, limiter=limiter, policy=policy),
                timeout=settings.timeouts.navigation_s + 5)
            status = response.status if response is not None else None
            final_url, title = page.url, await page.title()
            outcome = outcome_of(status)
        except (VisitError, asyncio.TimeoutError) as error:
            failure = translate(error) if not isinstance(error, asyncio.TimeoutError) else NavigationTimeout("hết thời gian chờ")
            outcome = "failed"
        await recorder.record(page, "open", "open", target=target.url, started=started,
                              outcome="ok" if outcome == "ok" else outcome,
                              detail={"http_status": status, "title": title,
                                      **({"error_kind": failure.kind, "error": str(failure)} if failure else {})})
    finally:
        await context.close()
    duration_ms = int((time.monotonic() - t0) * 1000)
    if fence is not None and not fence():
        await end_job_lost(store, run_id, settings, duration_ms)
        return VisitResult(target, run_id, "interrupted", status, final_url, title, duration_ms, None, runs.LEASE_LOST)
    runs.finish(store, run_id, outcome=outcome, http_status=status, final_url=final_url, title=title,
                duration_ms=duration_ms, error_kind=failure.kind if failure else None,
                error=str(failure) if failure else None)
    await seal_in_background(store, run_id, settings)  # manifest, chain, signature (R9)
    return VisitResult(target, run_id, outcome, status, final_url, title, duration_ms,
                       failure.kind if failure else None, str(failure) if failure else None)
