"""One bot session on one service: the page, the citizen, what it has learnt, and how steps are kept.

Step outcomes: `ok`; `not_found` (the page loaded but the feature is not there); `blocked` (a gate
the bot must not pass: CAPTCHA, identity check, single sign-on, OTP); `failed` (the site refused or
erred); `error` (the bot's own failure: time-out, crash — retried, never held against the agency).
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, Response

from checks.text import contains_any, fold_words
from configuration.settings import Settings
from crawler.bot import finder
from crawler.bot.identity import Citizen, redact
from crawler.bot.words import SIGNS
from crawler.browser.navigate import HostLimiter, goto, translate
from crawler.browser.recorder import StepRecorder
from kiemtra.errors import VisitError

_RECEIPT = re.compile(r"(?:ma ho so|so bien nhan|ma bien nhan|so ho so|ma tra cuu|ma giao dich ho so)\s*[:：]?\s*"
                      r"([A-Za-z0-9][A-Za-z0-9.\-/_]{5,})", re.IGNORECASE)


_DOM_SIZE = """() => Array.from(document.querySelectorAll('*')).length + ':' +
  Array.from(document.querySelectorAll('input,select,textarea,button')).length"""


def strip_marks(text: str) -> str:
    """No diacritics, case kept: codes survive, labels fold."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("đ", "d").replace("Đ", "D")


def find_receipt(text: str) -> str | None:
    match = _RECEIPT.search(strip_marks(text))
    return match.group(1).rstrip(".") if match else None


@dataclass
class StepResult:
    outcome: str
    detail: dict[str, Any] = field(default_factory=dict)


# A flow step as the bot runs it: a heuristic of `crawler/bot/steps.py`, or a playbook's primitives.
Step = Callable[["Session"], Awaitable[StepResult]]


@dataclass
class Session:
    page: Page
    service_name: str
    service_url: str
    settings: Settings
    recorder: StepRecorder
    citizen: Citizen
    limiter: HostLimiter | None = None
    facts: dict[str, Any] = field(default_factory=dict)   # what the bot learnt: receipt, account, gate...

    @property
    def step_ms(self) -> float:
        return self.settings.timeouts.step_s * 1000

    async def open(self, url: str) -> Response | None:
        return await goto(self.page, url, timeout_s=self.settings.timeouts.navigation_s, limiter=self.limiter)

    async def settle(self) -> None:
        """Wait for the page to finish what a click started (a navigation, or a single-page app's render)."""
        for state in ("load", "networkidle"):
            try:
                await self.page.wait_for_load_state(state, timeout=3000 if state == "networkidle" else self.step_ms)
            except PlaywrightError:
                pass
        # A single-page app keeps rendering after the network is quiet: wait until the page stops changing.
        previous = -1
        for _ in range(10):
            try:
                size = await self.page.evaluate(_DOM_SIZE)
            except PlaywrightError:
                return
            if size == previous:
                return
            previous = size
            await asyncio.sleep(0.15)

    async def click(self, candidate: finder.Candidate) -> None:
        """Follow a link or press a button; a link to a new window is opened in this one."""
        href = candidate.href
        if candidate.tag == "a" and candidate.target == "_blank" and href and not href.startswith(("#", "javascript:")):
            absolute = await candidate.frame.evaluate("(h) => new URL(h, document.baseURI).href", href)
            await self.open(absolute)
        else:
            frame, before = candidate.frame, (self.page.url, candidate.frame.url)
            await candidate.locator.click(timeout=self.step_ms)
            # A script, or a form inside a frame, may start its navigation a moment after the click.
            for _ in range(15):
                if frame.is_detached() or (self.page.url, frame.url) != before:
                    break
                await asyncio.sleep(0.1)
        await self.settle()

    async def text(self) -> str:
        return await finder.page_text(self.page)

    async def signs(self, *names: str) -> dict[str, str]:
        """Which of the named signs the page shows, with the phrase that showed it."""
        text = await self.text()
        found = {}
        for name in names:
            phrase = contains_any(text, SIGNS[name])
            if phrase:
                found[name] = phrase
        return found

    async def name_shown(self) -> bool:
        """Whether the page shows the declared service's name (folded, or most of its words)."""
        page = f" {fold_words(await self.text())} "
        name = fold_words(self.service_name)
        if f" {name} " in page:
            return True
        words = [w for w in name.split() if len(w) > 1]
        return bool(words) and sum(f" {w} " in page for w in words) / len(words) >= 0.8

    def host(self) -> str:
        return urlsplit(self.page.url).netloc

    async def record(self, name: str, result: StepResult, started: tuple[str, float], target: str = "") -> StepResult:
        detail = {k: (redact(v, self.citizen) if isinstance(v, str) else v) for k, v in result.detail.items()}
        await self.recorder.record(self.page, name, name, target=target, outcome=result.outcome,
                                   started=started, detail=detail)
        return result

    async def guarded(self, name: str, step: Step, target: str = "") -> StepResult:
        """Run one step; the bot's own failures become an `error` step, never an exception."""
        started = self.recorder.begin()
        try:
            result = await asyncio.wait_for(step(self), timeout=self.settings.timeouts.check_s)
        except (VisitError, PlaywrightError, asyncio.TimeoutError) as error:
            failure = translate(error) if not isinstance(error, asyncio.TimeoutError) else translate(
                TimeoutError("Timeout: bước kiểm tra quá thời gian"))
            result = StepResult("error", {"error_kind": failure.kind, "error": str(failure)[:300]})
        return await self.record(name, result, started, target)
