"""Filling a form the way a citizen would: each field read by its label, name and type.

A field's meaning comes from its folded label, name, id and placeholder; the value comes from the
synthetic citizen. Fields the bot must not fill (a CAPTCHA, an OTP) are reported as blockers and
left empty: the bot never tries to defeat them.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Locator, Page

from checks.text import fold_words
from crawler.bot.choices import best_choice, choose_in_lists, delivery_rank, set_by_script
from crawler.bot.identity import Citizen, test_document
from crawler.browser.policy import read_frame, usable_frames

FIELDS = "input:not([type=hidden]), select, textarea"
CASCADE_S = 2.0   # how long a lower list may take to receive its options once the one above it is chosen
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")   # "diaChiThuongTru" → "dia Chi Thuong Tru"

_COLLECT = """(sel) => Array.from(document.querySelectorAll(sel)).map((el, i) => {
  const r = el.getBoundingClientRect();
  const st = window.getComputedStyle(el);
  const fileInput = el.type === 'file';
  let visible = (r.width > 0 && r.height > 0 && st.visibility !== 'hidden' && st.display !== 'none') || fileInput;
  let label = '';
  if (el.id) { const l = document.querySelector('label[for="' + CSS.escape(el.id) + '"]'); if (l) label = l.innerText; }
  if (!label && el.closest('label')) label = el.closest('label').innerText;
  if (!label) {
    const box = el.closest('.form-group, .field, .row, tr, li, div, p');
    const near = box ? Array.from(box.querySelectorAll(sel)) : [];
    if (near.length > 1) {
      // Several fields share the box (a table row "Giới tính: * Sinh ngày: * Dân tộc: *"): a field's own words
      // are those between it and its neighbour, before it for a box to type in, after it for a tick or a choice.
      const k = near.indexOf(el), range = document.createRange();
      if (el.type === 'checkbox' || el.type === 'radio') {
        range.setStartAfter(el);
        if (k + 1 < near.length) range.setEndBefore(near[k + 1]); else range.setEnd(box, box.childNodes.length);
      } else {
        if (k > 0) range.setStartAfter(near[k - 1]); else range.setStart(box, 0);
        range.setEndBefore(el);
      }
      label = range.toString().replace(/\\s+/g, ' ').trim().slice(-120);
    } else if (box) label = (box.innerText || '').replace(el.tagName === 'SELECT' ? el.innerText : '', '').slice(0, 120);
  }
  const options = el.tagName === 'SELECT' ? Array.from(el.options).map(o => [o.value, o.text]) : [];
  // A tick whose real box takes no room (the page draws its own): reached through its label, as a person does.
  let byLabel = false;
  if (!visible && (el.type === 'checkbox' || el.type === 'radio')) {
    const tag = (el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]')) || el.closest('label');
    const b = tag ? tag.getBoundingClientRect() : null;
    byLabel = visible = !!b && b.width > 0 && b.height > 0;
  }
  return {i, visible, tag: el.tagName.toLowerCase(), type: (el.type || '').toLowerCase(), name: el.name || '',
          id: el.id || '', placeholder: el.placeholder || '', label: label.trim(), required: !!el.required,
          value: el.value || '', checked: !!el.checked, options, disabled: !!el.disabled, readonly: !!el.readOnly,
          by_label: byLabel, role: el.getAttribute('role') || ''};
})"""

# (meaning, folded hints) in order: the first hint found in a field's words decides it.
MEANINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("captcha", ("captcha", "ma xac nhan", "ma bao ve", "ma kiem tra", "ma hien thi")),
    ("otp", ("otp", "ma xac thuc")),
    ("receipt", ("ma ho so", "so bien nhan", "ma bien nhan", "so ho so", "ma tra cuu")),
    ("password", ("mat khau", "password", "pass")),
    ("issued_by", ("noi cap", "co quan cap")),
    ("email", ("email", "thu dien tu", "e mail")),
    ("phone", ("dien thoai", "so dt", "sdt", "phone", "di dong")),
    ("id_number", ("cccd", "cmnd", "can cuoc", "so dinh danh", "giay to tuy than", "dinh danh ca nhan")),
    ("birth_date", ("ngay sinh", "ngay thang nam sinh", "sinh ngay", "birth")),
    ("username", ("ten dang nhap", "tai khoan", "username", "login")),
    ("full_name", ("ho va ten", "ho ten", "ten nguoi", "ten cong dan", "nguoi nop", "full name", "ten chu ho",
                   "ten ca nhan", "nguoi de nghi")),
    ("address", ("dia chi", "noi cu tru", "thuong tru", "noi o")),
    ("sex", ("gioi tinh",)),
    ("ethnicity", ("dan toc",)),
    ("nationality", ("quoc tich",)),
    ("amount", ("bang so", "so tien", "vnd", "tong von", "von dieu le", "von kinh doanh")),
    ("date", ("ngay", "date")),
)


@dataclass
class FormReport:
    """What a fill did: fields seen and filled (secrets redacted), and blockers met."""

    fields: list[dict[str, Any]] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)
    uploaded: int = 0

    def as_detail(self) -> dict[str, Any]:
        return {"fields": self.fields, "blockers": self.blockers, "uploaded": self.uploaded}


def meaning_of(item: dict[str, Any]) -> str:
    if item["type"] == "password":
        return "password"
    if item["type"] == "file":
        return "file"
    if item["type"] == "email":
        return "email"
    if item["type"] == "tel":
        return "phone"
    label, placeholder = fold_words(item["label"][:80]), fold_words(item["placeholder"])
    if label.startswith("ngay") or placeholder in ("dd mm yyyy", "ngay thang nam"):
        # "Ngày cấp CCCD" is a date, not the number it belongs to; "Ngày sinh" the citizen's own.
        return "birth_date" if " sinh " in f" {label} " else "date"
    # The label a person reads first, then the names the form's author gave ("cmndNoiCap", "so_cccd"), then the
    # placeholder: "Nơi cấp" by a field named cmndNoiCap is where the card was issued, not its number.
    names = _CAMEL.sub(" ", f"{item['name']} {item['id']}").replace("_", " ")
    for source in (label, fold_words(names), placeholder):
        words = f" {source} "
        for meaning, hints in MEANINGS:
            if any(f" {hint} " in words or (len(hint) > 5 and hint in words) for hint in hints):
                return meaning
    if item["type"] == "date":
        return "date"
    return "text"


def value_for(meaning: str, item: dict[str, Any], citizen: Citizen, receipt: str | None) -> str | None:
    as_date = (lambda d: d.isoformat()) if item["type"] == "date" else (lambda d: d.strftime("%d/%m/%Y"))
    values = {
        "password": citizen.password, "email": citizen.email, "username": citizen.email, "phone": citizen.phone,
        "id_number": citizen.id_number, "birth_date": as_date(citizen.birth_date), "full_name": citizen.full_name,
        "address": citizen.address, "date": as_date(date.today()), "receipt": receipt,
        "amount": "10000000", "sex": "Nam", "ethnicity": "Kinh", "nationality": "Việt Nam",
        "issued_by": "Cục Cảnh sát quản lý hành chính về trật tự xã hội",
    }
    if meaning in values:
        return values[meaning]
    if item["type"] == "number":
        return "1"
    if item["tag"] == "textarea":
        return "Đề nghị cơ quan xem xét, giải quyết hồ sơ theo quy định."
    return "Nội dung kê khai kiểm tra"


async def fields_in(frame: Frame) -> list[dict[str, Any]]:
    try:
        return [f for f in await read_frame(frame, _COLLECT, FIELDS) if f["visible"] and not f["disabled"]]
    except PlaywrightError:
        return []


async def fill_form(page: Page, citizen: Citizen, *, receipt: str | None = None, timeout_ms: float = 10000) -> FormReport:
    """Fill every visible field of every frame; report blockers instead of filling them."""
    report = FormReport()
    for frame in usable_frames(page):
        radio_groups: set[str] = set()
        waiting: list[dict[str, Any]] = []
        cascading = False   # a list was chosen above: an empty one below it may be waiting for its options
        items = await fields_in(frame)
        for item in items:
            meaning = meaning_of(item)
            target = frame.locator(FIELDS).nth(item["i"])
            shown = {"name": item["name"] or item["id"], "label": (item["label"] or item["placeholder"])[:60], "meaning": meaning}
            if meaning in ("captcha", "otp"):
                report.blockers.append(meaning)
                report.fields.append({**shown, "filled": False})
                continue
            if item["role"] == "combobox" or (item["readonly"] and (item["value"] or meaning not in ("date", "birth_date"))):
                continue  # a script-drawn list (chosen below), or a value the portal wrote itself
            try:
                if item["readonly"]:
                    written = value_for(meaning, item, citizen, receipt) or ""
                    shown["set_by_script"] = True  # its calendar cannot be typed into: the date is written as it would
                    if not await set_by_script(target, written, timeout_ms):
                        raise PlaywrightError("trường ngày chỉ đọc không nhận giá trị")
                elif item["type"] == "file":
                    await target.set_input_files(test_document(), timeout=timeout_ms)  # type: ignore[arg-type]
                    report.uploaded += 1
                elif item["tag"] == "select":
                    chose = await _select(target, item, timeout_ms)
                    if chose is not None:
                        shown["chose"] = chose
                        cascading = True
                    elif not _options(item) and cascading:
                        waiting.append(shown)  # a lower list of a cascade (Tỉnh → Huyện → Xã), filled once it has options
                elif item["type"] == "checkbox":
                    if not item["checked"]:
                        await tick(frame, item, timeout_ms)
                elif item["type"] == "radio":
                    if item["name"] in radio_groups:
                        continue
                    radio_groups.add(item["name"])
                    group = {str(f["i"]): f for f in items if f["type"] == "radio" and f["name"] == item["name"]}
                    best = best_choice([(k, f["label"]) for k, f in group.items()]) or (str(item["i"]), item["label"])
                    await tick(frame, group.get(best[0], item), timeout_ms)
                    shown["chose"] = best[1][:80]
                elif item["type"] in ("submit", "button", "image", "reset"):
                    continue
                else:
                    value = value_for(meaning, item, citizen, receipt)
                    if value is None:
                        continue
                    await target.fill(value, timeout=timeout_ms)
            except PlaywrightError as error:
                report.fields.append({**shown, "filled": False, "error": str(error).splitlines()[0][:200]})
                continue
            shown["filled"] = True
            report.fields.append(shown)   # itself: a list still waiting for its options is completed in place
        await _cascade(frame, items, waiting, timeout_ms)
        report.fields += await choose_in_lists(frame, timeout_ms,
                                               typed=lambda field: value_for(meaning_of(field), field, citizen, receipt))
    return report


def _options(item: dict[str, Any]) -> list[tuple[str, str]]:
    return [(value, text) for value, text in item["options"] if value and fold_words(text) not in ("", "chon")]


async def _select(target: Locator, item: dict[str, Any], timeout_ms: float) -> str | None:
    """Choose in a native list: the most online delivery, else the first real option; None when nothing was chosen."""
    best = best_choice(_options(item))
    if best is None or (item["value"] and (best[0] == item["value"] or delivery_rank(best[1]) == 2)):
        return None
    await target.select_option(best[0], timeout=timeout_ms)
    return best[1][:80]


async def _cascade(frame: Frame, items: list[dict[str, Any]], waiting: list[dict[str, Any]], timeout_ms: float) -> None:
    """Fill the lists that had no options when the form was read, as each one's options arrive (chosen above)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + CASCADE_S
    by_name = {item["name"] or item["id"]: item for item in items}
    while waiting and loop.time() < deadline:
        await asyncio.sleep(0.1)
        now = {f["name"] or f["id"]: f for f in await fields_in(frame) if f["tag"] == "select"}
        for shown in list(waiting):
            item = now.get(shown["name"])
            if item is None or not _options(item):
                continue
            waiting.remove(shown)
            try:
                chose = await _select(frame.locator(FIELDS).nth(by_name.get(shown["name"], item)["i"]), item, timeout_ms)
            except PlaywrightError as error:
                shown.update(filled=False, error=str(error).splitlines()[0][:200])
                continue
            if chose is not None:
                shown["chose"] = chose
            deadline = loop.time() + CASCADE_S  # the next list down starts its own fetch now


# A box the page draws over (opacity 0, or its label's drawing on top): Playwright would wait for it to take clicks.
# Looked at where it is, below the fold too: brought into view first (at once, whatever the page's smooth scrolling).
_DRAWN_OVER = """(el) => {
  let r = el.getBoundingClientRect();
  if (r.top < 0 || r.left < 0 || r.bottom > window.innerHeight || r.right > window.innerWidth) {
    el.scrollIntoView({block: 'center', inline: 'nearest', behavior: 'instant'});
    r = el.getBoundingClientRect();
  }
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return getComputedStyle(el).opacity === '0' || (hit !== null && hit !== el && !el.contains(hit));
}"""


async def tick(frame: Frame, item: dict[str, Any], timeout_ms: float) -> None:
    """Tick a box or a round choice as a person would: where it is drawn (also when the page draws over it), or by
    its label when the real one takes no room."""
    target = frame.locator(FIELDS).nth(item["i"])
    if not item["by_label"]:
        drawn_over = bool(await target.evaluate(_DRAWN_OVER, timeout=timeout_ms))
        await target.check(force=drawn_over, timeout=timeout_ms)      # forced: the click lands on the drawing, as a person's
    else:
        label = frame.locator(f'label[for="{item["id"]}"]') if item["id"] else target.locator("xpath=ancestor::label")
        await label.first.click(position={"x": 4, "y": 6}, timeout=timeout_ms)  # its start, not a link inside its words
        if not await target.is_checked():
            raise PlaywrightError("ô đánh dấu không nhận lượt bấm")
