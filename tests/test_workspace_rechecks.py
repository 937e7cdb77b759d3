"""Re-check requests in the browser (issue 18, part C): Chromium signed in against the real `kiemtra serve`, a
real `kiemtra crawl` (demo world, bhxh) answering the request; roles, CSRF, the agency scope and XSS."""

from __future__ import annotations

import subprocess

import pytest

from evidence import audit, recheck_requests
from evidence.store import Store
from tests.workspace_fixtures import CLI, cli, sign_in

XSS = "<script>alert('lý do')</script><img src=x onerror=alert(1)>\"&amp;"
AGENCIES = [{"id": "bhxh", "name": "BHXH", "group": "cqtcp", "portal": "http://127.0.0.1:1/",
             "services": [{"id": "bhxh-001", "name": "Cấp lại sổ", "url": "http://127.0.0.1:1/1", "declared_level": 2}]},
            {"id": "bac-ninh", "name": "Bắc Ninh", "group": "tinh", "portal": "http://127.0.0.1:2/", "services": []}]


# -- in-process (Flask's client over a real store): each refusal names what to fix --------------------------
@pytest.fixture()
def served(tmp_path):
    from evidence import agencies, people, portal, runs

    store = Store(tmp_path / "var")
    agencies.sync(store, AGENCIES)
    run_id = runs.start(store, "service", "bhxh-001", "bhxh")
    portal_run = runs.start(store, "portal", "bac-ninh", "bac-ninh")
    for agency_id in ("bhxh", "bac-ninh"):
        portal.record_score(store, agency_id=agency_id, criterion_id="c3-fresh", role="A", inspector="kiemtra",
                            score=5, max_points=5, outcome="pass", source="crawl", run_id=portal_run)

    def client(role: str, agency: str | None = None):
        from evidence.web import create_app

        user = people.find_user(store, f"u-{role}") or people.add_user(store, f"u-{role}", role, "mat-khau-dai-1",
                                                                          agency_id=agency)
        token, session = people.open_session(store, user, hours=1)
        made = create_app(store.data_dir, secure_cookies=False).test_client()
        made.set_cookie("kiemtra_session", token)
        return made, session.csrf_token

    yield store, client, run_id, portal_run
    store.close()


def test_refusals_in_process_name_the_fix_and_store_nothing(served):
    store, client, run_id, portal_run = served
    inspector, csrf = client("inspector")
    ask = "/kiem-tra-lai/dich-vu/bhxh-001"
    assert inspector.post(ask, data={"csrf_token": csrf, "reason": "  ", "runs": run_id}).status_code == 400
    assert "Cần ghi lý do" in inspector.post(ask, data={"csrf_token": csrf, "runs": run_id}).text
    assert inspector.post(ask, data={"csrf_token": csrf, "reason": "x" * 2001}).status_code == 400
    assert inspector.post(ask, data={"csrf_token": csrf, "reason": "r", "runs": portal_run}).status_code == 400
    assert inspector.post(ask, data={"csrf_token": csrf, "reason": "r", "runs": "không-có"}).status_code == 400
    assert inspector.post("/kiem-tra-lai/dich-vu/khong-co", data={"csrf_token": csrf, "reason": "r"}).status_code == 404
    criterion = "/kiem-tra-lai/tieu-chi/bhxh/c3-fresh"
    assert inspector.post(criterion, data={"csrf_token": csrf, "reason": "r", "runs": run_id}).status_code == 400
    assert inspector.post("/kiem-tra-lai/tieu-chi/bhxh/c9-khong", data={"csrf_token": csrf, "reason": "r"}).status_code == 404
    assert inspector.get("/kiem-tra-lai?state=bogus").status_code == 400
    assert inspector.get("/kiem-tra-lai/tieu-chi/bhxh?ma=c9-khong").status_code == 404
    assert inspector.get("/kiem-tra-lai/tieu-chi/bhxh").status_code == 404
    assert recheck_requests.requests(store) == []

    answer = inspector.post(ask, data={"csrf_token": csrf, "reason": "r", "runs": run_id})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/dich-vu/bhxh-001#kiem-tra-lai")
    (request,) = recheck_requests.requests(store)
    cancel = f"/kiem-tra-lai/{request['id']}/huy"
    assert inspector.post(cancel, data={"csrf_token": csrf, "reason": ""}).status_code == 400
    assert inspector.post(cancel, data={"csrf_token": csrf, "reason": "nhầm", "back": "list"}).headers[
        "Location"].endswith("/kiem-tra-lai")
    assert inspector.post(cancel, data={"csrf_token": csrf, "reason": "lần hai"}).status_code == 409
    assert [h["action"] for h in audit.history(store)] == ["recheck.cancel", "recheck.request"]


def test_an_agency_user_reads_only_its_own_agency_s_requests_in_process(served):
    store, client, run_id, portal_run = served
    inspector, csrf = client("inspector")
    for path, runs_shown in (("/kiem-tra-lai/tieu-chi/bhxh/c3-fresh", ""),
                             ("/kiem-tra-lai/tieu-chi/bac-ninh/c3-fresh", portal_run)):
        assert inspector.post(path, data={"csrf_token": csrf, "reason": "r", "runs": runs_shown}).status_code == 303
    agency, agency_csrf = client("agency", "bac-ninh")
    listed = agency.get("/kiem-tra-lai?agency=bhxh").text
    assert "bac-ninh/c3-fresh" in listed and "bhxh/c3-fresh" not in listed
    assert agency.get("/kiem-tra-lai/tieu-chi/bhxh?ma=c3-fresh").status_code == 404
    assert agency.get("/kiem-tra-lai/tieu-chi/bac-ninh?ma=c3-fresh").status_code == 200
    assert agency.post("/kiem-tra-lai/tieu-chi/bac-ninh/c3-fresh",
                       data={"csrf_token": agency_csrf, "reason": "r"}).status_code == 403
    assert 'id="ask-recheck"' not in agency.get("/kiem-tra-lai/tieu-chi/bac-ninh?ma=c3-fresh").text
    page = inspector.get("/kiem-tra-lai/tieu-chi/bac-ninh?ma=c3-fresh").text
    assert 'id="ask-recheck"' in page and "5/5" in page and "chờ lần kiểm tra cổng tiếp theo" in page


# -- through Chromium against `kiemtra serve` and a real crawl ---------------------------------------------


def _ask(page, reason: str) -> None:
    page.fill("form.recheck-ask textarea[name=reason]", reason)
    with page.expect_navigation():
        page.click("#ask-recheck")


def _csrf(page) -> str:
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert token
    return token


@pytest.mark.e2e
def test_an_inspector_asks_for_a_rerun_and_the_next_crawl_answers_it(workspace_server, workspace_page):
    ws, page = workspace_server, workspace_page
    old_run = ws.runs["bhxh-003"]
    sign_in(page, ws.base_url, "kiem-tra-a", ws.passwords["kiem-tra-a"])
    page.goto(ws.base_url + "/dich-vu/bhxh-003")
    assert "chờ lần thu thập tiếp theo" in page.inner_text("#kiem-tra-lai .hint")
    _ask(page, XSS)
    item = page.locator("#kiem-tra-lai li.recheck-request").first
    assert "đang chờ — chờ lần thu thập tiếp theo" in " ".join(item.inner_text().split())
    assert item.locator(".recheck-reason").inner_text() == XSS            # shown as text, never as markup
    assert page.locator("img[src=x]").count() == 0 and page.dialogs == []

    page.goto(ws.base_url + "/kiem-tra-lai")
    row = page.locator("tr.recheck-request").first
    assert row.locator(".recheck-reason").inner_text() == XSS and "đang chờ" in row.inner_text()
    assert page.dialogs == []

    crawl = subprocess.Popen([*CLI, "--config", str(ws.config_dir), "--data", str(ws.data_dir), "crawl", "--agency",
                              "bhxh", "--only-queued"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: list[str] = []   # the request's state as the page shows it while the crawl runs
    while crawl.poll() is None:
        page.goto(ws.base_url + "/dich-vu/bhxh-003")
        word = page.locator("#kiem-tra-lai li.recheck-request .recheck-state").first.inner_text()
        if not seen or seen[-1] != word:
            seen.append(word)
        page.wait_for_timeout(250)   # a person pressing reload, not a busy loop beside the crawl
    out, err = crawl.communicate(timeout=60)
    assert crawl.returncode == 0, out + err
    assert "theo yêu cầu" in out
    assert "đang chạy" in seen and seen == sorted(seen, key=["đang chờ", "đang chạy", "đã xong"].index), seen

    page.goto(ws.base_url + "/dich-vu/bhxh-003")
    item = page.locator("#kiem-tra-lai li.recheck-request").first
    assert "đã xong" in item.inner_text()
    link = item.locator("a.recheck-run")
    new_run = (link.get_attribute("href") or "").rsplit("/", 1)[-1]
    assert new_run and new_run != old_run
    assert "theo báo cáo (R8)" in item.locator(".recheck-verdict").inner_text()   # the new verdict: SSO, by report
    with page.expect_navigation():
        link.click()
    assert new_run in page.url and page.locator("main").inner_text()

    with Store(ws.data_dir) as store:
        rows = [r for r in recheck_requests.requests(store, target_id="bhxh-003")]
        assert [(r["status"], r["run_id"], r["requested_by"], r["reason"]) for r in rows] == [
            ("done", new_run, "kiem-tra-a", XSS)]
        asked = [h for h in audit.history(store, subject_kind="service", subject_id="bhxh-003")
                 if h["action"] == "recheck.request"]
        assert len(asked) == 1
        assert (asked[0]["user_name"], asked[0]["role"]) == ("kiem-tra-a", "inspector")
        assert asked[0]["evidence"] == {"runs": [old_run]}                # what the page showed when it was asked
        assert asked[0]["new_value"]["reason"] == XSS


@pytest.mark.e2e
def test_a_viewer_cannot_ask_and_an_agency_user_sees_only_its_own_requests(workspace_server, workspace_chromium):
    ws = workspace_server
    for name in ("nguoi-xem", "dai-dien-bac-ninh"):
        context = workspace_chromium.new_context()
        page = context.new_page()
        try:
            sign_in(page, ws.base_url, name, ws.passwords[name])
            page.goto(ws.base_url + "/dich-vu/bac-ninh-003")
            assert page.locator("#ask-recheck").count() == 0              # no button for them ...
            refused = page.request.post(ws.base_url + "/kiem-tra-lai/dich-vu/bac-ninh-003", max_redirects=0,
                                        form={"csrf_token": _csrf(page), "reason": "thử", "runs": ""})
            assert refused.status == 403                                   # ... and the server refuses the POST
            assert "Vai trò của bạn không được làm việc này." in refused.text()
            if name == "dai-dien-bac-ninh":
                page.goto(ws.base_url + "/kiem-tra-lai?agency=bhxh")      # asking for another agency: its own only
                assert all(cell.inner_text() == "bac-ninh"
                           for cell in page.locator("tr.recheck-request td:nth-child(4)").all())
        finally:
            context.close()
    with Store(ws.data_dir) as store:
        assert recheck_requests.requests(store, target_id="bac-ninh-003") == []


@pytest.mark.e2e
def test_a_post_without_or_with_a_wrong_csrf_token_is_refused_and_a_request_can_be_cancelled(workspace_server,
                                                                                              workspace_page):
    ws, page = workspace_server, workspace_page
    sign_in(page, ws.base_url, "tham-dinh", ws.passwords["tham-dinh"])
    page.goto(ws.base_url + "/dich-vu/bo-tp-001")
    for form in ({"reason": "không có mã"}, {"reason": "sai mã", "csrf_token": "x" * 32}):
        refused = page.request.post(ws.base_url + "/kiem-tra-lai/dich-vu/bo-tp-001", form=form, max_redirects=0)
        assert refused.status == 400 and "CSRF" in refused.text()
    stranger = page.request.post(ws.base_url + "/kiem-tra-lai/dich-vu/bo-tp-001", max_redirects=0,
                                 form={"csrf_token": _csrf(page), "reason": "lượt lạ", "runs": ws.runs["bhxh-003"]})
    assert stranger.status == 400                                          # a run of another service as "evidence"
    with Store(ws.data_dir) as store:
        assert recheck_requests.requests(store, target_id="bo-tp-001") == []

    _ask(page, "cơ quan phản ánh đã sửa cổng xác thực")
    page.fill("form.recheck-cancel input[name=reason]", "<b>nhầm</b> dịch vụ")
    with page.expect_navigation():
        page.click("form.recheck-cancel button[type=submit]")
    item = page.locator("#kiem-tra-lai li.recheck-request").first
    assert "đã hủy" in item.inner_text() and item.locator(".recheck-note").inner_text() == "<b>nhầm</b> dịch vụ"
    assert page.locator("#kiem-tra-lai b").count() == 0
    with Store(ws.data_dir) as store:
        actions = [h["action"] for h in audit.history(store, subject_kind="service", subject_id="bo-tp-001")]
        assert actions[:2] == ["recheck.cancel", "recheck.request"]


@pytest.mark.e2e
def test_a_criterion_request_waits_for_the_next_portal_check_which_answers_it(workspace_server, workspace_page):
    from evidence import portal

    ws, page = workspace_server, workspace_page
    with Store(ws.data_dir) as store:   # inspector B's score, as `kiemtra review import` keeps it: no run
        portal.record_score(store, agency_id="bhxh", criterion_id="c3-sitemap", role="B", inspector="kiem-tra-b",
                            score=0, max_points=4, outcome="fail", source="import", why="không thấy sơ đồ cổng")
    sign_in(page, ws.base_url, "kiem-tra-b", ws.passwords["kiem-tra-b"])
    page.goto(ws.base_url + "/kiem-tra-lai/tieu-chi/bhxh?ma=c3-sitemap")
    _ask(page, "hai cán bộ chấm lệch nhau")
    item = page.locator("#kiem-tra-lai li.recheck-request").first
    assert "chờ lần kiểm tra cổng tiếp theo" in item.inner_text()

    done = cli(ws.config_dir, "--data", str(ws.data_dir), "portal", "check", "--agency", "bhxh", "--no-browser")
    assert "Đã chấm lại 1 tiêu chí" in done.stdout, done.stdout + done.stderr

    page.reload()
    item = page.locator("#kiem-tra-lai li.recheck-request").first
    assert "đã xong" in item.inner_text() and "4/4 điểm" in item.locator(".recheck-verdict").inner_text()
    with Store(ws.data_dir) as store:
        (row,) = recheck_requests.requests(store, kind="criterion", target_id="bhxh/c3-sitemap")
        assert row["status"] == "done" and row["run_id"] and row["requested_by"] == "kiem-tra-b"
        assert [h["action"] for h in audit.history(store, subject_kind="criterion", subject_id="bhxh/c3-sitemap")] == [
            "recheck.request"]
