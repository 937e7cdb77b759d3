"""The workspace's pictures (evidence/web/views.py) in a real Chromium against `kiemtra serve`: an agency's
services by recognition state, a run's timeline, two runs side by side around a dispute, a group's ranking
as an SVG chart, the final report issued and downloaded; an agency user kept to its own agency; hostile
text in a stored step shown as text. The pure pieces (alignment, default pair, bars) are tested first."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from checks.recognition import STATUSES, Recognition
from configuration.criteria import load_criteria
from configuration.loader import load_all as load_config
from crawler.browser.launch import chromium
from crawler.visits.service import check_service
from evidence import audit, disputes, matches, runs
from evidence import portal as portal_store
from evidence.recognition import recognitions
from evidence.seal.signing import Signer
from evidence.store import Store
from evidence.web import create_app, queries, views
from office.scoring import run_scoring
from tests.evidence_helpers import make_store, png
from tests.workspace_fixtures import PASSWORDS, add_users, sign_in, start_server

YEAR = 2025
HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
SERVICE = "bac-ninh-003"
# Portal scores (share of each criterion's maximum) given to three provinces, so the ranking is not alphabetical.
PORTAL_SHARE = {"quang-ninh": 1.0, "bac-ninh": 0.5, "can-tho": 0.25}
NAMES = {"inspector": "kiem-tra-a", "appraiser": "tham-dinh", "viewer": "nguoi-xem", "agency": "dai-dien-bac-ninh"}


# ---- the pure pieces -------------------------------------------------------------------------------------------

def _steps(*names: str) -> list[dict]:
    return [{"seq": i, "name": name} for i, name in enumerate(names, 1)]


def test_steps_align_by_name_and_occurrence():
    rows = views.align(_steps("open", "register", "open", "submit"), _steps("open", "login", "open", "pay"))
    assert [(name, a and a["seq"], b and b["seq"]) for name, a, b in rows] == [
        ("open", 1, 1), ("register", 2, None), ("login", None, 2), ("open", 3, 3), ("submit", 4, None), ("pay", None, 4)]


def test_default_pair_is_around_the_newest_dispute_else_the_two_newest():
    runs_ = [{"id": f"r{i}", "started_at": f"2025-01-0{i}T00:00:00Z"} for i in range(1, 5)]
    assert views.default_pair(runs_, None) == ("r3", "r4")
    assert views.default_pair(runs_, {"opened_at": "2025-01-02T12:00:00Z", "run_id": None}) == ("r2", "r3")
    assert views.default_pair(runs_, {"opened_at": "2025-01-03T12:00:00Z", "run_id": "r1"}) == ("r1", "r4")
    assert views.default_pair(runs_, {"opened_at": "2026-01-01T00:00:00Z", "run_id": None}) == ("r3", "r4")
    assert views.default_pair(runs_[:1], None) == ("r1", None) and views.default_pair([], None) == (None, None)


def test_bars_are_as_tall_as_the_index_in_rank_order_exempt_left_out():
    rows = [{"idx": 0.9, "exempt": 0}, {"idx": 0.3, "exempt": 0}, {"idx": None, "exempt": 1}]
    drawn = views.bars(rows)
    assert [b.height for b in drawn] == [views.PLOT_HEIGHT * 0.9, views.PLOT_HEIGHT * 0.3]
    assert all(b.y + b.height == views.TOP + views.PLOT_HEIGHT for b in drawn) and drawn[0].x < drawn[1].x


def test_every_state_is_listed_even_when_empty():
    decided = {"a": Recognition("a", "recognized", 4, "x"), "b": Recognition("b", "pending_retry", None, "y")}
    groups = views.by_state([{"id": "a"}, {"id": "b"}, {"id": "c"}], decided)
    assert [g.status for g in groups] == list(STATUSES)
    assert {g.status: [s["id"] for s in g.services] for g in groups if g.services} == {"recognized": ["a"],
                                                                                        "pending_retry": ["b"]}


def test_without_users_the_pictures_read_on_loopback_and_nothing_is_issued(tmp_path):
    """No users yet: the guard's read-only mode (loopback) shows every picture; the report cannot be issued."""
    store, ids = make_store(tmp_path, Signer(Ed25519PrivateKey.generate()), runs=4)
    store.db["score_totals"].insert({"year": YEAR, "agency_id": "thu-nghiem", "agency_group": "tinh", "category": "total",
                                     "points": 420.0, "max_points": 1000.0, "idx": 0.42, "rank": 1, "exempt": 0,
                                     "computed_at": "2026-01-01T00:00:00Z"})
    store.close()
    client = create_app(tmp_path).test_client()
    for path in ("/co-quan/thu-nghiem/cong-nhan", f"/luot/{ids[0]}/dong-thoi-gian", "/dich-vu/thu-nghiem-001/so-sanh",
                 f"/xep-hang/tinh?nam={YEAR}", "/bao-cao"):
        assert client.get(path).status_code == 200, path
    chart = client.get(f"/xep-hang/tinh?nam={YEAR}").get_data(as_text=True)
    assert f'height="{views.PLOT_HEIGHT * 0.42}"' in chart and "420" in chart
    assert 'id="issue"' not in client.get("/bao-cao").get_data(as_text=True)
    assert client.post("/bao-cao", data={"nam": str(YEAR)}).status_code == 405
    assert client.get("/xep-hang/tinh?nam=20x5").status_code == 400
    assert client.get("/dich-vu/thu-nghiem-001/so-sanh?truoc=khong-co").status_code == 400
    assert client.get("/bao-cao/2025-20260101T000000Z/../../kiemtra.db").status_code == 404


# ---- a store from the demo world, served ------------------------------------------------------------------------

def _synthetic_run(store: Store, service_id: str, agency_id: str, *, hostile: bool) -> str:
    """A finished run with three steps (real PNGs), the last one missing from the real runs' flow."""
    text = HOSTILE if hostile else "Trang dịch vụ"
    run_id = runs.start(store, "service", service_id, agency_id, bot_version="0.1.0", browser_version="140.0")
    for seq, name in enumerate(("open", "start_submission", "thu-nghiem"), 1):
        shot = store.keep_bytes(run_id, png(seq + 5), ".png", "screenshot").sha256
        runs.add_step(store, run_id, {
            "seq": seq, "name": name, "action": "open", "target": "", "url": f"http://127.0.0.1:1/{seq}?q={text}",
            "started_at": f"2030-01-01T01:00:0{seq}.000Z", "finished_at": f"2030-01-01T01:00:0{seq}.500Z",
            "outcome": "ok" if seq < 3 else "failed", "detail": {"title": text, "reason": text},
            "screenshot_sha256": shot})
    runs.finish(store, run_id, outcome="ok", http_status=200, title=text, final_url="http://127.0.0.1:1/")
    runs.save_verdict(store, run_id, service_id, {"level": 2, "mode": "direct", "outcome": "fail",
                                                  "reasons": [{"text": text, "step": 3}], "rules": []}, "1")
    return run_id


@pytest.fixture(scope="module")
def prepared(workspace_data, tmp_path_factory):
    """The workspace's crawled store (a real check of bac-ninh-003 among others), copied, then: a dispute, a
    second real check, a hostile run after them, a failing run of another bac-ninh service, a run of another
    agency, and a year's scores with three provinces' portals scored differently."""
    data = tmp_path_factory.mktemp("views") / "var"
    shutil.copytree(workspace_data["data"], data)
    config_dir = workspace_data["config"]
    config = load_config(config_dir, {"data": str(data)})
    agency, service = config.service(SERVICE)
    first = workspace_data["runs"][SERVICE]

    async def check() -> str:
        async with chromium(config.settings) as browser:
            with Store(data) as store:
                return (await check_service(browser, agency, service, store, config.settings)).run_id

    with Store(data) as store:
        disputes.open_service_dispute(store, SERVICE, f"Cơ quan không đồng ý {HOSTILE}", run_id=first,
                                      opened_by="dai-dien-bac-ninh")
    with ThreadPoolExecutor(1) as thread:   # its own event loop, whatever the test's thread runs already
        second = thread.submit(asyncio.run, check()).result()
    with Store(data) as store:
        hostile = _synthetic_run(store, SERVICE, "bac-ninh", hostile=True)
        failing = next(s.id for s in config.agency("bac-ninh").services if s.id != SERVICE and s.declared_level >= 3)
        matches.record_match(store, failing, "exact", ["1.000001"], 100.0, [], [], "2025-01-01T00:00:00Z")
        _synthetic_run(store, failing, "bac-ninh", hostile=False)
        other_service = config.agency("thua-thien-hue").services[0].id
        other = _synthetic_run(store, other_service, "thua-thien-hue", hostile=False)
        criteria = load_criteria(config_dir)
        for agency_id, share in PORTAL_SHARE.items():
            for criterion in criteria:
                if "tinh" in criterion.points:
                    most = criterion.points["tinh"]
                    for role in ("A", "B"):
                        portal_store.record_score(store, agency_id=agency_id, criterion_id=criterion.id, role=role,
                                                  inspector=role, score=most * share, max_points=most,
                                                  outcome="scored", source="test")
        run_scoring(store, config, YEAR)
    return {"config_dir": config_dir, "data": data, "first": first, "second": second, "hostile": hostile,
            "other": other, "other_service": other_service}


@pytest.fixture(scope="module")
def server(prepared):
    add_users(prepared["config_dir"], prepared["data"])
    process, url, _ = start_server(prepared["config_dir"], prepared["data"])
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture()
def page_as(server, workspace_chromium):
    """page_as(role): a fresh context signed in as that role's user (the agency user speaks for bac-ninh)."""
    contexts = []

    def open_as(role: str):
        context = workspace_chromium.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
        contexts.append(context)
        page = context.new_page()
        page.dialogs = []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        name = NAMES[role]
        sign_in(page, server, name, PASSWORDS[name])
        return page

    yield open_as
    for context in contexts:
        context.close()


def _store(prepared) -> queries.ReadOnlyStore:
    return queries.ReadOnlyStore(prepared["data"])


# ---- the pages ------------------------------------------------------------------------------------------------

def test_board_counts_match_recognitions_and_link_each_service(page_as, server, prepared):
    base_url = server
    page = page_as("inspector")
    page.goto(f"{base_url}/co-quan/bac-ninh")
    page.click("a[href='/co-quan/bac-ninh/cong-nhan']")
    store = _store(prepared)
    decided = recognitions(store, "bac-ninh")
    store.close()
    assert len({r.status for r in decided.values()}) >= 3   # recognized, waiting for a retry, not checked at least
    for status in STATUSES:
        expected = sorted(sid for sid, r in decided.items() if r.status == status)
        shown = page.inner_text(f"#counts tr[data-status='{status}'] .count")
        assert int(shown) == len(expected), status
        listed = sorted(page.locator(f"table.board[data-status='{status}'] tr.service").evaluate_all(
            "rows => rows.map(r => r.dataset.service)"))
        assert listed == expected, status
    assert sum(int(t) for t in page.locator("#counts .count").all_inner_texts()) == len(decided) > 1
    page.click(f"tr.service[data-service='{SERVICE}'] a[href='/dich-vu/{SERVICE}']")
    assert page.url.endswith(f"/dich-vu/{SERVICE}")


def test_timeline_shows_every_step_in_order_with_its_screenshot(page_as, server, prepared):
    base_url = server
    page = page_as("viewer")
    page.goto(f"{base_url}/luot/{prepared['first']}")
    page.click(f"a[href='/luot/{prepared['first']}/dong-thoi-gian']")
    store = _store(prepared)
    steps = runs.steps(store, prepared["first"])
    store.close()
    assert len(steps) >= 3
    moments = page.locator("li.moment")
    assert moments.evaluate_all("items => items.map(i => Number(i.dataset.seq))") == [s["seq"] for s in steps]
    assert page.locator("li.moment .step-name").all_inner_texts() == [s["name"] for s in steps]
    with_shot = [s for s in steps if s["screenshot_sha256"]]
    assert len(with_shot) == len(steps)   # the real flow screenshots every step
    page.wait_for_function("() => [...document.querySelectorAll('li.moment img')].every(i => i.complete && i.naturalWidth > 50)")
    links = page.locator("li.moment .shot a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert links == [f"/blob/{s['screenshot_sha256']}" for s in with_shot]
    assert all(re.search(r"(từ giây [0-9.]+)", t) for t in page.locator("li.moment .when").all_inner_texts())
    with page.expect_response(lambda r: "/blob/" in r.url) as response:
        page.locator("li.moment .shot a").first.click()
    assert response.value.ok and response.value.headers["content-type"].startswith("image/")


def test_side_by_side_defaults_to_the_runs_around_the_dispute_and_aligns_steps(page_as, server, prepared):
    base_url = server
    page = page_as("appraiser")
    page.goto(f"{base_url}/dich-vu/{SERVICE}")
    page.click(f"a[href='/dich-vu/{SERVICE}/so-sanh']")
    assert page.input_value("select[name=truoc]") == prepared["first"]
    assert page.input_value("select[name=sau]") == prepared["second"]
    assert "lượt bị khiếu nại" in page.inner_text("#left-run") and "sau khiếu nại" in page.inner_text("#right-run")

    def check_alignment(left_id: str, right_id: str) -> None:
        store = _store(prepared)
        left, right = runs.steps(store, left_id), runs.steps(store, right_id)
        store.close()
        rows = page.locator("tr.aligned")
        names = rows.evaluate_all("rows => rows.map(r => r.dataset.name)")
        for side, steps in (("left", left), ("right", right)):
            cells = page.locator(f"tr.aligned td.{side}").evaluate_all(
                "cells => cells.map(c => c.querySelector('.side-step'))"
                ".map(s => s && [s.dataset.name, Number(s.dataset.seq)])")
            assert [c for c in cells if c] == [[s["name"], s["seq"]] for s in steps]   # every step, in its order
            assert all(c is None or c[0] == name for c, name in zip(cells, names, strict=True))   # on its name's row
        assert set(names) == {s["name"] for s in left} | {s["name"] for s in right}

    check_alignment(prepared["first"], prepared["second"])
    page.select_option("select[name=truoc]", prepared["second"])
    page.select_option("select[name=sau]", prepared["hostile"])
    page.click("form.filters button[type=submit]")
    assert f"truoc={prepared['second']}" in page.url and f"sau={prepared['hostile']}" in page.url
    check_alignment(prepared["second"], prepared["hostile"])
    assert "lượt này không có bước này" in page.inner_text("tr.aligned[data-name='thu-nghiem'] td.left")
    assert page.goto(f"{base_url}/dich-vu/{SERVICE}/so-sanh?truoc={prepared['other']}").status == 400  # not this service's


def test_ranking_chart_bars_follow_the_ranking_and_the_scores(page_as, server, prepared):
    base_url = server
    page = page_as("viewer")
    page.goto(f"{base_url}/")
    page.click("header a[href='/xep-hang']")
    page.click("a[href^='/xep-hang/tinh']")
    store = _store(prepared)
    stored = queries.ranking(store, YEAR, "tinh", "total")
    store.close()
    ranked = [r for r in stored if not r["exempt"]]
    assert [r["agency_id"] for r in ranked][:3] == list(PORTAL_SHARE)   # the scores above decide the order
    bars = page.locator("#chart g.bar").evaluate_all(
        "gs => gs.map(g => [g.dataset.agency, Number(g.querySelector('rect').getAttribute('height')),"
        " Number(g.querySelector('rect').getAttribute('x'))])")
    assert [b[0] for b in bars] == [r["agency_id"] for r in ranked]
    assert [b[2] for b in bars] == sorted(b[2] for b in bars)          # left to right in rank order
    for (_, height, _), row in zip(bars, ranked, strict=True):
        assert height == pytest.approx(views.PLOT_HEIGHT * row["idx"], abs=0.01)
    assert bars[0][1] > bars[1][1] > bars[2][1] > 0
    table = page.locator("#ranking-table tr.ranked")
    assert table.evaluate_all("rows => rows.map(r => r.dataset.agency)") == [r["agency_id"] for r in stored]
    first = table.first.inner_text()
    assert f"{ranked[0]['points']:g}" in first and f"{ranked[0]['idx']:.3f}" in first
    page.select_option("select[name=hang-muc]", "c3")
    page.click("form.filters button[type=submit]")
    assert "hang-muc=c3" in page.url and page.locator("#chart g.bar").count() == len(
        [r for r in stored if not r["exempt"]])


def test_report_is_issued_audited_and_downloaded(page_as, server, prepared, tmp_path):
    base_url = server
    viewer = page_as("viewer")
    viewer.goto(f"{base_url}/bao-cao")
    assert viewer.locator("form#issue").count() == 0   # a viewer reads reports, never issues one
    token = viewer.get_attribute("header input[name=csrf_token]", "value")
    assert viewer.request.post(f"{base_url}/bao-cao", form={"csrf_token": token, "nam": str(YEAR)}).status == 403
    assert not (prepared["data"] / "bao-cao").exists()   # nothing written for the refused POST
    page = page_as("inspector")
    page.goto(f"{base_url}/bao-cao")
    assert page.request.post(f"{base_url}/bao-cao", form={"nam": str(YEAR)}).status == 400   # no CSRF token
    page.fill("input[name=nam]", str(YEAR))
    page.click("form#issue button[type=submit]")
    page.wait_for_selector(f"a[href$='/bao-cao-{YEAR}.html']")
    names = page.locator("ul.report-files a").all_inner_texts()
    assert {f"ket-qua-{YEAR}.xlsx", f"ket-qua-{YEAR}.csv", f"bao-cao-{YEAR}.html",
            f"xac-nhan/xac-nhan-bac-ninh-{YEAR}.xlsx"} <= set(names)
    with page.expect_download() as download:
        page.click(f"a[href$='/bao-cao-{YEAR}.html']")
    saved = tmp_path / "bao-cao.html"
    download.value.save_as(saved)
    html = saved.read_text(encoding="utf-8")
    assert "Xếp hạng" in html and f"{base_url}/co-quan/quang-ninh" in html
    store = _store(prepared)
    issued = audit.history(store, subject_kind="report")
    store.close()
    row = issued[0]
    assert row["action"] == "report.issue" and row["role"] == "inspector" and row["user_name"]
    assert f"bao-cao-{YEAR}.html" in row["new_value"]["files"] and row["new_value"]["year"] == YEAR


def test_an_agency_user_sees_only_its_own_agency(page_as, server, prepared):
    base_url = server
    page = page_as("agency")   # an agency user of bac-ninh
    assert page.goto(f"{base_url}/co-quan/bac-ninh/cong-nhan").ok
    assert page.goto(f"{base_url}/luot/{prepared['first']}/dong-thoi-gian").ok
    assert page.goto(f"{base_url}/co-quan/thua-thien-hue/cong-nhan").status == 404
    assert page.goto(f"{base_url}/luot/{prepared['other']}/dong-thoi-gian").status == 404
    assert page.goto(f"{base_url}/dich-vu/{prepared['other_service']}/so-sanh").status == 404
    assert page.goto(f"{base_url}/xep-hang/tinh").status == 403
    assert page.goto(f"{base_url}/bao-cao").status == 403


def test_hostile_text_in_a_stored_step_is_shown_as_text(page_as, server, prepared):
    base_url = server
    page = page_as("inspector")
    for path in (f"/luot/{prepared['hostile']}/dong-thoi-gian",
                 f"/dich-vu/{SERVICE}/so-sanh?truoc={prepared['first']}&sau={prepared['hostile']}"):
        page.goto(base_url + path)
        assert HOSTILE in page.inner_text("main")
        assert page.evaluate("() => window.__pwned") is None
        assert page.locator("main script, main img[src='x']").count() == 0
        if "dong-thoi-gian" in path:   # the verdict's reason beside the step it cites, the step's own reason in its notes
            assert HOSTILE in page.inner_text("li.moment[data-seq='3'] .reasons")
            assert HOSTILE in page.inner_text("li.moment[data-seq='3'] dl.notes")
    assert page.dialogs == []
