"""The crawl on a cluster: workers (`kiemtra worker`) on one PostgreSQL store, run by `kiemtra crawl --distributed`.

Real parts only: the demo world's servers, a throwaway PostgreSQL cluster, real Chromium in each
worker process, procrastinate delivering the tasks. Faults are real too: a worker SIGKILLed with
its browser mid-check, the database server restarted mid-crawl.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from evidence.seal.verify import verify
from evidence.store import Store

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parent.parent
TARGETS = {"bhxh", "bhxh-001", "bhxh-002", "bhxh-003", "bhxh-004"}


@pytest.fixture()
def cluster_site(world, tmp_path, postgres_cluster, monkeypatch):
    from kiemtra.commands.world import load_world_catalogue, write_world_config

    url = postgres_cluster.new_database()
    monkeypatch.setenv("KIEMTRA_DATABASE_URL", url)
    world.reset()
    config = write_world_config(world, tmp_path / "config")
    data = tmp_path / "var"
    load_world_catalogue(world, data)
    env = {**os.environ, "KIEMTRA_DATABASE_URL": url, "KIEMTRA_QUEUE_LEASE_S": "6", "KIEMTRA_QUEUE_LOCK_TTL_S": "30",
           "KIEMTRA_TIMEOUTS_NAVIGATION_S": "10", "KIEMTRA_QUEUE_ORPHAN_GRACE_S": "0", "COLUMNS": "160"}
    return ["--config", str(config), "--data", str(data)], data, url, env


def _start(base: list[str], env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "from kiemtra.cli import entry; entry()", *base, *args], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _run(base: list[str], env: dict[str, str], *args: str, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from kiemtra.cli import entry; entry()", *base, *args], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=timeout)


def _wait_for(url: str, sql: str, params: list, watched: list[subprocess.Popen], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in watched:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                if conn.execute(sql, params).fetchone()[0]:
                    return
        except psycopg.OperationalError:   # the server restarting
            pass
        time.sleep(0.2)
    with psycopg.connect(url, autocommit=True) as conn:   # what the tables held, to read the failure by
        state = {t: conn.execute(f"select * from {t}").fetchall() for t in ("jobs", "job_attempts", "locks")}
    raise AssertionError(f"no row for {sql} within {timeout}s: {state}")


def _finish(process: subprocess.Popen, watched: list[subprocess.Popen], timeout: float = 400) -> str:
    """`process`'s output once it ends; a watched process (a worker) that ends first fails the test at once."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return process.communicate(timeout=2)[0]
        except subprocess.TimeoutExpired:
            for other in watched:
                assert other.poll() is None, f"{other.args[-3:]} ended before the crawl: {other.stdout.read()}"
            assert time.monotonic() < deadline, f"the crawl did not end within {timeout}s"


def _stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    out, _ = process.communicate(timeout=120)
    return out


def _assert_exactly_once(data: Path) -> None:
    """Each job judged once, each counted attempt with one verdict and one manifest; no orphan; the chain verifies."""
    with Store(data) as store:
        assert store.dialect == "postgresql"
        db = store.db
        jobs = list(db["jobs"].rows)
        assert {j["target_id"] for j in jobs} == TARGETS
        assert {j["status"] for j in jobs} <= {"done", "retry"}, jobs
        assert db.execute("select count(*) from runs where outcome = 'running'").fetchone()[0] == 0
        for job in jobs:
            counted = list(db["job_attempts"].rows_where("job_id = ? and outcome not in ('lost', 'released')", [job["id"]]))
            assert len(counted) == job["attempts"], (job, counted)
            for attempt in counted:
                assert db["manifests"].count_where("run_id = ?", [attempt["run_id"]]) == 1
                if job["kind"] == "service":
                    assert db["verdicts"].count_where("run_id = ?", [attempt["run_id"]]) == 1
            others = db.execute("select outcome from runs where job_id = ? and id not in (select run_id from job_attempts"
                                " where job_id = ? and run_id is not null and outcome not in ('lost', 'released'))",
                                [job["id"], job["id"]]).fetchall()
            assert all(o == ("interrupted",) for o in others), (others, list(db["job_attempts"].rows_where(
                "job_id = ?", [job["id"]])), list(db.query("select id, outcome, started_at, finished_at from runs"
                                                         " where job_id = ?", [job["id"]])))
        # No service has two final verdicts: one judged attempt at most per job that is done.
        for job in jobs:
            if job["status"] == "done":
                judged = db["job_attempts"].count_where("job_id = ? and outcome = 'judged'", [job["id"]])
                assert judged == 1, job
        assert store.artifacts.orphans(store.artifact_hashes()) == []
        report = verify(store)
        assert report.errors == [], report.errors


def test_two_workers_finish_the_night_and_a_killed_one_s_job_runs_again_elsewhere(cluster_site):
    base, data, url, env = cluster_site
    first = _start(base, env, "worker", "--concurrency", "2")
    coordinator = _start(base, env, "crawl", "--distributed", "--agency", "bhxh")
    second: subprocess.Popen | None = None
    try:
        holder = f"%:{first.pid}:%"
        _wait_for(url, "select count(*) from jobs where status = 'leased' and leased_by like %s and exists"
                       " (select 1 from runs where outcome = 'running' and job_id = jobs.id)", [holder], [first, coordinator])
        os.killpg(first.pid, signal.SIGKILL)   # the worker and its browser, as a machine lost would
        first.wait(timeout=30)
        second = _start(base, env, "worker", "--concurrency", "2")
        out = _finish(coordinator, [second])
        assert coordinator.returncode in (0, 1), out
        assert "Tóm tắt lần thu thập" in out and "Đã kiểm tra" in out, out
    finally:
        for process in (first, coordinator, second):
            if process is not None and process.poll() is None:
                _stop(process)
    _assert_exactly_once(data)
    with Store(data) as store:
        lost = store.db["job_attempts"].count_where("outcome in ('lost', 'released') and holder like ?", [holder])
        assert lost >= 1   # the killed worker's attempt is in the record, not counted against the agency
    with psycopg.connect(url, autocommit=True) as conn:   # nor is its delivery left `doing` in the engine's table
        doing = conn.execute("select count(*) from procrastinate_jobs where status = 'doing'").fetchone()[0]
    assert doing == 0


def test_the_database_restarted_mid_crawl_and_the_crawl_completes(cluster_site, postgres_cluster):
    base, data, url, env = cluster_site
    # The lease (6 s) may run out while the server is away and a check still runs: another attempt then takes the
    # job, and the late check, fenced by `queue.hold`, ends `interrupted` without a verdict.
    worker = _start(base, env, "worker", "--concurrency", "2")
    coordinator = _start(base, env, "crawl", "--distributed", "--agency", "bhxh")
    try:
        _wait_for(url, "select count(*) from runs where outcome = 'running'", [], [worker, coordinator])
        postgres_cluster.restart_server(stop_first=True)
        out = _finish(coordinator, [worker])   # a worker that quit at the restart would leave the night unfinished
        assert coordinator.returncode in (0, 1), out
    finally:
        for process in (worker, coordinator):
            if process.poll() is None:
                _stop(process)
    _assert_exactly_once(data)


def test_between_nights_the_workers_take_requests_and_kiemtra_rerun_goes_through_them(cluster_site):
    """No coordinator: the workers' upkeep takes a re-check request; `kiemtra rerun` is a job a worker runs;
    a service whose retry waits for another time is refused (R6), not run twice; with no worker left,
    `rerun` checks on this machine."""
    from datetime import timedelta

    from evidence import queue, recheck_requests
    from evidence.clock import utc_clock

    base, data, url, env = cluster_site
    worker = _start(base, env, "worker", "--concurrency", "2")
    try:
        _wait_for(url, "select count(*) from locks where name like %s", ["worker:%"], [worker])
        with Store(data) as store:
            request_id, _ = recheck_requests.ask_recheck(store, kind="service", target_id="bhxh-001", agency_id="bhxh",
                                                         reason="cơ quan khiếu nại kết quả", requested_by="kiem-tra-a")
            later = queue.enqueue(store, "service", "bhxh-004", "bhxh", "127.0.0.1", utc_clock() + timedelta(hours=6))
        _wait_for(url, "select count(*) from recheck_requests where id = %s and status = 'done'", [request_id], [worker],
                  timeout=120)

        busy = _run(base, env, "rerun", "bhxh-004", timeout=120)
        assert busy.returncode == 1 and f"đã có việc #{later}" in busy.stderr and "--here" in busy.stderr, busy

        rerun = _run(base, env, "rerun", "bhxh-002", timeout=400)
        assert rerun.returncode in (0, 1), rerun
        assert "Gửi cho cụm máy chạy việc (1 máy đang chạy)" in rerun.stdout and "Mức độ tìm thấy" in rerun.stdout, rerun.stderr
    finally:
        stopped = _stop(worker)
    with Store(data) as store:
        asked = recheck_requests.get(store, request_id)
        ran = {a["target_id"]: a for a in store.db.query(
            "select j.target_id, a.holder, a.run_id from job_attempts a join jobs j on j.id = a.job_id")}
        assert ran["bhxh-001"]["run_id"] == asked["run_id"] and ran["bhxh-002"]["run_id"] in rerun.stdout
        assert all(f":{worker.pid}:" in ran[s]["holder"] for s in ("bhxh-001", "bhxh-002")), (ran, stopped)
        assert "bhxh-004" not in ran and store.db["locks"].count_where("name like ?", ["worker:%"]) == 0

    here = _run(base, env, "rerun", "bhxh-004", timeout=400)
    assert here.returncode in (0, 1) and "Gửi cho cụm" not in here.stdout and "Mức độ tìm thấy" in here.stdout, here
