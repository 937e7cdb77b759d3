"""One level check of one declared service: the citizen bot in a fresh context, recorded on video
and in a Playwright trace, every step kept, then the verdict judged from what was kept (R7–R9).

The context obeys the navigation policy (crawler/browser/policy.py). The whole check has a deadline
(`timeouts.check_s`) kept here, outside the page: on expiry the flow is cancelled, a `stalled` step
is recorded, and the context is closed within a bound or abandoned (docs/architecture.md, "A page
that stalls the bot").
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from playwright.async_api import Browser, BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

from checks.service_level import RULE_VERSION, Observation, ServiceVerdict, judge
from configuration.loader import AgencyConfig, ServiceConfig
from configuration.settings import Settings
from crawler.bot.citizen import run_flow
from crawler.bot.identity import make_citizen, redact_zip
from crawler.bot.session import Session
from crawler.browser.launch import context_options
from crawler.browser.navigate import HostLimiter
from crawler.browser.network import end_in_flight, har_options
from crawler.browser.policy import guard
from crawler.browser.recorder import StepRecorder
from crawler.visits.sealing import end_job_lost, seal_in_background, wacz_in_background
from evidence import catalogue as catalogue_store
from evidence import judgements, runs
from evidence.store import Store
from kiemtra import __version__
from kiemtra.errors import PageStalled
from office.matching import ensure_match

T = TypeVar("T")

# Seconds the evidence of a check that ran out of time (trace, video, closing the context) may still take.
WIND_DOWN_S = 20.0


@dataclass(frozen=True)
class ServiceCheck:
    service_id: str
    agency_id: str
    run_id: str
    verdict: ServiceVerdict
    duration_ms: int


PUBLISHED_ROUTE = "published"   # the match class of a procedure found on the competent authority's portal


def catalogue_class(store: Store, service_id: str, settings: Settings) -> str | None:
    """The service's match against CSDL TTHC (R5), or None while no catalogue is imported."""
    if not catalogue_store.procedure_count(store):
        return None
    found = ensure_match(store, service_id, settings.matching).match_class
    if found == "none" and judgements.published_url(store, service_id):
        return PUBLISHED_ROUTE  # R3/R5: published on the competent authority's portal, so level-checked
    return found


def run_outcome(verdict: ServiceVerdict) -> str:
    """The run's own outcome: whether the bot saw enough to judge (`ok`) or must come back (`failed`)."""
    return "failed" if verdict.outcome == "could_not_verify" else "ok"


async def check_service(browser: Browser, agency: AgencyConfig, service: ServiceConfig, store: Store,
                        settings: Settings, limiter: HostLimiter | None = None, *, attempt: int = 1,
                        overrides: dict | None = None, job_id: int | None = None,
                        assist: Callable[[Session, str], Awaitable[bool]] | None = None,
                        assisted_by: str | None = None, fence: Callable[[], bool] | None = None) -> ServiceCheck:
    """Check one service now; store the run, its steps, video, trace and verdict.

    With `assist` (an assisted re-run, `kiemtra rerun --headed`), the bot pauses at a CAPTCHA or an
    OTP for the person named `assisted_by`, recorded on the run, and carries on once it is passed.

    `fence` (a queued check): asked just before the result is written; False means the job's lease
    ran out and another attempt holds it, and the run then ends `interrupted`, without a verdict.

    A service whose name matches nothing in CSDL TTHC is only opened, for the record, and not
    level-checked further (R5).
    """
    catalogue = catalogue_class(store, service.id, settings)
    run_id = runs.start(store, "service", service.id, agency.id, attempt=attempt, job_id=job_id, bot_version=__version__,
                        browser_version=browser.version)
    capture = settings.capture
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kiemtra-video-") as scratch:
        video_dir = Path(scratch) if capture.video else None
        har = Path(scratch) / "network.zip" if capture.network else None  # the network exchange, for the WACZ
        context = await browser.new_context(**context_options(settings, video_dir=video_dir), **har_options(har))
        policy = await guard(context, settings)
        if capture.trace:
            # The trace keeps the bot's actions only. No screencast: the video and each step's screenshot keep
            # the screen. No DOM snapshots: each step's HTML keeps the page, and the WACZ every byte received.
            await context.tracing.start(screenshots=False, snapshots=False, sources=False,
                                        title=f"{service.id} {run_id}")
        page = await context.new_page()
        citizen = make_citizen(settings.identity, run_id)
        recorder = StepRecorder(store, run_id, capture, secrets=tuple(citizen.secret_values()))
        session = Session(page=page, service_name=service.name, service_url=service.url, settings=settings,
                          recorder=recorder, citizen=citizen, limiter=limiter, policy=policy, assist=assist)
        await session.begin()
        stalled = False
        try:
            # An assisted check waits for a person at its gate: the whole-check deadline does not apply to it.
            check_s = None if assist is not None else settings.timeouts.check_s
            await asyncio.wait_for(run_flow(session, overrides, only_open=catalogue == "none"), check_s)
            if assisted_by and session.facts.get("assisted"):
                judgements.mark_assisted(store, run_id, assisted_by)  # a direct check with a person's help
        except asyncio.TimeoutError:
            stalled = True
            await _record_stall(recorder, page, settings.timeouts.check_s)
        finally:
            # A redirect took a page to a refused address: its trace and video are not kept (the steps say so).
            keep = not policy.withhold_recording
            await _wind_down(context, page, store, run_id, Path(scratch), citizen.secret_values(),
                             tracing=capture.trace, keep=keep, end_pages=har is not None,
                             bound_s=WIND_DOWN_S if stalled else 3 * WIND_DOWN_S)
            if har is not None and keep and har.exists():
                await wacz_in_background(store, run_id, har, citizen.secret_values(), f"{service.id} · {service.name}",
                                         settings)
    observation = Observation.from_rows(runs.steps(store, run_id), service.declared_level, catalogue)
    verdict = judge(observation)
    duration_ms = int((time.monotonic() - t0) * 1000)
    opened = observation.detail("open")
    if fence is not None and not fence():
        await end_job_lost(store, run_id, settings, duration_ms)
        return ServiceCheck(service.id, agency.id, run_id, verdict, duration_ms)
    runs.conclude(store, run_id, service.id, verdict.as_dict(), RULE_VERSION, catalogue,
                  outcome=run_outcome(verdict), http_status=opened.get("http_status"),
                  final_url=opened.get("final_url"), title=opened.get("title"), duration_ms=duration_ms,
                  error_kind=(observation.bot_error or {}).get("detail", {}).get("error_kind"))
    await seal_in_background(store, run_id, settings)  # manifest, chain, signature (R9)
    return ServiceCheck(service.id, agency.id, run_id, verdict, duration_ms)


async def _record_stall(recorder: StepRecorder, page: Page, check_s: float) -> None:
    """The check's deadline passed: a `stalled` step, with what the page still shows (bounded)."""
    stall = PageStalled(f"trang không cho phép thao tác: lần kiểm tra quá {check_s:g} giây")
    await recorder.record(page, "deadline", "deadline", outcome="error",
                          detail={"error_kind": stall.kind, "error": str(stall)})


async def _wind_down(context: BrowserContext, page: Page, store: Store, run_id: str, scratch: Path,
                     secrets: set[str], *, tracing: bool, keep: bool, bound_s: float, end_pages: bool = False) -> None:
    """Stop the trace, close the context and keep the trace and the video (when `keep`), each within
    `bound_s` or abandoned."""
    async def bounded(awaitable: Awaitable[T]) -> T | None:
        try:
            return await asyncio.wait_for(awaitable, bound_s)
        except (asyncio.TimeoutError, PlaywrightError):
            return None

    path = scratch / "trace.zip"
    if tracing:
        await bounded(context.tracing.stop(path=path) if keep else context.tracing.stop())
    if tracing and keep and path.exists():
        redact_zip(path, secrets)
        store.keep_file(run_id, path, "trace")
    recording = page.video
    if end_pages:  # the HAR recorder would wait at close for a page that streams for ever
        await bounded(end_in_flight(context))
    await bounded(context.close())  # a context that will not close is abandoned to the browser
    if recording is not None and keep:
        found = await bounded(recording.path())
        if found is not None:
            kept = Path(found)
            if kept.exists() and kept.stat().st_size > 0:
                store.keep_file(run_id, kept, "video")
