"""Finding what to click by the words on it, in every frame of the page, NFC or NFD alike.

Candidates come from one script per frame (links, buttons, submit inputs, things with role=button
or onclick); each is scored against an intent's phrases (`crawler/bot/words.py`). A short text
that is exactly the phrase beats a long one that merely contains it, so the "Đăng ký" of an account
wins over the "Đăng ký khai sinh" of a service. A control hidden in a menu that opens on hover
("Tài khoản ▾") is a candidate too, ranked below every visible one: clicking it first hovers the
nearest visible ancestor, as a person moves the pointer over the menu.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Locator, Page

from checks.text import fold_words
from crawler.bot.words import INTENTS
from crawler.browser.policy import read_frame, usable_frames

CLICKABLE = ("a, button, input[type=submit], input[type=button], input[type=image], [role=button], "
             "[role=link], [onclick]")

# What opens a menu on a click: the ARIA and the kits' own marks (Bootstrap 3–5's data-toggle, .dropdown-toggle).
MENU_TOGGLES = "[aria-haspopup], [aria-expanded], [data-toggle], [data-bs-toggle], .dropdown-toggle"
MENU_HOVER_MS = 300   # a script-shown hover menu draws within a frame or two; a click menu never does
MENU_OPEN_MS = 1000

_COLLECT = r"""(sel) => {
// A form without <form> (a script sends it): the nearest box, below the page itself, that holds two fields or more.
const withFields = (el) => {
  for (let up = el.parentElement, depth = 0; up && up !== document.body && depth < 5; up = up.parentElement, depth++)
    if (up.querySelectorAll('input:not([type=hidden]), select, textarea').length >= 2) return true;
  return false;
};
return Array.from(document.querySelectorAll(sel)).map((el, i) => {
  const r = el.getBoundingClientRect();
  const st = window.getComputedStyle(el);
  const visible = r.width > 0 && r.height > 0 && st.visibility !== 'hidden' && st.display !== 'none';
  const text = (el.innerText || el.textContent || el.value || el.getAttribute('aria-label') || el.title || el.alt || '')
    .replace(/\s+/g, ' ').trim();
  let menu = false;
  if (!visible) {  // inside a menu shown on hover: a visible ancestor close by, the element itself styled away
    let up = el.parentElement;
    for (let depth = 0; up && depth < 4 && !menu; depth++, up = up.parentElement) {
      const b = up.getBoundingClientRect();
      menu = b.width > 0 && b.height > 0 && window.getComputedStyle(up).visibility !== 'hidden';
    }
  }
  // Under a dialog or a layer: a person reaches the dialog's own controls, not what lies beneath it.
  let covered = false;
  if (visible) {
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    const hit = x >= 0 && y >= 0 && x < innerWidth && y < innerHeight ? document.elementFromPoint(x, y) : null;
    covered = hit !== null && hit !== el && !el.contains(hit) && !hit.contains(el);
  }
  return {i, visible, covered, text: text.slice(0, 200), tag: el.tagName.toLowerCase(), href: el.getAttribute('href') || '',
          target: el.getAttribute('target') || '', title: el.getAttribute('title') || el.getAttribute('aria-label') || '',
          menu, disabled: !!el.disabled, button: el.tagName === 'BUTTON' || el.tagName === 'INPUT' ||
          el.getAttribute('role') === 'button' || el.hasAttribute('onclick') ||
          (el.tagName === 'A' && /^(javascript:.*|#!?|)$/i.test((el.getAttribute('href') || '').trim())),
          in_form: !!el.closest('form') || withFields(el),
          chrome: !!el.closest('header, nav, footer, [role=banner], [role=navigation], [role=contentinfo]')};
});
}"""


@dataclass(frozen=True)
class Candidate:
    frame: Frame
    index: int
    text: str
    tag: str
    href: str
    target: str
    score: float
    phrase: str
    hidden: bool = False   # in a menu that opens on hover


    @property
    def locator(self) -> Locator:
        return self.frame.locator(CLICKABLE).nth(self.index)

    def describe(self) -> dict[str, Any]:
        shown = {"text": self.text, "tag": self.tag, "href": self.href, "phrase": self.phrase, "frame": self.frame.url}
        return {**shown, "hover_menu": True} if self.hidden else shown

    async def reveal(self) -> None:
        """Open the menu a hidden control lives in: hover its nearest visible ancestor, as a person moves the
        pointer over "Tài khoản ▾"; a menu that stays shut opens on a click of its toggle (a dropdown)."""
        if not self.hidden:
            return
        ancestor = self.locator.locator("xpath=..")
        try:
            for _ in range(4):
                if await ancestor.is_visible():
                    await ancestor.hover(timeout=3000)
                    if not await self._shown(MENU_HOVER_MS):
                        toggle = ancestor.locator(MENU_TOGGLES).filter(visible=True).first
                        if await toggle.count():
                            await toggle.click(timeout=3000)
                            await self._shown(MENU_OPEN_MS)
                    return
                ancestor = ancestor.locator("xpath=..")
        except PlaywrightError:
            return

    async def _shown(self, timeout_ms: float) -> bool:
        return await shows(self.locator, timeout_ms)


async def shows(locator: Locator, timeout_ms: float) -> bool:
    """Whether `locator` is shown within `timeout_ms` (a menu opened, a list's options drawn)."""
    try:
        await locator.wait_for(state="visible", timeout=timeout_ms)
    except PlaywrightError:
        return False
    return True


def score(text: str, phrases: Iterable[str]) -> tuple[float, str]:
    """How well `text` says one of `phrases` (folded): 0 for not at all."""
    words = fold_words(text).split()
    if not words or len(words) > 12:
        return 0.0, ""
    joined = f" {' '.join(words)} "
    phrases = list(phrases)
    for rank, phrase in enumerate(phrases):
        if f" {phrase} " in joined:
            extra = len(words) - len(phrase.split())
            if extra > 3 and len(phrase.split()) <= 2:
                continue  # "Đăng ký khai sinh kết hợp..." is a service name, not the account's "Đăng ký"
            return 100.0 - rank * 5 - extra * 8, phrase
    return 0.0, ""


async def candidates(page: Page, intent: str, *, phrases: Iterable[str] | None = None,
                     exclude: Iterable[str] = (), buttons: bool = False) -> list[Candidate]:
    """Visible, enabled candidates for `intent` in every frame, best first.

    `buttons` keeps only what sends a form (buttons, submit inputs, and the links and boxes a script makes
    act as one: "javascript:void(0)", "#", an onclick): a header link that goes somewhere with the same
    words ("Đăng ký") must not win over the form's own button.
    """
    wanted = list(phrases or INTENTS[intent])
    excluded = [fold_words(text) for text in exclude if text]
    found: list[Candidate] = []
    for frame in usable_frames(page):
        try:
            items = await read_frame(frame, _COLLECT, CLICKABLE)
        except PlaywrightError:
            continue  # a frame that navigated away while we looked
        for item in items:
            hidden = not item["visible"]
            if (hidden and (buttons or not item["menu"])) or item["disabled"] or (buttons and not item["button"]):
                continue
            # An icon's glyph ("🔍", "»") says nothing: its title or ARIA label does ("Tra cứu").
            text = item["text"] if fold_words(item["text"]) or not item["title"] else item["title"]
            value, phrase = score(text, wanted)
            if value <= 0 or any(x and x in fold_words(text) for x in excluded):
                continue
            value += 3 if item["in_form"] else 0  # the form's own control beats the menu's namesake
            # The page's own link beats the site header's namesake: "Chưa có tài khoản? Tạo tài khoản" under a login
            # form carries the way back to the service, the header's "Tạo tài khoản" does not.
            value += 2 if not item["chrome"] else 0
            value -= 50 if hidden else 0         # a hover menu's entry only when nothing visible says it
            value -= 40 if item["covered"] else 0  # beneath a dialog: the dialog's own control first
            found.append(Candidate(frame, item["i"], text, item["tag"], item["href"], item["target"], value, phrase, hidden))
    found.sort(key=lambda c: -c.score)
    return found


async def find(page: Page, intent: str, **kwargs: Any) -> Candidate | None:
    found = await candidates(page, intent, **kwargs)
    return found[0] if found else None


async def page_text(page: Page) -> str:
    """The visible text of the page and all its frames, for reading signs and codes."""
    parts = []
    for frame in usable_frames(page):
        try:
            parts.append(await read_frame(frame, "() => document.body ? document.body.innerText : ''"))
        except PlaywrightError:
            continue
    return "\n".join(parts)
