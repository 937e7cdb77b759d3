"""One crawl's browser work and its summary: visits and checks in contexts of one shared browser.

The queue runner (`crawler/nightly/runner.py`) decides which job runs when; this module runs one
target in the shared browser and keeps what the crawl did for its summary.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from playwright.async_api import Browser

from configuration.settings import Settings
from crawler.bot.playbook import as_step
from crawler.browser.navigate import HostLimiter
from crawler.nightly.plan import Target
from crawler.nightly.retry import Decision
from crawler.visits.first_look import VisitResult, visit
from crawler.visits.service import check_service
from evidence import runs
from evidence.store import Store


@dataclass(frozen=True)
class JobDone:
    """One job attempt of this crawl: what the visit saw and what the queue decided."""

    job_id: int
    result: VisitResult
    decision: Decision | None   # None: the attempt was released, or another worker held the job


@dataclass
class CrawlSummary:
    done: list[JobDone] = field(default_factory=list)
    left_queued: int = 0                 # due jobs not started (time budget reached, or stopped)
    stopped: str | None = None           # None | "budget" | "signal"
    released: int = 0                    # running checks given back on a hard stop
    errors: list[str] = field(default_factory=list)

    @property
    def results(self) -> list[VisitResult]:
        return [d.result for d in self.done]

    @property
    def outcomes(self) -> Counter:
        return Counter(result.outcome for result in self.results)

    @property
    def could_not_see(self) -> list[VisitResult]:
        return [result for result in self.results if result.outcome == "failed"]

    @property
    def retries(self) -> list[tuple[str, datetime]]:
        return [(d.result.target.target_id, d.decision.due_at) for d in self.done
                if d.decision is not None and d.decision.status == "retry" and d.decision.due_at is not None]

    @property
    def finals(self) -> Counter:
        return Counter(d.decision.final or d.decision.status for d in self.done if d.decision is not None)


async def run_target(browser: Browser, target: Target, store: Store, settings: Settings, limiter: HostLimiter,
                     *, attempt: int, job_id: int | None, fence: Callable[[], bool] | None = None) -> VisitResult:
    """Visit a portal or check a service once, in a fresh context of `browser`; the run is stored.

    `fence`: whether this attempt still holds its job, asked before the result is written (`queue.hold`).
    """
    if target.service is None:
        return await visit(browser, target, store, settings, limiter, attempt=attempt, job_id=job_id, fence=fence)
    done = await check_service(browser, target.agency, target.service, store, settings, limiter, attempt=attempt,
                               job_id=job_id, fence=fence,
                               overrides={step: as_step(items) for step, items in target.playbook.items()})
    run = runs.get(store, done.run_id)
    return VisitResult(target, done.run_id, run["outcome"], run["http_status"], run["final_url"] or target.url,
                       run["title"] or "", done.duration_ms, run["error_kind"], None, done.verdict)
