"""Benchmark of the distributed crawl: the coordinator alone at the size of the country, and 1/2/4 real workers.

    .venv/bin/python bench/bench_distributed.py [--jobs 100000] [--procs 4] [--per-proc 16] [--stub-ms 50]
                                                [--recover 1000] [--workers 1,2,4] [--agency bo-tp] [--delay 300]
                                                [--parts coordinator,workers]

Coordinator: a throwaway PostgreSQL cluster; `--jobs` jobs planned into the job table (`queue.enqueue_many`)
and published to procrastinate; `--procs` × `--per-proc` simulated workers (procrastinate workers whose task
is the real lease → stub check of `--stub-ms` → write-once result path of `queue.claim` / `queue.complete`,
no browser). Printed: jobs dispatched per second against the ideal (workers / stub time), the lease+ack
overhead per job, the database's load (transactions and CPU of its processes per job), and the time to
recover `--recover` jobs of a killed worker (`recovery.recover` releases them, `publish_open` republishes).
Baseline of the same run: the single-machine SQLite queue claiming and completing the same stub jobs in one
process, the way `Runner` does.

Workers: the demo world with `--delay` ms per response; `kiemtra crawl --distributed --agency …` with 1, 2
and 4 `kiemtra worker --concurrency 2` processes: checks per minute, CPU of the workers and their browsers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEAD = "deadhost:1:000000"


def _cluster():
    from tests.conftest import _postgres_bin
    from tests.pg_cluster import PgCluster

    binaries = _postgres_bin()
    if binaries is None:
        sys.exit("PostgreSQL is not installed (apt-get install postgresql)")
    cluster = PgCluster(binaries, Path(tempfile.mkdtemp(prefix="bench-pg-")))
    cluster.start()
    return cluster


def _postgres_cpu_s(cluster) -> float:
    """User+system seconds of every process of the cluster (the postmaster's children included, from /proc)."""
    pid = int((cluster.data / "postmaster.pid").read_text().split()[0])
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _commits(url: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return int(conn.execute("select xact_commit from pg_stat_database where datname = current_database()")
                   .fetchone()[0])


# -- the simulated worker: a real procrastinate worker with a stub check ----------------------------------
def _stub_worker(url: str, data: str, concurrency: int, stub_ms: float, index: int, limit_s: float) -> None:
    import procrastinate

    from crawler.nightly.distributed import QUEUE, TASK
    from evidence import queue
    from evidence.clock import utc_clock
    from evidence.store import Store

    store = Store(Path(data), database_url=url)
    holder = f"bench:{os.getpid()}:{index}"
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))
    overhead = [0.0]
    done = [0]

    @app.task(name=TASK, queue=QUEUE)
    async def check_job(job_id: int) -> None:
        t0 = time.perf_counter()
        claimed = queue.claim(store, job_id, holder, utc_clock(), timedelta(seconds=120))
        overhead[0] += time.perf_counter() - t0
        if claimed is None:
            return
        await asyncio.sleep(stub_ms / 1000)
        t0 = time.perf_counter()
        queue.complete(store, job_id, holder, utc_clock(), status="done", run_id=None, outcome="judged", detail={},
                       final="seen")
        overhead[0] += time.perf_counter() - t0
        done[0] += 1

    async def main() -> None:
        async with app.open_async():
            work = app.run_worker_async(queues=[QUEUE], concurrency=concurrency, wait=False, name=holder,
                                        delete_jobs="successful", install_signal_handlers=False,
                                        fetch_job_polling_interval=0.5)
            try:
                await asyncio.wait_for(work, limit_s if limit_s > 0 else None)
            except asyncio.TimeoutError:   # the time window is over: the rest stays queued
                pass
    asyncio.run(main())
    print(json.dumps({"done": done[0], "overhead_s": overhead[0]}))


def _round_trip_ms(store) -> float:
    t0 = time.perf_counter()
    for _ in range(200):
        store.db.execute("select 1").fetchone()
    return 1000 * (time.perf_counter() - t0) / 200


def _targets(n: int) -> list[tuple[str, str, str, str]]:
    return [("service", f"svc-{i:06d}", f"agency-{i % 700:03d}", f"host-{i % 700:03d}.example") for i in range(n)]


def sqlite_baseline(n: int) -> float:
    """Jobs per second of the single-machine queue (SQLite, one process), claim → complete, no check."""
    from evidence import queue
    from evidence.clock import utc_clock
    from evidence.store import Store

    with Store(Path(tempfile.mkdtemp(prefix="bench-sqlite-")), database_url="") as store:
        queue.enqueue_many(store, _targets(n), utc_clock())
        t0 = time.perf_counter()
        done = 0
        while True:
            found = queue.candidates(store, utc_clock(), limit=500)
            if not found:
                break
            for job in found:
                if queue.claim(store, job["id"], "one", utc_clock(), timedelta(seconds=120)) is not None:
                    queue.complete(store, job["id"], "one", utc_clock(), status="done", run_id=None, outcome="judged",
                                   detail={}, final="seen")
                    done += 1
        return done / (time.perf_counter() - t0)


def coordinator(args: argparse.Namespace) -> None:
    from configuration.settings import Settings
    from crawler.nightly import distributed
    from crawler.nightly.recovery import recover
    from evidence import queue
    from evidence.clock import iso, utc_clock
    from evidence.store import Store

    cluster = _cluster()
    try:
        url = cluster.new_database()
        data = Path(tempfile.mkdtemp(prefix="bench-dist-"))
        store = Store(data, database_url=url)
        t0 = time.perf_counter()
        queue.enqueue_many(store, _targets(args.jobs), utc_clock())
        planned_s = time.perf_counter() - t0
        app = distributed.make_app(url)

        async def publish() -> int:
            async with app.open_async():
                return await distributed.publish_open(app, store, utc_clock())
        t0 = time.perf_counter()
        published = asyncio.run(publish())
        publish_s = time.perf_counter() - t0
        print(f"planned {args.jobs} jobs in {planned_s:.1f} s ({args.jobs / planned_s:,.0f}/s); published {published} "
              f"tasks in {publish_s:.1f} s ({published / publish_s:,.0f}/s)", flush=True)

        commits, cpu = _commits(url), _postgres_cpu_s(cluster)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        workers = [subprocess.Popen([sys.executable, __file__, "--stub-worker", url, str(data), str(args.per_proc),
                                     str(args.stub_ms), str(i), str(args.dispatch_s)], stdout=subprocess.PIPE, text=True)
                   for i in range(args.procs)]
        results = [json.loads(w.communicate()[0].strip().splitlines()[-1]) for w in workers]
        wall = time.perf_counter() - t0
        rtt = _round_trip_ms(store)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = sum(r["done"] for r in results)
        commits, cpu = _commits(url) - commits, _postgres_cpu_s(cluster) - cpu
        worker_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        simulated = args.procs * args.per_proc
        ideal = simulated / (args.stub_ms / 1000)
        rate = done / wall
        print(f"{simulated} simulated workers ({args.procs} processes × {args.per_proc}), stub check {args.stub_ms:.0f} ms: "
              f"{done} jobs in {wall:.1f} s = {rate:,.0f} jobs/s dispatched (ideal {ideal:,.0f}/s, ×{rate / ideal:.2f})",
              flush=True)
        print(f"lease+ack (queue.claim + queue.complete) {1000 * sum(r['overhead_s'] for r in results) / max(done, 1):.2f} ms"
              f" per job; database: {commits / max(done, 1):.1f} transactions and {1000 * cpu / max(done, 1):.2f} ms CPU"
              f" per job ({100 * cpu / wall / (os.cpu_count() or 1):.0f}% of all cores); workers' CPU "
              f"{1000 * worker_cpu / max(done, 1):.2f} ms per job; one round trip (select 1) {rtt:.2f} ms, lease+ack ="
              f" {1000 * sum(r['overhead_s'] for r in results) / max(done, 1) / rtt:.0f} round trips", flush=True)
        counts = queue.counts(store)
        assert counts.get("done") == done, counts
        print(f"queue after the window: {counts}", flush=True)

        # A killed worker's jobs: leased to a dead holder whose leases ran out.
        queue.enqueue_many(store, [("portal", f"gone-{i:05d}", "agency-000", "host-000.example")
                                   for i in range(args.recover)], utc_clock())
        now = utc_clock()
        with store.write_lock() as conn:
            conn.execute("update jobs set status = 'leased', leased_by = ?, lease_until = ? where status = 'due'"
                         " and target_id like 'gone-%'", [DEAD, iso(now - timedelta(seconds=1))])
            conn.execute("insert into job_attempts (job_id, attempt, holder, started_at, outcome) select id, 1, ?, ?,"
                         " 'running' from jobs where leased_by = ?", [DEAD, iso(now), DEAD])
        t0 = time.perf_counter()
        recovered = recover(store, Settings(), utc_clock(), me="bench", sweep=False)
        republished = asyncio.run(publish())
        recover_s = time.perf_counter() - t0
        print(f"recovered {len(recovered.released)} jobs of a killed worker and republished {republished} in "
              f"{recover_s:.2f} s", flush=True)
        base = sqlite_baseline(min(args.jobs, 2_000))
        print(f"baseline: one machine's SQLite queue, one process, no check: {base:,.0f} jobs/s; distributed/baseline "
              f"×{rate / base:.2f}", flush=True)
        store.close()
    finally:
        cluster.stop()


def workers(args: argparse.Namespace) -> None:
    from demoworld import start_world
    from kiemtra.commands.world import load_world_catalogue, write_world_config

    cluster = _cluster()
    world = start_world(host="127.0.0.1", base_port=0, delay_ms=args.delay)
    root = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    try:
        config = write_world_config(world, root / "config")
        figures = {}
        for count in (int(c) for c in args.workers.split(",")):
            world.reset()
            url = cluster.new_database()
            env = {**os.environ, "KIEMTRA_DATABASE_URL": url, "KIEMTRA_TIMEOUTS_NAVIGATION_S": "10", "COLUMNS": "160"}
            os.environ["KIEMTRA_DATABASE_URL"] = url
            data = root / f"var-{count}"
            load_world_catalogue(world, data)
            base = [sys.executable, "-c", "from kiemtra.cli import entry; entry()", "--config", str(config), "--data",
                    str(data)]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            running = [subprocess.Popen([*base, "worker", "--concurrency", "2"], env=env, cwd=REPO,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(count)]
            crawl = subprocess.run([*base, "crawl", "--distributed", "--agency", args.agency], env=env, cwd=REPO,
                                   capture_output=True, text=True)
            wall = time.perf_counter() - t0
            for process in running:
                process.terminate()
            for process in running:
                process.wait(timeout=120)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            checks = _checks(url)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            figures[count] = 60 * checks / wall
            print(f"{count} worker(s) × 2 contexts, {args.delay} ms/response: {checks} checks in {wall:.1f} s = "
                  f"{figures[count]:.1f}/min, CPU {100 * cpu / wall / (os.cpu_count() or 1):.0f}% of all cores"
                  + (f", ×{figures[count] / figures[min(figures)]:.2f} of 1 worker" if count != min(figures) else ""),
                  flush=True)
    finally:
        world.stop()
        cluster.stop()


def _checks(url: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return int(conn.execute("select count(*) from job_attempts where outcome not in ('running', 'lost', 'released')")
                   .fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--procs", type=int, default=4)
    parser.add_argument("--per-proc", type=int, default=16)
    parser.add_argument("--stub-ms", type=float, default=50.0)
    parser.add_argument("--recover", type=int, default=1000)
    parser.add_argument("--dispatch-s", type=float, default=0,
                        help="Stop the simulated workers after this many seconds (0: when the queue is empty).")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--agency", default="bo-tp")
    parser.add_argument("--delay", type=int, default=300)
    parser.add_argument("--parts", default="coordinator,workers")
    parser.add_argument("--stub-worker", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stub_worker:
        url, data, per_proc, stub_ms, index, limit_s = args.stub_worker
        _stub_worker(url, data, int(per_proc), float(stub_ms), int(index), float(limit_s))
        return
    print(describe(), flush=True)
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other work on this machine)",
          flush=True)
    if "coordinator" in args.parts:
        coordinator(args)
    if "workers" in args.parts:
        workers(args)


if __name__ == "__main__":
    main()
