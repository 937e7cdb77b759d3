"""Settling after a click (issue 14): the quiet window counts from the page's last DOM change, the click, or the
end of the response the click waited for, whichever is later; what a page draws a moment after is still read.
A document with nothing pending gets a shorter window: each way a page draws late (a timer, animation frames, a
fetch's body, an XHR, a script added after the load, a message) is read all the same.

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
from tests.page_server import serve, session_on

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
    # Drawn in the fetch's own promise chain, with no timer at all.
    "/after-body": """<button id="go">Tra cứu</button><div id="out"></div><script>
document.getElementById("go").onclick = () => fetch("/api").then(r => r.text()).then(t => {
  document.getElementById("out").textContent = t; });
</script>""",
    "/after-xhr": """<button id="go">Tra cứu</button><div id="out"></div><script>
document.getElementById("go").onclick = () => { const x = new XMLHttpRequest(); x.open("GET", "/api");
  x.onload = () => { document.getElementById("out").textContent = x.responseText; }; x.send(); };
</script>""",
    "/after-frames": """<button id="go">Xem</button><div id="out"></div><script>
document.getElementById("go").onclick = () => requestAnimationFrame(() => requestAnimationFrame(() => {
  document.getElementById("out").textContent = "Đã hiện kết quả"; }));
</script>""",
    "/after-zero-timers": """<button id="go">Xem</button><div id="out"></div><script>
const later = (n) => n ? setTimeout(() => later(n - 1), 0) : (document.getElementById("out").textContent = "Đã hiện kết quả");
document.getElementById("go").onclick = () => later(8);
</script>""",
    "/after-late-script": """<button id="go">Tra cứu</button><div id="out"></div><script>
document.getElementById("go").onclick = () => { const s = document.createElement("script"); s.src = "/late.js";
  document.head.appendChild(s); };
</script>""",
    "/after-message": """<button id="go">Xem</button><div id="out"></div><script>
const channel = new MessageChannel();
channel.port1.onmessage = () => { document.getElementById("out").textContent = "Đã hiện kết quả"; };
document.getElementById("go").onclick = () => channel.port2.postMessage(null);
</script>""",
    "/after-hash-route": """<button id="go">Tra cứu</button><div id="out"></div><script>
window.addEventListener("hashchange", () => fetch("/api").then(r => r.text()).then(t => {
  document.getElementById("out").textContent = t; }));
document.getElementById("go").onclick = () => { location.hash = "#/tra-cuu"; };
</script>""",
    # A single-page app's view of another fragment, drawn once its hashchange has fetched it.
    "/hash-app": """<div id="out"></div><script>
const draw = () => fetch("/api").then(r => r.text()).then(t => {
  document.getElementById("out").textContent = location.hash + " " + t; });
window.addEventListener("hashchange", draw); draw();
</script>""",
    "/pending": """<p>Trang</p><script>
window.later = (ms) => setTimeout(() => {}, ms);
window.ticking = () => setInterval(() => {}, 1000);
</script>""",
}
LATE_SCRIPT = 'document.getElementById("out").textContent = "Hồ sơ đang xử lý";'


@pytest.fixture(scope="module")
def pages():
    with serve(PAGES, {"/api": "Hồ sơ đang xử lý", "/late.js": LATE_SCRIPT}) as base:
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
                                            ("/stopped-clock", "Hồ sơ đang xử lý"),
                                            ("/after-body", "Hồ sơ đang xử lý"),
                                            ("/after-xhr", "Hồ sơ đang xử lý"),
                                            ("/after-frames", "Đã hiện kết quả"),
                                            ("/after-zero-timers", "Đã hiện kết quả"),
                                            ("/after-late-script", "Hồ sơ đang xử lý"),
                                            ("/after-message", "Đã hiện kết quả"),
                                            ("/after-hash-route", "Hồ sơ đang xử lý")])
def test_what_a_page_draws_a_moment_after_the_click_is_read(pages, path, expected):
    shown, clock_kept = _read_after_click(pages, path)
    assert shown == expected
    assert clock_kept is True


def test_a_document_says_what_it_still_has_pending(pages):
    """A short timer keeps a document busy until it fires; a session's clock (a timer set for later, a slow
    interval) does not."""
    async def run() -> list[bool]:
        async with session_on(pages + "/pending") as (page, _session):
            busy = "() => window.__kiemtraBusy(100)"
            seen = [await page.evaluate(busy)]
            await page.evaluate("() => later(150)")
            seen.append(await page.evaluate(busy))
            await asyncio.sleep(0.3)
            seen.append(await page.evaluate(busy))
            await page.evaluate("() => { later(60000); ticking(); }")
            seen.append(await page.evaluate(busy))
            return seen

    assert asyncio.run(run()) == [False, True, False, False]


def test_a_move_to_another_fragment_is_pending_until_its_hashchange_and_its_view_is_read(pages):
    """The page's hashchange comes in a task of its own after the move: until it has run the document is not done,
    and the bot opening another `#/route` of the app reads that route's view."""
    async def run() -> tuple[bool, bool, str]:
        async with session_on(pages + "/hash-app#/tra-cuu") as (page, session):
            during = await page.evaluate("() => { location.hash = '#/cho'; return window.__kiemtraBusy(0); }")
            await asyncio.sleep(0.2)
            after = await page.evaluate("() => window.__kiemtraBusy(0)")
            await session.open(pages + "/hash-app#/ho-so/000.00.21.H10-261130-0002")
            await session.settle()
            return during, after, await page.inner_text("#out")

    during, after, shown = asyncio.run(run())
    assert (during, after) == (True, False)
    assert shown == "#/ho-so/000.00.21.H10-261130-0002 Hồ sơ đang xử lý"
