"""Category 3 in the workspace (R1, R2): inspectors A and B enter scores in the browser, the appraiser settles.

The store side first (who may claim A or B, one transaction for a score and its log, a crawl never
replacing a person's score, the crawl's judgement re-read from its kept observation); the browser
tests below drive the real `kiemtra serve` with Playwright.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from checks.portal import Criterion
from evidence import portal as portal_store
from evidence import runs
from evidence.store import Store

SCORE: dict[str, Any] = dict(agency_id="bn", criterion_id="c3-news", max_points=4, outcome="scored")


def _write(store: Store, role: str, person: str, score: float, source: str = portal_store.SCORED_BY_PERSON) -> None:
    with store.write_lock() as conn:
        old = portal_store.score_row(conn, "bn", "c3-news", role)
        portal_store.write_score(conn, old, role=role, inspector=person, score=score, reasons=[{"text": "ghi chú"}],
                                 source=source, run_id=None, why="thử", **SCORE)


@pytest.mark.usefixtures("store_dialect")   # on SQLite and on PostgreSQL
def test_one_person_is_never_both_a_and_b(tmp_path):
    with Store(tmp_path) as store:
        _write(store, "A", "an", 3)
        with store.write_lock() as conn:
            assert "không chấm cả A và B" in (portal_store.claim_problem(
                conn, agency_id="bn", criterion_id="c3-news", role="B", person="an") or "")
            assert "do an chấm" in (portal_store.claim_problem(
                conn, agency_id="bn", criterion_id="c3-news", role="A", person="binh") or "")
            assert portal_store.claim_problem(conn, agency_id="bn", criterion_id="c3-news", role="A", person="an") is None
            assert portal_store.claim_problem(conn, agency_id="bn", criterion_id="c3-news", role="B",
                                              person="binh") is None
            assert "chọn A hoặc B" in (portal_store.claim_problem(
                conn, agency_id="bn", criterion_id="c3-news", role="C", person="binh") or "")


@pytest.mark.usefixtures("store_dialect")   # on SQLite and on PostgreSQL
def test_a_crawls_score_may_be_taken_by_a_person_but_never_the_reverse(tmp_path):
    with Store(tmp_path) as store:
        _write(store, "A", "kiemtra", 4, source="crawl")
        with store.write_lock() as conn:
            assert portal_store.claim_problem(conn, agency_id="bn", criterion_id="c3-news", role="A", person="an") is None
            assert portal_store.claim_problem(conn, agency_id="bn", criterion_id="c3-news", role="B",
                                              person="kiemtra") is None
        _write(store, "A", "an", 2)
        assert not portal_store.record_score(store, role="A", inspector="kiemtra", score=4, source="crawl", **SCORE)
        row = portal_store.scores(store, "bn")[0]
        assert (row["inspector"], row["score"], portal_store.note_of(row)) == ("an", 2, "ghi chú")
        assert [r["who"] for r in portal_store.history(store, "bn", "c3-news")] == ["kiemtra", "an"]


@pytest.mark.usefixtures("store_dialect")   # on SQLite and on PostgreSQL
def test_a_score_and_its_log_commit_together_or_not_at_all(tmp_path):
    with Store(tmp_path) as store:
        with pytest.raises(RuntimeError), store.write_lock() as conn:
            portal_store.write_score(conn, None, role="B", inspector="an", score=1, reasons=[], source="browser",
                                     run_id=None, why="", **SCORE)
            portal_store.write_appraisal(conn, agency_id="bn", criterion_id="c3-news", appraiser="td", score=2,
                                         reason="xem lại")
            raise RuntimeError("the audit row failed")
        assert portal_store.scores(store, "bn") == [] and list(portal_store.history(store, "bn")) == []
        assert portal_store.appraisals(store, "bn") == {}
        with store.write_lock() as conn, pytest.raises(ValueError):
            portal_store.write_appraisal(conn, agency_id="bn", criterion_id="c3-news", appraiser="td", score=2,
                                         reason="  ")


@pytest.mark.usefixtures("store_dialect")   # on SQLite and on PostgreSQL
def test_the_crawls_judgement_is_reread_from_its_observation(tmp_path):
    criteria = [Criterion("c3-https", "HTTPS", "R", {"tinh": 2}, "P-T20-HTTPS"),
                Criterion("c3-manual", "Tay", "R", {"tinh": 2}, "manual"),
                Criterion("c3-bo", "Chỉ bộ", "R", {"bo": 2}, "manual")]
    with Store(tmp_path) as store:
        assert portal_store.crawl_results(store, "bn", criteria) == (None, {})
        cache: dict = {}
        run_id = runs.start(store, "portal", "bn", "bn", bot_version="test")
        observation = {"agency_id": "bn", "group": "tinh", "agency_name": "Bắc Ninh", "home_url": "https://bn.example/",
                       "observed_at": "2026-12-01T00:00:00+00:00", "https_url": "https://bn.example/", "https_ok": True,
                       "pages": [{"url": "https://bn.example/", "status": 200, "title": "Cổng", "depth": 0}]}
        portal_store.save_observation(store, run_id, "bn", "A", "kiemtra", observation)
        row, results = portal_store.crawl_results(store, "bn", criteria, cache)
        assert portal_store.crawl_results(store, "bn", criteria, cache)[1] is results and len(cache) == 1
        assert row is not None and row["run_id"] == run_id and portal_store.observation_runs(store, "bn") == {run_id}
        assert results["c3-manual"].result.outcome == "needs_review"
        assert results["c3-bo"].result.outcome == "not_applicable"
        assert results["c3-https"].result.outcome == "pass"     # decided by the check, from what was kept
        assert json.dumps(results["c3-https"].result.as_dict(), ensure_ascii=False)
        # the crawl's own scoring keeps its judgement by run (0016): read back as it was, whoever holds role A
        for c in criteria:
            portal_store.record_score(store, agency_id="bn", criterion_id=c.id, role="A", inspector="kiemtra",
                                      score=0, max_points=2, outcome="fail", reasons=[{"text": f"giữ {c.id}"}],
                                      source="crawl", run_id=run_id)
        with store.write_lock() as conn:   # a person takes c3-https's A: nothing of the crawl's judgement is lost
            portal_store.write_score(conn, portal_store.score_row(conn, "bn", "c3-https", "A"), agency_id="bn",
                                     criterion_id="c3-https", role="A", inspector="an", score=2, max_points=2,
                                     outcome="scored", reasons=[], source="browser", run_id=None, why="")
        assert {r["criterion_id"]: r["inspector"] for r in portal_store.scores(store, "bn")}["c3-https"] == "an"
        _, kept = portal_store.crawl_results(store, "bn", criteria, {})
        assert {k: (v.result.outcome, v.result.reasons[0].text) for k, v in kept.items()} == {
            c.id: ("fail", f"giữ {c.id}") for c in criteria}


# -- in the browser: the real `kiemtra serve`, a real Chromium, the demo world's portal really crawled --------
AGENCY = "bac-ninh"
XSS_NOTE = '<script>alert("ghi-chu")</script><b id="chen">đậm</b>'
XSS_REASON = '<img src=x onerror=alert("ly-do")> tìm kiếm chạy đúng khi thử lại'


@pytest.fixture(scope="module")
def scoring_server(workspace_data, tmp_path_factory):
    """This module's copy of the workspace store, bac-ninh's portal crawled by `kiemtra portal check` (the crawl
    holds role A), every role's user added, and `kiemtra serve` on it."""
    import shutil

    from tests.workspace_fixtures import PASSWORDS, Workspace, add_users, cli, start_server

    data = tmp_path_factory.mktemp("scoring-served") / "var"
    shutil.copytree(workspace_data["data"], data)
    crawled = cli(workspace_data["config"], "--data", str(data), "portal", "check", "--agency", AGENCY, "--no-browser",
                  env={"KIEMTRA_PORTAL_DOWNLOAD_DELAY_S": "0", "KIEMTRA_PORTAL_MAX_PAGES": "40"})
    assert crawled.returncode in (0, 1), crawled.stderr     # 1: the browser checks were left unverified
    add_users(workspace_data["config"], data)
    process, url, lines = start_server(workspace_data["config"], data)
    yield Workspace(url, data, dict(PASSWORDS), workspace_data["config"], dict(workspace_data["runs"]), process, lines)
    process.terminate()
    process.wait(timeout=10)


def _page_of(chromium, served, name: str):
    from tests.workspace_fixtures import sign_in

    context = chromium.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, served.base_url, name, served.passwords[name])
    return page


def _enter(page, criterion: str, role: str, score: str, note: str = "") -> None:
    form = page.locator(f"tr[id='{criterion}'] form.score-form")
    form.locator(f"input[name=role][value={role}]").check()
    form.locator("input[name=score]").fill(score)
    form.locator("input[name=note]").fill(note)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def _db(served):
    import sqlite3

    conn = sqlite3.connect(served.data_dir / "kiemtra.db")
    conn.row_factory = sqlite3.Row
    return conn


def _portal_run(served) -> str:
    with _db(served) as conn:
        return str(conn.execute("select run_id from portal_observations where agency_id = ?", [AGENCY]).fetchone()[0])


def test_two_inspectors_score_a_and_b_and_one_person_is_never_both(scoring_server, workspace_chromium):
    served, run_id = scoring_server, _portal_run(scoring_server)
    a = _page_of(workspace_chromium, served, "kiem-tra-a")
    a.goto(f"{served.base_url}/co-quan/{AGENCY}/cham-diem")
    assert "Chấm điểm tiêu chí" in a.inner_text("h1")
    search = a.locator("tr[id='c3-search']")
    assert run_id in search.inner_text() and "kiemtra" in search.locator("td.score-a").inner_text()  # the crawl's A
    _enter(a, "c3-search", "A", "5", XSS_NOTE)
    _enter(a, "c3-news", "A", "4", "đủ tin bài")
    row = a.locator("tr[id='c3-search']")
    assert XSS_NOTE in row.locator("td.score-a").inner_text()          # shown as text, never as markup
    assert a.locator("#chen").count() == 0 and a.dialogs == []
    assert "kiem-tra-a" in row.locator("td.score-a").inner_text()

    b = _page_of(workspace_chromium, served, "kiem-tra-b")
    b.goto(f"{served.base_url}/co-quan/{AGENCY}/cham-diem")
    _enter(b, "c3-search", "B", "1", "ô tìm kiếm trả về trang trống")
    _enter(b, "c3-news", "B", "4")
    assert "cần chấm lại" in b.locator("tr[id='c3-search'] td.state").inner_text()   # |5 − 1| > 25% of 5
    assert "điểm cuối 4" in b.locator("tr[id='c3-news'] td.state").inner_text()

    _enter(a, "c3-search", "B", "5")       # A may not also be B
    assert "không chấm cả A và B" in a.inner_text("#loi")
    _enter(b, "c3-search", "A", "2")       # nor B also A (over another person's A: test_one_person_is_never_both…)
    assert "không chấm cả A và B" in b.inner_text("#loi")
    with _db(served) as conn:
        stored = {(r["criterion_id"], r["role"]): (r["inspector"], r["score"], r["source"]) for r in
                  conn.execute("select * from portal_scores where agency_id = ? and criterion_id in"
                               " ('c3-search', 'c3-news')", [AGENCY])}
        audits = [dict(r) for r in conn.execute("select * from audit_log where subject_kind = 'portal_criterion'"
                                                " order by id")]
    assert stored[("c3-search", "A")] == ("kiem-tra-a", 5, "browser")
    assert stored[("c3-search", "B")] == ("kiem-tra-b", 1, "browser")
    assert [(x["user_name"], x["action"], x["subject_id"]) for x in audits] == [
        ("kiem-tra-a", "portal_score:A", f"{AGENCY}/c3-search"), ("kiem-tra-a", "portal_score:A", f"{AGENCY}/c3-news"),
        ("kiem-tra-b", "portal_score:B", f"{AGENCY}/c3-search"), ("kiem-tra-b", "portal_score:B", f"{AGENCY}/c3-news")]
    first = audits[0]
    assert json.loads(first["old_value"])["inspector"] == "kiemtra"          # the crawl's A it replaced
    assert json.loads(first["new_value"]) == {"score": 5, "inspector": "kiem-tra-a", "note": XSS_NOTE, "role": "A"}
    assert json.loads(first["evidence"]) == {"runs": [run_id]} and first["role"] == "inspector"
    for page in (a, b):
        page.context.close()


def test_the_appraiser_sees_the_disagreement_first_and_overrides_with_a_reason(scoring_server, workspace_chromium):
    served, run_id = scoring_server, _portal_run(scoring_server)
    page = _page_of(workspace_chromium, served, "tham-dinh")
    page.goto(f"{served.base_url}/tham-dinh-diem?co-quan={AGENCY}")
    tables = page.locator("table.appraisal")
    first_rows = tables.nth(0).locator("tr.criterion")
    assert first_rows.count() >= 1 and first_rows.nth(0).get_attribute("id") == f"{AGENCY}/c3-search"
    assert tables.nth(0).locator(f"tr[id='{AGENCY}/c3-news']").count() == 0     # agreeing: not sent back
    assert tables.nth(1).locator("tr.criterion").count() >= 1                   # the spot-check sample
    form = first_rows.nth(0).locator("form.appraise-form")
    form.locator("input[name=score]").fill("3")
    form.locator("input[name=reason]").fill("   ")           # a reason of spaces passes the browser, not the server
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "cần ghi lý do" in page.inner_text("#loi")
    form = page.locator(f"tr[id='{AGENCY}/c3-search'] form.appraise-form").first
    form.locator("input[name=score]").fill("3,5")
    form.locator("input[name=reason]").fill(XSS_REASON)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    row = page.locator(f"tr[id='{AGENCY}/c3-search']").first
    assert "điểm cuối 3.5" in row.locator("td.state").inner_text()
    assert XSS_REASON in row.locator("td.state").inner_text() and page.dialogs == []
    assert page.locator("img[src=x]").count() == 0
    with _db(served) as conn:
        audit_row = dict(conn.execute("select * from audit_log where action = 'portal_appraisal'").fetchone())
        appraised = dict(conn.execute("select * from review_appraisals where criterion_id = 'c3-search'").fetchone())
    assert (appraised["appraiser"], appraised["score"], appraised["reason"]) == ("tham-dinh", 3.5, XSS_REASON)
    assert audit_row["user_name"] == "tham-dinh" and audit_row["role"] == "appraiser"
    assert json.loads(audit_row["old_value"]) is None
    assert json.loads(audit_row["new_value"]) == {"score": 3.5, "appraiser": "tham-dinh", "reason": XSS_REASON}
    shown = json.loads(audit_row["evidence"])
    assert shown["runs"] == [run_id]
    assert (shown["scores_shown"]["A"]["score"], shown["scores_shown"]["B"]["score"]) == (5, 1)
    page.context.close()


def test_an_appraisal_from_a_stale_page_is_refused_and_one_may_be_withdrawn(scoring_server, workspace_chromium):
    served = scoring_server
    page = _page_of(workspace_chromium, served, "tham-dinh")
    page.goto(f"{served.base_url}/tham-dinh-diem?nhom=tinh")
    key = f"{AGENCY}/c3-news"
    assert page.locator("table.appraisal").nth(1).locator(f"tr[id='{key}']").count() == 1   # drawn for a spot check
    b = _page_of(workspace_chromium, served, "kiem-tra-b")
    b.goto(f"{served.base_url}/co-quan/{AGENCY}/cham-diem")
    _enter(b, "c3-news", "B", "3", "thiếu tin tháng này")           # changed after the appraiser opened the page
    form = page.locator(f"tr[id='{key}'] form.appraise-form")
    form.locator("input[name=score]").fill("2")
    form.locator("input[name=reason]").fill("tin cũ")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "đã thay đổi từ lúc bạn mở trang" in page.inner_text("#loi") and "nhom=tinh" in page.url
    for score, final in (("2", "điểm cuối 2"), ("-", "điểm cuối 3.5")):      # set, then withdrawn: the mean again
        page.goto(f"{served.base_url}/tham-dinh-diem?nhom=tinh")
        form = page.locator(f"tr[id='{key}'] form.appraise-form")
        form.locator("input[name=score]").fill(score)
        form.locator("input[name=reason]").fill("xem lại tin bài")
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        assert final in page.locator(f"tr[id='{key}'] td.state").inner_text()
    with _db(served) as conn:
        rows = [(json.loads(r[0]), json.loads(r[1])) for r in conn.execute(
            "select old_value, new_value from audit_log where action = 'portal_appraisal' and subject_id = ?"
            " order by id", [key])]
        assert conn.execute("select count(*) from review_appraisals where criterion_id = 'c3-news'").fetchone()[0] == 0
    assert [(old and old["score"], new["score"]) for old, new in rows] == [(None, 2), (2, None)]
    for opened in (page, b):
        opened.context.close()


def test_the_browsers_scores_flow_into_kiemtra_score(scoring_server):
    from configuration.loader import load_all
    from office.scoring import portal_figure

    served = scoring_server
    config = load_all(served.config_dir, {"data": str(served.data_dir)})
    with Store(served.data_dir) as store:
        figure = portal_figure(store, config, config.agency(AGENCY))
    assert "c3-search: 3.5/5" in figure.evidence and "c3-news: 3.5/4" in figure.evidence
    done = subprocess_cli(served, "review", "status", "--agency", AGENCY, "--json")
    rows = {r["criterion_id"]: r for r in map(json.loads, done.stdout.splitlines())}
    assert (rows["c3-search"]["a"], rows["c3-search"]["b"], rows["c3-search"]["final"]) == (5, 1, 3.5)
    assert rows["c3-search"]["rescore"] and rows["c3-news"]["final"] == 3.5


def subprocess_cli(served, *args: str):
    from tests.workspace_fixtures import cli

    done = cli(served.config_dir, "--data", str(served.data_dir), *args)
    assert done.returncode == 0, done.stderr
    return done


def test_a_viewer_reads_but_may_not_score_and_an_agency_user_may_not_look(scoring_server, workspace_chromium):
    served = scoring_server
    viewer = _page_of(workspace_chromium, served, "nguoi-xem")
    viewer.goto(f"{served.base_url}/cham-diem?nhom=tinh")
    assert "Chấm điểm cổng" in viewer.inner_text("header") and "Thẩm định điểm" in viewer.inner_text("header")
    cell = lambda name: viewer.locator(f"tr[id='{AGENCY}'] td.{name}").inner_text()  # noqa: E731
    # c3-search settled by the appraiser, c3-news agreed: two final, none sent back, the rest still without B
    assert (cell("final"), cell("rescore"), cell("points")) == ("2", "0", "7")
    assert int(cell("missing-b")) == int(cell("total")) - 2
    viewer.goto(f"{served.base_url}/co-quan/{AGENCY}/cham-diem")
    assert viewer.locator("tr[id='c3-search']").count() == 1 and viewer.locator("form.score-form").count() == 0
    viewer.goto(f"{served.base_url}/tham-dinh-diem")
    assert viewer.locator("form.appraise-form").count() == 0
    token = viewer.locator("input[name=csrf_token]").first.get_attribute("value")
    with _db(served) as conn:
        before = conn.execute("select count(*) from portal_scores").fetchone()[0], \
            conn.execute("select count(*) from audit_log").fetchone()[0]
    for path, form in ((f"/co-quan/{AGENCY}/cham-diem/c3-law", {"role": "B", "score": "1", "note": "x"}),
                       (f"/co-quan/{AGENCY}/tham-dinh/c3-law", {"score": "1", "reason": "x"})):
        answer = viewer.request.post(served.base_url + path, form={**form, "csrf_token": token or ""})
        assert answer.status == 403 and "Vai trò của bạn không được làm việc này" in answer.text()
    with _db(served) as conn:
        after = conn.execute("select count(*) from portal_scores").fetchone()[0], \
            conn.execute("select count(*) from audit_log").fetchone()[0]
    assert after == before
    agency = _page_of(workspace_chromium, served, "dai-dien-bac-ninh")
    for path in (f"/co-quan/{AGENCY}/cham-diem", "/tham-dinh-diem"):
        assert agency.goto(served.base_url + path).status == 403
    inspector = _page_of(workspace_chromium, served, "kiem-tra-a")
    answer = inspector.request.post(f"{served.base_url}/co-quan/{AGENCY}/cham-diem/c3-law",
                                    form={"role": "A", "score": "1"})          # no CSRF token
    assert answer.status == 400
    for page in (viewer, agency, inspector):
        page.context.close()
