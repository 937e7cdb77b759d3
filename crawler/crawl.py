"""Running a plan: one browser, up to `concurrency` contexts at once, polite per host.

The queue with retries at another time (R6) replaces the plain list here in its own issue; the
visits and the store stay as they are.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Sequence

from playwright.async_api import Browser, async_playwright

from crawler.browser import ensure_ffmpeg, launch_options
from crawler.check_service import check_service
from crawler.navigate import HostLimiter, host_of
from crawler.playbook import as_action
from crawler.plan import Target
from crawler.settings import Settings
from crawler.visit import VisitResult, visit
from evidence.store import Store


@dataclass
class CrawlSummary:
    results: list[VisitResult] = field(default_factory=list)

    @property
    def outcomes(self) -> Counter:
        return Counter(result.outcome for result in self.results)

    @property
    def could_not_see(self) -> list[VisitResult]:
        return [result for result in self.results if result.outcome == "failed"]


async def run_visits(targets: Sequence[Target], settings: Settings, store: Store,
                     on_done: Callable[[VisitResult], None] | None = None) -> CrawlSummary:
    """Visit every target once; each result is stored as it finishes."""
    ensure_ffmpeg()
    summary = CrawlSummary()
    limiter = HostLimiter(settings.politeness.per_host_rps, settings.politeness.per_host_concurrency)
    slots = asyncio.Semaphore(settings.concurrency)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch_options(settings))
        try:
            async def one(target: Target) -> None:
                async with limiter.check_slot(host_of(target.url)), slots:
                    if target.service is not None:
                        result = await _check(browser, target, store, settings, limiter)
                    else:
                        result = await visit(browser, target, store, settings, limiter)
                summary.results.append(result)
                if on_done is not None:
                    on_done(result)

            await asyncio.gather(*(one(target) for target in targets))
        finally:
            await browser.close()
    return summary


async def _check(browser: Browser, target: Target, store: Store, settings: Settings,
                 limiter: HostLimiter) -> VisitResult:
    assert target.service is not None
    done = await check_service(browser, target.agency, target.service, store, settings, limiter,
                               overrides={step: as_action(items) for step, items in target.playbook.items()})
    run = store.run(done.run_id)
    return VisitResult(target, done.run_id, run["outcome"], run["http_status"], run["final_url"] or target.url,
                       run["title"] or "", done.duration_ms, run["error_kind"], None, done.verdict)


def crawl(targets: Sequence[Target], settings: Settings, store: Store,
          on_done: Callable[[VisitResult], None] | None = None) -> CrawlSummary:
    return asyncio.run(run_visits(targets, settings, store, on_done))
