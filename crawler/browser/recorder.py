"""Recording a bot's steps: every step keeps its URL, times, outcome, a screenshot and the HTML (R9).

Evidence capture never fails a step: a screenshot that cannot be taken (a page that crashed, one too
large to paint) is noted in the step's detail and the step keeps its own outcome.
"""

from __future__ import annotations

import asyncio
import base64
import math
import time
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import CDPSession, Page, ViewportSize
from playwright.async_api import Error as PlaywrightError

from configuration.settings import Capture
from evidence import runs
from evidence.clock import utc_now
from evidence.store import Store

# Chromium cannot paint taller than this in one screenshot; past it we keep the viewport.
MAX_SCREENSHOT_HEIGHT = 16000
SCREENSHOT_TIMEOUT_MS = 15000
# A page still loading (a server that holds its answer) must not hold the evidence hostage.
EVIDENCE_TIMEOUT_S = 5.0
_HEIGHT = "() => document.documentElement ? document.documentElement.scrollHeight : 0"


def fits_viewport(height: object, viewport: ViewportSize | None) -> bool:
    """Whether the whole page is on screen: then the viewport picture is the full page."""
    return isinstance(height, (int, float)) and viewport is not None and height <= viewport["height"]


def needs_full_page(height: object, viewport: ViewportSize | None) -> bool:
    """A full-page screenshot only where it shows more than the viewport and Chromium can paint it.

    Playwright takes a full page by resizing the viewport to the page and back, two layouts per step;
    for a page that fits the screen that costs time and shows nothing more.
    """
    return (isinstance(height, (int, float)) and height <= MAX_SCREENSHOT_HEIGHT
            and not fits_viewport(height, viewport))


@dataclass
class StepRecorder:
    """Writes the steps of one run, numbered in order."""

    store: Store
    run_id: str
    capture: Capture
    secrets: tuple[str, ...] = ()   # typed secrets, blanked in kept HTML (a page may echo a value)
    seq: int = 0
    _devtools: dict[Page, CDPSession | None] = field(default_factory=dict, repr=False)

    def begin(self) -> tuple[str, float]:
        return utc_now(), time.monotonic()

    async def record(self, page: Page | None, name: str, action: str, *, target: str = "",
                     outcome: str, started: tuple[str, float] | None = None,
                     detail: dict[str, Any] | None = None) -> dict[str, Any]:
        started_at, t0 = started or self.begin()
        detail = dict(detail or {})
        detail["duration_ms"] = int((time.monotonic() - t0) * 1000)
        self.seq += 1
        row: dict[str, Any] = {"seq": self.seq, "name": name, "action": action, "target": target,
                               "started_at": started_at, "finished_at": utc_now(), "outcome": outcome,
                               "url": page.url if page is not None and not page.is_closed() else ""}
        if page is not None and not page.is_closed():
            row["screenshot_sha256"] = None
            height = await self._height(page, detail) if self.capture.screenshots else None
            if "page_unresponsive" not in detail:
                # The same settled page read twice at once: the pixels come from the compositor, the HTML from
                # the page's script thread, and neither waits for the other.
                row["screenshot_sha256"], row["html_sha256"] = await asyncio.gather(
                    self._screenshot(page, detail, height), self._html(page, detail))
        row["detail"] = detail
        runs.add_step(self.store, self.run_id, row)
        return row

    async def _height(self, page: Page, detail: dict[str, Any]) -> object:
        """The document's height, which decides the screenshot's kind; None when the page does not answer."""
        try:
            return await asyncio.wait_for(page.evaluate(_HEIGHT), EVIDENCE_TIMEOUT_S)
        except (PlaywrightError, asyncio.TimeoutError):
            detail["page_unresponsive"] = True  # still waiting for a server that holds its answer
            return None

    async def _screenshot(self, page: Page, detail: dict[str, Any], height: object) -> str | None:
        if not self.capture.screenshots:
            return None
        full = needs_full_page(height, page.viewport_size)
        try:
            png = await asyncio.wait_for(self._devtools_png(page, full), EVIDENCE_TIMEOUT_S)
            if png is None:
                png = await asyncio.wait_for(page.screenshot(full_page=full, timeout=SCREENSHOT_TIMEOUT_MS,
                                                             animations="disabled"), EVIDENCE_TIMEOUT_S)
        except (PlaywrightError, asyncio.TimeoutError) as error:
            detail["screenshot_error"] = (str(error).splitlines() or ["hết thời gian chờ"])[0]
            return None
        if not full and not fits_viewport(height, page.viewport_size):
            detail["screenshot_clipped"] = True
        return self.store.keep_bytes(self.run_id, png, ".png", "screenshot").sha256

    async def _devtools_png(self, page: Page, full: bool) -> bytes | None:
        """The viewport, or the whole page when `full`, as a PNG from Chromium's DevTools, encoded for speed:
        the same pixels as `page.screenshot()` (lossless; the whole page clipped to the content's size, as
        Playwright does), in a half to a third of its time, files about a third larger.

        None where DevTools cannot be reached for this page: the caller takes Playwright's screenshot.
        """
        if page not in self._devtools:
            try:
                self._devtools[page] = await page.context.new_cdp_session(page)
            except PlaywrightError:
                self._devtools[page] = None
        devtools = self._devtools[page]
        if devtools is None:
            return None
        params: dict[str, Any] = {"format": "png", "optimizeForSpeed": True}
        if full:
            content = (await devtools.send("Page.getLayoutMetrics"))["cssContentSize"]
            width, height = (min(math.ceil(content[side]), MAX_SCREENSHOT_HEIGHT) for side in ("width", "height"))
            params.update(captureBeyondViewport=True, clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1})
        shot = await devtools.send("Page.captureScreenshot", params)
        return base64.b64decode(shot["data"])

    async def _html(self, page: Page, detail: dict[str, Any]) -> str | None:
        if not self.capture.html:
            return None
        try:
            html = await asyncio.wait_for(page.content(), EVIDENCE_TIMEOUT_S)
        except (PlaywrightError, asyncio.TimeoutError) as error:
            detail["html_error"] = (str(error).splitlines() or ["hết thời gian chờ"])[0]
            return None
        for secret in self.secrets:
            html = html.replace(secret, "***")
        return self.store.keep_bytes(self.run_id, html.encode("utf-8"), ".html", "html").sha256
