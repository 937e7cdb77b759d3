"""Judging by-report services (R8) in the workspace, the audit history, and each role's limits, through a
real Chromium against the real `kiemtra serve` over real checks of the demo world (issue 18)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.workspace_fixtures import sign_in

pytestmark = pytest.mark.e2e
XSS = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


@pytest.fixture()
def page(workspace_page):
    return workspace_page


def rows(data: Path, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    with sqlite3.connect(data / "kiemtra.db") as db:
        db.row_factory = sqlite3.Row
        return list(db.execute(sql, params))


def test_an_inspector_judges_a_by_report_service_looking_at_its_screenshots_and_video(workspace_server, page):
    base, data, passwords = workspace_server
    run_id = workspace_server.runs["bo-tp-001"]
    sign_in(page, base, "kiem-tra-a", passwords["kiem-tra-a"])
    page.click("header a[href='/tham-dinh']")
    counts = {r["agency_id"]: r for r in rows(data, "select agency_id from verdicts v join runs r on r.id = v.run_id"
                                                    " where v.mode = 'by_report'")}
    assert {"bo-tp", "bhxh"} <= set(counts)                               # the bot met the gates: R8 by its own steps
    page.click("a[href='/co-quan/bo-tp/tham-dinh']")
    item = page.locator("#dv-bo-tp-001")
    assert item.locator(f"a.run-link[href='/luot/{run_id}']").count() == 1
    page.wait_for_function("() => [...document.querySelectorAll('#dv-bo-tp-001 .shots img')]"
                           ".every(i => i.complete && i.naturalWidth > 50)")
    shots = item.locator(".shots img").count()
    assert shots >= 1 and item.locator("video").count() == 1
    item.locator("video").evaluate("v => { v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.querySelector('#dv-bo-tp-001 video').currentTime > 0.2", timeout=15000)

    # A rejection needs a reason: refused by the server, nothing written.
    item.locator("input[value=reject]").check()
    with page.expect_navigation():
        item.locator("button[type=submit]").click()
    assert "Cần ghi lý do" in page.inner_text("main")
    assert rows(data, "select * from judgements") == [] and rows(data, "select * from audit_log") == []

    page.go_back()
    item = page.locator("#dv-bo-tp-001")
    item.locator("input[value=accept]").check()
    item.locator("textarea[name=reason]").fill("Cảm quan dịch vụ hoạt động " + XSS)
    with page.expect_navigation():
        item.locator("button[type=submit]").click()
    assert "Đã ghi thẩm định dịch vụ bo-tp-001" in page.inner_text("#done")
    assert page.locator("#dv-bo-tp-001 .last-judgement").count() == 1      # now among the judged, not pending

    (judgement,) = rows(data, "select * from judgements")
    assert (judgement["service_id"], judgement["run_id"], judgement["accepted"], judgement["inspector"]) == \
        ("bo-tp-001", run_id, 1, "kiem-tra-a")
    (entry,) = rows(data, "select * from audit_log")
    assert (entry["user_name"], entry["role"], entry["action"], entry["subject_kind"], entry["subject_id"],
            entry["agency_id"], entry["remote_addr"]) == \
        ("kiem-tra-a", "inspector", "judge", "service", "bo-tp-001", "bo-tp", "127.0.0.1")
    assert json.loads(entry["old_value"]) == {"recognition": "pending_judgement", "judgement": None}
    assert json.loads(entry["new_value"]) == {"accepted": True, "reason": "Cảm quan dịch vụ hoạt động " + XSS,
                                              "run_id": run_id}
    shown = json.loads(entry["evidence"])
    step_shots = [r["screenshot_sha256"] for r in rows(data, "select screenshot_sha256 from steps where run_id = ?"
                                                           " and screenshot_sha256 is not null order by seq", (run_id,))]
    video = [r["sha256"] for r in rows(data, "select sha256 from run_artifacts where run_id = ? and role = 'video'", (run_id,))]
    assert shown == {"runs": [run_id], "artifacts": step_shots + video} and len(step_shots) == shots

    # The service page shows the judgement's history, the audit page the action: the reason as text.
    page.goto(f"{base}/dich-vu/bo-tp-001")
    assert "được công nhận" in page.inner_text("main")                      # its recognition, decided by the judgement
    assert XSS in page.inner_text("#judgements .reason")
    page.click("header a[href='/nhat-ky']")
    assert json.loads(page.inner_text("#audit .new"))["reason"].endswith(XSS)   # JSON text, shown as the text it is
    assert run_id in page.inner_text("#audit .evidence")
    assert page.evaluate("() => window.__pwned") is None and page.dialogs == []


def test_a_judgement_names_the_run_the_page_showed(workspace_server, page):
    base, data, passwords = workspace_server
    sign_in(page, base, "tham-dinh", passwords["tham-dinh"])
    page.goto(f"{base}/co-quan/bhxh/tham-dinh")
    item = page.locator("#dv-bhxh-003")
    item.locator("input[name=run_id]").evaluate("i => i.value = 'mot-luot-khac'")   # a stale or forged run id
    item.locator("input[value=accept]").check()
    with page.expect_navigation():
        item.locator("button[type=submit]").click()
    assert "tải lại trang" in page.inner_text("main")
    assert rows(data, "select * from judgements where service_id = 'bhxh-003'") == []
    page.goto(f"{base}/co-quan/bhxh/tham-dinh")
    item = page.locator("#dv-bhxh-003")
    item.locator("input[value=reject]").check()
    item.locator("textarea[name=reason]").fill("Không đăng nhập được bằng VNeID để nộp hồ sơ")
    with page.expect_navigation():
        item.locator("button[type=submit]").click()
    (judgement,) = rows(data, "select * from judgements where service_id = 'bhxh-003'")
    assert judgement["accepted"] == 0 and judgement["inspector"] == "tham-dinh"
    assert judgement["run_id"] == workspace_server.runs["bhxh-003"]
    assert rows(data, "select role from audit_log where subject_id = 'bhxh-003'")[0]["role"] == "appraiser"


def test_a_viewers_post_is_refused_and_writes_nothing(workspace_server, page):
    base, data, passwords = workspace_server
    sign_in(page, base, "nguoi-xem", passwords["nguoi-xem"])
    assert page.locator("header a[href='/tham-dinh']").count() == 0       # not offered
    assert page.request.get(f"{base}/tham-dinh").status == 403
    page.goto(f"{base}/nhat-ky")                                          # but the history is readable
    assert page.locator("h1").inner_text() == "Nhật ký thao tác"
    before = (len(rows(data, "select * from judgements")), len(rows(data, "select * from audit_log")))
    csrf = page.locator("header form input[name=csrf_token]").input_value()
    # The page's own CSP forbids a script's fetch; the context's request API sends the session cookie as the form would.
    response = page.request.post(f"{base}/dich-vu/bhxh-003/tham-dinh", form={
        "csrf_token": csrf, "decision": "accept", "reason": "x", "run_id": workspace_server.runs["bhxh-003"]})
    answer = (response.status, response.text())
    assert answer[0] == 403 and "Vai trò của bạn không được làm việc này." in answer[1]
    assert (len(rows(data, "select * from judgements")), len(rows(data, "select * from audit_log"))) == before


def test_an_agency_user_cannot_read_another_agencys_evidence_by_changing_the_url(workspace_server, page):
    base, data, passwords = workspace_server
    mine, theirs = workspace_server.runs["bac-ninh-003"], workspace_server.runs["bo-tp-001"]

    def first_shot(run_id: str) -> str:
        return rows(data, "select screenshot_sha256 from steps where run_id = ? and screenshot_sha256 is not null"
                          " order by seq limit 1", (run_id,))[0][0]

    sign_in(page, base, "dai-dien-bac-ninh", passwords["dai-dien-bac-ninh"])
    page.goto(base + "/")
    assert "Bắc Ninh" in page.inner_text("main") and "Bộ Tư pháp" not in page.inner_text("main")
    own = ["/co-quan/bac-ninh", "/dich-vu/bac-ninh-003", f"/luot/{mine}", f"/luot/{mine}/buoc/1",
           f"/blob/{first_shot(mine)}", f"/thumb/{first_shot(mine)}.jpg", f"/xuat/{mine}.zip"]
    other = ["/co-quan/bo-tp", "/dich-vu/bo-tp-001", f"/luot/{theirs}", f"/luot/{theirs}/buoc/1",
             f"/blob/{first_shot(theirs)}", f"/thumb/{first_shot(theirs)}.jpg", f"/xuat/{theirs}.zip",
             "/xuat/bo-tp-001.zip", f"/luot/{theirs}/wacz", "/co-quan/bo-tp/nhat-ky"]
    sealed = {r[0] for r in rows(data, "select run_id from manifests")}
    for path in own:
        if path.startswith("/xuat/") and mine not in sealed:
            continue
        assert page.request.get(base + path).status == 200, path
    for path in other:
        response = page.request.get(base + path)
        assert response.status == 404, path                               # not 403: its existence is not confirmed
        assert "Bộ Tư pháp" not in response.text() if "text" in response.headers.get("content-type", "") else True
    page.goto(f"{base}/luot?agency=bo-tp")
    assert theirs not in page.inner_text("main")
    page.goto(f"{base}/luot")
    assert mine in page.content() and theirs not in page.content()
    assert page.request.get(f"{base}/co-quan/bo-tp/tham-dinh").status == 403   # an agency never judges
    page.goto(f"{base}/nhat-ky")
    agencies_seen = {r.inner_text() for r in page.locator("#audit .audit-row small").all()} - {"(đại diện cơ quan)"}
    assert not any("bo-tp" in seen or "bhxh" in seen for seen in agencies_seen)


def test_an_inspector_sees_every_agency(workspace_server, page):
    base, _, passwords = workspace_server
    sign_in(page, base, "kiem-tra-b", passwords["kiem-tra-b"])
    theirs = workspace_server.runs["bo-tp-001"]
    for path in ("/co-quan/bo-tp", f"/luot/{theirs}", "/co-quan/bac-ninh", "/co-quan/bo-tp/nhat-ky"):
        assert page.request.get(base + path).status == 200, path


def test_a_judgement_without_its_csrf_token_is_refused(workspace_server, page):
    base, data, passwords = workspace_server
    sign_in(page, base, "kiem-tra-a", passwords["kiem-tra-a"])
    before = len(rows(data, "select * from judgements"))
    for token in ({}, {"csrf_token": "sai"}):
        response = page.request.post(f"{base}/dich-vu/bhxh-003/tham-dinh", form={
            **token, "decision": "accept", "reason": "x", "run_id": workspace_server.runs["bhxh-003"]})
        assert response.status == 400 and "Thiếu hoặc sai mã chống giả mạo (CSRF)" in response.text()
    assert len(rows(data, "select * from judgements")) == before


def test_every_page_that_names_an_agency_a_service_a_run_or_a_file_hides_another_agencys(workspace_server, page):
    """Walks every GET route of the app (the other parts' Blueprints too): with another agency's ids in the URL,
    an agency user gets 404 (or 403 where the role itself may not), never the page."""
    from evidence.web import create_app

    base, data, passwords = workspace_server
    theirs = workspace_server.runs["bo-tp-001"]
    shot = rows(data, "select screenshot_sha256 from steps where run_id = ? and screenshot_sha256 is not null"
                      " order by seq limit 1", (theirs,))[0][0]
    values = {"agency_id": "bo-tp", "service_id": "bo-tp-001", "run_id": theirs, "sha256": shot, "ident": theirs, "seq": 1}
    values.update(year=2025, dispute_id=1)   # confirmation.py (part E): a year, a dispute id (its own test opens bo-tp's)
    values.update(group="tinh", issue="2025-x", name="bao-cao.html")   # views.py: the ranking and the reports (403)
    app = create_app(data)
    sign_in(page, base, "dai-dien-bac-ninh", passwords["dai-dien-bac-ninh"])
    walked = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.arguments or rule.endpoint == "static":
            continue
        if not rule.arguments <= values.keys():
            pytest.fail(f"{rule.rule}: add a value for {sorted(rule.arguments - values.keys())} to this test")
        with app.test_request_context():
            from flask import url_for

            path = url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})
        status = page.request.get(base + path).status
        assert status in (403, 404), (path, status)
        walked.append(path)
    assert len(walked) >= 10, walked
