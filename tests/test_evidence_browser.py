"""The evidence browser driven through a real Chromium: open a service, play its video, open a step,
export a bundle; and hostile input: a script in a captured title and page, path traversal, no token."""

from __future__ import annotations

import asyncio
import http.server
import threading

import pytest
from playwright.async_api import async_playwright
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from configuration.loader import AgencyConfig, ServiceConfig
from configuration.loader import load_all as load_config
from crawler.browser.launch import context_options, ensure_ffmpeg, launch_options
from crawler.visits.service import check_service
from evidence import agencies, runs
from evidence.seal.bundle import verify_bundle
from evidence.seal.signing import init_key
from evidence.store import Store
from evidence.web import create_app
from kiemtra.cli import run_cli
from kiemtra.commands.world import write_world_config

pytestmark = pytest.mark.e2e
HOSTILE_TITLE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
HOSTILE_PAGE = (f"<html><head><title>{HOSTILE_TITLE}</title></head><body><h1>Trang độc hại</h1>"
                "<script>if (window.top !== window) { window.top.document.title = 'PWNED'; alert('xss'); }</script>"
                "</body></html>").encode()  # the script acts only when framed: the bot's own view stays unchanged


class Hostile(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(HOSTILE_PAGE)

    def log_message(self, *args) -> None:
        pass


def serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


@pytest.fixture(scope="module")
def recorded(world, tmp_path_factory):
    """A store with one real level-4 check from the demo world and one check of a hostile page."""
    root = tmp_path_factory.mktemp("browser")
    key = root / "keys" / "signing-key.pem"
    init_key(key)
    config_dir = write_world_config(world, root / "config")
    hostile = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    config = load_config(config_dir, {"data": str(root / "var"), "signing": {"key_file": str(key)},
                                      "timeouts": {"step_s": 5, "navigation_s": 10},
                                      "navigation": {"allowed_private": [*world.allowed_private(),
                                                                         f"127.0.0.1:{hostile.server_port}"]}})
    threading.Thread(target=hostile.serve_forever, daemon=True).start()
    bad_agency = AgencyConfig(id="thu-nghiem", name="Cơ quan <b>thử</b> nghiệm", group="tinh", portal="http://127.0.0.1:1/")
    bad_service = ServiceConfig(id="thu-nghiem-xss", name="Thủ tục <i>độc</i>", declared_level=3,
                                url=f"http://127.0.0.1:{hostile.server_port}/")
    agency, service = config.service("bac-ninh-003")
    ensure_ffmpeg()

    async def run():
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(**launch_options(config.settings))
            with Store(config.settings.data) as store:
                agencies.sync(store, [*config.agency_rows(), {**bad_agency.model_dump(), "services": [bad_service.model_dump()]}])
                good = await check_service(browser, agency, service, store, config.settings)
                bad = await check_service(browser, bad_agency, bad_service, store, config.settings)
            await browser.close()
        return good.run_id, bad.run_id

    good, bad = asyncio.run(run())
    hostile.shutdown()
    return {"settings": config.settings, "good": good, "bad": bad, "data": config.settings.data}


@pytest.fixture(scope="module")
def app_url(recorded):
    server, url = serve(create_app(recorded["data"]))
    yield url
    server.shutdown()


@pytest.fixture(scope="module")
def chromium(recorded):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_options(recorded["settings"]))
        yield browser
        browser.close()


@pytest.fixture()
def page(chromium, recorded):
    context = chromium.new_context(**context_options(recorded["settings"]))
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


def test_open_service_play_video_open_step_export_bundle(page, app_url, recorded, tmp_path):
    page.goto(app_url + "/")
    page.click("a[href='/co-quan/bac-ninh']")
    page.click("a[href='/dich-vu/bac-ninh-003']")
    page.click(f"a[href='/luot/{recorded['good']}']")
    assert "Đã xác minh" in page.inner_text("#badge")
    assert page.locator("#reasons a[href^='#buoc-']").count() >= 2  # reasons point at the steps that prove them
    page.wait_for_function("() => document.querySelector('.step img').naturalWidth > 100")  # a thumbnail
    assert page.locator("#trace").count() == 1 and "show-trace" in page.content()
    page.locator("#video").evaluate("v => { v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.querySelector('#video').currentTime > 0.3", timeout=15000)

    page.click(f"a[href='/luot/{recorded['good']}/buoc/1']")
    page.wait_for_function("() => document.querySelector('#screenshot').naturalWidth > 1000")
    assert "<html" in page.inner_text("#html-text").lower()

    page.go_back()
    with page.expect_download() as download:
        page.click("#export")
    saved = tmp_path / "goi.zip"
    download.value.save_as(saved)
    report = verify_bundle(saved)
    assert report.ok and report.signed == 1, [p.line() for p in report.problems]


def test_bundle_index_opens_offline_with_its_pictures(page, recorded, tmp_path):
    import zipfile

    from evidence.seal.bundle import export_bundle

    with Store(recorded["data"]) as store:
        export_bundle(store, [recorded["good"]], tmp_path / "goi.zip")
    zipfile.ZipFile(tmp_path / "goi.zip").extractall(tmp_path / "goi")
    page.goto((tmp_path / "goi" / "index.html").as_uri())
    page.wait_for_function("() => document.images.length > 3 && document.images[0].naturalWidth > 100")
    assert page.locator("video").count() == 1


def test_script_in_a_captured_title_and_page_never_runs(page, app_url, recorded):
    response = page.goto(f"{app_url}/luot/{recorded['bad']}")
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in response.text()
    assert page.inner_text("#title") == HOSTILE_TITLE  # shown as the text it is
    page.goto(f"{app_url}/luot/{recorded['bad']}/buoc/1")
    page.frame_locator("#page-frame").locator("h1").wait_for()
    assert "window.top.document.title" in page.inner_text("#html-text")
    assert page.title() != "PWNED" and page.dialogs == []
    page.goto(f"{app_url}/luot?agency=thu-nghiem")
    assert HOSTILE_TITLE in page.inner_text("body") or "Thủ tục <i>độc</i>" in page.inner_text("body")
    page.goto(f"{app_url}/")
    assert "Cơ quan <b>thử</b> nghiệm" in page.inner_text("body")
    assert page.evaluate("() => window.__pwned") is None and page.dialogs == []


def raw_get(base: str, path: str, headers: dict | None = None):
    """GET with the path sent byte for byte (a browser would fold the `..` away before sending)."""
    import http.client
    from urllib.parse import urlsplit

    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=10)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


def test_no_path_leaves_the_evidence_folder(app_url, recorded):
    with Store(recorded["data"]) as store:
        html_sha = runs.steps(store, recorded["bad"])[0]["html_sha256"]
    for path in ("/blob/..%2F..%2Fkiemtra.db", "/blob/../../kiemtra.db", "/thumb/..%2Fkiemtra.db.jpg",
                 "/blob/" + "0" * 64, "/blob/" + html_sha.upper(), "/html/" + "../" * 3 + "etc/passwd",
                 "/static/..%2F..%2F..%2Fevidence%2Fstore.py", "/static/../../kiemtra.db", "/luot/..%2F..%2Fkiemtra.db"):
        status, _, body = raw_get(app_url, path)
        assert status == 404, path
        assert b"SQLite format" not in body and b"import" not in body
    status, headers, _ = raw_get(app_url, f"/blob/{html_sha}")  # stored HTML as a blob is plain text, not a page
    assert headers["content-type"].startswith("text/plain") and headers["x-content-type-options"] == "nosniff"
    status, headers, _ = raw_get(app_url, f"/html/{html_sha}")
    assert status == 200 and "sandbox" in headers["content-security-policy"]


def test_edited_artifact_row_cannot_point_outside(recorded, tmp_path):
    import shutil

    copy = tmp_path / "var"
    shutil.copytree(recorded["data"], copy)
    with Store(copy) as store:
        sha = runs.steps(store, recorded["good"])[0]["screenshot_sha256"]
        store.db.execute("update artifacts set path = '../../../../etc/passwd' where sha256 = ?", [sha])
        store.db.conn.commit()
    client = create_app(copy).test_client()
    response = client.get(f"/blob/{sha}")
    assert response.status_code == 404 and b"root:" not in response.data


def test_a_token_is_required_when_asked(chromium, recorded, page):
    server, url = serve(create_app(recorded["data"], token="mat-khau-thu-7f3a"))
    try:
        status, headers, body = raw_get(url, "/")
        assert status == 401 and headers["www-authenticate"].startswith("Basic") and "Bắc Ninh" not in body.decode()
        context = chromium.new_context(**context_options(recorded["settings"]),
                                       http_credentials={"username": "kiemtra", "password": "mat-khau-thu-7f3a"})
        assert context.new_page().goto(url + "/").status == 200
        context.close()
        assert raw_get(url, "/", {"Authorization": "Bearer sai"})[0] == 401
    finally:
        server.shutdown()


def test_serve_beyond_loopback_refuses_to_start_without_a_token(recorded, monkeypatch):
    monkeypatch.delenv("KIEMTRA_SERVE_TOKEN", raising=False)
    assert run_cli(["--data", str(recorded["data"]), "serve", "--host", "0.0.0.0", "--port", "1"]) == 2


def test_a_step_names_the_notices_the_bot_closed(tmp_path):
    """The announcement the bot closed before its click (crawler/bot/notices.py) is said on the step's page."""
    from tests.evidence_helpers import AGENCY, add_run

    with Store(tmp_path / "var") as store:
        agencies.sync(store, [AGENCY])
        run_id = add_run(store, AGENCY["services"][0]["id"], 1)
        runs.add_step(store, run_id, {"seq": 3, "name": "start_submission", "action": "start_submission", "target": "",
                                      "url": "http://127.0.0.1:1/tt/1/3", "started_at": "2025-06-01T01:00:02.000Z",
                                      "finished_at": "2025-06-01T01:00:03.000Z", "outcome": "ok",
                                      "detail": {"notices_closed": ["THÔNG BÁO Hệ thống tạm dừng <b>nâng cấp</b> [Đóng]"]}})
    client = create_app(tmp_path / "var").test_client()
    shown = client.get(f"/luot/{run_id}/buoc/3").get_data(as_text=True)
    assert "Thông báo đã đóng" in shown and "THÔNG BÁO Hệ thống tạm dừng &lt;b&gt;nâng cấp&lt;/b&gt; [Đóng]" in shown
    assert "Thông báo đã đóng" not in client.get(f"/luot/{run_id}/buoc/1").get_data(as_text=True)
