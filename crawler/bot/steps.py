"""The citizen's flow steps as generic heuristics: each finds its way by the portal's words and forms.

A *step* (open, register, submit...) is one stage of the citizen's flow (`crawler/bot/citizen.py`
says in which order and when each runs); a playbook may replace a step by *primitives* (click,
fill...: `crawler/bot/playbook.py`). Each step is registered once by name in `STEPS`. Every step
returns a StepResult whose `detail` holds what the verdict needs (codes, statuses, signs,
blockers), so the verdict is recomputable from stored steps alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError

from checks.text import contains_any
from crawler.bot import accounts, finder, progress
from crawler.bot.forms import FIELDS, FormReport, fields_in, fill_form, meaning_of
from crawler.bot.mailbox import wait_for_link
from crawler.bot.session import Session, Step, StepResult, find_receipt
from crawler.browser.policy import read_frame, usable_frames

STEPS: dict[str, Step] = {}


def step(name: str) -> Callable[[Step], Step]:
    """Register a step under `name`: the name a flow declaration and a playbook use for it."""
    def register(function: Step) -> Step:
        STEPS[name] = function
        return function
    return register


async def _gate(session: Session, *, forms_only: bool = False) -> str | None:
    """The gate the current page puts before the bot, if any: sso, captcha, otp.

    `forms_only` looks at the form fields alone: a portal's header may mention VNeID on every page,
    which is no gate before a service that has no online submission.
    """
    signs = await session.signs("sso", "captcha", "identity", "otp")
    fields = await _all_fields(session)
    meanings = {meaning_of(f) for f in fields}
    if "captcha" in meanings or ("captcha" in signs and any(f["tag"] == "input" for f in fields)):
        return "captcha"
    if "sso" in signs and not forms_only and session.host() != urlsplit(session.service_url).netloc:
        return "sso"  # an identity provider elsewhere; its OTP field is part of that gate
    if "otp" in meanings:
        return "otp"
    if forms_only:
        return None
    if "sso" in signs and not any(f["type"] == "password" for f in fields):
        return "sso"
    return None


def _blocked(session: Session, blocker: str, **detail: object) -> StepResult:
    """A gate the bot must not pass: remember it (R8) and stop this step there."""
    session.facts["gate"] = blocker
    return StepResult("blocked", {"blocker": blocker, **detail})


async def _click_to_gate(session: Session, candidate: finder.Candidate) -> StepResult | None:
    """Follow `candidate`; a blocked step if it led to a gate the bot must not pass, else None."""
    await session.click(candidate)
    gate = await _gate(session)
    return _blocked(session, gate, url=session.page.url) if gate else None


async def _all_fields(session: Session) -> list[dict]:
    found: list[dict] = []
    for frame in usable_frames(session.page):
        found += await fields_in(frame)
    return found


async def _has_password_field(session: Session) -> bool:
    return any(f["type"] == "password" for f in await _all_fields(session))


@step("open")
async def open_service(session: Session) -> StepResult:
    """Open the declared link and note what the page offers."""
    response = await session.open(session.service_url)
    status = response.status if response is not None else None
    await session.settle()
    signs = await session.signs("error_page", "counter_only", "sso", "captcha")
    downloads = [c.describe() for c in await finder.candidates(session.page, "download_form")]
    file_links = 0
    for frame in usable_frames(session.page):  # a service framed from another host keeps its forms in the frame
        try:
            file_links += await read_frame(
                frame,
                "() => Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))"
                ".filter(h => /\\.(docx?|pdf|xlsx?|odt)(\\?|$)/i.test(h)).length")
        except PlaywrightError:
            continue
    submit = await finder.find(session.page, "submit_start", exclude=[session.service_name])
    password = await _has_password_field(session)
    title = await read_frame(session.page.main_frame, "() => document.title")   # bounded: a frozen page answers nothing
    detail = {"http_status": status, "final_url": session.page.url, "title": title,
              "name_shown": await session.name_shown(), "signs": signs, "form_downloads": len(downloads) + file_links,
              "submission_link": submit.describe() if submit else None,
              "login_reachable": password or bool(await finder.find(session.page, "login")),
              "form_reachable": bool(submit) or password,
              "fee_free": bool(await session.signs("fee_free"))}
    session.facts["fee_free"] = detail["fee_free"]
    if status is not None and status >= 400:
        return StepResult("failed", {**detail, "dead": status in (404, 410)})
    return StepResult("ok", detail)


async def _asks_login_in_words(session: Session) -> bool:
    """The page says to log in before submitting, and offers a way to (a link, maybe in a hover menu)."""
    if not await session.signs("login_prompt"):
        return False
    return bool(await finder.find(session.page, "login") or await finder.find(session.page, "register"))


def _portal(session: Session) -> str:
    """Whose account: the host of the declared links, one citizen account per portal."""
    return urlsplit(session.service_url).netloc


@step("start_submission")
async def start_submission(session: Session) -> StepResult:
    """Press the service's online submission ("Nộp hồ sơ trực tuyến")."""
    candidate = await finder.find(session.page, "submit_start", exclude=[session.service_name])
    if candidate is None:
        gate = await _gate(session, forms_only=True)
        if gate:
            return _blocked(session, gate, url=session.page.url)
        if await _has_password_field(session):  # the submission sits behind the login form shown here
            return StepResult("ok", {"login_form_shown": True, "url": session.page.url, "asks_login": True})
        if await _asks_login_in_words(session):  # "Vui lòng đăng nhập để nộp hồ sơ", a login link beside it
            return StepResult("ok", {"login_prompt": True, "url": session.page.url, "asks_login": True})
        return StepResult("not_found", {"looked_for": "submit_start"})
    await session.click(candidate)
    gate = await _gate(session)
    asks_login = await _has_password_field(session) or await _asks_login_in_words(session)
    if not (gate or asks_login or await _looks_like_dossier_form(session)):
        # Neither a login nor a form yet: a single-page app may draw its next view after a second request of its own
        # (who is signed in, then the service), later than one settle on a loaded machine. Settled, read once more.
        await session.settle()
        gate = await _gate(session)
        asks_login = await _has_password_field(session) or await _asks_login_in_words(session)
    detail = {"clicked": candidate.describe(), "url": session.page.url, "asks_login": asks_login}
    if gate:
        return _blocked(session, gate, **detail)
    return StepResult("ok", detail)


@step("register")
async def register(session: Session) -> StepResult:
    """Find the account registration, fill it as the synthetic citizen, send it; once per portal."""
    portal = _portal(session)
    async with accounts.lock(portal):
        reused = await accounts.usable(portal)
        if reused is not None:  # another check of this crawl made the portal's account: log in with it
            session.citizen = replace(session.citizen, email=reused.email, id_number=reused.id_number)
            session.facts.update(account=reused.email, needs_email=False, reused_account=True)
            return StepResult("ok", {"reused_account": True, "email": reused.email})
        result = await _register_here(session)
        if result.outcome == "ok":
            accounts.registered(portal, session.citizen.email, session.citizen.id_number)
        return result


async def _register_here(session: Session) -> StepResult:
    candidate = await finder.find(session.page, "register", exclude=[session.service_name])
    if candidate is None:
        return StepResult("not_found", {"looked_for": "register"})
    if blocked := await _click_to_gate(session, candidate):
        return blocked
    tries: list[dict] = []
    for _ in range(2):  # a second try with an ID of its own when the portal already knows this one
        report = await fill_form(session.page, session.citizen, timeout_ms=session.step_ms)
        if report.blockers:
            return _blocked(session, report.blockers[0], **report.as_detail())
        send = await finder.find(session.page, "form_submit", buttons=True)
        if send is None:
            return StepResult("not_found", {"looked_for": "form_submit", **report.as_detail()})
        await session.click(send)
        signs = await session.signs("registered", "needs_email", "identity", "captcha", "otp", "id_taken", "form_error")
        for blocker in ("identity", "otp", "captcha"):
            if blocker in signs and "registered" not in signs:
                return _blocked(session, blocker, signs=signs, **report.as_detail())
        if "registered" in signs or await _now_a_login_form(session, report):
            session.facts["account"] = session.citizen.email
            session.facts["needs_email"] = "needs_email" in signs
            return StepResult("ok", {"signs": signs, "email": session.citizen.email, "tries": tries, **report.as_detail()})
        tries.append({"signs": signs, "id_number_changed": False})
        if "id_taken" not in signs or not await _form_fields(session):
            break
        # One account per citizen ID, and this ID is taken by an account this process does not hold.
        session.citizen = replace(session.citizen, id_number=accounts.unique_id_number(session.citizen.email))
        tries[-1]["id_number_changed"] = True
    return StepResult("failed", {"signs": signs, "tries": tries, **report.as_detail()})


async def _now_a_login_form(session: Session, registration: FormReport) -> bool:
    """Sent from a form with a repeated password, the bot now faces a plain login form: the account exists."""
    asked_twice = sum(1 for f in registration.fields if f["meaning"] == "password") >= 2
    passwords = [f for f in await _all_fields(session) if f["type"] == "password"]
    return asked_twice and len(passwords) == 1


@step("confirm_email")
async def confirm_email(session: Session) -> StepResult:
    """Open the activation link from the confirmation mail."""
    found = await wait_for_link(session.settings.mailbox, session.citizen.email)
    if found is None:
        accounts.unusable(_portal(session), session.citizen.email)
        return StepResult("failed", {"mailbox": session.citizen.email, "reason": "no mail with a link"})
    mail, link = found
    response = await session.open(link)
    await session.settle()
    signs = await session.signs("activated")
    ok = bool(signs) and (response is None or response.status < 400)
    return StepResult("ok" if ok else "failed", {"subject": mail.subject, "link": link, "signs": signs})


@step("login")
async def login(session: Session) -> StepResult:
    """Log in with the account just made; a page that shows "Đăng xuất" afterwards proves it."""
    if not await _has_password_field(session):
        candidate = await finder.find(session.page, "login")
        if candidate is None:
            await session.open(session.service_url)
            await session.settle()
            candidate = await finder.find(session.page, "login")
        if candidate is None:
            return StepResult("not_found", {"looked_for": "login"})
        if blocked := await _click_to_gate(session, candidate):
            return blocked
    elif gate := await _gate(session):
        return _blocked(session, gate, url=session.page.url)
    tries = []
    for _ in range(2):  # a second try, as a person would, when the page re-rendered under the first
        report = await fill_form(session.page, session.citizen, timeout_ms=session.step_ms)
        send = await finder.find(session.page, "form_submit", phrases=("dang nhap", "login", "xac nhan", "tiep tuc"),
                                 buttons=True)
        if send is None:
            return StepResult("not_found", {"looked_for": "login button", **report.as_detail()})
        await session.click(send)
        signs = await session.signs("logged_in", "login_failed")
        tries.append(signs)
        if "logged_in" in signs and not await _has_password_field(session):
            session.facts["logged_in"] = True
            accounts.logged_in(_portal(session), session.citizen.email)
            return StepResult("ok", {"signs": signs, "tries": len(tries), "landed": session.page.url,
                                     "reused_account": bool(session.facts.get("reused_account")), **report.as_detail()})
        if not await _has_password_field(session):
            break
    accounts.unusable(_portal(session), session.citizen.email)
    return StepResult("failed", {"signs": signs, "tries": tries, **report.as_detail()})


@step("submit")
async def submit(session: Session) -> StepResult:
    """Fill the dossier form, attach the test document, send it, read the receipt code.

    The form may be one page or a wizard (Bước 1/3 … a confirmation page with only a button):
    the bot moves by progress (`crawler/bot/progress.py`), recording after each action what changed,
    and stops on a receipt, a gate, an error it cannot fix, or an action that changed nothing twice.
    """
    if not await _looks_like_dossier_form(session):
        await session.open(session.service_url)
        await session.settle()
        candidate = await finder.find(session.page, "submit_start", exclude=[session.service_name])
        if candidate is None:
            return StepResult("not_found", {"looked_for": "submit_start"})
        await session.click(candidate)
    reports: list[dict] = []
    moves: list[dict] = []
    before = await progress.snapshot(session.page)
    still = 0
    for _ in range(progress.STEP_BUDGET):
        report = await fill_form(session.page, session.citizen, timeout_ms=session.step_ms)
        reports.append(report.as_detail())
        if report.blockers:
            return _blocked(session, report.blockers[0], forms=reports, moves=moves)
        ranked = await progress.ranked_actions(session.page)
        if not ranked and moves:
            # Nothing to press, right after a press: its page may still be on its way (a form posting inside a
            # frame on a loaded machine, the frame between two documents). Settled, it is read once more.
            await session.settle()
            if received := await _received(session, reports, moves):
                return received
            ranked = await progress.ranked_actions(session.page)
        if not ranked:
            return StepResult("not_found", {"looked_for": "send", "forms": reports, "moves": moves,
                                            "stuck": await progress.stuck_here(session.page, ranked, moves)})
        chosen = progress.pick(ranked, moves)
        await session.click(chosen)
        after = await progress.snapshot(session.page)
        change = progress.what_changed(before, after)
        moves.append({"clicked": chosen.describe(), "score": chosen.score, "change": change, "url": session.page.url})
        if received := await _received(session, reports, moves):
            return received
        refused = await session.signs("identity", "otp")
        if refused:
            return _blocked(session, "identity" if "identity" in refused else "otp", signs=refused, forms=reports, moves=moves)
        still = still + 1 if change["kind"] in ("nothing", "error_again") else 0
        if still >= 2:
            break
        before = after
    return StepResult("failed", {"forms": reports, "moves": moves, "signs": await session.signs("submitted", "error_page"),
                                 "stuck": await progress.stuck_here(session.page, await progress.ranked_actions(session.page),
                                                                    moves)})


async def _received(session: Session, reports: list[dict], moves: list[dict]) -> StepResult | None:
    """The submission's end when a receipt code shows: it and the dossier's page are kept for the next steps."""
    receipt, where = await _receipt_and_frame(session)
    if not receipt:
        return None
    session.facts["receipt"] = receipt
    session.facts["dossier_url"] = where
    return StepResult("ok", {"receipt": receipt, "dossier_url": where, "forms": reports, "moves": moves,
                             "signs": await session.signs("submitted")})


async def _receipt_and_frame(session: Session) -> tuple[str | None, str]:
    """The receipt code shown, and the address of the (i)frame showing it: the dossier's own page."""
    for frame in usable_frames(session.page):
        try:
            text = await read_frame(frame, "() => document.body ? document.body.innerText : ''")
        except PlaywrightError:
            continue
        receipt = find_receipt(text)
        if receipt:
            return receipt, frame.url
    return None, session.page.url


async def _looks_like_dossier_form(session: Session) -> bool:
    """A dossier form asks for files or several fields, and no password."""
    fields = await _form_fields(session)
    if any(f["type"] == "password" for f in fields):
        return False
    return any(f["type"] == "file" for f in fields) or len(fields) >= 4


async def _form_fields(session: Session) -> list[dict]:
    return [f for f in await _all_fields(session) if f["type"] not in ("hidden", "submit", "button", "search")]


@step("track")
async def track(session: Session) -> StepResult:
    """Look the dossier up by its receipt code on the tracking page and read its status.

    The result may be drawn by a script a moment after the search; where the search shows nothing,
    the citizen's own list ("Hồ sơ của tôi", "Quản lý hồ sơ") is read instead.
    """
    receipt = session.facts.get("receipt")
    if not receipt:
        return StepResult("not_found", {"reason": "no receipt code to look up"})
    candidate = await finder.find(session.page, "track", phrases=SEARCH_PAGES)
    if candidate is None:
        origin = "{0.scheme}://{0.netloc}/".format(urlsplit(session.page.url))
        await session.open(origin)
        await session.settle()
        candidate = await finder.find(session.page, "track", phrases=SEARCH_PAGES)
    report = FormReport()
    if candidate is not None:
        await session.click(candidate)
        report = await fill_form(session.page, session.citizen, receipt=receipt, timeout_ms=session.step_ms)
        button = await finder.find(session.page, "search", buttons=True)
        typed = any(f["meaning"] == "receipt" and f["filled"] for f in report.fields)
        if button is not None and typed:
            await session.click(button)
        elif typed:  # a search box with no button a person can name: they press Enter in it
            await _press_enter_in_receipt_field(session)
    text = await _text_showing(session, receipt)
    via = "search"
    if receipt not in text or not _status_of(text):
        mine = await finder.find(session.page, "track", phrases=OWN_LISTS)
        if mine is None and session.facts.get("dossier_url"):
            await session.open(session.facts["dossier_url"])
            await session.settle()
            mine = await finder.find(session.page, "track", phrases=OWN_LISTS)
        if mine is not None:
            await session.click(mine)
            text, via = await _text_showing(session, receipt), "own_list"
        elif candidate is None:
            return StepResult("not_found", {"looked_for": "track"})
    found_code = receipt in text
    status = _status_of(text)
    outcome = "ok" if found_code and status else "failed"
    return StepResult(outcome, {"receipt": receipt, "code_shown": found_code, "status": status, "via": via,
                                "url": session.page.url, **report.as_detail()})


async def _press_enter_in_receipt_field(session: Session) -> None:
    for frame in usable_frames(session.page):
        for item in await fields_in(frame):
            if meaning_of(item) == "receipt":
                await frame.locator(FIELDS).nth(item["i"]).press("Enter", timeout=session.step_ms)
                await session.settle()
                return


SEARCH_PAGES = ("tra cuu tinh trang ho so", "tra cuu ho so", "tra cuu ket qua", "theo doi ho so", "tra cuu")
OWN_LISTS = ("ho so cua toi", "quan ly ho so", "ho so da nop", "danh sach ho so")


async def _text_showing(session: Session, receipt: str, wait_s: float = 2.0) -> str:
    """The page's text once it shows `receipt` (a script may draw it late), or as it is after `wait_s`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    text = await session.text()
    while receipt not in text and loop.time() < deadline:
        await asyncio.sleep(0.1)
        text = await session.text()
    return text


# How tracking pages name a dossier's state, folded, with the words an inspector reads.
_STATUSES = {"da co ket qua": "Đã có kết quả", "da tra ket qua": "Đã trả kết quả", "dang xu ly": "Đang xử lý",
             "da tiep nhan": "Đã tiếp nhận", "cho tiep nhan": "Chờ tiếp nhận", "cho bo sung": "Chờ bổ sung",
             "dang giai quyet": "Đang giải quyết", "hoan thanh": "Hoàn thành", "moi tiep nhan": "Mới tiếp nhận",
             "cho thanh toan": "Chờ thanh toán"}


def _status_of(text: str) -> str | None:
    found = contains_any(text, tuple(_STATUSES))
    return _STATUSES[found] if found else None


@step("pay")
async def pay(session: Session) -> StepResult:
    """Pay the fee online through the gateway the dossier offers."""
    if session.facts.get("dossier_url") and session.page.url != session.facts["dossier_url"]:
        await session.open(session.facts["dossier_url"])
        await session.settle()
    candidate = await finder.find(session.page, "pay")
    if candidate is None:
        # Nothing to pay where the dossier (or the service's page, read at "open") says there is no fee.
        fee_free = bool(await session.signs("fee_free")) or bool(session.facts.get("fee_free"))
        return StepResult("not_found", {"looked_for": "pay", "fee_free": fee_free, "url": session.page.url})
    start_host, dossier_page = session.host(), session.page.url
    await session.click(candidate)
    # The click left the page where it was: the portal may be opening the gateway in a window of its own, once its
    # request for the gateway's address comes back; until then the page's own "Thanh toán" is no confirmation.
    stayed = session.page.url == dossier_page and not await session.follow_late_window()
    gateway = session.page.url
    channels: list[dict[str, Any]] = []
    confirm = await finder.find(session.page, "confirm_pay", buttons=True, exclude=[candidate.text] if stayed else ())
    for _ in range(PAY_HOPS):
        # A portal may first ask how to pay ("Chọn kênh thanh toán": PayGov, a bank, a wallet), then send the
        # citizen on to the gateway: the offered channel is taken as it stands, or the first one.
        onward = None if confirm is not None else await finder.find(session.page, "next", buttons=True)
        if onward is None:
            break
        channels += (await fill_form(session.page, session.citizen, timeout_ms=session.step_ms)).fields
        await session.click(onward)
        gateway = session.page.url
        confirm = await finder.find(session.page, "confirm_pay", buttons=True)
    if confirm is None:
        return StepResult("failed", {"gateway": gateway, "reason": "no confirm button", "fields": channels})
    await session.click(confirm)
    if session.host() != start_host:  # some gateways show a receipt page with a link back
        back = await finder.find(session.page, "next", phrases=("quay lai", "ve trang", "tiep tuc", "hoan tat"))
        if back is not None:
            await session.click(back)
    signs = await session.signs("paid")
    session.facts["paid"] = bool(signs)
    return StepResult("ok" if signs else "failed", {"gateway": gateway, "signs": signs, "url": session.page.url})


PAY_HOPS = 2   # pages between the dossier and the gateway's confirmation a portal may put (a channel, a summary)

ONLINE_RESULT = ("nhan ket qua truc tuyen", "tai ket qua dien tu", "tra ket qua truc tuyen", "ket qua dien tu",
                 "nhan ban dien tu", "ban dien tu truc tuyen")
POST_RESULT = ("dich vu buu chinh cong ich", "qua dich vu buu chinh", "qua duong buu dien")


def _delivery_phrases(text: str) -> tuple[str | None, str | None]:
    return contains_any(text, ONLINE_RESULT), contains_any(text, POST_RESULT)


@step("result")
async def result(session: Session) -> StepResult:
    """Read how the result is delivered: online, by post, or at the counter."""
    dossier_url = session.facts.get("dossier_url")
    on_dossier = bool(dossier_url) and session.page.url == dossier_url
    as_opened = on_dossier and session.untouched   # payment opened the dossier and found nothing to pay
    online = post = None
    # Payment leaves the bot on the dossier's page: as it opened it, read as it is; after a payment, read first,
    # and opened again only when neither phrase shows (the gateway's answer may have taken the dossier's place).
    if on_dossier and not as_opened:
        online, post = _delivery_phrases(await session.text())
    if not (online or post):
        if dossier_url and not as_opened:
            await session.open(dossier_url)
            await session.settle()
        # Two looks, settled in between: a single-page app may draw the dossier after a fetch its load started,
        # and settling again waits for that fetch (or returns after one quiet window); a fixed wait would cost
        # every service whose result is delivered at the counter, where neither phrase ever appears.
        for look in range(2):
            if look:
                await session.settle()
            online, post = _delivery_phrases(await session.text())
            if online or post:
                break
    delivery = "online" if online else "post" if post else None
    return StepResult("ok" if delivery else "not_found", {"delivery": delivery, "phrase": online or post})
