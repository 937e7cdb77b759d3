"""Crash safety of the nightly crawl: SIGKILL mid-crawl then restart; SIGTERM stops cleanly; one crawl per store."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evidence.store import Store
from kiemtra.cli import run_cli

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "KIEMTRA_TIMEOUTS_NAVIGATION_S": "10", "KIEMTRA_QUEUE_ORPHAN_GRACE_S": "0", "COLUMNS": "160"}


@pytest.fixture()
def site(world, tmp_path):
    from kiemtra.commands.world import load_world_catalogue, write_world_config

    world.reset()
    config = write_world_config(world, tmp_path / "config")
    data = tmp_path / "var"
    load_world_catalogue(world, data)
    return ["--config", str(config), "--data", str(data)], data


def _start_crawl(base: list[str]) -> subprocess.Popen:
    command = [sys.executable, "-c", "from kiemtra.cli import entry; entry()", *base, "crawl", "--agency", "bhxh",
               "--concurrency", "2"]
    return subprocess.Popen(command, cwd=REPO, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def _wait_for(data: Path, process: subprocess.Popen, sql: str, timeout: float = 120) -> None:
    """Poll the store read-only (WAL lets us) until `sql` counts at least one row."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            reader = sqlite3.connect(f"file:{data / 'kiemtra.db'}?mode=ro", uri=True, timeout=2)
            found = reader.execute(sql).fetchone()[0]
            reader.close()
            if found:
                return
        except sqlite3.OperationalError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"no row for {sql} within {timeout}s")


def _assert_consistent(data: Path) -> None:
    with Store(data) as store:
        db = store.db
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("select count(*) from runs where outcome = 'running'").fetchone()[0] == 0
        assert db.execute("select count(*) from jobs where status = 'leased'").fetchone()[0] == 0
        for job in db["jobs"].rows:
            counted = [a for a in db["job_attempts"].rows_where("job_id = ? and outcome not in ('lost', 'released')",
                                                               [job["id"]])]
            assert len(counted) == job["attempts"], job           # each attempt's result written exactly once
            for attempt in counted:
                assert db["manifests"].count_where("run_id = ?", [attempt["run_id"]]) == 1   # with its sealed evidence
                if job["kind"] == "service":
                    assert db["verdicts"].count_where("run_id = ?", [attempt["run_id"]]) == 1
            others = db.execute("select outcome from runs where job_id = ? and id not in "
                                "(select run_id from job_attempts where job_id = ? and run_id is not null "
                                " and outcome not in ('lost', 'released'))", [job["id"], job["id"]]).fetchall()
            assert all(o == ("interrupted",) for o in others), others  # cut-off attempts keep their evidence, marked
        known = {row[0] for row in db.execute("select sha256 from artifacts")}
        assert store.artifacts.orphans(known) == []
        assert list(store.artifacts.tmp.iterdir()) == []
        for (path,) in db.execute("select path from artifacts"):
            assert (data / path).is_file()


def test_sigkill_mid_crawl_then_restart_finishes_every_job_once(site, capsys):
    base, data = site
    process = _start_crawl(base)
    _wait_for(data, process, "select count(*) from jobs where status = 'leased' and exists "
                             "(select 1 from runs where outcome = 'running' and job_id = jobs.id)")
    os.killpg(process.pid, signal.SIGKILL)  # the crawl and its browser, as a power cut would
    process.wait(timeout=30)
    capsys.readouterr()
    assert run_cli([*base, "crawl", "--agency", "bhxh", "--concurrency", "2"]) in (0, 1)
    out = capsys.readouterr().out
    assert "Khôi phục sau lần chạy bị dừng đột ngột" in out
    _assert_consistent(data)
    with Store(data) as store:
        statuses = {j["target_id"]: j["status"] for j in store.db["jobs"].rows}
        interrupted = store.db["runs"].count_where("outcome = 'interrupted'")
    assert set(statuses) == {"bhxh", "bhxh-001", "bhxh-002", "bhxh-003", "bhxh-004"}
    assert set(statuses.values()) <= {"done", "retry"}
    assert interrupted >= 1


def test_sigterm_stops_cleanly_and_a_second_crawl_is_refused_meanwhile(site, capsys):
    base, data = site
    process = _start_crawl(base)
    _wait_for(data, process, "select count(*) from runs where outcome = 'running'")
    assert run_cli([*base, "crawl", "--agency", "bhxh"]) == 3
    assert "một lượt thu thập khác đang chạy" in capsys.readouterr().err
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=180)
    assert process.returncode in (0, 1), out
    assert "Đã dừng theo yêu cầu" in out and "Tóm tắt lần thu thập" in out
    _assert_consistent(data)
    with Store(data) as store:
        assert store.db["locks"].count == 0
        assert store.db["jobs"].count_where("status = 'due'") >= 1  # the rest stays queued


def test_a_spent_budget_stops_before_any_check_and_leaves_every_job_queued(site, capsys):
    base, data = site
    assert run_cli([*base, "crawl", "--agency", "bhxh", "--budget", "0s"]) == 0
    out = capsys.readouterr().out
    assert "Hết thời gian cho phép" in out and "5 việc còn trong hàng đợi" in out
    with Store(data) as store:
        assert {j["status"] for j in store.db["jobs"].rows} == {"due"}
        assert store.db["runs"].count == 0
    assert run_cli([*base, "queue"]) == 0
    assert "đến hạn 5" in capsys.readouterr().out
