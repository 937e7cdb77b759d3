"""The run's network exchange as a signed WACZ: built, blanked, signed, verified, and opened by standard tools.

Standard tools, not only ours: `wacz validate` (py-wacz's command) validates every WACZ made here,
and ReplayWeb.page's embeddable player (its npm package, fetched once with `npm pack` into a cache
folder, never into the repo) replays a captured page from the WACZ in Chromium.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import sync_playwright

from crawler.browser.launch import launch_options
from crawler.browser.network import step_pages
from evidence import runs
from evidence.seal.bundle import export_bundle, verify_bundle
from evidence.seal.signing import KEY_ENV, Signer
from evidence.seal.verify import verify
from evidence.seal.wacz import UNREADABLE_BODY_HEADER, Exchange, Page, build_wacz, check_wacz, run_wacz, warc_bytes
from evidence.store import Store
from kiemtra.cli import run_cli

WACZ_CLI = Path(sys.executable).with_name("wacz")
REPLAYWEB_VERSION = "2.4.6"
SECRET = "Mật-khẩu thử 77!"
RECEIPT_PAGE = "<html><head><title>Hồ sơ</title></head><body><p>Mã hồ sơ: 000.00.12.H10-261126-0001</p></body></html>"


def signer_of() -> Signer:
    return Signer(Ed25519PrivateKey.generate())


def exchanges() -> list[Exchange]:
    return [
        Exchange("http://127.0.0.1:9/ho-so/1", "GET", "2026-12-01T01:00:00.120Z", 200, "OK", [("Host", "127.0.0.1:9")],
                 b"", [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")],
                 RECEIPT_PAGE.encode("utf-8")),
        Exchange("http://127.0.0.1:9/dang-ky", "POST", "2026-12-01T01:00:01Z", 302, "Found",
                 [("Content-Type", "application/x-www-form-urlencoded")], b"ho_ten=A&mat_khau=***",
                 [("Location", "/ho-so/1")]),
        # Chromium hands over no body for a file upload; a hostile page may send anything under any header.
        Exchange("http://127.0.0.1:9/nop", "POST", "2026-12-01T01:00:02Z", 200, "OK",
                 [("Content-Type", "multipart/form-data; boundary=----x")], b"", [("Content-Type", "text/plain")], b"ok"),
        Exchange("http://127.0.0.1:9/api", "POST", "2026-12-01T01:00:03Z", 200, "OK",
                 [("Content-Type", "application/json")], b"{not json", [("Content-Type", "application/json")], b"{}"),
        Exchange("http://127.0.0.1:9/bi-huy", "GET", "2026-12-01T01:00:04Z", 0),  # aborted: nothing received
    ]


def make(signer: Signer | None) -> bytes:
    return build_wacz(exchanges(), [Page("http://127.0.0.1:9/ho-so/1", "2026-12-01T01:00:00.120Z", "Hồ sơ", "buoc-1")],
                      title="thu-nghiem-001 · Thủ tục thử", created="2026-12-01T01:00:05Z", software="kiemtra test",
                      signer=signer, main_url="http://127.0.0.1:9/ho-so/1")


def wacz_validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(WACZ_CLI), "validate", "-f", str(path)], capture_output=True, text=True, timeout=120)


def rewrite(data: bytes, name: str, change) -> bytes:
    """The same WACZ with one member's bytes changed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            target.writestr(info, change(body) if info.filename == name else body)
    return out.getvalue()


def test_built_wacz_passes_wacz_validate_and_our_check(tmp_path):
    signer = signer_of()
    data = make(signer)
    path = tmp_path / "run.wacz"
    path.write_bytes(data)
    done = wacz_validate(path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Validation succeeded" in done.stdout
    assert check_wacz(data, {signer.key_id: signer.public_pem}) == []
    with zipfile.ZipFile(path) as package:
        assert package.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED  # read by byte range
        pages = [json.loads(line) for line in package.read("pages/pages.jsonl").splitlines()]
        digest = json.loads(package.read("datapackage-digest.json"))
        document = json.loads(package.read("datapackage.json"))
    assert pages[0]["format"] == "json-pages-1.0" and pages[1]["title"] == "Hồ sơ"
    assert digest["signedData"]["created"] == document["created"] == "2026-12-01T01:00:05Z"
    assert digest["signedData"]["keyId"] == signer.key_id


def test_warc_holds_bodies_and_drops_transfer_headers_that_no_longer_hold():
    warc = warc_bytes(make(None))
    assert "Mã hồ sơ: 000.00.12.H10-261126-0001".encode() in warc
    assert b"mat_khau=***" in warc
    assert b"Content-Encoding: gzip" not in warc  # the body is kept decoded
    assert UNREADABLE_BODY_HEADER.encode() + b": multipart/form-data" in warc
    assert b"/bi-huy" not in warc


@pytest.mark.parametrize("member, change, kind", [
    ("archive/data.warc.gz", lambda b: b[:-1] + bytes([b[-1] ^ 1]), "changed"),
    ("pages/pages.jsonl", lambda b: b + b'{"url": "http://them/"}\n', "changed"),
    ("datapackage.json", lambda b: b.replace(b"Th\xe1\xbb\xa7", b"Thu"), "changed"),
    ("datapackage-digest.json", lambda b: b.replace(b'"signature": "', b'"signature": "AAAA'), "signature"),
])
def test_any_changed_byte_is_found(member, change, kind):
    signer = signer_of()
    problems = check_wacz(rewrite(make(signer), member, change), {signer.key_id: signer.public_pem})
    assert kind in {p[0] for p in problems}, problems
    assert all(p[2] == "error" for p in problems)


def test_another_key_or_no_key_is_told_apart():
    signer, stranger = signer_of(), signer_of()
    data = make(signer)
    assert check_wacz(data, {stranger.key_id: stranger.public_pem})[0][0] == "signature"
    assert check_wacz(data, {signer.key_id: signer.public_pem}, trusted=stranger.public_pem)[0][0] == "signature"
    assert check_wacz(make(None), {}) == [("unsigned", "WACZ chưa được ký (không có khóa ký lúc đóng gói)", "warning")]
    assert check_wacz(b"not a zip", {})[0][0] == "changed"


def test_pages_are_the_steps_titled_from_their_kept_html_with_the_receipt_frame():
    steps = [{"seq": 1, "name": "open", "url": "http://127.0.0.1:9/a", "finished_at": "2026-12-01T01:00:00.000Z",
              "html_sha256": "x", "detail": "{}"},
             {"seq": 2, "name": "submit", "url": "http://127.0.0.1:9/b", "finished_at": "2026-12-01T01:00:02.000Z",
              "html_sha256": None, "detail": json.dumps({"title": "Nộp", "dossier_url": "http://127.0.0.1:8/ho-so/1"})},
             {"seq": 3, "name": "pay", "url": "about:blank", "finished_at": "2026-12-01T01:00:03.000Z", "detail": "{}"}]
    pages = step_pages(steps, {"x": b"<html><TITLE>Trang &amp;\n m\xe1\xbb\x99t</TITLE></html>"}.get)
    assert [p.id for p in pages] == ["buoc-1", "buoc-2", "buoc-2-ho-so"]
    assert [p.title for p in pages] == ["Bước 1: open — Trang & một", "Bước 2: submit — Nộp", "Bước 2: submit — hồ sơ"]
    assert pages[2].url == "http://127.0.0.1:8/ho-so/1"


# ---- a real check of the demo world ----------------------------------------------------------------

@pytest.fixture(scope="module")
def checked(world, tmp_path_factory):
    """One real level-3 check (server-rendered portal) with a signing key and a known typed password."""
    from kiemtra.commands.world import write_world_config

    root = tmp_path_factory.mktemp("wacz")
    config = write_world_config(world, root / "config")
    data = root / "var"
    signer = signer_of()
    pem = signer.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()).decode("ascii")
    saved = {k: os.environ.get(k) for k in (KEY_ENV, "KIEMTRA_BOT_PASSWORD")}
    os.environ.update({KEY_ENV: pem, "KIEMTRA_BOT_PASSWORD": SECRET})
    try:
        base = ["--config", str(config), "--data", str(data)]
        assert run_cli([*base, "rerun", "bac-ninh-001"]) == 0
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    with Store(data) as store:
        run_id = next(r["run_id"] for r in runs.latest_service_results(store) if r["id"] == "bac-ninh-001")
        steps = runs.steps(store, run_id)
    submit = next(json.loads(s["detail"]) for s in steps if s["name"] == "submit")
    return {"base": base, "data": data, "run_id": run_id, "signer": signer, "receipt": submit["receipt"],
            "receipt_url": submit["dossier_url"]}


@pytest.mark.e2e
def test_check_keeps_a_signed_wacz_in_its_manifest_without_the_password(checked, tmp_path):
    with Store(checked["data"]) as store:
        path = run_wacz(store, checked["run_id"])
        manifest = next(r for r in store.db.execute("select sha256 from manifests where run_id = ?", [checked["run_id"]]))
        document = json.loads(store.artifact_path(manifest[0]).read_bytes())
        report = verify(store, [checked["run_id"]], checked["signer"].public_pem)
    assert {a["sha256"] for a in document["artifacts"] if a["role"] == "wacz"} == {path.stem}
    assert report.ok, [p.line() for p in report.problems]
    data = path.read_bytes()
    assert check_wacz(data, {checked["signer"].key_id: checked["signer"].public_pem}) == []
    warc = warc_bytes(data)
    assert checked["receipt"].encode() in warc
    assert SECRET.encode() not in warc and b"***" in warc
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert not any(SECRET.encode() in package.read(n) for n in package.namelist())
        urls = [json.loads(line).get("url") for line in package.read("pages/pages.jsonl").splitlines()[1:]]
    assert checked["receipt_url"] in urls


@pytest.mark.e2e
def test_exported_wacz_is_the_sealed_bytes_and_passes_wacz_validate(checked, tmp_path):
    out = tmp_path / "luot.wacz"
    assert run_cli([*checked["base"], "evidence", "wacz", checked["run_id"], "-o", str(out)]) == 0
    with Store(checked["data"]) as store:
        assert out.read_bytes() == run_wacz(store, checked["run_id"]).read_bytes()
    done = wacz_validate(out)
    assert done.returncode == 0 and "Validation succeeded" in done.stdout, done.stdout + done.stderr


@pytest.mark.e2e
def test_bundle_carries_the_wacz_and_verify_bundle_checks_inside_it(checked, tmp_path):
    bundle = tmp_path / "goi.zip"
    with Store(checked["data"]) as store:
        export_bundle(store, [checked["run_id"]], bundle)
        name = f"evidence/{run_wacz(store, checked['run_id']).name}"
    report = verify_bundle(bundle, checked["signer"].public_pem)
    assert report.ok, [p.line() for p in report.problems]
    with zipfile.ZipFile(bundle) as package:
        assert name in package.namelist()


@pytest.mark.e2e
def test_evidence_browser_offers_the_wacz(checked):
    from evidence.web import create_app

    client = create_app(checked["data"]).test_client()
    page = client.get(f"/luot/{checked['run_id']}").get_data(as_text=True)
    assert f"/luot/{checked['run_id']}/wacz" in page and "ReplayWeb.page" in page
    download = client.get(f"/luot/{checked['run_id']}/wacz")
    assert download.status_code == 200 and download.data[:2] == b"PK"
    assert "attachment" in download.headers["Content-Disposition"]
    assert client.get("/luot/khong-co/wacz").status_code == 404


# ---- replay in ReplayWeb.page ------------------------------------------------------------------------

def replaywebpage() -> Path:
    """ReplayWeb.page's player (ui.js, sw.js) from its npm package, unpacked once into a cache folder."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "kiemtra" / f"replaywebpage-{REPLAYWEB_VERSION}"
    if not (cache / "ui.js").is_file() or not (cache / "sw.js").is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: ReplayWeb.page comes from its npm package (`make setup` installs npm)")
        cache.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([npm, "pack", f"replaywebpage@{REPLAYWEB_VERSION}", "--pack-destination", str(cache)],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        with tarfile.open(cache / f"replaywebpage-{REPLAYWEB_VERSION}.tgz") as tar:
            for name in ("ui.js", "sw.js"):
                member = tar.extractfile(f"package/{name}")
                assert member is not None
                (cache / name).write_bytes(member.read())
    return cache


class RangeHandler(SimpleHTTPRequestHandler):
    """Static files with byte ranges: the player reads the WACZ's WARC and index by range."""

    def log_message(self, *args: object) -> None:
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        header = self.headers.get("Range", "")
        path = Path(self.translate_path(self.path))
        if not header.startswith("bytes=") or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        first, _, last = header[6:].partition("-")
        start, end = int(first or 0), min(int(last) if last else size - 1, size - 1)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        stream = open(path, "rb")
        stream.seek(start)
        return io.BytesIO(stream.read(end - start + 1))


@pytest.mark.e2e
def test_replaywebpage_replays_the_dossier_page_with_its_receipt_from_the_wacz(checked, tmp_path):
    player = replaywebpage()
    site = tmp_path / "site"
    (site / "replay").mkdir(parents=True)
    shutil.copy(player / "ui.js", site / "ui.js")
    shutil.copy(player / "sw.js", site / "replay" / "sw.js")
    with Store(checked["data"]) as store:
        shutil.copy(run_wacz(store, checked["run_id"]), site / "luot.wacz")
    (site / "index.html").write_text(
        '<!doctype html><html><head><meta charset="utf-8"><script src="/ui.js"></script></head><body>'
        f'<replay-web-page source="/luot.wacz" url="{checked["receipt_url"]}" embed="replayonly" replayBase="/replay/">'
        "</replay-web-page></body></html>", encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(RangeHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_port}"
    from configuration.settings import Settings

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(**launch_options(Settings()))
            page = browser.new_page()
            page.goto(origin + "/")
            found = None
            # The player registers its service worker, loads the index, then the page; on a loaded machine
            # the first load may come before the worker is active: every 40 s with nothing, load once more.
            started = time.monotonic()
            reloaded = started
            while time.monotonic() - started < 160:
                if time.monotonic() - reloaded > 40:
                    page.reload()
                    reloaded = time.monotonic()
                for frame in page.frames:
                    try:
                        text = frame.evaluate("() => document.body ? document.body.innerText : ''")
                    except Exception:  # noqa: BLE001 - a frame navigating away while read
                        continue
                    if checked["receipt"] in text and "/w/" in frame.url:
                        found = frame.url
                if found:
                    break
                page.wait_for_timeout(250)
            browser.close()
    finally:
        server.shutdown()
    assert found, "ReplayWeb.page did not show the receipt code"
    # Served by the player from the archive (its /w/ replay path on our origin), not by the live demo site.
    assert found.startswith(origin + "/replay/w/"), found
