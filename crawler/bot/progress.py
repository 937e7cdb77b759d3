"""Moving through a portal by progress, not by recognizing a known page.

After each action the bot takes a `Snapshot` of the page (every frame's address and host, the
form's fields, the wizard's step indicator, a receipt code, an error message) and `what_changed`
names the difference: a receipt, a new host, a new frame, a new wizard step, a new form, an error
(or the same error again), another page, or nothing. The next action is chosen from the page's
candidates ranked by the Vietnamese words portals use and by form structure (`ranked_actions`),
skipping one that already changed nothing. A flow stops on a receipt, a gate, an error it cannot
fix or two actions that changed nothing, within `STEP_BUDGET` actions. Where it stops without a
receipt, `stuck_here` says where and why in words a playbook author can use: the page, the
candidates considered and what each did, and the selectors of the controls it saw.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from checks.text import contains_any, fold
from crawler.bot import finder
from crawler.bot.forms import fields_in, meaning_of
from crawler.bot.session import find_receipt
from crawler.bot.words import SIGNS
from crawler.browser.policy import read_frame, usable_frames
from kiemtra.errors import PageStalled

STEP_BUDGET = 8            # actions per submission: the longest wizard seen has five pages
NOT_SENDING = ["luu lai", "luu nhap", "nop sau", "quay lai", "huy bo", "tro ve", "dang xuat", "xoa tep"]
_STEP_MARK = re.compile(r"\bbuoc\s*(\d+)\s*(?:/|tren)\s*(\d+)")   # "Bước 2/3", "Bước 2 trên 3"
_STEP_NOW = re.compile(r"\bbuoc\s*(\d+)\s*[:.]")                     # "Bước 2: Thành phần hồ sơ"


@dataclass(frozen=True)
class Snapshot:
    frames: tuple[str, ...]       # every frame's address, the top page first
    fields: tuple[str, ...]       # the form's visible fields (name or id), in order
    step: str                     # the wizard's step indicator ("buoc 2/3"), or ""
    receipt: str | None
    error: str | None             # the complaint the page shows, folded, or None
    text_size: int

    @property
    def hosts(self) -> tuple[str, ...]:
        return tuple(sorted({urlsplit(url).netloc for url in self.frames}))


async def snapshot(page: Page) -> Snapshot:
    urls, fields, texts = [], [], []
    for frame in usable_frames(page):  # a file: or refused frame never answers: it is not read
        urls.append(frame.url)
        fields += [f["name"] or f["id"] or f["type"] for f in await fields_in(frame)
                   if f["type"] not in ("hidden", "submit", "button", "search")]
        try:
            texts.append(await read_frame(frame, "() => document.body ? document.body.innerText : ''"))
        except PlaywrightError:
            continue
    text = "\n".join(texts)
    folded = fold(text)
    mark = _STEP_MARK.search(folded) or _STEP_NOW.search(folded)
    return Snapshot(tuple(urls), tuple(fields), mark.group(0) if mark else "", find_receipt(text),
                    contains_any(text, SIGNS["form_error"]), len(text))


def what_changed(before: Snapshot, after: Snapshot) -> dict[str, Any]:
    """The one word for what an action did, with what it is based on."""
    if after.receipt and after.receipt != before.receipt:
        return {"kind": "receipt", "receipt": after.receipt}
    if after.hosts != before.hosts and set(after.hosts) - set(before.hosts):
        return {"kind": "new_host", "hosts": list(after.hosts)}
    if len(after.frames) > len(before.frames):
        return {"kind": "new_frame", "frames": len(after.frames)}
    if after.error and after.fields == before.fields and after.frames == before.frames:
        return {"kind": "error_again" if after.error == before.error else "error", "error": after.error}
    if after.step and after.step != before.step:
        return {"kind": "step", "step": after.step}
    if after.fields != before.fields:
        return {"kind": "new_form" if after.fields else "no_form", "fields": len(after.fields)}
    if after.error:
        return {"kind": "error", "error": after.error}
    if after.frames != before.frames or abs(after.text_size - before.text_size) > 40:
        return {"kind": "page", "url": after.frames[0] if after.frames else ""}
    return {"kind": "nothing"}


async def ranked_actions(page: Page) -> list[finder.Candidate]:
    """What may move a dossier form on, best first: its own send or next buttons, by words and place."""
    found: dict[tuple[str, int], finder.Candidate] = {}
    for intent in ("send", "next"):
        for candidate in await finder.candidates(page, intent, exclude=NOT_SENDING, buttons=True):
            key = (candidate.frame.url, candidate.index)
            if key not in found or found[key].score < candidate.score:
                found[key] = candidate
    return sorted(found.values(), key=lambda c: -c.score)


def pick(ranked: list[finder.Candidate], moves: list[dict[str, Any]]) -> finder.Candidate:
    """The best candidate, unless the same one on the same page already changed nothing."""
    spent = {(m["clicked"]["text"], m["url"]) for m in moves if m["change"]["kind"] in ("nothing", "error_again")}
    for candidate in ranked:
        if (candidate.text, candidate.frame.page.url) not in spent:
            return candidate
    return ranked[0]


def _selector(item: dict[str, Any]) -> str:
    if item.get("type") == "radio" and item.get("name"):
        return f"input[name=\"{item['name']}\"][value=\"{item['value']}\"]"
    if item.get("id"):
        return f"#{item['id']}"
    if item.get("name"):
        return f"{item['tag']}[name=\"{item['name']}\"]"
    return f"{item['tag']}[type=\"{item['type']}\"]"


async def stuck_here(page: Page, ranked: list[finder.Candidate], moves: list[dict[str, Any]]) -> dict[str, Any]:
    """Where and why the bot stopped, for the inspector and for `kiemtra playbook draft`."""
    controls = []
    for frame in usable_frames(page):
        for item in await fields_in(frame):
            if item["type"] in ("hidden", "submit", "button"):
                continue
            controls.append({"selector": _selector(item), "label": item["label"][:60], "type": item["type"] or item["tag"],
                             "meaning": meaning_of(item), "frame": frame.url})
    buttons = [{"text": c.text, "selector": f"{c.tag}:has-text(\"{c.text[:40]}\")", "score": c.score, "frame": c.frame.url}
               for c in ranked[:8]]
    try:
        title = await read_frame(page.main_frame, "() => document.title")
    except (PlaywrightError, PageStalled):
        title = ""
    why = ("không thấy nút gửi hay tiếp tục" if not ranked else
           "thao tác không làm trang thay đổi" if moves and moves[-1]["change"]["kind"] == "nothing" else
           "trang báo lỗi mà bot không tự sửa được" if moves and moves[-1]["change"]["kind"] in ("error", "error_again") else
           "hết số bước cho phép")
    return {"url": page.url, "title": title, "why": why, "controls": controls[:30], "candidates": buttons,
            "tried": [{"text": m["clicked"]["text"], "change": m["change"]["kind"]} for m in moves]}
