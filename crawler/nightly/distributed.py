"""The crawl on many machines: procrastinate, on the store's own PostgreSQL, delivers the jobs to workers.

The job table (`evidence/queue.py`) stays the record of what was attempted, when and why (R6);
procrastinate only delivers "run job N" to some worker: one task, `TASK`, whose argument is the
job's id, published with `schedule_at` = the job's due time and a queueing lock per job (at most
one delivery waiting per job). A delivery is idempotent: the worker leases the job with the same
conditional `queue.claim` as on one machine, so a second delivery of a job another worker holds,
or one already judged, does nothing. Exactly-once is the table's, not the engine's.

A killed worker: its procrastinate task stays `doing`, but its lease in the job table runs out;
the coordinator (`kiemtra crawl --distributed`) republishes every open job no live lease holds
(`queue.to_publish`), and the next claim records the lost attempt and runs it again elsewhere;
the coordinator also closes the deliveries the dead worker left `doing` (`clear_stalled`).
Whatever the engine loses (its tables emptied, the database restarted), the coordinator rebuilds
from the job table. docs/scale.md says why procrastinate.

Between nights no coordinator runs, and the workers look after themselves: a periodic task,
`UPKEEP` (procrastinate's periodic deferrer, one delivery per tick for the whole cluster), takes the
re-check requests the workspace records, publishes their jobs, and recovers a dead worker's jobs.
`rerun_on_cluster` is `kiemtra rerun` on the same path: one job, published now, waited for.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import procrastinate
import psycopg
from playwright.async_api import Browser

from checks.service_level import ServiceVerdict
from configuration.settings import Settings
from crawler.browser.launch import chromium
from crawler.browser.navigate import HostLimiter, host_of
from crawler.nightly import jobs, retry
from crawler.nightly.plan import Target
from crawler.nightly.recovery import interrupt, recover
from crawler.nightly.runner import requests_between_jobs
from crawler.nightly.work import JobDone, run_target
from crawler.visits.first_look import VisitResult
from evidence import pacing, queue, recheck_requests, runs
from evidence.clock import iso, parse, utc_clock
from evidence.seal.manifest import seal_run
from evidence.seal.signing import load_signer
from evidence.store import Store
from kiemtra.errors import ClusterBusy, StoreError

# What a database restart looks like from here: the store's driver and the engine's own connector.
LOST = (psycopg.OperationalError, procrastinate.exceptions.ConnectorException)
TASK = "kiemtra.check_job"
HOST_FULL_S = 5.0   # a job whose host is at its limit is delivered again this much later
STALLED_S = 10.0    # a worker silent this long (it beats every 2 s) is gone: its deliveries are closed
QUEUE = "kiemtra"
UPKEEP = "kiemtra.upkeep"
UPKEEP_CRON = "* * * * * */10"   # every 10 s: croniter reads a sixth field, last, as seconds
PRESENCE = "worker:"            # a worker's lock in the store while it runs: `rerun` asks whether one is there
Clock = Callable[[], datetime]


def broker_url(settings: Settings, store: Store) -> str:
    """Where tasks are delivered: `broker_url`, else the store's own PostgreSQL database."""
    url = settings.broker_url or store.database_url
    if not url or store.dialect != "postgresql":
        raise StoreError("thu thập phân tán cần kho dữ liệu PostgreSQL: đặt KIEMTRA_DATABASE_URL=postgresql://… "
                         "(setting database_url) cho điều phối và mọi máy chạy việc")
    return url


def make_app(url: str) -> procrastinate.App:
    return procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))


async def publish(app: procrastinate.App, job: Mapping[str, Any], now: datetime) -> bool:
    """Ask for one delivery of `job` at its due time; False when one is already waiting (its queueing lock)."""
    due = parse(job["due_at"]) if job["due_at"] else now
    try:
        await app.configure_task(TASK, queue=QUEUE, queueing_lock=f"job-{job['id']}",
                                 schedule_at=max(due, now)).defer_async(job_id=int(job["id"]))
    except procrastinate.exceptions.AlreadyEnqueued:
        return False
    return True


def _delivery(job: Mapping[str, Any], now: datetime) -> procrastinate.jobs.Job:
    due = parse(job["due_at"]) if job["due_at"] else now
    return procrastinate.jobs.Job(id=None, queue=QUEUE, lock=None, queueing_lock=f"job-{job['id']}", task_name=TASK,
                                  task_kwargs={"job_id": int(job["id"])}, scheduled_at=max(due, now))


async def publish_many(app: procrastinate.App, found: list[dict[str, Any]], now: datetime, *, batch: int = 1000) -> int:
    """`publish` for many jobs, a thousand per statement; a batch where one is already waiting goes one by one."""
    published = 0
    for start in range(0, len(found), batch):
        chunk = found[start:start + batch]
        try:
            await app.job_manager.batch_defer_jobs_async([_delivery(job, now) for job in chunk])
            published += len(chunk)
        except procrastinate.exceptions.AlreadyEnqueued:
            for job in chunk:
                published += await publish(app, job, now)
    return published


async def publish_open(app: procrastinate.App, store: Store, now: datetime) -> int:
    """Publish every open job no live worker holds (the engine rebuilt from the table); how many were new."""
    return await publish_many(app, queue.to_publish(store, now), now)


class SharedHostLimiter(HostLimiter):
    """Per-host pacing held across every worker: each navigation takes the host's next slot in the store."""

    def __init__(self, store: Store, per_host_rps: float) -> None:
        super().__init__(per_host_rps)
        self.store = store

    async def pace(self, host: str) -> None:
        wait = pacing.take_slot(self.store, host, self.interval)   # one statement: no lock held across the wait
        if wait > 0:
            await asyncio.sleep(wait)


@dataclass
class WorkerStats:
    ran: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


class Worker:
    """One machine's worker: one long-lived Chromium, `concurrency` checks at once in contexts of it."""

    def __init__(self, store: Store, settings: Settings, targets: Mapping[tuple[str, str], Target], holder: str,
                 concurrency: int, clock: Clock = utc_clock) -> None:
        self.store, self.settings, self.targets, self.holder = store, settings, targets, holder
        self.concurrency, self.clock = concurrency, clock
        self.lease = timedelta(seconds=settings.queue.lease_s)
        self.limiter = SharedHostLimiter(store, settings.politeness.per_host_rps)
        self.stats = WorkerStats()
        self.app = make_app(broker_url(settings, store))
        self.browser: Browser | None = None
        self.active: set[str] = set()   # the holders of the attempts running now
        self.app.task(name=TASK, queue=QUEUE)(self.check_job)
        # One upkeep waiting at a time for the whole cluster (its queueing lock), before the checks (its priority).
        self.app.periodic(cron=UPKEEP_CRON, periodic_id="upkeep", queueing_lock="upkeep", priority=10)(
            self.app.task(name=UPKEEP, queue=QUEUE)(self.upkeep))

    async def upkeep(self, timestamp: int) -> None:
        """The cluster's care when no coordinator follows a night: re-check requests taken and published, a dead
        worker's jobs released and published again, its deliveries closed. A night's jobs left queued at its
        `--until` stay queued: only the next night publishes them."""
        now = self.clock()
        if recheck_requests.crawl_running(self.store, now):
            return   # the coordinator does all of this at its own ticks
        recovered = recover(self.store, self.settings, now, me=self.holder, sweep=False)
        requests_between_jobs(self.store, self.targets, None, now)
        asked = [int(r["job_id"]) for r in recheck_requests.pending_recheck_requests(self.store) if r.get("job_id")]
        for job_id in [*recovered.released, *asked]:
            job = queue.job(self.store, job_id)
            if job is not None and job["status"] in ("due", "retry"):
                await publish(self.app, job, now)
        await clear_stalled(self.app)

    async def check_job(self, job_id: int) -> None:
        """The task body: lease job `job_id` if it is still this worker's to run, check it, write its result once."""
        assert self.browser is not None
        # Each attempt holds the job under its own name: two deliveries of one job to this worker (its lease ran
        # out while the database was away) are told apart, and only the one that holds it writes the result.
        holder = f"{self.holder}#{secrets.token_hex(3)}"
        self.active.add(holder)
        try:
            await self._check(job_id, holder)
        finally:
            self.active.discard(holder)

    async def _check(self, job_id: int, holder: str) -> None:
        assert self.browser is not None
        now = self.clock()
        claimed = queue.claim(self.store, job_id, holder, now, self.lease,
                              host_limit=self.settings.politeness.per_host_concurrency)
        if claimed is None:
            await self._not_claimed(job_id, now)
            return
        kind = "service" if claimed["kind"] == queue.POST_CHECK else claimed["kind"]
        target = self.targets.get((kind, claimed["target_id"]))
        if target is None:  # the config no longer declares it
            queue.complete(self.store, job_id, holder, self.clock(), status="given_up", run_id=None,
                           outcome="gone", detail={}, final="gone")
            return
        started = iso(now)
        try:
            result = await run_target(self.browser, target, self.store, self.settings, self.limiter,
                                      attempt=claimed["attempts"] + 1, job_id=job_id,
                                      fence=lambda: queue.hold(self.store, job_id, holder, self.clock(), self.lease))
        except asyncio.CancelledError:
            self._give_back(claimed, started, "máy chạy việc dừng", holder)
            raise
        except Exception as error:  # the bot's own failure, or the database lost mid-check: never a verdict
            self.stats.errors.append(f"{claimed['target_id']}: {type(error).__name__}: {error}")
            await asyncio.sleep(1.0)   # a restarting database comes back (the store reconnects)
            if not self._roll_forward(claimed, started, holder):
                self._give_back(claimed, started, f"lỗi của bot: {error}", holder)
            await publish(self.app, queue.job(self.store, job_id) or claimed, self.clock())
            return
        queue.attach_run(self.store, job_id, holder, result.run_id)
        jobs.finish(self.store, claimed, holder, result.run_id, self.clock(), self.settings.retry)
        self.stats.ran += 1
        after = queue.job(self.store, job_id)
        if after is not None and after["status"] in ("due", "retry"):   # a retry at another time, or released
            await publish(self.app, after, self.clock())

    async def _not_claimed(self, job_id: int, now: datetime) -> None:
        """Not claimable now: judged already, held live elsewhere (nothing to do), or not yet due / host full (later)."""
        self.stats.skipped += 1
        job = queue.job(self.store, job_id)
        if job is None or job["status"] in ("done", "given_up"):
            return
        if job["status"] == "leased" and job["lease_until"] and parse(job["lease_until"]) >= now:
            return
        due = parse(job["due_at"]) if job["due_at"] else now
        last = parse(job["last_attempt_at"]) if job["last_attempt_at"] else None
        if job["status"] == "retry" and due <= now and not retry.in_other_window(now, last, self.settings.retry):
            due = now + timedelta(minutes=15)
        # A full host: look again in a few seconds (not at once, or a crowded host's jobs would spin).
        await publish(self.app, {**job, "due_at": iso(max(due, now + timedelta(seconds=HOST_FULL_S)))}, now)

    def _roll_forward(self, job: Mapping[str, Any], started: str, holder: str) -> bool:
        """A run that reached its result before the error is the attempt's result (as `recovery.recover` does)."""
        run_id = runs.newest_run_of_job(self.store, job["id"], started)
        if run_id is None or jobs.classify(self.store, dict(job), run_id) is None:
            return False
        seal_run(self.store, run_id, load_signer(self.settings.signing.key_file))
        queue.attach_run(self.store, job["id"], holder, run_id)
        return jobs.finish(self.store, dict(job), holder, run_id, self.clock(), self.settings.retry) is not None

    def _give_back(self, job: Mapping[str, Any], started: str, note: str, holder: str) -> None:
        for run_id in runs.running_runs_of_job(self.store, job["id"], started):
            interrupt(self.store, run_id, self.settings, note)
        queue.release(self.store, job["id"], holder, self.clock(), note)

    async def heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.settings.queue.lease_s / 3)
            with contextlib.suppress(*LOST):   # the server restarting: the next beat reconnects
                now = self.clock()
                if not queue.beat_lock(self.store, PRESENCE + self.holder, self.holder, now, self.lease):
                    self._present(now)
                for holder in list(self.active):
                    queue.renew(self.store, holder, now, self.lease)

    def _present(self, now: datetime) -> None:
        queue.take_lock(self.store, PRESENCE + self.holder, self.holder, os.getpid(), socket.gethostname(), now,
                        self.lease)

    async def run(self, *, wait: bool = True) -> WorkerStats:
        """Work until stopped (SIGINT/SIGTERM: running checks finish), or with `wait` False until nothing is due."""
        self._present(self.clock())
        beating = asyncio.create_task(self.heartbeat())
        stop = asyncio.Event()
        try:
            with stop_on_signals(stop):
                async with chromium(self.settings) as browser:
                    self.browser = browser
                    while not stop.is_set():   # the database restarted: the browser stays, the engine reconnects
                        try:
                            async with self.app.open_async():
                                await self._deliveries(wait, stop)
                            if not wait:
                                break
                            if not stop.is_set():
                                # procrastinate stops by itself when one of its side tasks (its heartbeat, its
                                # listener) loses the database, and returns as if asked to: go on, or the
                                # cluster would lose this worker to a restart the checks themselves survived.
                                self.stats.errors.append("máy chạy việc của procrastinate đã dừng, kết nối lại")
                                await asyncio.sleep(1.0)
                        except LOST as error:
                            self.stats.errors.append(f"mất kết nối cơ sở dữ liệu, kết nối lại: {type(error).__name__}")
                            await asyncio.sleep(1.0)
        finally:
            beating.cancel()
            with contextlib.suppress(*LOST):
                queue.drop_lock(self.store, PRESENCE + self.holder, self.holder)
        return self.stats

    async def _deliveries(self, wait: bool, stop: asyncio.Event) -> None:
        """procrastinate's worker until it returns or `stop` is set; a stop cancels it, which procrastinate takes
        as its own graceful stop (the checks running finish)."""
        working = asyncio.create_task(self.app.run_worker_async(
            queues=[QUEUE], concurrency=self.concurrency, name=self.holder, wait=wait, delete_jobs="successful",
            fetch_job_polling_interval=1.0, update_heartbeat_interval=2.0, install_signal_handlers=False))
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({working, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not working.done():
            working.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await working
        if not working.cancelled():
            working.result()   # LOST, raised from the engine, goes to the caller


@contextlib.contextmanager
def stop_on_signals(stop: asyncio.Event) -> Iterator[asyncio.Event]:
    """Inside, SIGINT and SIGTERM set `stop` instead of ending the process: the caller winds down."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        yield stop
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


def workers_present(store: Store, now: datetime) -> int:
    """How many workers are running now (their presence lock is fresh)."""
    return len(queue.live_locks(store, PRESENCE, now))


async def rerun_on_cluster(store: Store, settings: Settings, target: Target, *, wait_s: float,
                           clock: Clock = utc_clock) -> str:
    """Queue one check of `target` now, publish it to the workers and wait for its attempt; the run's id.

    The check goes through the job table like the night's (R6 applies to what it finds). A target with
    an open job already (the night's, or a retry waiting for another time) is refused, not run twice.
    """
    now = clock()
    job_id = queue.enqueue(store, "service", target.target_id, target.agency_id, host_of(target.url), now,
                           reason="kiemtra rerun: cán bộ yêu cầu kiểm tra lại")
    if job_id is None:
        open_id = recheck_requests.open_job(store, "service", target.target_id)
        job = queue.job(store, open_id) if open_id is not None else None
        raise ClusterBusy(f"dịch vụ {target.target_id} đã có việc #{open_id} trong hàng đợi "
                          f"({(job or {}).get('status')}, đến hạn {(job or {}).get('due_at')}): chờ việc đó "
                          f"(kiemtra queue), hoặc kiểm tra ngay trên máy này: kiemtra rerun {target.target_id} --here")
    job = queue.job(store, job_id)
    assert job is not None   # enqueued just above
    app = make_app(broker_url(settings, store))
    async with app.open_async():
        await publish(app, job, now)
    give_up = time.monotonic() + wait_s
    while time.monotonic() < give_up:
        for attempt in queue.attempts_finished_since(store, now):
            if int(attempt["job_id"]) == job_id:
                return str(attempt["run_id"])
        await asyncio.sleep(1.0)
    raise ClusterBusy(f"chưa có kết quả của việc #{job_id} sau {wait_s:g} giây; việc vẫn trong hàng đợi, "
                      f"máy chạy việc sẽ làm: xem kiemtra queue, rồi kiemtra results --agency {target.agency_id}")


@dataclass
class Following:
    """What the coordinator saw while following the night."""

    published: int = 0
    republished: int = 0
    reconnects: int = 0
    cleared: int = 0
    stopped: str | None = None


def job_done(store: Store, targets: Mapping[tuple[str, str], Target], attempt: Mapping[str, Any]) -> JobDone | None:
    """One finished attempt (`queue.attempts_finished_since`) as the summary counts it, read back from the store."""
    kind = "service" if attempt["kind"] == queue.POST_CHECK else attempt["kind"]
    target = targets.get((kind, attempt["target_id"]))
    if target is None or not attempt["run_id"]:
        return None
    run = runs.get(store, attempt["run_id"])
    row = runs.verdict_of(store, attempt["run_id"])
    verdict = ServiceVerdict(row["level"], row["mode"], row["outcome"], ()) if row else None
    result = VisitResult(target, run["id"], run["outcome"], run["http_status"], run["final_url"] or target.url,
                         run["title"] or "", run["duration_ms"] or 0, run["error_kind"], None, verdict)
    if attempt["next_due_at"]:
        decision = retry.Decision("retry", parse(attempt["next_due_at"]), None)
    else:
        decision = retry.Decision(attempt["job_status"], None, attempt["final"])
    return JobDone(int(attempt["job_id"]), result, decision)


async def follow(store: Store, settings: Settings, *, deadline: datetime | None, on_attempt: Callable[[dict], None],
                 since: datetime, tick: Callable[[], None] | None = None, clock: Clock = utc_clock,
                 poll_s: float = 1.0, between_polls: Callable[[datetime], int] | None = None) -> Following:
    """Publish the open jobs, then follow them to the end: nothing due or running is left (retries wait for
    another night window), or `deadline` passed (deliveries not started are withdrawn; the jobs stay queued).

    `tick` runs every third of a lease: the caller beats its lock and recovers the jobs of dead workers
    (`crawler.nightly.recovery.recover`, which releases them); the next pass republishes them.
    `between_polls` runs at every poll and returns how many jobs it queued (the re-check requests made
    while the night runs, `crawler.nightly.runner.requests_between_jobs`): those are published at once.
    """
    app = make_app(broker_url(settings, store))
    seen = 0   # the id of the last attempt reported
    following = Following()
    stop = asyncio.Event()
    ticked = clock()
    period = min(settings.queue.lock_ttl_s, settings.queue.lease_s) / 3
    first = True
    with stop_on_signals(stop):
        while True:
            try:
                async with app.open_async():
                    while True:
                        now = clock()
                        if first:
                            following.published = await publish_open(app, store, now)
                            first = False
                        if (now - ticked).total_seconds() >= period:
                            if tick is not None:
                                tick()   # the planner's lock heartbeat, and the recovery of jobs whose worker died
                            following.republished += await publish_open(app, store, now)
                            following.cleared += await clear_stalled(app)
                            ticked = now
                        if between_polls is not None and between_polls(now) > 0:
                            following.published += await publish_open(app, store, now)
                        for attempt in queue.attempts_finished_since(store, since, seen):
                            seen = max(seen, int(attempt["id"]))
                            on_attempt(attempt)
                        if stop.is_set() or (deadline is not None and now >= deadline):
                            following.stopped = "signal" if stop.is_set() else "budget"
                            await _withdraw(app)
                            return following
                        if not queue.runnable_left(store, now):
                            following.cleared += await clear_left_doing(app)
                            return following
                        with contextlib.suppress(asyncio.TimeoutError):
                            await asyncio.wait_for(stop.wait(), poll_s)
            except LOST:   # the database restarted: reconnect (the store on its next statement) and go on
                following.reconnects += 1
                await asyncio.sleep(1.0)


async def clear_stalled(app: procrastinate.App) -> int:
    """Close the deliveries a killed worker left `doing` in the engine's table; how many.

    Nothing is lost by it: the job table already gave their jobs to another worker (the lease ran
    out); only the engine's own rows would otherwise stay `doing` for ever.
    """
    stalled = list(await app.job_manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=STALLED_S))
    for job in stalled:
        if job.id is not None:
            await app.job_manager.finish_job_by_id_async(job.id, status=procrastinate.jobs.Status.FAILED,
                                                         delete_job=True)
    await app.job_manager.prune_stalled_workers(STALLED_S)
    return len(stalled)


async def clear_left_doing(app: procrastinate.App, *, poll_s: float = 1.0) -> int:
    """At the night's end, `clear_stalled` until no delivery is left `doing`; how many it closed.

    A worker killed in the last minutes may still look alive (its last beat younger than `STALLED_S`)
    when the job table is already done: wait out its silence rather than leave its row behind. A
    live worker's delivery ends by itself within a poll or two; only a dead one's outlasts the wait.
    """
    cleared = await clear_stalled(app)
    give_up = time.monotonic() + STALLED_S + 2 * poll_s
    while time.monotonic() < give_up and await app.job_manager.list_jobs_async(queue=QUEUE, status="doing"):
        await asyncio.sleep(poll_s)
        cleared += await clear_stalled(app)
    return cleared


async def _withdraw(app: procrastinate.App) -> None:
    for job in await app.job_manager.list_jobs_async(queue=QUEUE, status="todo"):
        if job.id is not None:
            await app.job_manager.cancel_job_by_id_async(job.id)
