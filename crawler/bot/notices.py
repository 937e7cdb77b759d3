"""Announcements laid over a page, as many DVC portals show one on arrival ("THÔNG BÁO": maintenance, a new
address, a survey): recognized by what they do to the page, not by a vendor's markup, and closed so that the
citizen's next click reaches the page behind.

A notice is a layer fixed over the viewport (its centre and most of its corners) that asks nothing: no field to
fill, no control that answers a question ("Đồng ý", "Hủy", "Nộp", "Đăng nhập"), and a control that closes it
("Đóng", "Tôi đã hiểu", "×", a dismiss attribute). A dialog that asks something (a login, the confirmation of a
submission) is left to the flow. Closing happens only when the bot is about to act, so whatever the layer said
(a receipt in a "Nộp hồ sơ thành công" box) has been read and recorded with the step first.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Page

from checks.text import fold
from crawler.bot.words import NOTICE_ASKS, NOTICE_CLOSE
from crawler.browser.policy import NavigationPolicy, read_frame, usable_frames

# What may close a notice, or answer it; a link to another page is neither.
CONTROLS = ("button, input[type=button], input[type=submit], [role=button], a, .close, .btn-close, [data-dismiss], "
            "[data-bs-dismiss]")
# The markup of common popup libraries (Bootstrap, SweetAlert2, jQuery UI, plain dialogs): seeing one of these
# appear while the bot acts (a popup shown a moment after the load) has Playwright ask `close_notices` first.
LAYERS = ("[role=dialog], [role=alertdialog], [aria-modal=true], dialog[open], .modal, .modal-backdrop, "
          ".swal2-container, .ui-widget-overlay, .popup, .overlay")
MAX_IN_A_ROW = 3   # a portal may stack a survey on its announcement; more is a page that keeps opening them
GONE_S = 1.0       # a closed notice's fade-out

# What covers the page, read in the page: the layers fixed over the viewport's centre and most of its corners, whether
# they hold a field, and their shown controls (raw words; `_judge` folds and weighs them, as the finder does).
_FIND = r"""(controls) => {
  const vw = window.innerWidth, vh = window.innerHeight;
  if (!vw || !vh || !document.body) return null;
  const shown = (el) => {
    const r = el.getBoundingClientRect(), st = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && st.visibility !== 'hidden' && st.display !== 'none';
  };
  const fixedLayer = (el) => {
    for (let n = el; n && n !== document.body && n !== document.documentElement; n = n.parentElement) {
      if (n.tagName === 'DIALOG' || getComputedStyle(n).position === 'fixed') return n;
    }
    return null;
  };
  const layers = new Set();
  let covered = 0, centre = false;
  for (const [x, y] of [[.5, .5], [.1, .1], [.9, .1], [.1, .9], [.9, .9]]) {
    const hit = document.elementFromPoint(vw * x, vh * y), layer = hit && fixedLayer(hit);
    if (layer) { covered++; layers.add(layer); if (x === .5 && y === .5) centre = true; }
  }
  if (!centre || covered < 3) return null;  // a fixed header or a chat button covers an edge, not the page
  for (const d of document.querySelectorAll('[role=dialog], [role=alertdialog], [aria-modal=true], dialog[open]')) {
    if (shown(d)) layers.add(d);
  }
  const inside = (el) => [...layers].some((l) => l.contains(el));
  const fields = 'input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=button])' +
                 ':not([type=submit]):not([type=image]), select, textarea';
  const text = [...layers].map((l) => l.innerText || '').join(' ').replace(/\s+/g, ' ').trim().slice(0, 200);
  const hasField = [...document.querySelectorAll(fields)].some((f) => inside(f) && shown(f));
  const found = [];
  for (const [i, el] of [...document.querySelectorAll(controls)].entries()) {
    if (!inside(el) || !shown(el)) continue;
    const href = el.tagName === 'A' ? (el.getAttribute('href') || '') : '';
    found.push({i, words: (el.innerText || el.value || '').replace(/\s+/g, ' ').trim(),
                label: el.getAttribute('aria-label') || el.title || '',
                dismiss: el.hasAttribute('data-dismiss') || el.hasAttribute('data-bs-dismiss') ||
                         el.classList.contains('close') || el.classList.contains('btn-close'),
                leaves: !!href && !href.startsWith('#') && !href.toLowerCase().startsWith('javascript:')});
  }
  return {text, hasField, controls: found};
}"""


@dataclass(frozen=True)
class Notice:
    """An announcement over the page of `frame`, and the control that closes it (its index among CONTROLS)."""

    frame: Frame
    closer: int
    closer_text: str
    text: str


async def covering_notice(page: Page, *, policy: NavigationPolicy | None = None,
                          timeout_s: float = 5.0) -> Notice | None:
    """The notice covering a frame of the page, if one does; a dialog that asks something is none."""
    for frame in usable_frames(page, policy):
        try:
            found = await read_frame(frame, _FIND, CONTROLS, timeout_s=timeout_s)
        except PlaywrightError:
            continue  # a frame that went away or does not answer covers nothing the bot can close
        notice = _judge(frame, found) if found else None
        if notice is not None:
            return notice
    return None


def _asks(words: str) -> bool:
    """Whether a control's folded words answer a question ("Đồng ý", "Hủy", "Nộp hồ sơ"): a short word alone only."""
    return any(words == w or (len(w) > 2 and words.startswith(w + " ")) for w in NOTICE_ASKS)


def _judge(frame: Frame, found: dict) -> Notice | None:
    """The notice among what covers the frame: nothing to fill, nothing that answers, a control that closes it
    (a worded "Đóng" / "Tôi đã hiểu" before a bare × or a dismiss attribute)."""
    if found["hasField"]:
        return None
    closer: dict | None = None
    worded = False
    for control in found["controls"]:
        words, label = fold(control["words"]), fold(control["label"])
        says = len(words) > 1 and words in NOTICE_CLOSE
        if words in NOTICE_CLOSE or label in NOTICE_CLOSE or control["dismiss"]:
            if closer is None or (says and not worded):
                closer, worded = control, says
        elif not control["leaves"] and _asks(words):
            return None
    if closer is None:
        return None
    shown = closer["words"] or closer["label"]
    return Notice(frame, int(closer["i"]), " ".join(str(shown).split()), str(found["text"]))


async def close_notices(page: Page, *, policy: NavigationPolicy | None = None, timeout_s: float = 5.0) -> list[str]:
    """Close the notices covering the page, one after another (at most MAX_IN_A_ROW); what each said, in order."""
    closed: list[str] = []
    for _ in range(MAX_IN_A_ROW):
        notice = await covering_notice(page, policy=policy, timeout_s=timeout_s)
        if notice is None:
            break
        try:
            # Forced: `_FIND` saw it shown on the top layer; unforced, Playwright would first run the page's notice
            # handler (`Session.begin`), which closes this same notice and leaves the click without its control.
            await notice.frame.locator(CONTROLS).nth(notice.closer).click(timeout=timeout_s * 1000, force=True)
        except PlaywrightError:
            break  # its closer cannot be pressed: the step's own click meets the layer and says so
        closed.append(f"{notice.text} [{notice.closer_text}]")
        await _gone(page, notice, policy, timeout_s)
    return closed


async def _gone(page: Page, notice: Notice, policy: NavigationPolicy | None, timeout_s: float) -> None:
    """Until the closed notice no longer covers the page (its fade-out), bounded by GONE_S."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + GONE_S
    while loop.time() < deadline:
        still = await covering_notice(page, policy=policy, timeout_s=timeout_s)
        if still is None or still.text != notice.text:
            return
        await asyncio.sleep(0.05)
