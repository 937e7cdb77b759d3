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
    assert "theo yêu cầu của vòng xác nhận" in capsys.readouterr().out
    with Store(data) as store:
        done = store.db["recheck_requests"].get(request)
        assert done["status"] == "done" and done["done_at"] > utc_now()[:10]
        run = runs.get(store, done["run_id"])
        assert (run["target_id"], run["kind"], run["outcome"]) == ("bhxh-001", "service", "ok")
        assert [r["target_id"] for r in runs.find(store, kind="service")] == ["bhxh-001"]
