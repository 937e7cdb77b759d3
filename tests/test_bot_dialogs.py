"""The browser's own dialogs and the windows a page's script opens (issue 14), met as a citizen meets them.

A confirm that asks about the move the bot just made is accepted (a submission many portals guard with
"Ông/Bà có chắc chắn muốn nộp hồ sơ?"), one that would undo it is refused, an alert is answered, and each is
named in the session's next step record; a window opened by the click's handler, even after a request of its
own (a payment gateway), is followed in the bot's page. Real Chromium against a small page server on 127.0.0.1;
vendor H of the demo world walks the same habits end to end (tests/test_bot_patterns.py).
"""

from __future__ import annotations

import asyncio

import pytest

from crawler.bot.dialogs import accepts
from crawler.bot.finder import find
from tests.page_server import serve, session_on

pytestmark = pytest.mark.e2e

SAY = '<p id="out"></p><script>const say = (t) => { document.getElementById("out").textContent += t + ";"; };</script>'

PAGES = {
    "/confirm": SAY + """<button type="button" id="nop">Nộp hồ sơ</button><button type="button" id="huy">Hủy hồ sơ</button>
<script>
document.getElementById('nop').onclick = () => { if (confirm('Ông/Bà có chắc chắn muốn nộp hồ sơ?')) say('nộp'); else say('thôi'); };
document.getElementById('huy').onclick = () => { if (confirm('Bạn có chắc chắn muốn hủy hồ sơ này?')) say('hủy'); else say('giữ'); };
</script>""",
    "/alert": SAY + """<button type="button" id="dk">Đăng ký</button>
<script>document.getElementById('dk').onclick = () => { alert('Đăng ký thành công!'); say('sau thông báo'); };</script>""",
    "/window": SAY + """<button type="button" id="tra">Thanh toán</button>
<script>document.getElementById('tra').onclick = () => setTimeout(() => window.open('/cong', 'tt', 'width=800'), 400);</script>""",
    "/cong": "<h1>Cổng thanh toán</h1><button>Xác nhận thanh toán</button>",
}


@pytest.fixture(scope="module")
def pages():
    with serve(PAGES) as base:
        yield base


@pytest.mark.parametrize("kind, message, accepted", [
    ("confirm", "Ông/Bà có chắc chắn muốn nộp hồ sơ?", True),
    ("confirm", "Xác nhận gửi hồ sơ và thanh toán?", True),
    ("confirm", "Bạn có chắc chắn muốn hủy hồ sơ này?", False),
    ("confirm", "Dữ liệu chưa lưu. Bạn có muốn rời khỏi trang?", False),
    ("confirm", "Bạn có muốn đăng xuất?", False),
    ("alert", "Phiên làm việc đã hết hạn", True),
    ("prompt", "Nhập lý do", False),
    ("beforeunload", "", True),
])
def test_which_dialogs_the_citizen_answers_with_ok(kind, message, accepted):
    assert accepts(kind, message) is accepted


def _clicks(url: str, intent: str, phrases: tuple[str, ...]) -> tuple[str, list, str]:
    async def run():
        async with session_on(url) as (page, session):
            for phrase in phrases:
                await session.click(await find(page, intent, phrases=(phrase,)))
            followed = await session.follow_late_window() if intent == "pay" else False
            return await page.inner_text("#out") if not followed else "", list(session._dialogs), page.url

    return asyncio.run(run())


def test_a_confirm_of_the_bots_own_move_is_accepted_one_that_undoes_it_refused(pages):
    out, answered, _ = _clicks(pages + "/confirm", "send", ("nop ho so", "huy ho so"))
    assert out == "nộp;giữ;"
    assert [(d["type"], d["answer"]) for d in answered] == [("confirm", "accept"), ("confirm", "dismiss")]
    assert answered[0]["message"] == "Ông/Bà có chắc chắn muốn nộp hồ sơ?"


def test_an_alert_is_answered_and_the_page_goes_on(pages):
    out, answered, _ = _clicks(pages + "/alert", "form_submit", ("dang ky",))
    assert out == "sau thông báo;"
    assert answered == [{"type": "alert", "message": "Đăng ký thành công!", "answer": "accept"}]


def test_a_window_the_click_opens_after_a_moment_is_followed_in_the_bots_page(pages):
    _, _, url = _clicks(pages + "/window", "pay", ("thanh toan",))
    assert url == pages + "/cong"
