"""What looking at re-check requests between jobs costs a running crawl (issue 18), against the claim of a job it
makes anyway.

One command, one process, SQLite in a temporary folder: a queue of JOBS open service jobs, and N pending
re-check requests (0, 100, 1000) each already picked up (its job open: the steady state of a night). Timed,
alternating: the runner's claim of one job (`claimable` over the queue, then `queue.claim`, released again),
and `requests_between_jobs` (settle what answered, queue what no job answers). The runner looks at requests at
most every `PICK_UP_S` seconds, so the share of a worker's time is also printed.

    .venv/bin/python bench/bench_rechecks.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe  # noqa: E402
from configuration.loader import load_all  # noqa: E402
from crawler.nightly.plan import Target  # noqa: E402
from crawler.nightly.runner import PICK_UP_S, claimable, requests_between_jobs  # noqa: E402
from evidence import queue, recheck_requests  # noqa: E402
from evidence.clock import utc_clock  # noqa: E402
from evidence.store import Store  # noqa: E402

JOBS = 5000
CONFIG = Path(__file__).resolve().parent.parent / "config"


def setup(data: Path, requests: int) -> tuple[Store, dict[tuple[str, str], Target]]:
    config = load_all(CONFIG)
    agency = config.agencies[0]
    store = Store(data)
    now = utc_clock()
    queue.enqueue_many(store, [("service", f"svc-{i}", agency.id, f"h{i % 50}.gov.vn") for i in range(JOBS)], now)
    targets = {("service", f"svc-{i}"): Target("service", f"svc-{i}", agency.id, f"http://h{i % 50}.gov.vn/{i}",
                                                f"dịch vụ {i}", agency) for i in range(JOBS)}
    for i in range(requests):
        recheck_requests.ask_recheck(store, kind="service", target_id=f"svc-{i}", agency_id=agency.id, reason="r")
    requests_between_jobs(store, targets, None, now)   # each request now names its open job
    return store, targets


def claim_once(store: Store, settings: object, holder: str) -> float:
    started = time.perf_counter()
    now = utc_clock()
    for job in claimable(store, settings, now, None, {}):  # type: ignore[arg-type]
        if queue.claim(store, job["id"], holder, now, timedelta(minutes=5)) is not None:
            queue.release(store, job["id"], holder, now, "bench")
            break
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    settings = load_all(CONFIG).settings
    print(describe())
    print(f"queue: {JOBS} open service jobs; the runner looks at requests at most every {PICK_UP_S:g} s")
    for requests in (0, 100, 1000):
        with tempfile.TemporaryDirectory() as folder:
            store, targets = setup(Path(folder), requests)
            claims, looks = [], []
            for _ in range(rounds):
                claims.append(claim_once(store, settings, "bench"))
                started = time.perf_counter()
                requests_between_jobs(store, targets, None, utc_clock())
                looks.append(time.perf_counter() - started)
            store.close()
        claim_ms, look_ms = statistics.median(claims) * 1000, statistics.median(looks) * 1000
        print(f"{requests:5d} pending requests: claim {claim_ms:7.2f} ms, look at requests {look_ms:7.2f} ms "
              f"(ratio {look_ms / claim_ms:5.2f}; {look_ms / (PICK_UP_S * 10):.3f} % of a worker's time)")


if __name__ == "__main__":
    main()
