"""Choices a page draws itself, made the way a person makes them.

A drop-down list drawn by a script (`role=combobox`, Angular Material's `mat-select`, the options laid
in a list at the end of the page, the value kept in a hidden field) is opened by a click and one of
its options clicked, the most online delivery first, as for a `<select>`. A date field that cannot
be typed into (its calendar writes it) is given the citizen's date as the calendar would: the value
set and the page told by its input and change events.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Locator

from checks.text import fold_words
from crawler.bot.finder import shows
from crawler.browser.policy import read_frame

# What opens a list: the ARIA roles every kit sets, the older ones' role=listbox on the shown box (Angular Material
# before v15, Kendo UI), and Element UI's box, which carries no role.
TRIGGERS = "[role=combobox], [aria-haspopup=listbox], mat-select, span[role=listbox], .el-select"
# A list's options: the ARIA role, and the kits that draw theirs without it.
OPTIONS = ("[role=option], mat-option, .ng-option, .ant-select-item-option, .select2-results__option, "
           ".el-select-dropdown__item, .choices__item--choice, .k-list .k-item")
# Lists that showed no option, per frame: not opened again at every form the page shows (a search box of the header).
_SILENT: weakref.WeakKeyDictionary[Frame, set[tuple[str, str]]] = weakref.WeakKeyDictionary()
MAX_LISTS = 8            # a form with more script-drawn lists than that is not a citizen's form
OPEN_MS = 1000           # a list shows its options within a frame or two of the click; a slow one within a second

_TRIGGERS = r"""(sel) => Array.from(document.querySelectorAll(sel)).map((el, i) => {
  const r = el.getBoundingClientRect(), st = getComputedStyle(el);
  const visible = r.width > 0 && r.height > 0 && st.visibility !== 'hidden' && st.display !== 'none';
  const outer = el.parentElement && el.parentElement.closest(sel);  // a kit's input inside its own trigger
  let label = el.getAttribute('aria-label') || '';
  const by = el.getAttribute('aria-labelledby');
  if (!label && by) label = by.split(/\s+/).map(id => (document.getElementById(id) || {}).innerText || '').join(' ');
  const shown = (el.innerText || el.value || '').replace(/\s+/g, ' ').trim();
  // Else the nearest <label> around it ("Giới tính *"), else the words of the nearest box that says more than the
  // list itself; the kit's own prompt inside the list ("Chọn nơi nhận") is not its label.
  for (let box = el.parentElement, depth = 0; box && depth < 5 && !label; box = box.parentElement, depth++) {
    const tag = box.querySelector('label');
    if (tag) label = tag.innerText;
  }
  for (let box = el.parentElement, depth = 0; box && depth < 4 && (!label || label.trim() === shown); depth++) {
    label = (box.innerText || '').replace(shown, '');
    box = box.parentElement;
  }
  // Select2, Chosen, bootstrap-select draw their list beside or around the real <select>, which is then filled as
  // one (it still takes room: a pixel, or a transparent box); a <select> that takes none (Choices.js hides its
  // own) cannot be, and the drawn list is used.
  const rendered = (s) => !!s && s.tagName === 'SELECT' && s.getBoundingClientRect().width > 0;
  let native = false;
  for (let up = el, depth = 0; up && depth < 3 && !native; up = up.parentElement, depth++)
    native = rendered(up.previousElementSibling) || Array.from(up.querySelectorAll('select')).some(rendered);
  return {i, visible, own: native || el.tagName === 'SELECT', typing: el.tagName === 'INPUT' && !el.readOnly,
          placeholder: el.placeholder || '', name: el.name || '', id: el.id || '',
          nested: !!outer, label: label.replace(/\s+/g, ' ').trim().slice(0, 120), shown: shown.slice(0, 120),
          disabled: el.getAttribute('aria-disabled') === 'true' || !!el.disabled};
})"""

_OPTIONS = r"""(sel) => Array.from(document.querySelectorAll(sel)).map((el, i) => {
  const r = el.getBoundingClientRect(), st = getComputedStyle(el);
  return {i, visible: r.width > 0 && r.height > 0 && st.visibility !== 'hidden' && st.display !== 'none',
          text: (el.innerText || el.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 160),
          disabled: el.getAttribute('aria-disabled') === 'true' || /\bdisabled\b/.test(el.className || '')};
})"""

# The page's own value setter, so frameworks that watch it (React, Angular) see the change as typing.
_SET_VALUE = """(el, value) => {
  // flatpickr keeps the date in the field it was made on, and shows a read-only copy (altInput) beside it: its own
  // setter writes both, in the field's format.
  const picker = el._flatpickr || (el.previousElementSibling && el.previousElementSibling._flatpickr);
  if (picker) { picker.setDate(value, true, 'd/m/Y'); return value; }
  const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(el), 'value');
  if (setter && setter.set) setter.set.call(el, value); else el.value = value;
  for (const kind of ['input', 'change']) el.dispatchEvent(new Event(kind, {bubbles: true}));
  el.dispatchEvent(new Event('blur'));
  return el.value;
}"""


# How a choice of the result's delivery reveals the level: online first, then by post, then the rest.
_DELIVERY = (("truc tuyen", "ban dien tu", "ket qua dien tu", "qua mang", "online"), ("buu chinh", "buu dien", "tai nha"))


def delivery_rank(text: str) -> int:
    """0 for a result returned online, 1 by post, 2 anything else (in person, or not about delivery)."""
    words = f" {fold_words(text)} "
    for rank, phrases in enumerate(_DELIVERY):
        if any(f" {phrase} " in words for phrase in phrases):
            return rank
    return len(_DELIVERY)


def best_choice(choices: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The option a citizen testing the level picks: the most online delivery offered, else the first."""
    if not choices:
        return None
    return min(enumerate(choices), key=lambda pair: (delivery_rank(pair[1][1]), pair[0]))[1]


def is_prompt(text: str) -> bool:
    """Whether a list's text is its prompt ("-- Chọn hình thức --", "Chọn"), not a choice."""
    words = fold_words(text)
    return not words or words.startswith("chon") or text.strip().startswith("--")


async def set_by_script(target: Locator, value: str, timeout_ms: float) -> bool:
    """Write a read-only field's value as its calendar would; whether the page kept it."""
    kept = await target.evaluate(_SET_VALUE, value, timeout=timeout_ms)
    return bool(kept) and str(kept).strip() == value


async def choose_in_lists(frame: Frame, timeout_ms: float,
                          typed: Callable[[dict[str, Any]], str | None] | None = None) -> list[dict[str, Any]]:
    """Open every visible script-drawn list of `frame`, choose an option in each; one record per list.

    A list that searches as one types (an autocomplete) and shows nothing on a click is given `typed(field)`, the
    words the citizen would type there, and its first fitting option is chosen; a list that never shows options is
    not opened again in this frame's page (`_SILENT`).
    """
    try:
        triggers = await read_frame(frame, _TRIGGERS, TRIGGERS)
    except PlaywrightError:
        return []
    records: list[dict[str, Any]] = []
    silent = _SILENT.setdefault(frame, set())
    lists = [t for t in triggers if t["visible"] and not t["own"] and not t["nested"] and not t["disabled"]
             and (frame.url, t["label"]) not in silent]
    for trigger in lists[:MAX_LISTS]:
        label = trigger["label"][:60]
        shown = {"name": trigger["name"] or trigger["id"] or label, "label": label, "meaning": "choice"}
        field = {"type": "text", "tag": "input", "label": trigger["label"], "placeholder": trigger["placeholder"],
                 "name": trigger["name"], "id": trigger["id"]}
        text = typed(field) if typed is not None and trigger["typing"] else None
        try:
            chose = await _choose(frame, frame.locator(TRIGGERS).nth(trigger["i"]), timeout_ms, text)
        except PlaywrightError as error:
            records.append({**shown, "filled": False, "error": str(error).splitlines()[0][:200]})
            continue
        if chose is None:
            silent.add((frame.url, trigger["label"]))
        records.append({**shown, "filled": chose is not None, **({"chose": chose[:80]} if chose else {"error": "no option"})})
    return records


async def _choose(frame: Frame, trigger: Locator, timeout_ms: float, text: str | None) -> str | None:
    await trigger.click(timeout=min(timeout_ms, 5000))
    options_drawn = frame.locator(OPTIONS).filter(visible=True).first
    shown = await shows(options_drawn, OPEN_MS)
    if not shown and text:
        await trigger.fill(text, timeout=min(timeout_ms, 5000))
        shown = await shows(options_drawn, OPEN_MS)
    if not shown:
        await frame.page.keyboard.press("Escape")
        return None
    options = [o for o in await read_frame(frame, _OPTIONS, OPTIONS) if o["visible"] and not o["disabled"]]
    best = best_choice([(str(o["i"]), o["text"]) for o in options if not is_prompt(o["text"])])
    if best is None:
        await frame.page.keyboard.press("Escape")
        return None
    # Chosen again when it already is: a click on an option closes every kit's list, Escape does not close all.
    await frame.locator(OPTIONS).nth(int(best[0])).click(timeout=min(timeout_ms, 5000))
    return best[1]
