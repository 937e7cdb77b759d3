"""Disputed services (R13) come back through the crawl queue, and the request records the answering run."""

from __future__ import annotations

import pytest

from evidence import agencies, runs
from evidence.clock import utc_now
from evidence.recheck_requests import pending_recheck_requests, request_recheck, settle_service_recheck_requests
from evidence.store import Store
from kiemtra.cli import run_cli


def _run(store: Store, service_id: str, outcome: str, started_at: str) -> str:
    run_id = runs.start(store, "service", service_id, "bhxh")
    runs.finish(store, run_id, outcome=outcome)
    store.db["runs"].update(run_id, {"started_at": started_at})
    runs.save_verdict(store, run_id, service_id, {"level": 2, "mode": "direct", "outcome": "pass", "reasons": [],
                                            "rules": []}, "1")
    return run_id


def test_only_a_judged_run_started_after_the_request_answers_it(tmp_path):
    with Store(tmp_path) as store:
        agencies.sync(store, [{"id": "bhxh", "name": "BHXH", "group": "cqtcp", "portal": "http://x/",
                              "services": [{"id": "bhxh-001", "name": "Cấp lại sổ", "url": "http://x/1",
                                            "declared_level": 2}]}])
        _run(store, "bhxh-001", "ok", "2020-01-01T00:00:00.000Z")           # before the dispute
        request = request_recheck(store, kind="service", target_id="bhxh-001", agency_id="bhxh", reason="khiếu nại")
        _run(store, "bhxh-001", "failed", "2999-01-01T00:00:00.000Z")       # could not see the site
        assert settle_service_recheck_requests(store) == []
        assert [r["id"] for r in pending_recheck_requests(store)] == [request]
        answer = _run(store, "bhxh-001", "ok", "2999-01-02T00:00:00.000Z")
        assert settle_service_recheck_requests(store) == [(request, answer)]
        assert pending_recheck_requests(store) == []
        assert store.db["recheck_requests"].get(request)["run_id"] == answer


@pytest.mark.e2e
def test_a_queued_only_crawl_rechecks_a_disputed_service(world_config, capsys):
    from configuration.loader import load_all as load_config

    data = load_config(world_config).settings.data
    with Store(data) as store:
        agencies.sync(store, [{"id": "bhxh", "name": "Bảo hiểm xã hội Việt Nam", "group": "cqtcp", "portal": "http://x/",
                              "services": [{"id": "bhxh-001", "name": "Cấp lại sổ bảo hiểm xã hội", "url": "http://x/1",
                                            "declared_level": 2}]}])
        request = request_recheck(store, kind="service", target_id="bhxh-001", agency_id="bhxh",
                                  reason="cơ quan không đồng ý với mức độ")
    assert run_cli(["--config", str(world_config), "crawl", "--agency", "bhxh", "--only-queued"]) == 0
    assert "theo yêu cầu kiểm tra lại" in capsys.readouterr().out
    with Store(data) as store:
        done = store.db["recheck_requests"].get(request)
        assert done["status"] == "done" and done["done_at"] > utc_now()[:10]
        run = runs.get(store, done["run_id"])
        assert (run["target_id"], run["kind"], run["outcome"]) == ("bhxh-001", "service", "ok")
        assert [r["target_id"] for r in runs.find(store, kind="service")] == ["bhxh-001"]


# -- the workspace's requests: states, audit in the same transaction, pick-up between jobs -------------
from datetime import timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

from evidence import queue, recheck_requests  # noqa: E402
from evidence.clock import utc_clock  # noqa: E402

REPO_CONFIG = Path(__file__).resolve().parent.parent / "config"


def _bhxh(store: Store) -> None:
    agencies.sync(store, [{"id": "bhxh", "name": "BHXH", "group": "cqtcp", "portal": "http://x/",
                          "services": [{"id": "bhxh-001", "name": "Cấp lại sổ", "url": "http://x/1",
                                        "declared_level": 2}]}])


def _targets() -> dict:
    from configuration.loader import load_all
    from crawler.nightly.plan import plan

    return {(t.kind, t.target_id): t for t in plan(load_all(REPO_CONFIG), "bhxh")}


def _state(store: Store, request_id: int) -> str:
    row = recheck_requests.get(store, request_id)
    assert row is not None
    return recheck_requests.state_of(store, row).state


@pytest.mark.usefixtures("store_dialect")
def test_a_request_goes_waiting_queued_running_done_with_its_run_and_verdict(tmp_path):
    from crawler.nightly.runner import requests_between_jobs

    with Store(tmp_path) as store:
        _bhxh(store)
        request, new = recheck_requests.ask_recheck(store, kind="service", target_id="bhxh-001", agency_id="bhxh",
                                                   reason="xem lại", requested_by="an", requested_role="inspector")
        assert new and _state(store, request) == "waiting"
        assert recheck_requests.ask_recheck(store, kind="service", target_id="bhxh-001", agency_id="bhxh",
                                            reason="lần nữa")[0] == request          # asked twice: one request
        assert requests_between_jobs(store, _targets(), "bhxh", utc_clock()) == 1
        row = recheck_requests.get(store, request)
        assert row is not None and row["job_id"] and row["picked_up_at"] and row["requested_by"] == "an"
        assert _state(store, request) == "queued"
        assert requests_between_jobs(store, _targets(), "bhxh", utc_clock()) == 0   # the open job answers it
        run_id = runs.start(store, "service", "bhxh-001", "bhxh", job_id=row["job_id"])
        state = recheck_requests.state_of(store, row)
        assert (state.state, state.run_id) == ("running", run_id)
        runs.finish(store, run_id, outcome="ok")
        runs.save_verdict(store, run_id, "bhxh-001", {"level": 2, "mode": "direct", "outcome": "pass", "reasons": [],
                                                      "rules": []}, "1")
        state = recheck_requests.state_of(store, row)
        assert (state.state, state.run_id, state.verdict and state.verdict["level"]) == ("done", run_id, 2)
        assert requests_between_jobs(store, _targets(), "bhxh", utc_clock()) == 0   # settles it
        done = recheck_requests.get(store, request)
        assert done is not None and (done["status"], done["run_id"]) == ("done", run_id)


@pytest.mark.usefixtures("store_dialect")
def test_the_audit_hook_commits_with_the_request_or_not_at_all(tmp_path):
    seen = []

    def audit(conn, request_id, old):
        seen.append((request_id, old, conn.execute("select status from recheck_requests where id = ?",
                                                   [request_id]).fetchone()[0]))

    def broken(conn, request_id, old):
        raise RuntimeError("audit row refused")

    with Store(tmp_path) as store:
        _bhxh(store)
        request, _ = recheck_requests.ask_recheck(store, kind="service", target_id="bhxh-001", agency_id="bhxh",
                                                 reason="r", audit=audit)
        assert seen == [(request, None, "pending")]          # the hook sees the row inside the transaction
        with pytest.raises(RuntimeError):
            recheck_requests.cancel(store, request, by="an", note="nhầm", audit=broken)
        assert _state(store, request) == "waiting"           # the cancel rolled back with its audit
        with pytest.raises(RuntimeError):
            recheck_requests.ask_recheck(store, kind="criterion", target_id="bhxh/c1", agency_id="bhxh",
                                         reason="r", audit=broken)
        assert recheck_requests.requests(store, kind="criterion") == []


@pytest.mark.usefixtures("store_dialect")
def test_cancelled_and_undeclared_requests_are_closed_and_never_queued(tmp_path):
    from crawler.nightly.runner import requests_between_jobs

    with Store(tmp_path) as store:
        _bhxh(store)
        kept, _ = recheck_requests.ask_recheck(store, kind="service", target_id="bhxh-001", agency_id="bhxh", reason="r")
        gone, _ = recheck_requests.ask_recheck(store, kind="service", target_id="bhxh-999", agency_id="bhxh", reason="r")
        assert recheck_requests.cancel(store, kept, by="an", note="không cần nữa")
        assert not recheck_requests.cancel(store, kept, by="an", note="lần hai")       # no longer pending
        assert requests_between_jobs(store, _targets(), "bhxh", utc_clock()) == 0
        assert queue.jobs(store) == []
        assert _state(store, kept) == "cancelled" and _state(store, gone) == "failed"
        failed = recheck_requests.get(store, gone)
        assert failed is not None and "không còn được khai báo" in failed["note"]


@pytest.mark.usefixtures("store_dialect")
def test_a_job_that_ran_before_the_request_is_queued_again_and_one_given_up_after_it_fails_it(tmp_path):
    from crawler.nightly.runner import requests_between_jobs

    with Store(tmp_path) as store:
        _bhxh(store)
        now = utc_clock()
        early = now - timedelta(minutes=5)
        job_id = queue.enqueue(store, "service", "bhxh-001", "bhxh", "x", early)
        assert job_id is not None
        assert queue.claim(store, job_id, "w", early, timedelta(minutes=10)) is not None   # running before the request
        request, _ = recheck_requests.ask_recheck(store, kind="service", target_id="bhxh-001", agency_id="bhxh",
                                                 reason="r")
        requests_between_jobs(store, _targets(), "bhxh", now)
        row = recheck_requests.get(store, request)
        assert row is not None and row["job_id"] == job_id          # the open job is taken as the answer ...
        assert queue.complete(store, job_id, "w", now, status="done", run_id=None, outcome="judged", detail={},
                              final="recognized")
        assert requests_between_jobs(store, _targets(), "bhxh", now) == 1   # ... but it began before: queued again
        row = recheck_requests.get(store, request)
        assert row is not None and row["job_id"] != job_id
        later = now + timedelta(seconds=1)
        claimed = queue.claim(store, row["job_id"], "w", later, timedelta(minutes=10))
        assert claimed is not None
        assert queue.complete(store, row["job_id"], "w", later, status="given_up", run_id=None, outcome="site_failed",
                              detail={}, final="unseen")
        assert recheck_requests.settle_service_recheck_requests(store) == []
        assert _state(store, request) == "failed"
        assert "sau các lần thử lại" in (recheck_requests.get(store, request) or {})["note"]


@pytest.mark.usefixtures("store_dialect")
def test_a_criterion_request_is_done_by_the_next_portal_score_that_could_judge_it(tmp_path):
    from evidence import portal

    with Store(tmp_path) as store:
        _bhxh(store)
        request, _ = recheck_requests.ask_recheck(store, kind="criterion", target_id="bhxh/3.1", agency_id="bhxh",
                                                 reason="r")
        unseen = runs.start(store, "portal", "bhxh", "bhxh")
        store.db["runs"].update(unseen, {"started_at": "2999-01-01T00:00:00.000Z"})
        portal.record_score(store, agency_id="bhxh", criterion_id="3.1", role="A", inspector="kiemtra", score=None,
                            max_points=2, outcome="could_not_verify", source="crawl", run_id=unseen)
        assert recheck_requests.settle_criterion_recheck_requests(store) == []
        assert _state(store, request) == "waiting"
        answer = runs.start(store, "portal", "bhxh", "bhxh")
        store.db["runs"].update(answer, {"started_at": "2999-01-02T00:00:00.000Z"})
        portal.record_score(store, agency_id="bhxh", criterion_id="3.1", role="A", inspector="kiemtra", score=2,
                            max_points=2, outcome="pass", source="crawl", run_id=answer)
        assert recheck_requests.settle_criterion_recheck_requests(store) == [(request, answer)]
        state = recheck_requests.state_of(store, recheck_requests.get(store, request) or {})
        assert (state.state, state.run_id, state.verdict and state.verdict["score"]) == ("done", answer, 2)


@pytest.mark.usefixtures("store_dialect")
def test_crawl_running_reads_the_live_crawl_lock(tmp_path):
    now = utc_clock()
    with Store(tmp_path) as store:
        assert not recheck_requests.crawl_running(store, now)
        assert queue.take_lock(store, "crawl", "h", 1, "host", now, timedelta(seconds=60))
        assert recheck_requests.crawl_running(store, now)
        assert not recheck_requests.crawl_running(store, now + timedelta(seconds=61))


@pytest.mark.e2e
def test_a_running_crawl_takes_a_request_made_while_it_runs(world_config):
    """Real Chromium, the demo world: one portal job queued; while it runs an inspector asks for bhxh-001."""
    import asyncio

    from configuration.loader import load_all as load_config
    from crawler.browser.navigate import host_of
    from crawler.nightly.plan import plan
    from crawler.nightly.runner import Runner, RunOptions
    from kiemtra.commands.base import synced_store

    config = load_config(world_config)
    targets = {(t.kind, t.target_id): t for t in plan(config, "bhxh")}
    asked: list[int] = []
    with synced_store(config) as store:
        portal = targets[("portal", "bhxh")]
        assert queue.enqueue(store, "portal", "bhxh", "bhxh", host_of(portal.url), utc_clock()) is not None

        def on_done(done) -> None:
            if not asked:   # the crawl is running: the only job queued has just finished
                asked.append(recheck_requests.ask_recheck(store, kind="service", target_id="bhxh-001",
                                                          agency_id="bhxh", reason="kiểm tra lại khi đang chạy")[0])

        runner = Runner(store, config.settings, targets, RunOptions("test-holder", 1, None, "bhxh"), None, on_done)
        summary = asyncio.run(runner.run())
        assert [d.result.target.target_id for d in summary.done] == ["bhxh", "bhxh-001"]
        row = recheck_requests.get(store, asked[0])
        assert row is not None and row["status"] == "done" and row["job_id"] and row["picked_up_at"]
        assert runner.answered == [(asked[0], row["run_id"])]
        run = runs.get(store, row["run_id"])
        assert (run["target_id"], run["outcome"], run["job_id"]) == ("bhxh-001", "ok", row["job_id"])
        assert run["started_at"] > row["requested_at"]


def test_the_distributed_coordinator_queues_and_publishes_a_request_made_while_it_follows(tmp_path, postgres_cluster,
                                                                                        monkeypatch):
    """`kiemtra crawl --distributed`'s follow loop: a request asked during the night becomes a job, published
    to the workers at once (real PostgreSQL and procrastinate; no worker runs here, so it stays queued)."""
    import asyncio

    from configuration.settings import Settings
    from crawler.nightly import distributed
    from crawler.nightly.runner import requests_between_jobs

    monkeypatch.setenv("KIEMTRA_DATABASE_URL", postgres_cluster.new_database())
    with Store(tmp_path) as store:
        _bhxh(store)
        settings = Settings(database_url=store.database_url)
        targets = _targets()
        polls: list[int] = []

        def between_polls(now) -> int:
            if len(polls) == 1:   # the coordinator is following: an inspector asks now
                recheck_requests.ask_recheck(store, kind="service", target_id="bhxh-001", agency_id="bhxh", reason="r")
            polls.append(requests_between_jobs(store, targets, None, now))
            return polls[-1]

        start = utc_clock()
        running = queue.enqueue(store, "portal", "bhxh", "bhxh", "x", start)   # a worker holds the portal's job
        assert running is not None and queue.claim(store, running, "worker-1", start, timedelta(minutes=5))
        following = asyncio.run(distributed.follow(store, settings, deadline=start + timedelta(seconds=4),
                                                   on_attempt=lambda attempt: None, since=start, poll_s=0.2,
                                                   between_polls=between_polls))
        (request,) = recheck_requests.requests(store)
        assert polls[:3] == [0, 1, 0] and following.published == 1 and following.stopped == "budget"
        job = queue.job(store, request["job_id"])
        assert job is not None and (job["target_id"], job["status"]) == ("bhxh-001", "due")
        assert recheck_requests.state_of(store, request).state == "queued"
