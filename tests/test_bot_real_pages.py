"""The bot's reading of real portal pages (../shared/real/html): the controls it would press, the meaning it gives
each field, served as the portal served them (UTF-8, on 127.0.0.1, nothing fetched from elsewhere).

Each expectation was read off the page by eye: the label a person sees beside the field, the button that sends.
"""

from __future__ import annotations

import asyncio
import functools
import http.server
import threading
from pathlib import Path

import pytest

from configuration.settings import Settings
from crawler.bot import finder, forms, progress
from crawler.bot.notices import covering_notice
from crawler.browser.launch import chromium

pytestmark = pytest.mark.e2e
REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "real" / "html"


class _Pages(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".html": "text/html; charset=utf-8"}

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def read(tmp_path_factory):
    """`read(path)` → (ranked actions, {intent: best text, "notice": whether a notice covers it},
    [(field name, label, meaning)]) of one real page."""
    if not REAL.is_dir():
        pytest.skip("../shared/real is absent")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Pages, directory=str(REAL)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    settings = Settings(data=tmp_path_factory.mktemp("real"))

    async def one(path: str):
        async with chromium(settings) as browser:
            context = await browser.new_context()
            await context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                                else route.abort())
            page = await context.new_page()
            await page.goto(base + path, wait_until="domcontentloaded")
            ranked = [c.text for c in await progress.ranked_actions(page)]
            best = {}
            for intent in ("send", "next", "submit_start", "track", "login", "pay"):
                found = await finder.find(page, intent)
                best[intent] = found.text if found else None
            best["notice"] = await covering_notice(page) is not None  # a real page is never taken for a popup
            fields = [(item["name"], item["label"], forms.meaning_of(item))
                      for frame in page.frames for item in await forms.fields_in(frame)
                      if item["type"] not in ("submit", "button")]
            await context.close()
            return ranked, best, fields

    yield lambda path: asyncio.run(one(path))
    server.shutdown()


def test_the_upload_step_sends_with_nop_ho_so_not_save_for_later(read):
    ranked, best, fields = read("dvc_bacninh_2019/ThanhPhanHoSoView.jsp.html")
    assert not best["notice"]
    assert ranked[0] == "Nộp hồ sơ" and "Lưu lại & nộp sau" not in ranked[:1]
    assert [meaning for _, _, meaning in fields] == ["file", "file", "file"]


def test_a_table_form_s_fields_are_read_by_the_words_beside_each(read):
    # The e-form of a household business: one table row holds "Giới tính: * Sinh ngày: * Dân tộc: * Quốc tịch: *".
    ranked, best, fields = read("dvc_bacninh_2019/DangKyHoSoHoKinhDoanh.jsp.html")
    assert not best["notice"]
    assert ranked[0] == "Thực hiện bước tiếp theo"
    meaning = {name: m for name, _, m in fields}
    assert meaning["tenNguoiYeuCau"] == "full_name"
    assert (meaning["gioiTinh"], meaning["ngaySinh"], meaning["danToc"], meaning["quocTich"]) == \
        ("sex", "birth_date", "ethnicity", "nationality")
    assert (meaning["cmndcancuoc"], meaning["cmndNgayCap"], meaning["cmndNoiCap"]) == ("id_number", "date", "issued_by")
    assert (meaning["dienThoai"], meaning["email"], meaning["fax"]) == ("phone", "email", "text")
    assert {meaning[n] for n in ("diaChiThuongTru", "diaChiThuongTruXa", "diaChiThuongTruTinh")} == {"address"}
    assert meaning["vonDKKD"] == "amount"
    label = {name: text for name, text, _ in fields}
    assert label["camKet"].startswith("Tôi và các cá nhân")   # a tick's words come after it


def test_the_dossier_list_is_where_tracking_starts(read):
    _, best, fields = read("dvc_bacninh_2019/QuanLyHoSoView.jsp.html")
    assert best["track"] and best["track"].lower() == "quản lý hồ sơ" and not best["notice"]
    assert [m for *_, m in fields] == ["receipt"]   # its search box takes a dossier code


def test_the_national_portal_s_procedure_page(read):
    ranked, best, _ = read("dichvucong-gov/tthc_detail.html")
    assert best["submit_start"] == "Nộp hồ sơ" and best["track"] == "Tra cứu hồ sơ"
    assert best["pay"] == "Thanh toán trực tuyến" and best["login"] == "Đăng nhập"
    assert not best["notice"]
