"""The confirmation round in the workspace (R13, issue 18), through a real Chromium against the real
`kiemtra serve`: an agency disputes an item with an attachment, an inspector answers (a re-check queued) and
closes it with an outcome, the agency sees it; the XLSX import and the page make the same disputes rows; an
agency never reaches another's; a disguised attachment is refused; what people type is shown as text."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openpyxl import load_workbook

from evidence import confirmations, disputes
from evidence.recheck_requests import pending_recheck_requests
from evidence.store import Store
from tests.workspace_fixtures import PASSWORDS, cli, sign_in

YEAR = 2025
XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
NAME = '<img src=x onerror="alert(3)">"biên bản".pdf'   # a sent file's name (no "/": that would be a folder)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00 This program cannot be run in DOS mode.\r\n" + bytes(200)


@pytest.fixture(scope="module")
def served(workspace_server, tmp_path_factory) -> Any:
    """The workspace with the year scored and its confirmation sheets issued (`kiemtra report`), links at the server."""
    out = tmp_path_factory.mktemp("bao-cao")
    done = cli(workspace_server.config_dir, "--data", str(workspace_server.data_dir), "report", "--year", str(YEAR),
               "-o", str(out), "--evidence-url", workspace_server.base_url)
    assert done.returncode == 0, done.stderr
    workspace_server.reports = out
    return workspace_server


def store_of(served: Any) -> Store:
    return Store(served.data_dir)


def as_user(page: Any, served: Any, name: str) -> None:
    sign_in(page, served.base_url, name, PASSWORDS[name])


def csrf(page: Any) -> str:
    return str(page.locator("input[name=csrf_token]").first.get_attribute("value"))


def row(page: Any, key: str) -> Any:
    return page.locator(f'tr.item[data-key="{key}"]')


def dispute_item(page: Any, key: str, reason: str, files: list[dict[str, Any]] | None = None) -> None:
    line = row(page, key)
    line.locator("summary").click()   # the form is folded away under "Gửi ý kiến"
    line.locator("input[value=dispute]").check()
    line.locator("textarea[name=reason]").fill(reason)
    if files:
        line.locator("input[name=attachment]").set_input_files(files)
    with page.expect_navigation():
        line.locator("button[type=submit]").click()


def audit_rows(served: Any, action: str) -> list[dict[str, Any]]:
    with store_of(served) as store:
        return [{**r, "evidence": json.loads(r["evidence"]), "new_value": json.loads(r["new_value"])}
                for r in store.db.query("select * from audit_log where action = ? order by id", [action])]


def test_an_agency_disputes_with_an_attachment_an_inspector_answers_and_closes_and_the_agency_sees_it(
        served, workspace_page):
    page, service = workspace_page, "bac-ninh-003"
    key, other = f"service:{service}", "bac-ninh-001"
    as_user(page, served, "dai-dien-bac-ninh")
    page.goto(served.base_url + "/xac-nhan")
    assert page.url.endswith(f"/xac-nhan/{YEAR}/bac-ninh")
    assert "Xác nhận kết quả năm" in page.inner_text("h1")
    shown_run = served.runs[service]
    assert row(page, key).locator(f'a[href="/luot/{shown_run}"]').count() == 1   # its evidence, linked
    dispute_item(page, key, f"Dịch vụ đạt mức 4, bot không nộp được. {XSS}",
                 [{"name": NAME, "mimeType": "application/pdf", "buffer": PDF}])
    line = row(page, key)
    assert "không đồng ý" in line.inner_text() and "đang xử lý" in line.inner_text()
    assert XSS in line.locator(".reason").inner_text()          # shown as text, never run
    with store_of(served) as store:
        [opened] = [d for d in disputes.disputes_of(store, agency_id="bac-ninh") if d["item_key"] == key]
        assert opened["opened_by"] == "dai-dien-bac-ninh" and opened["attachment_name"] == NAME
        assert store.artifact_path(opened["attachment_sha256"]).read_bytes() == PDF
        queued = [r for r in pending_recheck_requests(store) if r["dispute_id"] == opened["id"]]
        assert [(r["kind"], r["target_id"]) for r in queued] == [("service", service)]
    [audited] = [a for a in audit_rows(served, "confirmation.dispute") if a["subject_id"] == f"{YEAR}/bac-ninh/{key}"]
    assert audited["user_name"] == "dai-dien-bac-ninh" and audited["evidence"]["runs"] == [shown_run]
    assert audited["evidence"]["artifacts"] == [opened["attachment_sha256"]]
    assert audited["new_value"]["recheck_requests"] == [queued[0]["id"]]

    page.context.clear_cookies()
    as_user(page, served, "kiem-tra-a")
    page.goto(served.base_url + "/khieu-nai")
    listed = page.locator(f'#open-disputes tr.dispute[data-id="{opened["id"]}"]')
    assert XSS in listed.locator(".reason").inner_text()
    assert listed.locator(".attachment-name").inner_text() == NAME
    listed.locator("a").first.click()
    page.wait_for_url(f"**/khieu-nai/{opened['id']}")
    assert page.locator("#attachment").inner_text() == NAME
    download = page.request.get(served.base_url + page.locator("#attachment").get_attribute("href"))
    assert download.body() == PDF and download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["x-content-type-options"] == "nosniff"
    page.fill("form.dispute-answer textarea[name=text]", f"Sẽ kiểm tra lại cả {other}. {XSS}")
    page.check("form.dispute-answer input[name=recheck]")
    with page.expect_navigation():
        page.click("form.dispute-answer button[type=submit]")
    assert XSS in page.locator(".answer-text .text").inner_text()
    with store_of(served) as store:
        [answer] = disputes.dispute_answers(store, opened["id"])
        requests = {r["id"]: r for r in pending_recheck_requests(store)}
        targets = [(requests[i]["kind"], requests[i]["target_id"]) for i in answer["recheck_requests"]]
    assert targets == [("service", service), ("service", other)]    # the disputed one (already waiting) and the named one
    assert page.locator("#rechecks").inner_text().count("dịch vụ") == 2 and "đang chờ" in page.locator("#rechecks").inner_text()
    page.select_option("form.dispute-close select[name=outcome]", "rechecked")
    page.fill("form.dispute-close input[name=note]", f"Đã kiểm tra lại; giữ mức 3. {XSS}")
    with page.expect_navigation():
        page.click("form.dispute-close button[type=submit]")
    assert "đã kiểm tra lại" in page.inner_text("#outcome") and XSS in page.inner_text("#outcome-note")
    assert page.locator("form.dispute-answer").count() == 0            # closed: nothing more to answer
    [closed] = [a for a in audit_rows(served, "dispute.close") if a["subject_id"] == str(opened["id"])]
    assert closed["user_name"] == "kiem-tra-a" and closed["new_value"] == {
        "outcome": "rechecked", "note": f"Đã kiểm tra lại; giữ mức 3. {XSS}"}
    assert closed["evidence"]["artifacts"] == [opened["attachment_sha256"]]
    assert [a["user_name"] for a in audit_rows(served, "dispute.answer")] == ["kiem-tra-a"]

    page.context.clear_cookies()
    as_user(page, served, "dai-dien-bac-ninh")
    page.goto(served.base_url + f"/xac-nhan/{YEAR}/bac-ninh")
    assert "đã kiểm tra lại" in row(page, key).inner_text()
    row(page, key).locator("a.dispute-link").click()
    page.wait_for_url(f"**/khieu-nai/{opened['id']}")
    assert XSS in page.locator(".answer-text .text").inner_text() and XSS in page.inner_text("#outcome-note")
    assert page.locator("form.dispute-close").count() == 0
    assert page.dialogs == []                                          # no typed script ever ran


def test_the_import_and_the_page_make_the_same_dispute_rows(served, workspace_page):
    page, key = workspace_page, "service:bo-tp-001"
    reason = "Dịch vụ đã có thanh toán trực tuyến; kiểm tra lại"
    as_user(page, served, "dai-dien-bo-tp")
    page.goto(served.base_url + f"/xac-nhan/{YEAR}/bo-tp")
    dispute_item(page, key, reason)
    # The agency agrees after all (closing its dispute), then sends the sheet back disputing the same row.
    line = row(page, key)
    line.locator("summary").click()
    line.locator("input[value=agree]").check()
    with page.expect_navigation():
        line.locator("button[type=submit]").click()
    sheet_path = served.reports / "xac-nhan" / f"xac-nhan-bo-tp-{YEAR}.xlsx"
    book = load_workbook(sheet_path)
    sheet = book["Xác nhận"]
    rows = {sheet.cell(r, 1).value: r for r in range(6, sheet.max_row + 1)}
    sheet.cell(rows[key], 7, "không đồng ý")
    sheet.cell(rows[key], 8, reason)
    book.save(sheet_path)
    done = cli(served.config_dir, "--data", str(served.data_dir), "confirm", "import", str(sheet_path))
    assert done.returncode == 0, done.stderr
    with store_of(served) as store:
        browser_row, import_row = [d for d in disputes.disputes_of(store, agency_id="bo-tp") if d["item_key"] == key]
        answers = confirmations.confirmations(store, YEAR)[("bo-tp", key)]
        requests = list(store.db.query("select * from recheck_requests where dispute_id = ?", [browser_row["id"]]))
    assert browser_row["outcome"] == disputes.AGREED and import_row["open"]
    same = ("kind", "year", "agency_id", "item_key", "note", "evidence", "service_id", "run_id", "attachment_sha256")
    assert {c: browser_row[c] for c in same} == {c: import_row[c] for c in same}
    assert browser_row["evidence"][-1] == f"{served.base_url}/dich-vu/bo-tp-001"
    assert (browser_row["opened_by"], import_row["opened_by"]) == ("dai-dien-bo-tp", "")
    assert (answers["answer"], answers["source_file"]) == ("dispute", sheet_path.name)
    # The browser's dispute queued the re-check; the import's found it still waiting, as the import always did.
    assert [(r["kind"], r["target_id"], r["status"]) for r in requests] == [("service", "bo-tp-001", "pending")]


def test_an_agency_never_reaches_another_agencys_items_or_disputes(served, workspace_page):
    page = workspace_page
    with store_of(served) as store:
        store_disputes = disputes.disputes_of(store, agency_id="bo-tp")
        if not store_disputes:
            confirmations.answer_item(store, year=YEAR, agency_id="bo-tp", item_key="service:bo-tp-001",
                                      answer="dispute", reason="sai", source_file="", row=None, evidence=[], targets=[])
            store_disputes = disputes.disputes_of(store, agency_id="bo-tp")
        theirs = store_disputes[-1]["id"]
    as_user(page, served, "dai-dien-bac-ninh")
    for path in (f"/khieu-nai/{theirs}", f"/khieu-nai/{theirs}/tep-dinh-kem", f"/xac-nhan/{YEAR}/bo-tp"):
        assert page.goto(served.base_url + path).status == 404, path
    page.goto(served.base_url + "/khieu-nai")
    assert page.locator(f'tr.dispute[data-id="{theirs}"]').count() == 0
    token = csrf(page)
    posted = page.request.post(served.base_url + f"/xac-nhan/{YEAR}/bo-tp", form={
        "csrf_token": token, "item_key": "service:bo-tp-001", "answer": "agree", "reason": ""})
    assert posted.status == 404
    # An agency user cannot answer or close any dispute, its own neither: that is the inspectors' part.
    with store_of(served) as store:
        mine = disputes.disputes_of(store, agency_id="bac-ninh")
    for target in (f"/khieu-nai/{theirs}/dong", f"/khieu-nai/{mine[0]['id']}/tra-loi"):
        assert page.request.post(served.base_url + target, form={"csrf_token": token, "outcome": "kept",
                                                                 "text": "x"}).status == 403


def test_a_disguised_attachment_is_refused_and_nothing_is_kept(served, workspace_page):
    page, key = workspace_page, "service:bac-ninh-002"
    as_user(page, served, "dai-dien-bac-ninh")
    page.goto(served.base_url + f"/xac-nhan/{YEAR}/bac-ninh")
    with store_of(served) as store:
        before = store.artifact_hashes()
    dispute_item(page, key, "Kèm biên bản", [{"name": "bien-ban.pdf", "mimeType": "application/pdf", "buffer": EXE}])
    assert "không phải PDF, PNG, JPG, XLSX hay DOCX" in page.inner_text("main")
    with store_of(served) as store:
        assert [d for d in disputes.disputes_of(store, agency_id="bac-ninh") if d["item_key"] == key] == []
        assert store.artifact_hashes() == before
    # A dispute needs its reason; the page says so and keeps nothing.
    page.goto(served.base_url + f"/xac-nhan/{YEAR}/bac-ninh")
    token = csrf(page)
    refused = page.request.post(served.base_url + f"/xac-nhan/{YEAR}/bac-ninh",
                                form={"csrf_token": token, "item_key": key, "answer": "dispute", "reason": " "})
    assert refused.status == 400 and "cần nêu lý do" in refused.text()
    # Evidence the page never showed for this item is refused too (the audit names only what was on screen).
    forged = page.request.post(served.base_url + f"/xac-nhan/{YEAR}/bac-ninh", form={
        "csrf_token": token, "item_key": key, "answer": "agree", "reason": "", "runs": served.runs["bo-tp-001"]})
    assert forged.status == 400


def test_a_viewer_and_a_missing_csrf_token_are_refused(served, workspace_page):
    page = workspace_page
    as_user(page, served, "nguoi-xem")
    page.goto(served.base_url + "/khieu-nai")
    assert page.locator("h1").inner_text() == "Khiếu nại"      # a viewer reads the disputes
    with store_of(served) as store:
        some = disputes.disputes_of(store)[0]["id"]
    page.goto(served.base_url + f"/khieu-nai/{some}")
    assert page.locator("form.dispute-answer").count() == 0
    token = csrf(page)
    assert page.request.post(served.base_url + f"/khieu-nai/{some}/tra-loi",
                             form={"csrf_token": token, "text": "x"}).status == 403
    assert page.request.post(served.base_url + f"/xac-nhan/{YEAR}/bac-ninh",
                             form={"csrf_token": token, "item_key": "service:bac-ninh-003", "answer": "agree"}).status == 403
    page.context.clear_cookies()
    as_user(page, served, "kiem-tra-b")
    page.goto(served.base_url + "/khieu-nai")
    assert page.request.post(served.base_url + f"/khieu-nai/{some}/tra-loi", form={"text": "x"}).status == 400
    assert page.request.post(served.base_url + f"/khieu-nai/{some}/tra-loi",
                             form={"text": "x", "csrf_token": "sai"}).status == 400
    with store_of(served) as store:
        assert [a for a in disputes.dispute_answers(store, some) if a["answered_by"] in ("nguoi-xem", "kiem-tra-b")] == []


def test_an_attachment_over_the_limit_is_refused(served, workspace_page):
    page, key = workspace_page, "service:bac-ninh-004"
    as_user(page, served, "dai-dien-bac-ninh")
    # Just over the 10 MB default: the page refuses the file; far over it: the server refuses the request body.
    for size, words in ((10 * 2**20 + 2**19, "Tệp đính kèm lớn quá 10 MB"), (12 * 2**20, "Tệp gửi lên lớn quá 10 MB")):
        page.goto(served.base_url + f"/xac-nhan/{YEAR}/bac-ninh")
        dispute_item(page, key, "Kèm biên bản lớn", [{"name": "lon.pdf", "mimeType": "application/pdf",
                                                      "buffer": PDF + bytes(size)}])
        assert words in page.inner_text("main")
    with store_of(served) as store:
        assert [d for d in disputes.disputes_of(store, agency_id="bac-ninh") if d["item_key"] == key] == []
