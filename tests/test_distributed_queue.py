"""The queue's parts the distributed crawl adds, on both dialects: shared pacing, the per-host limit in a claim,
bulk enqueue, and publishing the open jobs to procrastinate (PostgreSQL)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone

import pytest

from evidence import pacing, queue
from evidence.store import Store

NOW = datetime(2026, 12, 1, 22, 0, tzinfo=timezone.utc)
LEASE = timedelta(seconds=60)


@pytest.mark.usefixtures("store_dialect")
def test_pacing_gives_each_navigation_of_a_host_its_own_slot(tmp_path):
    # Slots as moments (clock + wait): a loaded machine's time between two calls does not move them.
    with Store(tmp_path) as store:
        slots = [time.time() + pacing.take_slot(store, "a.gov.vn", 5.0) for _ in range(3)]
        other = pacing.take_slot(store, "b.gov.vn", 5.0)
    assert slots[1] - slots[0] == pytest.approx(5.0, abs=0.5) and slots[2] - slots[1] == pytest.approx(5.0, abs=0.5)
    assert other == 0


@pytest.mark.usefixtures("store_dialect")
def test_pacing_holds_across_processes(tmp_path):
    """Four processes take five slots each of one host: twenty distinct slots, one interval apart.

    The interval is long (10 s) and nobody waits for a slot, so every slot is booked back to back and the
    jitter of a loaded machine between taking a slot and reading the clock stays small beside it."""
    Store(tmp_path).close()
    script = textwrap.dedent("""
        import sys, time
        from pathlib import Path
        from evidence import pacing
        from evidence.store import Store
        with Store(Path(sys.argv[1])) as store:
            for _ in range(5):
                print(time.time() + pacing.take_slot(store, "a.gov.vn", 10.0))
    """)
    runs = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True)
            for _ in range(4)]
    slots = sorted(float(line) for run in runs for line in run.communicate(timeout=120)[0].split())
    assert len(slots) == 20
    gaps = [b - a for a, b in zip(slots, slots[1:], strict=False)]
    assert min(gaps) > 9 and max(gaps) < 11, gaps


@pytest.mark.usefixtures("store_dialect")
def test_a_claim_respects_the_per_host_limit_across_holders(tmp_path):
    with Store(tmp_path) as store:
        added = queue.enqueue_many(store, [("service", f"s{i}", "a", "a.gov.vn") for i in range(3)]
                                   + [("service", "s0", "a", "a.gov.vn"), ("service", "t", "b", "b.gov.vn")], NOW)
        assert added == 4   # the repeated target is queued once
        ids = {j["target_id"]: j["id"] for j in queue.jobs(store)}
        assert queue.claim(store, ids["s0"], "w1", NOW, LEASE, host_limit=2) is not None
        assert queue.claim(store, ids["s1"], "w2", NOW, LEASE, host_limit=2) is not None
        assert queue.claim(store, ids["s2"], "w3", NOW, LEASE, host_limit=2) is None       # a.gov.vn is full
        assert queue.claim(store, ids["t"], "w3", NOW, LEASE, host_limit=2) is not None    # another host is not
        later = NOW + 2 * LEASE                                                              # w1, w2 died: leases ran out
        assert queue.claim(store, ids["s2"], "w3", later, LEASE, host_limit=2) is not None
        assert queue.enqueue_many(store, [("service", "s0", "a", "a.gov.vn")], NOW) == 0


def test_open_jobs_are_published_once_each_and_republished_when_lost(tmp_path, postgres_cluster, monkeypatch):
    """publish_open: one delivery waiting per job (queueing lock); a delivery lost is made again from the table."""
    from crawler.nightly import distributed

    monkeypatch.setenv("KIEMTRA_DATABASE_URL", postgres_cluster.new_database())
    with Store(tmp_path) as store:
        queue.enqueue_many(store, [("service", f"s{i}", "a", "a.gov.vn") for i in range(2500)], NOW)
        app = distributed.make_app(store.database_url)

        async def go() -> tuple[int, int, int, int]:
            async with app.open_async():
                first = await distributed.publish_open(app, store, NOW)
                again = await distributed.publish_open(app, store, NOW)
                waiting = len(await app.job_manager.list_jobs_async(queue=distributed.QUEUE, status="todo"))
                lost = (await app.job_manager.list_jobs_async(queue=distributed.QUEUE, status="todo"))[0]
                await app.job_manager.cancel_job_by_id_async(lost.id, delete_job=True)
                return first, again, waiting, await distributed.publish_open(app, store, NOW)
        first, again, waiting, repaired = asyncio.run(go())
    assert (first, again, waiting, repaired) == (2500, 0, 2500, 1)


@pytest.mark.usefixtures("store_dialect")
def test_a_check_holds_its_job_only_while_its_lease_is_its_own(tmp_path):
    with Store(tmp_path) as store:
        queue.enqueue_many(store, [("service", "s0", "a", "a.gov.vn")], NOW)
        [job] = queue.candidates(store, NOW)
        assert queue.claim(store, job["id"], "first", NOW, LEASE)
        assert queue.hold(store, job["id"], "first", NOW + timedelta(seconds=30), LEASE)   # renewed: a whole lease
        assert queue.claim(store, job["id"], "second", NOW + timedelta(seconds=80), LEASE) is None
        later = NOW + timedelta(seconds=91)   # the first went quiet past its renewed lease; another takes the job
        assert queue.claim(store, job["id"], "second", later, LEASE)
        assert not queue.hold(store, job["id"], "first", later, LEASE)
        assert queue.hold(store, job["id"], "second", later, LEASE)
