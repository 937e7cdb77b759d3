"""Settling after a click (issue 14): the quiet window counts from the page's last DOM change, the click, or the
end of the response the click waited for, whichever is later; what a page draws a moment after is still read.

Real Chromium against a small page server on 127.0.0.1; no demo world.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from configuration.settings import Settings
from crawler.bot.finder import Candidate
from crawler.bot.identity import make_citizen
from crawler.bot.session import QUIET_MS, Session
from crawler.browser.launch import chromium, context_options
from tests.page_server import serve

DELAY_MS = QUIET_MS * 6 // 10   # later than nothing, earlier than a window

PAGES = {
    # The answer is drawn a moment after the fetch's response: its handler must get a window of its own.
    "/after-fetch": f"""<button id="go">Tra cứu</button><div id="out"></div><script>
document.getElementById("go").onclick = () => fetch("/api").then(r => r.text()).then(t =>
  setTimeout(() => {{ document.getElementById("out").textContent = t; }}, {DELAY_MS}));
</script>""",
    # No request at all: the click's handler draws a moment later.
    "/after-click": f"""<button id="go">Xem</button><div id="out"></div><script>
document.getElementById("go").onclick = () =>
  setTimeout(() => {{ document.getElementById("out").textContent = "Đã hiện kết quả"; }}, {DELAY_MS});
</script>""",
    # A page that tries to stop the clock: it cannot, and its late answer is read all the same.
    "/stopped-clock": f"""<button id="go">Tra cứu</button><div id="out"></div><script>
try {{ window.__kiemtraLastChange = () => -1e9; }} catch (e) {{}}
try {{ Object.defineProperty(window, "__kiemtraLastChange", {{value: () => -1e9}}); }} catch (e) {{}}
document.getElementById("go").onclick = () => fetch("/api").then(r => r.text()).then(t =>
  setTimeout(() => {{ document.getElementById("out").textContent = t; }}, {DELAY_MS}));
</script>""",
}


@pytest.fixture(scope="module")
def pages():
    with serve(PAGES, {"/api": "Hồ sơ đang xử lý"}) as base:
        yield base


def _read_after_click(base: str, path: str) -> tuple[str, Any]:
    settings = Settings()

    async def run() -> tuple[str, Any]:
        async with chromium(settings) as browser:
            context = await browser.new_context(**context_options(settings))
            page = await context.new_page()
            session = Session(page=page, service_name="", service_url=base + path, settings=settings,
                              recorder=None, citizen=make_citizen(settings.identity, "settle"))  # type: ignore[arg-type]
            await session.follow_changes()
            await session.open(base + path)
            await session.settle()
            button = Candidate(frame=page.main_frame, index=0, text="", tag="button", href="", target="",
                               score=1.0, phrase="")
            await session.click(button)
            shown = await page.inner_text("#out")
            clock = await page.evaluate("() => window.__kiemtraLastChange() >= 0")
            await context.close()
            return shown, clock

    return asyncio.run(run())


@pytest.mark.parametrize("path, expected", [("/after-fetch", "Hồ sơ đang xử lý"),
                                            ("/after-click", "Đã hiện kết quả"),
                                            ("/stopped-clock", "Hồ sơ đang xử lý")])
def test_what_a_page_draws_a_moment_after_the_click_is_read(pages, path, expected):
    shown, clock_kept = _read_after_click(pages, path)
    assert shown == expected
    assert clock_kept is True
