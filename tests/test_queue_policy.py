"""The queue in the store and the retry policy, with an injected clock: leases, exactly-once, windows (R6)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from configuration.settings import Retry
from crawler.nightly import jobs, retry
from crawler.nightly.lock import CrawlLock, new_holder
from crawler.nightly.recovery import holder_gone, sweep_orphans
from evidence import agencies, queue, runs
from evidence.store import Store
from kiemtra.errors import CrawlLocked

pytestmark = pytest.mark.usefixtures("store_dialect")   # every test on SQLite and on PostgreSQL

T0 = datetime(2024, 11, 20, 18, 0, tzinfo=timezone.utc)  # 01:00 in Vietnam
LEASE = timedelta(seconds=120)
POLICY = Retry(min_delay_minutes=60, other_window_hours=4, max_attempts=3)


@pytest.fixture()
def store(tmp_path):
    with Store(tmp_path / "var") as opened:
        agencies.sync(opened, [{"id": "a", "name": "A", "group": "tinh", "portal": "http://a/",
                               "services": [{"id": "a-1", "name": "S", "url": "http://a/s", "declared_level": 3}]}])
        yield opened


def _service_run(store: Store, job_id: int, outcome: str, level: int | None = 3) -> str:
    run_id = runs.start(store, "service", "a-1", "a", job_id=job_id)
    runs.finish(store, run_id, outcome="failed" if outcome == "could_not_verify" else "ok")
    runs.save_verdict(store, run_id, "a-1", {"level": level, "mode": "direct", "outcome": outcome, "reasons": [], "rules": []},
                       "test")
    return run_id


def test_next_due_is_after_the_minimum_delay_and_in_another_window():
    assert retry.next_due(T0, POLICY) == T0 + timedelta(hours=4)
    late = Retry(min_delay_minutes=22 * 60, other_window_hours=4, max_attempts=3)
    due = retry.next_due(T0, late)  # 22 h later is 2 h from the same time of day: pushed to the next allowed time
    assert due - T0 >= timedelta(hours=22) and retry.day_distance(due, T0) >= timedelta(hours=4)
    assert due == T0 + timedelta(hours=28)
    assert retry.in_other_window(T0 + timedelta(hours=4), T0, POLICY)
    assert not retry.in_other_window(T0 + timedelta(hours=23), T0, POLICY)  # next night, same hour: not "another time"


def test_below_level_is_judged_only_after_a_second_attempt_at_another_time():
    first = retry.decide(retry.BELOW_LEVEL, 1, [], T0, POLICY, None)
    assert first.status == "retry" and first.due_at == T0 + timedelta(hours=4)
    same_hour = retry.decide(retry.BELOW_LEVEL, 2, [T0], T0 + timedelta(hours=24), POLICY, None)
    assert same_hour.status == "retry"
    other = retry.decide(retry.BELOW_LEVEL, 2, [T0], T0 + timedelta(hours=5), POLICY, None)
    assert (other.status, other.final) == ("done", "not_recognized")
    assert retry.decide(retry.SITE_FAILED, 3, [], T0, POLICY, None).status == "given_up"
    assert retry.decide(retry.JUDGED, 1, [], T0, POLICY, "recognized").final == "recognized"


def test_a_lease_runs_out_and_the_stale_worker_cannot_complete(store):
    job_id = queue.enqueue(store, "service", "a-1", "a", "a", T0)
    assert queue.enqueue(store, "service", "a-1", "a", "a", T0) is None  # one open job per target
    assert queue.claim(store, job_id, "w1", T0, LEASE)["status"] == "leased"
    assert queue.candidates(store, T0 + timedelta(seconds=60)) == []
    assert queue.renew(store, "w1", T0 + timedelta(seconds=60), LEASE) == 1
    assert queue.candidates(store, T0 + timedelta(seconds=150)) == []  # renewed: still held
    later = T0 + timedelta(seconds=200)
    assert [j["id"] for j in queue.candidates(store, later)] == [job_id]  # w1 died: claimable again
    assert queue.claim(store, job_id, "w2", later, LEASE) is not None
    stale = _service_run(store, job_id, "pass")
    assert jobs.finish(store, store.db["jobs"].get(job_id), "w1", stale, later, POLICY) is None
    fresh = _service_run(store, job_id, "pass")
    decision = jobs.finish(store, store.db["jobs"].get(job_id), "w2", fresh, later, POLICY)
    assert (decision.status, decision.final) == ("done", "recognized")
    job = store.db["jobs"].get(job_id)
    assert (job["result_run_id"], job["attempts"]) == (fresh, 1)
    assert [a["outcome"] for a in queue.history(store, job_id)] == ["lost", "judged"]
    assert jobs.finish(store, job, "w2", fresh, later, POLICY) is None  # written once, never twice


def test_a_site_failure_waits_for_another_window_then_below_level_twice_is_not_recognized(store):
    job_id = queue.enqueue(store, "service", "a-1", "a", "a", T0)
    queue.claim(store, job_id, "w", T0, LEASE)
    first = jobs.finish(store, store.db["jobs"].get(job_id), "w", _service_run(store, job_id, "could_not_verify"), T0, POLICY)
    assert first.status == "retry" and first.due_at == T0 + timedelta(hours=4)
    assert queue.candidates(store, T0 + timedelta(hours=3)) == []
    for hours, outcome in ((4, "fail"), (9, "fail")):
        now = T0 + timedelta(hours=hours)
        assert queue.claim(store, job_id, "w", now, LEASE) is not None
        decision = jobs.finish(store, store.db["jobs"].get(job_id), "w", _service_run(store, job_id, outcome, 2), now, POLICY)
    assert (decision.status, decision.final) == ("done", "not_recognized")
    run_ids = [a["run_id"] for a in queue.history(store, job_id)]
    assert len(set(run_ids)) == 3 and all(runs.get(store, r) for r in run_ids)  # every attempt keeps its run


def test_a_recheck_below_level_twice_cancels_the_recognition(store):
    recognized = _service_run(store, None, "pass")  # type: ignore[arg-type]
    job_id = queue.enqueue(store, "recheck", "a-1", "a", "a", T0, reason="phản ánh")
    for hours in (0, 5):
        now = T0 + timedelta(hours=hours)
        queue.claim(store, job_id, "w", now, LEASE)
        decision = jobs.finish(store, store.db["jobs"].get(job_id), "w", _service_run(store, job_id, "fail", 2), now, POLICY)
    assert decision.final == "recognition_cancelled"
    [cancelled] = queue.cancellations(store, pending_notice=True)
    assert (cancelled["reason"], cancelled["recognized_run_id"]) == ("phản ánh", recognized)
    assert runs.get(store, recognized) and runs.get(store, cancelled["recheck_run_id"])


def test_the_crawl_lock_refuses_a_second_crawl_and_expires(store):
    clock = [T0]
    first = CrawlLock(store, new_holder(), timedelta(seconds=120), lambda: clock[0]).acquire()
    with pytest.raises(CrawlLocked) as refused:
        CrawlLock(store, new_holder(), timedelta(seconds=120), lambda: clock[0]).acquire()
    assert refused.value.exit_code == 3
    clock[0] = T0 + timedelta(seconds=60)
    first.beat()
    clock[0] = T0 + timedelta(seconds=170)
    with pytest.raises(CrawlLocked):  # the heartbeat kept it
        CrawlLock(store, new_holder(), timedelta(seconds=120), lambda: clock[0]).acquire()
    clock[0] = T0 + timedelta(seconds=200)
    taken = CrawlLock(store, new_holder(), timedelta(seconds=120), lambda: clock[0]).acquire()
    assert taken.previous == first.holder


def test_a_dead_local_crawl_frees_the_lock_at_once(store):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    holder = new_holder().rsplit(":", 2)[0] + f":{dead.stdout.strip()}:dead00"
    queue.take_lock(store, "crawl", holder, int(dead.stdout), holder.split(":")[0], datetime.now(timezone.utc),
                    timedelta(hours=1))
    assert holder_gone(holder) and not holder_gone(new_holder())
    taken = CrawlLock(store, new_holder(), timedelta(seconds=120), lambda: datetime.now(timezone.utc)).acquire()
    assert taken.previous == holder


def test_orphan_files_are_swept_only_past_the_grace(store):
    orphan = store.artifacts.root / "ab" / ("ab" + "0" * 62 + ".png")
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"x")
    kept = store.keep_bytes(runs.start(store, "portal", "a", "a"), b"known", ".html", "html")
    assert sweep_orphans(store, 3600) == [] and orphan.exists()
    os.utime(orphan, (0, 0))
    assert sweep_orphans(store, 3600) == [orphan]
    assert kept.path.exists()


def test_until_is_the_next_such_time_in_vietnam_and_budget_parses():
    from kiemtra.commands.crawl import parse_budget, parse_until

    assert parse_until("05:30", T0) == T0 + timedelta(hours=4, minutes=30)   # T0 is 01:00 in Vietnam
    assert parse_until("00:30", T0) == T0 + timedelta(hours=23, minutes=30)
    assert parse_budget("1h30m") == timedelta(minutes=90) and parse_budget("3h") == timedelta(hours=3)
    with pytest.raises(Exception):
        parse_budget("ba giờ")
