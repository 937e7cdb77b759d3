"""A portal's announcement over the page (issue 14): closed before the bot's click, whether it was there on
arrival or opened as the pointer came; a dialog that asks something (a confirmation, a login the flow then
answers), and a fixed header, are left alone.

Real Chromium against a small page server on 127.0.0.1; the demo world's own notices are walked end to end in
tests/test_bot_patterns.py.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from configuration.settings import Settings
from crawler.bot.finder import CLICKABLE, Candidate
from crawler.bot.notices import covering_notice
from crawler.bot import steps
from tests.page_server import serve, session_on

BEHIND = '<h1>Đăng ký khai sinh</h1><button id="nop">Nộp hồ sơ trực tuyến</button><p id="out"></p>' \
         '<script>document.getElementById("nop").onclick = () => { document.getElementById("out").textContent = "đã bấm"; };</script>'


def _layer(inner: str, shown: bool = True) -> str:
    display = "flex" if shown else "none"
    return (f'<div id="lop" style="display:{display};position:fixed;inset:0;z-index:99;background:rgba(0,0,0,.5);'
            f'align-items:center;justify-content:center"><div style="background:#fff;padding:20px">{inner}</div></div>')


_CLOSE_ON_CLICK = '<script>document.querySelectorAll("#lop .dong").forEach(b => b.onclick = () => document.getElementById("lop").remove());</script>'

PAGES = {
    # Bootstrap's habit: a modal on arrival with × and a worded button.
    "/bootstrap": BEHIND + '<div class="modal fade in" role="dialog" style="display:block;position:fixed;inset:0;z-index:1050;'
                  'background:rgba(0,0,0,.5)"><div class="modal-dialog" style="margin:80px auto;width:480px;background:#fff">'
                  '<button type="button" class="close" data-dismiss="modal">&times;</button><h4>THÔNG BÁO</h4>'
                  '<p>Hệ thống tạm dừng để nâng cấp từ 22h00. Vui lòng không nộp hồ sơ trực tuyến trong thời gian này.</p>'
                  '<button type="button" data-dismiss="modal">Đóng</button></div></div>'
                  '<script>document.querySelectorAll("[data-dismiss]").forEach(b => b.onclick = () => '
                  'document.querySelector(".modal").remove());</script>',
    # No library's class at all: a plain fixed layer and a "Tôi đã hiểu" link that runs a script.
    "/plain": BEHIND + _layer('<b>Khảo sát</b><p>Mời ông/bà tham gia khảo sát mức độ hài lòng.</p>'
                              '<a href="#" class="dong">Tôi đã hiểu</a>') + _CLOSE_ON_CLICK,
    # A popup that opens as the pointer reaches the button (after the bot has read the page), with its backdrop:
    # two layers shown at once.
    "/as-the-pointer-comes": BEHIND + '<div id="nen" class="modal-backdrop" style="display:none;position:fixed;inset:0;'
                             'background:#000;opacity:.3;z-index:98"></div><div id="pop" class="popup" role="dialog" '
                             'aria-modal="true" style="display:none;position:fixed;inset:0;z-index:99"><div style="margin:100px '
                             'auto;width:400px;background:#fff"><p>Chúc mừng năm mới!</p><button id="x">Đóng</button></div></div>'
                             '<script>document.getElementById("nop").addEventListener("mouseover", () => { for (const id of '
                             '["nen", "pop"]) document.getElementById(id).style.display = "block"; }, {once: true});'
                             'document.getElementById("x").onclick = () => { for (const id of ["nen", "pop"]) '
                             'document.getElementById(id).remove(); };</script>',
    # Dialogs that ask: the flow answers them, the bot must not close them.
    "/confirmation": BEHIND + _layer('<p>Ông/bà có chắc chắn muốn nộp hồ sơ?</p><button>Đồng ý</button>'
                                     '<button class="dong">Hủy</button>'),
    "/login-modal": BEHIND + _layer('<p>Đăng nhập để nộp hồ sơ</p><input name="u"><input type="password" name="p">'
                                    '<button class="close">×</button>'),
    # Hidden dialogs waiting for their turn, as most Bootstrap portals carry: nothing to close, the click goes on.
    "/hidden-modals": BEHIND + '<div class="modal fade" role="dialog" style="display:none"><p>Đăng nhập</p></div>'
                      '<div class="modal fade" role="dialog" style="display:none"><p>Hướng dẫn</p></div>',
    # "Đăng nhập" opens a dialog on the same page: the login step answers it, the notice logic must not close it.
    "/login-dialog": """<header id="tk"><a href="#" id="mo">Đăng nhập</a> | <a href="/dang-ky">Đăng ký</a></header>
<h1>Đăng ký khai sinh</h1><p>Vui lòng đăng nhập để nộp hồ sơ.</p>
<div class="modal fade" id="dn" role="dialog" style="display:none;position:fixed;inset:0;background:rgba(0,0,0,.5);z-index:1050">
<div class="modal-dialog" style="background:#fff;width:420px;margin:80px auto;padding:16px">
<button type="button" class="close" data-dismiss="modal">&times;</button><h4>Đăng nhập hệ thống</h4>
<form id="f" onsubmit="return false"><div class="form-group"><label for="u">Tên đăng nhập</label><input id="u" name="username"></div>
<div class="form-group"><label for="p">Mật khẩu</label><input id="p" type="password" name="password"></div>
<button type="submit" id="go">Đăng nhập</button></form></div></div>
<script>
document.getElementById("mo").onclick = (e) => { e.preventDefault(); document.getElementById("dn").style.display = "block"; };
document.querySelector("#dn .close").onclick = () => { document.getElementById("dn").style.display = "none"; };
document.getElementById("go").onclick = () => { if (!document.getElementById("u").value || !document.getElementById("p").value) return;
  document.getElementById("dn").remove(); document.getElementById("tk").innerHTML = "Xin chào công dân | <a href='/'>Đăng xuất</a>"; };
</script>""",
    "/header-and-chat": '<header style="position:fixed;top:0;left:0;right:0;height:120px;background:#b71c1c">Cổng DVC</header>'
                        '<div style="position:fixed;right:10px;bottom:10px;width:60px;height:60px" class="popup">Hỗ trợ</div>'
                        + BEHIND.replace("<h1>", '<h1 style="margin-top:300px">'),
}


@pytest.fixture(scope="module")
def pages():
    with serve(PAGES) as base:
        yield base


def _visit(url: str, click: bool) -> tuple[object, str, list[str], float]:
    """(the notice found on arrival, #out after clicking the button, what the session closed, the click's seconds)."""

    async def run() -> tuple[object, str, list[str], float]:
        async with session_on(url) as (page, session):
            found = await covering_notice(page)
            closed: list[str] = []
            seconds = 0.0
            if click:
                index = await page.evaluate("(sel) => [...document.querySelectorAll(sel)].indexOf(document.getElementById('nop'))",
                                            CLICKABLE)
                button = Candidate(frame=page.main_frame, index=index, text="Nộp hồ sơ trực tuyến", tag="button", href="",
                                   target="", score=1.0, phrase="nop ho so truc tuyen")
                t0 = time.monotonic()
                await session.click(button)
                seconds = time.monotonic() - t0
                closed = list(session._notices_closed)
            return found, await page.inner_text("#out"), closed, seconds

    return asyncio.run(run())


@pytest.mark.parametrize("path, says, closer", [("/bootstrap", "THÔNG BÁO", "[Đóng]"),
                                                ("/plain", "Khảo sát", "[Tôi đã hiểu]")])
def test_an_announcement_on_arrival_is_closed_before_the_click(pages, path, says, closer):
    found, shown, closed, _ = _visit(pages + path, click=True)
    assert found is not None and says in found.text
    assert shown == "đã bấm"
    assert len(closed) == 1 and says in closed[0] and closed[0].endswith(closer)


def test_a_popup_that_opens_as_the_pointer_comes_is_closed_and_the_click_goes_on(pages):
    found, shown, closed, seconds = _visit(pages + "/as-the-pointer-comes", click=True)
    assert found is None  # nothing covered the page when the bot read it
    assert shown == "đã bấm" and len(closed) == 1 and "Chúc mừng năm mới" in closed[0]
    assert seconds < Settings().timeouts.step_s / 2  # closed at once, not after the click's time-out


@pytest.mark.parametrize("path", ["/confirmation", "/login-modal", "/header-and-chat"])
def test_a_dialog_that_asks_and_a_fixed_header_are_no_notice(pages, path):
    found, shown, _, _ = _visit(pages + path, click=False)
    assert found is None
    assert shown == ""


def test_hidden_dialogs_do_not_stand_in_the_way(pages):
    found, shown, closed, _ = _visit(pages + "/hidden-modals", click=True)
    assert found is None and shown == "đã bấm" and closed == []


def test_a_login_that_opens_as_a_dialog_is_answered_not_closed(pages):
    async def run() -> tuple[str, dict, list[str]]:
        async with session_on(pages + "/login-dialog", "Đăng ký khai sinh") as (_, session):
            result = await steps.login(session)
            return result.outcome, result.detail, list(session._notices_closed)

    outcome, detail, closed = asyncio.run(run())
    assert outcome == "ok" and detail["signs"] == {"logged_in": "dang xuat"} and closed == []
    assert {f["meaning"] for f in detail["fields"] if f["filled"]} == {"username", "password"}
