"""The queue runner: N workers claim due jobs from the store and run them in one shared browser.

Each worker is a coroutine holding at most one browser context; a host already at its limit of
checks at once is skipped rather than waited on, so one slow agency does not stall the others.
A heartbeat renews this crawl's leases and lock. Between two jobs a worker looks for re-check requests
made since the crawl began (`requests_between_jobs`: the workspace's button, the confirmation round) and
queues them, so a request made during the night runs in it. The crawl ends when nothing is claimable, when the
time budget is reached (running checks finish, the rest stays queued), or on SIGINT/SIGTERM: the
first stops new claims and lets running checks finish, a second releases them at once.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from playwright.async_api import Browser

from configuration.settings import Settings
from crawler.browser.launch import chromium
from crawler.browser.navigate import HostLimiter, host_of
from crawler.nightly import jobs, retry
from crawler.nightly.lock import CrawlLock
from crawler.nightly.plan import Target
from crawler.nightly.recovery import interrupt
from crawler.nightly.work import CrawlSummary, JobDone, run_target
from evidence import queue, recheck_requests, runs
from evidence.clock import iso, parse, utc_clock
from evidence.store import Store

Clock = Callable[[], datetime]
PICK_UP_S = 2.0   # re-check requests are looked at between jobs at most this often (and before the crawl ends)


@dataclass
class RunOptions:
    holder: str
    concurrency: int
    deadline: datetime | None = None
    agency_id: str | None = None
    clock: Clock = utc_clock


def claimable(store: Store, settings: Settings, now: datetime, agency_id: str | None,
              busy: Mapping[str, int] | None = None) -> list[dict]:
    """Jobs that may start now: due, in another time window than their failed attempt, host not full."""
    out = []
    for job in queue.candidates(store, now, agency_id=agency_id, limit=100_000):
        if busy is not None and busy.get(job["host"], 0) >= settings.politeness.per_host_concurrency:
            continue
        last = parse(job["last_attempt_at"]) if job["last_attempt_at"] else None
        if job["status"] == "retry" and not retry.in_other_window(now, last, settings.retry):
            continue
        out.append(job)
    return out


def requests_between_jobs(store: Store, targets: Mapping[tuple[str, str], Target], agency_id: str | None,
                          now: datetime, answered: list[tuple[int, str]] | None = None) -> int:
    """Settle the service re-check requests a run answered (appended to `answered`), then queue a job for each
    one no open job answers; how many jobs were added. A service the config no longer declares fails its
    request, with the reason."""
    settled = recheck_requests.settle_service_recheck_requests(store)
    if answered is not None:
        answered += settled
    added = 0
    for request in recheck_requests.to_pick_up(store, agency_id):
        target = targets.get(("service", request["target_id"]))
        if target is None:
            recheck_requests.fail(store, request["id"], recheck_requests.GIVEN_UP_NOTES["gone"])
            continue
        reason = f"yêu cầu kiểm tra lại #{request['id']}: {request['reason'] or ''}".strip()
        job_id = queue.enqueue(store, "service", target.target_id, target.agency_id, host_of(target.url), now,
                               reason=reason)
        if job_id is not None:
            added += 1
        else:   # a job of it is open already (the plan's, or one queued at the crawl's start): that one answers
            job_id = recheck_requests.open_job(store, "service", target.target_id)
        if job_id is not None:
            recheck_requests.picked_up(store, request["id"], job_id, now)
    return added


class Runner:
    def __init__(self, store: Store, settings: Settings, targets: Mapping[tuple[str, str], Target],
                 options: RunOptions, lock: CrawlLock | None,
                 on_done: Callable[[JobDone], None] | None = None) -> None:
        self.store, self.settings, self.targets, self.options = store, settings, targets, options
        self.lock, self.on_done = lock, on_done
        self.summary = CrawlSummary()
        self.busy: dict[str, int] = {}
        self.stopping = asyncio.Event()
        self.changed = asyncio.Condition()
        self.limiter = HostLimiter(settings.politeness.per_host_rps)
        self.lease = timedelta(seconds=settings.queue.lease_s)
        self.workers: list[asyncio.Task] = []
        self.answered: list[tuple[int, str]] = []   # re-check requests settled between jobs: (request, run)
        self.looked_at: datetime | None = None       # when the re-check requests were last looked at

    def now(self) -> datetime:
        return self.options.clock()

    def out_of_time(self) -> bool:
        return self.options.deadline is not None and self.now() >= self.options.deadline

    def stop(self, reason: str) -> None:
        if self.stopping.is_set():  # second signal: give running checks back now
            for task in self.workers:
                task.cancel()
            return
        self.summary.stopped = reason
        self.stopping.set()

    def _between_jobs(self, now: datetime, force: bool) -> None:
        if force or self.looked_at is None or (now - self.looked_at).total_seconds() >= PICK_UP_S:
            self.looked_at = now
            requests_between_jobs(self.store, self.targets, self.options.agency_id, now, self.answered)

    def _claim(self, *, force: bool = False) -> dict | None:
        now = self.now()
        self._between_jobs(now, force)
        for job in claimable(self.store, self.settings, now, self.options.agency_id, self.busy):
            claimed = queue.claim(self.store, job["id"], self.options.holder, now, self.lease)
            if claimed is not None:
                return claimed
        return None

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def worker(self, browser: Browser) -> None:
        while not self.stopping.is_set():
            if self.out_of_time():
                self.summary.stopped = self.summary.stopped or "budget"
                return
            job = self._claim()
            if job is None and not any(self.busy.values()):
                job = self._claim(force=True)   # a request made since the last look still runs in this crawl
            if job is None:
                if not any(self.busy.values()):
                    return
                async with self.changed:  # a host frees up, or the crawl ends
                    await self.changed.wait()
                continue
            self.busy[job["host"]] = self.busy.get(job["host"], 0) + 1
            try:
                await self._run_job(browser, job)
            finally:
                self.busy[job["host"]] -= 1
                await self._notify()

    async def _run_job(self, browser: Browser, job: dict) -> None:
        holder = self.options.holder
        kind = "service" if job["kind"] == queue.POST_CHECK else job["kind"]
        target = self.targets.get((kind, job["target_id"]))
        if target is None:  # the config no longer declares it
            queue.complete(self.store, job["id"], holder, self.now(), status="given_up", run_id=None,
                           outcome="gone", detail={}, final="gone")
            return
        started = iso(self.now())
        try:
            result = await run_target(browser, target, self.store, self.settings, self.limiter,
                                      attempt=job["attempts"] + 1, job_id=job["id"],
                                      fence=lambda: queue.hold(self.store, job["id"], holder, self.now(), self.lease))
        except asyncio.CancelledError:
            self._give_back(job, started, "dừng ngay theo yêu cầu (tín hiệu lần hai)")
            raise
        except Exception as error:  # the bot's own failure: never a verdict, retried like a site failure
            self.summary.errors.append(f"{job['target_id']}: {type(error).__name__}: {error}")
            self._give_back(job, started, f"lỗi của bot: {error}")
            return
        queue.attach_run(self.store, job["id"], holder, result.run_id)
        decision = jobs.finish(self.store, job, holder, result.run_id, self.now(), self.settings.retry)
        done = JobDone(job["id"], result, decision)
        self.summary.done.append(done)
        if self.on_done is not None:
            self.on_done(done)

    def _give_back(self, job: dict, started: str, note: str) -> None:
        for run_id in runs.running_runs_of_job(self.store, job["id"], started):
            interrupt(self.store, run_id, self.settings, note)
        queue.release(self.store, job["id"], self.options.holder, self.now(), note)
        self.summary.released += 1

    async def heartbeat(self) -> None:
        period = min(self.settings.queue.lease_s, self.settings.queue.lock_ttl_s) / 3
        while True:
            await asyncio.sleep(period)
            queue.renew(self.store, self.options.holder, self.now(), self.lease)
            if self.lock is not None:
                self.lock.beat()

    async def run(self) -> CrawlSummary:
        loop = asyncio.get_running_loop()
        for signum, word in ((signal.SIGINT, "signal"), (signal.SIGTERM, "signal")):
            loop.add_signal_handler(signum, self.stop, word)
        beating = asyncio.create_task(self.heartbeat())
        try:
            async with chromium(self.settings) as browser:
                self.workers = [asyncio.create_task(self.worker(browser)) for _ in range(self.options.concurrency)]
                stopper = asyncio.create_task(self._wake_on_stop())
                await asyncio.gather(*self.workers, return_exceptions=True)
                stopper.cancel()
        finally:
            beating.cancel()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)
        self.summary.left_queued = len(claimable(self.store, self.settings, self.now(), self.options.agency_id))
        return self.summary

    async def _wake_on_stop(self) -> None:
        await self.stopping.wait()
        await self._notify()
