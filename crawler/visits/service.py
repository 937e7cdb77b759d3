"""One level check of one declared service: the citizen bot in a fresh context, recorded on video
and in a Playwright trace, every step kept, then the verdict judged from what was kept (R7–R9).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Browser

from checks.service_level import RULE_VERSION, Observation, ServiceVerdict, judge
from configuration.loader import AgencyConfig, ServiceConfig
from configuration.settings import Settings
from crawler.bot.citizen import run_flow
from crawler.bot.identity import make_citizen, redact_zip
from crawler.bot.session import Session
from crawler.browser.launch import context_options
from crawler.browser.navigate import HostLimiter
from crawler.browser.recorder import StepRecorder
from crawler.visits.sealing import seal_in_background
from evidence import catalogue as catalogue_store
from evidence import runs
from evidence.store import Store
from kiemtra import __version__
from office.matching import ensure_match


@dataclass(frozen=True)
class ServiceCheck:
    service_id: str
    agency_id: str
    run_id: str
    verdict: ServiceVerdict
    duration_ms: int


def catalogue_class(store: Store, service_id: str, settings: Settings) -> str | None:
    """The service's match against CSDL TTHC (R5), or None while no catalogue is imported."""
    if not catalogue_store.procedure_count(store):
        return None
    return ensure_match(store, service_id, settings.matching).match_class


def run_outcome(verdict: ServiceVerdict) -> str:
    """The run's own outcome: whether the bot saw enough to judge (`ok`) or must come back (`failed`)."""
    return "failed" if verdict.outcome == "could_not_verify" else "ok"


async def check_service(browser: Browser, agency: AgencyConfig, service: ServiceConfig, store: Store,
                        settings: Settings, limiter: HostLimiter | None = None, *, attempt: int = 1,
                        overrides: dict | None = None, job_id: int | None = None) -> ServiceCheck:
    """Check one service now; store the run, its steps, video, trace and verdict.

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
        context = await browser.new_context(**context_options(settings, video_dir=video_dir))
        if capture.trace:
            # No screencast in the trace: the video and each step's screenshot already keep the screen.
            await context.tracing.start(screenshots=False, snapshots=True, sources=False,
                                        title=f"{service.id} {run_id}")
        page = await context.new_page()
        page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.dismiss()))
        citizen = make_citizen(settings.identity, run_id)
        recorder = StepRecorder(store, run_id, capture, secrets=tuple(citizen.secret_values()))
        session = Session(page=page, service_name=service.name, service_url=service.url, settings=settings,
                          recorder=recorder, citizen=citizen, limiter=limiter)
        try:
            await run_flow(session, overrides, only_open=catalogue == "none")
        finally:
            if capture.trace:
                trace = Path(scratch) / "trace.zip"
                await context.tracing.stop(path=trace)
                redact_zip(trace, citizen.secret_values())
                store.keep_file(run_id, trace, "trace")
            video = page.video
            await context.close()
            if video is not None:
                path = Path(await video.path())
                if path.exists() and path.stat().st_size > 0:
                    store.keep_file(run_id, path, "video")
    observation = Observation.from_rows(runs.steps(store, run_id), service.declared_level, catalogue)
    verdict = judge(observation)
    duration_ms = int((time.monotonic() - t0) * 1000)
    opened = observation.detail("open")
    runs.finish(store, run_id, outcome=run_outcome(verdict), http_status=opened.get("http_status"),
                final_url=opened.get("final_url"), title=opened.get("title"), duration_ms=duration_ms,
                error_kind=(observation.bot_error or {}).get("detail", {}).get("error_kind"))
    runs.save_verdict(store, run_id, service.id, verdict.as_dict(), RULE_VERSION, catalogue)
    await seal_in_background(store, run_id, settings)  # manifest, chain, signature (R9)
    return ServiceCheck(service.id, agency.id, run_id, verdict, duration_ms)
