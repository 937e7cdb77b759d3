"""One bot session on one service: the page, the citizen, what it has learnt, and how steps are kept.

Step outcomes: `ok`; `not_found` (the page loaded but the feature is not there); `blocked` (a gate
the bot must not pass: CAPTCHA, identity check, single sign-on, OTP); `failed` (the site refused or
erred, or sent the citizen where the navigation policy refuses to go: `error_kind`
`blocked_by_policy` with its reason); `error` (the bot could not see: time-out, crash, a page that
never let the bot act (`stalled`) — retried, and R6 decides; see docs/architecture.md).
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Dialog, Frame, Page, Request, Response
from playwright.async_api import Error as PlaywrightError

from checks.recognition import ASSISTED_GATES
from checks.text import contains_any, fold_words
from configuration.settings import Settings
from crawler.bot import dialogs, finder
from crawler.bot.identity import Citizen, redact
from crawler.bot.notices import LAYERS, close_notices
from crawler.bot.words import SIGNS
from crawler.browser.navigate import HostLimiter, goto, translate
from crawler.browser.policy import NavigationPolicy, leave_refused, read_frame, usable_frames
from crawler.browser.recorder import StepRecorder
from kiemtra.errors import BlockedByPolicy, PageStalled, VisitError

LATE_WINDOW_S = 2.0   # a window opened by a click's handler after its own request: a gateway's address fetched first

_RECEIPT = re.compile(r"(?:ma so ho so|ma ho so|so bien nhan|ma bien nhan|so ho so|ma tra cuu|ma giao dich ho so)"
                      r"\s*[:：]?\s*([A-Za-z0-9][A-Za-z0-9.\-/_]{5,})", re.IGNORECASE)
# The national dossier code (Decision 45/2020 pattern): unit code, date, sequence, e.g. 000.00.21.H10-261130-0002,
# and the short variants vendors print (H92.62-261201-0001, G13.5-20261201-000123).
NATIONAL_CODE = re.compile(r"(?<![\w.])(?:\d{3}\.\d{2}\.\d{2}\.)?[A-Z]{1,4}\d{1,3}(?:\.\d{1,3}){0,3}-\d{6,8}-\d{3,6}(?![\w-])")


WITHHELD = "không lưu trace và video của lần kiểm tra: có thể chứa trang ở địa chỉ bị chặn"

# What settling waits for, and for how long at most.
_WAITED_FOR = frozenset({"document", "xhr", "fetch", "script", "stylesheet"})
_HANDLED_LATER = frozenset({"document", "xhr", "fetch", "script"})
# ~100 ms: 200 cost a level-3 check about 1.1 s more (12.7 windows a check) and changed no verdict of the demo
# world. Tracking and the result step look again for what a script draws late; the submission reads its receipt
# once after its click, so a receipt drawn later than this window is missed (docs/followups.md). The window
# counts from the page's last change, the bot's click or the awaited response's end (see `_QUIET`).
QUIET_MS = 100
# A document with nothing of its own pending (no short timer, animation frame or interval, no fetch or XHR whose
# handler has not run, no script that arrived after its load, its load done) can only change when someone acts
# on it: it is done once seen through what the trackers cannot see (a message-channel task, an observer's
# callback at the next rendering), within IDLE_MS at most, not a whole window. Zone.js (Angular's testability)
# and Protractor settle on the same signal: no pending macrotask.
IDLE_MS = 30
BUSY_TIMER_MS = 500   # a timer set to fire later than this is a session's clock or a reminder, not a render
SETTLE_S = 5.0
FROZEN_PROBE_S = 2.0   # how long a page that timed out an action gets to answer before it counts as stalled
# Every document keeps the time of its last DOM change from its start (`Session.follow_changes`), so a quiet
# window counts from that change or from the bot's last action or awaited response, whichever is later, not from
# the moment the bot asks: a page that went quiet while the bot waited for its load or polled after a click needs
# no fresh window, and a response's handler still gets a whole one to draw. Each document also counts what it has
# pending (timers, frames, requests and their bodies) by wrapping the functions that start them, before its own
# scripts run. Properties that cannot be replaced, so a page's script cannot make the bot read early.
_CHANGE_CLOCK = "__kiemtraLastChange"
_BUSY = "__kiemtraBusy"
_TIMER = "__kiemtraTimer"   # the browser's own setTimeout/clearTimeout, for the bot's waits (not counted as pending)
_FOLLOW_CHANGES = f"""(() => {{
  if (Object.prototype.hasOwnProperty.call(window, "{_CHANGE_CLOCK}")) return;
  let last = performance.now();
  new MutationObserver(() => {{ last = performance.now(); }})
    .observe(document, {{subtree: true, childList: true, attributes: true, characterData: true}});
  const fix = (name, value) => Object.defineProperty(window, name, {{value}});
  fix("{_CHANGE_CLOCK}", () => last);
  const native = {{setTimeout: window.setTimeout, clearTimeout: window.clearTimeout, setInterval: window.setInterval,
                  clearInterval: window.clearInterval, raf: window.requestAnimationFrame,
                  caf: window.cancelAnimationFrame, fetch: window.fetch}};
  fix("{_TIMER}", {{set: (f, ms) => native.setTimeout.call(window, f, ms), clear: (id) => native.clearTimeout.call(window, id),
                    frame: (f) => native.raf ? native.raf.call(window, f) : null}});
  const timers = new Set(), frames = new Set();
  let requests = 0, leaving = false, hashing = false;
  if (window.navigation) {{
    // A navigation to another document started here (a link, a form, a script): this one is not done. A move to
    // another fragment fires the page's hashchange in a task of its own, later: until then its view is not drawn
    // (ours is the first listener, so the page's own has started what it fetches once this one has run).
    navigation.addEventListener("navigate", (event) => {{
      if (event.hashChange) hashing = true; else if (!event.destination.sameDocument) leaving = true; }});
    navigation.addEventListener("navigateerror", () => {{ leaving = false; }});
    window.addEventListener("hashchange", () => {{ hashing = false; }});
  }}
  const counted = (promise) => {{
    requests++;
    let once = false;
    const end = () => {{ if (!once) {{ once = true; requests--; }} }};
    promise.then(end, end);
    return promise;
  }};
  const short = (ms) => !(Number(ms) > {BUSY_TIMER_MS});
  window.setTimeout = function (fn, ms, ...rest) {{
    if (typeof fn !== "function" || !short(ms)) return native.setTimeout.call(window, fn, ms, ...rest);
    const run = function () {{ timers.delete(id); return fn.apply(this, arguments); }};
    const id = native.setTimeout.call(window, run, ms, ...rest);
    timers.add(id);
    return id;
  }};
  window.setInterval = function (fn, ms, ...rest) {{
    const id = native.setInterval.call(window, fn, ms, ...rest);
    if (short(ms)) timers.add(id);
    return id;
  }};
  window.clearTimeout = window.clearInterval = function (id) {{
    timers.delete(id);
    return native.clearTimeout.call(window, id);
  }};
  if (native.raf) {{
    window.requestAnimationFrame = function (fn) {{
      const id = native.raf.call(window, (t) => {{ frames.delete(id); return fn(t); }});
      frames.add(id);
      return id;
    }};
    window.cancelAnimationFrame = function (id) {{ frames.delete(id); return native.caf.call(window, id); }};
  }}
  if (native.fetch) window.fetch = function () {{ return counted(native.fetch.apply(this, arguments)); }};
  if (window.Response) for (const read of ["json", "text", "blob", "arrayBuffer", "formData"]) {{
    const own = Response.prototype[read];
    if (own) Response.prototype[read] = function () {{ return counted(own.apply(this, arguments)); }};
  }}
  if (window.XMLHttpRequest) {{
    const send = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.send = function () {{
      requests++;
      let once = false;
      // loadend comes after load and readystatechange: the page's own handlers have run by then.
      const end = () => {{ if (!once) {{ once = true; requests--; }} }};
      this.addEventListener("loadend", end);
      try {{ return send.apply(this, arguments); }} catch (error) {{ end(); throw error; }}
    }};
  }}
  const lateScript = (windowMs) => {{
    const nav = performance.getEntriesByType("navigation")[0];
    if (!nav || !nav.loadEventStart) return false;
    const now = performance.now();
    return performance.getEntriesByType("resource").some((entry) => entry.initiatorType === "script"
      && entry.responseEnd > nav.loadEventStart && now - entry.responseEnd < windowMs);
  }};
  fix("{_BUSY}", (windowMs) => leaving || hashing || document.readyState !== "complete" || timers.size > 0 || frames.size > 0
    || requests > 0 || lateScript(windowMs));
}})()"""
# The quiet window in one document: `quietMs` from its last change (or from the bot's last move, `calmMs` ago);
# whenever the document has nothing pending, its next rendering and one task after it, `idleMs` at most; re-judged
# at each change and when the window ends.
# It answers whether the document then shows any text.
_QUIET = f"""([quietMs, idleMs, maxMs, calmMs]) => new Promise((done) => {{
  if (!document.documentElement) {{ done(false); return; }}
  const clock = window.{_CHANGE_CLOCK}, busy = window.{_BUSY};
  const timer = window.{_TIMER} || {{set: (f, ms) => setTimeout(f, ms), clear: (id) => clearTimeout(id)}};
  const start = performance.now();
  let last = typeof clock === "function" ? Math.max(clock(), start - calmMs) : start;
  if (!Number.isFinite(last)) last = start;
  let wait = null, framing = false;
  const finish = () => {{
    observer.disconnect(); timer.clear(wait); timer.clear(cap);
    done(!!(document.body && document.body.innerText.trim()));   // drawn: an app's empty shell is not yet
  }};
  const idle = () => typeof busy === "function" && !busy(quietMs);
  const judge = () => {{
    timer.clear(wait);
    const calm = idle();
    const left = (calm ? Math.min(idleMs, quietMs) : quietMs) - (performance.now() - last);
    if (left <= 0) {{ finish(); return; }}
    wait = timer.set(judge, left);
    if (calm && !framing && timer.frame) {{
      // What no tracker sees (an observer's callback, a message-channel task) runs by the next rendering and the
      // task after it: a document unchanged and still idle then is done, within the idle window at the latest.
      framing = true;
      const seen = last;
      timer.frame(() => timer.set(() => {{ framing = false; if (last === seen && idle()) finish(); else judge(); }}, 0));
    }}
  }};
  const observer = new MutationObserver(() => {{ last = performance.now(); judge(); }});
  observer.observe(document.documentElement, {{subtree: true, childList: true, attributes: true, characterData: true}});
  const cap = timer.set(finish, maxMs);
  judge();
}})"""

_IDLE_NOW = f"() => typeof window.{_BUSY} === 'function' && !window.{_BUSY}(0)"
_HAS_TEXT = "() => !!(document.body && document.body.innerText.trim())"
_DRAWN = """(maxMs) => new Promise((done) => {
  const drawn = () => !!(document.body && document.body.innerText.trim());
  if (drawn()) { done(true); return; }
  const observer = new MutationObserver(() => { if (drawn()) { observer.disconnect(); clearTimeout(cap); done(true); } });
  observer.observe(document.documentElement, {subtree: true, childList: true, characterData: true});
  const cap = setTimeout(() => { observer.disconnect(); done(false); }, maxMs);
})"""


async def _first_true(waits: Sequence[Awaitable[Any]]) -> None:
    """Return once one of `waits` answers True (or all have answered); a frame that fails counts as answered."""
    pending = {asyncio.ensure_future(w) for w in waits}
    try:
        while pending:
            finished, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            if any(not task.exception() and task.result() for task in finished):
                return
    finally:
        for task in pending:
            task.cancel()


def strip_marks(text: str) -> str:
    """No diacritics, case kept: codes survive, labels fold."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("đ", "d").replace("Đ", "D")


def find_receipt(text: str) -> str | None:
    """The dossier's code on a page: after the words portals put before it, or in the national pattern."""
    plain = strip_marks(text)
    match = _RECEIPT.search(plain)
    if match and any(c.isdigit() for c in match.group(1)):
        return match.group(1).rstrip(".")
    national = NATIONAL_CODE.search(plain)
    return national.group(0) if national else None


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
    policy: NavigationPolicy | None = None
    facts: dict[str, Any] = field(default_factory=dict)   # what the bot learnt: receipt, account, gate...
    # An assisted check (R8 is not for a CAPTCHA or an OTP): called at such a gate on the visible page, it
    # returns once the inspector has passed it (True) or gave up (False); None in an unattended crawl.
    assist: Callable[[Session, str], Awaitable[bool]] | None = None
    _inflight: set[Request] = field(default_factory=set, repr=False)
    _drained: asyncio.Event = field(default_factory=asyncio.Event, repr=False)   # set whenever nothing is in flight
    _calm_since: float = field(default=0.0, repr=False)   # loop time of the last action or awaited response
    untouched: bool = field(default=False, repr=False)    # the page is as `open` left it: nothing clicked since
    _watching: bool = field(default=False, repr=False)
    _notices_closed: list[str] = field(default_factory=list, repr=False)
    _dialogs: list[dict[str, Any]] = field(default_factory=list, repr=False)     # the browser's own, as answered
    _windows: list[Page] = field(default_factory=list, repr=False)               # opened by the page's scripts
    _windows_followed: list[str] = field(default_factory=list, repr=False)
    _windows_at_click: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        self._watch()  # from the first navigation on: a single-page app's first fetch must be waited for

    @property
    def step_ms(self) -> float:
        return self.settings.timeouts.step_s * 1000

    @property
    def step_deadline_s(self) -> float:
        """How long one flow step may take: two loads, a few finds, fills and clicks, and a mail's wait
        (never past the check's). Past it, the page did not let the bot act (`stalled`)."""
        timeouts = self.settings.timeouts
        return min(timeouts.check_s, 2 * timeouts.navigation_s + 4 * timeouts.step_s + self.settings.mailbox.wait_s)

    async def open(self, url: str) -> Response | None:
        # Follow requests from before the load: a single-page app fetches its content while the document
        # loads, and settling must wait for that fetch, not only for the ones after it.
        self._watch()
        response = await goto(self.page, url, timeout_s=self.settings.timeouts.navigation_s, limiter=self.limiter,
                              policy=self.policy)
        # A move within the document (another `#/route` of a single-page app) fires no load: its window counts from here.
        self._calm_since = asyncio.get_running_loop().time()
        self.untouched = True
        return response

    async def begin(self) -> None:
        """Ready the page for the first step: its documents keep their last DOM change, an announcement that
        appears while the bot acts (a popup shown a moment after the load) is closed before the action goes on,
        the browser's own dialogs are answered (`crawler/bot/dialogs.py`), and windows its scripts open are seen."""
        self.page.on("dialog", self._answer)
        self.page.on("popup", self._opened)
        await self.follow_changes()
        # The first shown layer: Playwright asks its handler's locator to be strict, and a modal comes with its backdrop.
        shown = self.page.locator(LAYERS).filter(visible=True).first
        await self.page.add_locator_handler(shown, self._close_notices_for_playwright, no_wait_after=True)

    def _opened(self, window: Page) -> None:
        self._windows.append(window)

    def _answer(self, dialog: Dialog) -> None:
        accept = dialogs.accepts(dialog.type, dialog.message)
        if len(self._dialogs) < dialogs.KEPT:
            answer = "accept" if accept else "dismiss"
            self._dialogs.append({"type": dialog.type, "message": redact(dialog.message[:200], self.citizen), "answer": answer})
        answered = dialog.accept() if accept else dialog.dismiss()
        asyncio.ensure_future(answered).add_done_callback(lambda done: done.exception())  # a closed page's: nothing to say

    async def follow_late_window(self, wait_s: float = LATE_WINDOW_S) -> bool:
        """A window the last click opened only once the page's own request came back (a gateway's address fetched
        first): waited for a moment, then followed; whether one was."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while len(self._windows) <= self._windows_at_click and loop.time() < deadline:
            await asyncio.sleep(0.05)
        if not await self._follow_window():
            return False
        await self.settle()
        return True

    async def _follow_window(self) -> bool:
        """A window the click opened (a payment gateway's, a vendor system's) is followed in this page, as a link to a
        new window is: its address is taken, the window closed; whether one was followed."""
        if len(self._windows) <= self._windows_at_click:
            return False
        self._windows_at_click = len(self._windows)
        window = self._windows[-1]
        try:
            if window.url in ("", "about:blank"):
                await window.wait_for_url(lambda url: url not in ("", "about:blank"), wait_until="commit",
                                          timeout=self.settings.timeouts.navigation_s * 1000)
            address = window.url
        except PlaywrightError:
            address = ""
        try:
            await asyncio.wait_for(window.close(), self.settings.timeouts.step_s)
        except (PlaywrightError, asyncio.TimeoutError):
            pass  # a window that will not close is left to the context's own closing
        if not address.startswith(("http://", "https://")):
            return False
        self._windows_followed.append(address)
        await self.open(address)  # the navigation policy refuses file:, this machine, internal networks
        return True

    async def _close_notices_for_playwright(self) -> None:
        try:
            await self.close_notices()
        except (PlaywrightError, PageStalled):
            pass  # a handler must not fail the action it runs in: the action meets the layer and says so itself

    async def close_notices(self) -> None:
        """Close what covers the page and asks nothing (`crawler/bot/notices.py`); the next step's record names it."""
        self._notices_closed += await close_notices(self.page, policy=self.policy,
                                                    timeout_s=self.settings.timeouts.step_s)

    async def follow_changes(self) -> None:
        """Have every document of the page, from its start, keep when its DOM last changed (for `_quiet`)."""
        await self.page.add_init_script(_FOLLOW_CHANGES)

    def _watch(self) -> None:
        """Follow the page's requests once: settling waits for what is in flight, not for a fixed time."""
        if self._watching:
            return
        self._watching = True

        def started(request: Request) -> None:
            if request.resource_type in _WAITED_FOR:
                self._inflight.add(request)
                self._drained.clear()

        def ended(request: Request) -> None:
            if request in self._inflight:
                self._inflight.discard(request)
                if not self._inflight:
                    self._drained.set()
                # A page's script handles a fetch's or a script's response after the network is done with it, and
                # a frame parses its document after: each gets a whole quiet window. The top document is parsed
                # by the time its load fires, which settling waits for.
                if request.resource_type in _HANDLED_LATER and not (
                        request.resource_type == "document" and request.frame == self.page.main_frame):
                    self._calm_since = asyncio.get_running_loop().time()

        self.page.on("request", started)
        self.page.on("requestfinished", ended)
        self.page.on("requestfailed", ended)

    async def settle(self) -> None:
        """Wait for the page to finish what an action started, on signals, not on a fixed time.

        The signals: the load of the document (a navigation), the requests in flight (the response
        the click caused: a form post, a single-page app's fetch), then a mutation-quiet window of
        `QUIET_MS` in every frame (the script that draws the answer). Each wait is bounded, so a
        page that never quiets (a stream, a ticking clock) costs at most `SETTLE_S`.
        """
        self._watch()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_S
        try:
            await self.page.wait_for_load_state("load", timeout=min(self.step_ms, SETTLE_S * 1000))
        except PlaywrightError:
            pass
        for _ in range(3):  # a render may start one more fetch: follow it, a few times at most
            if self._inflight:   # woken by the last one's end, not by polling
                try:
                    await asyncio.wait_for(self._drained.wait(), timeout=max(0.0, deadline - loop.time()))
                except asyncio.TimeoutError:
                    pass
            drawn = await self._quiet(max(0.0, deadline - loop.time()))
            if loop.time() >= deadline:
                return
            if not self._inflight:
                if drawn or (drawn is None and not await self._blank()):
                    return
                # An app's shell: nothing to read yet, its script still fetching what it will draw (a chain of
                # fetches can leave a gap longer than the quiet window). Wait for the first words, then quiet.
                await self._until_drawn(max(0.0, deadline - loop.time()))

    async def _idle(self, frame: Frame) -> bool:
        """Whether `frame`'s document has nothing of its own pending (see `_FOLLOW_CHANGES`)."""
        try:
            return bool(await read_frame(frame, _IDLE_NOW, timeout_s=self.settings.timeouts.step_s))
        except PlaywrightError:
            return False

    async def _blank(self) -> bool:
        """Whether no usable frame shows any text yet (a single-page app's empty shell)."""
        for frame in usable_frames(self.page):
            try:
                if await read_frame(frame, _HAS_TEXT, timeout_s=self.settings.timeouts.step_s):
                    return False
            except PlaywrightError:
                continue
        return True

    async def _until_drawn(self, budget_s: float) -> None:
        """Until some frame shows text (bounded by `budget_s`)."""
        if budget_s <= 0:
            return
        waits = [frame.evaluate(_DRAWN, int(budget_s * 1000)) for frame in usable_frames(self.page)]
        try:
            await asyncio.wait_for(_first_true(waits), timeout=budget_s + 0.5)
        except asyncio.TimeoutError:
            pass

    async def _quiet(self, budget_s: float) -> bool | None:
        """Until no frame's DOM has changed for its window (bounded by `budget_s`); then whether some frame shows
        text, None when no frame could say."""
        if budget_s <= 0:
            return None
        calm_ms = int((asyncio.get_running_loop().time() - self._calm_since) * 1000)
        waits = [frame.evaluate(_QUIET, [QUIET_MS, IDLE_MS, int(budget_s * 1000), calm_ms])
                 for frame in usable_frames(self.page)]
        try:
            answers = await asyncio.wait_for(asyncio.gather(*waits, return_exceptions=True), timeout=budget_s + 0.5)
        except asyncio.TimeoutError:
            # A page that never quiets answers at the cap; one whose main frame does not answer at all (a script
            # that never yields) never lets the bot act: `read_frame` raises PageStalled for it.
            await read_frame(self.page.main_frame, "() => true", timeout_s=self.settings.timeouts.step_s)
            return None
        said = [answer for answer in answers if isinstance(answer, bool)]
        return any(said) if said else None

    async def click(self, candidate: finder.Candidate) -> None:
        """Follow a link or press a button; a link to a new window is opened in this one."""
        self._watch()
        self.untouched = False
        href = candidate.href
        if candidate.tag == "a" and candidate.target == "_blank" and href and not href.startswith(("#", "javascript:")):
            absolute = await read_frame(candidate.frame, "(h) => new URL(h, document.baseURI).href", href,
                                        timeout_s=self.settings.timeouts.step_s)
            await self.open(absolute)  # the navigation policy refuses file:, this machine, internal networks
        else:
            frame, before = candidate.frame, (self.page.url, candidate.frame.url)

            def navigated() -> bool:
                return frame.is_detached() or (self.page.url, frame.url) != before

            await self.close_notices()  # a portal's announcement over the page would take the click
            await candidate.reveal()
            self._windows_at_click = len(self._windows)
            await candidate.locator.click(timeout=self.step_ms)
            clicked_at = asyncio.get_running_loop().time()
            # A script, or a form inside a frame, may start its navigation or its request a moment after the click;
            # a frame with nothing pending (no timer, request or navigation of its own) will start none.
            for turn in range(5):
                if self._inflight or navigated() or (turn == 1 and await self._idle(frame)):
                    break
                await asyncio.sleep(0.02)
            if not navigated():
                # The click's handler may still draw: a quiet window from the click. A new document counts its own.
                self._calm_since = max(self._calm_since, clicked_at)
            await self.settle()
            if not await self._follow_window():
                return
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
        if self.policy is not None:
            # A redirect may have taken the page where the policy refuses to go: nothing of it is kept.
            refused = await leave_refused(self.page, self.policy)
            if refused is not None and result.outcome == "ok":
                result = StepResult("failed", {**result.detail, **_refusal(refused)})
            result = StepResult(result.outcome, {**result.detail, **self.policy.take_blocked()})
            if self.policy.withhold_recording and not self.facts.get("recording_withheld"):
                self.facts["recording_withheld"] = True
                result.detail["recording_withheld"] = WITHHELD
        for key, seen in (("notices_closed", self._notices_closed), ("dialogs", self._dialogs),
                          ("windows_followed", self._windows_followed)):
            if seen:
                result = StepResult(result.outcome, {**result.detail, key: list(seen)})
                seen.clear()
        detail = {k: (redact(v, self.citizen) if isinstance(v, str) else v) for k, v in result.detail.items()}
        await self.recorder.record(self.page, name, name, target=target, outcome=result.outcome,
                                   started=started, detail=detail)
        return result

    async def guarded(self, name: str, step: Step, target: str = "") -> StepResult:
        """Run one step; the bot's own failures become an `error` step, never an exception."""
        started = self.recorder.begin()
        deadline = self.step_deadline_s
        try:
            # The deadline is kept from here, outside the page: a frame that never answers cannot hold it.
            result = await asyncio.wait_for(step(self), timeout=deadline)
        except BlockedByPolicy as refused:
            result = StepResult("failed", _refusal(refused))
        except (VisitError, PlaywrightError, asyncio.TimeoutError) as error:
            failure = translate(error) if not isinstance(error, asyncio.TimeoutError) else PageStalled(
                f"trang không cho phép thao tác: bước «{name}» quá {deadline:g} giây")
            if failure.kind == "timeout":
                failure = await self._frozen() or failure
            result = StepResult("error", {"error_kind": failure.kind, "error": str(failure)[:300]})
        gate = result.detail.get("blocker") if result.outcome == "blocked" else None
        if self.assist is None or gate not in ASSISTED_GATES:
            return await self.record(name, result, started, target)
        # The gate is recorded as met, the bot pauses for the person, then tries the step again once.
        await self.record(name, result, started, target)
        waited = self.recorder.begin()
        helped = await self.assist(self, str(gate))
        await self.record(f"{name}_assisted", StepResult("ok" if helped else "failed", {"gate": gate, "assisted": helped}),
                          waited, target)
        if not helped:
            return result
        self.facts["assisted"] = [*self.facts.get("assisted", []), gate]
        return await self.guarded(name, step, target) if self.facts["assisted"].count(gate) <= 2 else result

    async def _frozen(self) -> PageStalled | None:
        """The stall, when an action timed out because the page stopped answering at all (its script never
        yields) rather than because of the one control; None when the page still answers."""
        try:
            await read_frame(self.page.main_frame, "() => true", timeout_s=FROZEN_PROBE_S)
        except PageStalled as stalled:
            return stalled
        except PlaywrightError:
            pass
        return None


def _refusal(refused: BlockedByPolicy) -> dict[str, Any]:
    """A refusal as a step's detail: what the site sent the bot to, and why the bot did not go."""
    return {"error_kind": refused.kind, "error": str(refused)[:300], "blocked_url": refused.url[:200],
            "blocked_reason": refused.reason}
