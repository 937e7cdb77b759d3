"""The citizen's flow steps as generic heuristics: each finds its way by the portal's words and forms.

A *step* (open, register, submit...) is one stage of the citizen's flow (`crawler/bot/citizen.py`
says in which order and when each runs); a playbook may replace a step by *primitives* (click,
fill...: `crawler/bot/playbook.py`). Each step is registered once by name in `STEPS`. Every step
returns a StepResult whose `detail` holds what the verdict needs (codes, statuses, signs,
blockers), so the verdict is recomputable from stored steps alone.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError

from checks.text import contains_any
from crawler.bot import finder
from crawler.bot.forms import FormReport, fields_in, fill_form, meaning_of
from crawler.bot.mailbox import wait_for_link
from crawler.bot.session import Session, Step, StepResult, find_receipt

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
    for frame in session.page.frames:
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
    file_links = await session.page.evaluate(
        "() => Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))"
        ".filter(h => /\\.(docx?|pdf|xlsx?|odt)(\\?|$)/i.test(h)).length")
    submit = await finder.find(session.page, "submit_start", exclude=[session.service_name])
    password = await _has_password_field(session)
    detail = {"http_status": status, "final_url": session.page.url, "title": await session.page.title(),
              "name_shown": await session.name_shown(), "signs": signs, "form_downloads": len(downloads) + file_links,
              "submission_link": submit.describe() if submit else None,
              "login_reachable": password or bool(await finder.find(session.page, "login")),
              "form_reachable": bool(submit) or password}
    if status is not None and status >= 400:
        return StepResult("failed", {**detail, "dead": status in (404, 410)})
    return StepResult("ok", detail)


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
        return StepResult("not_found", {"looked_for": "submit_start"})
    await session.click(candidate)
    gate = await _gate(session)
    detail = {"clicked": candidate.describe(), "url": session.page.url,
              "asks_login": await _has_password_field(session)}
    if gate:
        return _blocked(session, gate, **detail)
    return StepResult("ok", detail)


@step("register")
async def register(session: Session) -> StepResult:
    """Find the account registration, fill it as the synthetic citizen, send it."""
    candidate = await finder.find(session.page, "register", exclude=[session.service_name])
    if candidate is None:
        return StepResult("not_found", {"looked_for": "register"})
    if blocked := await _click_to_gate(session, candidate):
        return blocked
    report = await fill_form(session.page, session.citizen, timeout_ms=session.step_ms)
    if report.blockers:
        return _blocked(session, report.blockers[0], **report.as_detail())
    send = await finder.find(session.page, "form_submit", buttons=True)
    if send is None:
        return StepResult("not_found", {"looked_for": "form_submit", **report.as_detail()})
    await session.click(send)
    signs = await session.signs("registered", "needs_email", "identity", "captcha", "otp")
    for blocker in ("identity", "otp", "captcha"):
        if blocker in signs and "registered" not in signs:
            return _blocked(session, blocker, signs=signs, **report.as_detail())
    if "registered" in signs or await _now_a_login_form(session, report):
        session.facts["account"] = session.citizen.email
        session.facts["needs_email"] = "needs_email" in signs
        return StepResult("ok", {"signs": signs, "email": session.citizen.email, **report.as_detail()})
    return StepResult("failed", {"signs": signs, **report.as_detail()})


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
            return StepResult("ok", {"signs": signs, "tries": len(tries), **report.as_detail()})
        if not await _has_password_field(session):
            break
    return StepResult("failed", {"signs": signs, "tries": tries, **report.as_detail()})


@step("submit")
async def submit(session: Session) -> StepResult:
    """Fill the dossier form, attach the test document, send it, read the receipt code."""
    if not await _looks_like_dossier_form(session):
        await session.open(session.service_url)
        await session.settle()
        candidate = await finder.find(session.page, "submit_start", exclude=[session.service_name])
        if candidate is None:
            return StepResult("not_found", {"looked_for": "submit_start"})
        await session.click(candidate)
    reports = []
    for _ in range(5):  # multi-page forms: fill, "Tiếp tục", fill... until the dossier is sent
        report = await fill_form(session.page, session.citizen, timeout_ms=session.step_ms)
        reports.append(report.as_detail())
        if report.blockers:
            return _blocked(session, report.blockers[0], forms=reports)
        send = await finder.find(session.page, "send", exclude=["luu lai", "luu nhap", "nop sau"], buttons=True)
        following = await finder.find(session.page, "next", buttons=True)
        button = following if following and (not send or following.score > send.score) else send
        if button is None:
            return StepResult("not_found", {"looked_for": "send", "forms": reports})
        await session.click(button)
        receipt, where = await _receipt_and_frame(session)
        if receipt:
            session.facts["receipt"] = receipt
            session.facts["dossier_url"] = where
            return StepResult("ok", {"receipt": receipt, "dossier_url": where, "forms": reports,
                                     "signs": await session.signs("submitted")})
        refused = await session.signs("identity", "otp")
        if refused:
            return _blocked(session, "identity" if "identity" in refused else "otp", signs=refused, forms=reports)
        if not await _form_fields(session):
            break
    return StepResult("failed", {"forms": reports, "signs": await session.signs("submitted", "error_page")})


async def _receipt_and_frame(session: Session) -> tuple[str | None, str]:
    """The receipt code shown, and the address of the (i)frame showing it: the dossier's own page."""
    for frame in session.page.frames:
        try:
            text = await frame.evaluate("() => document.body ? document.body.innerText : ''")
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
    """Look the dossier up by its receipt code on the tracking page and read its status."""
    receipt = session.facts.get("receipt")
    if not receipt:
        return StepResult("not_found", {"reason": "no receipt code to look up"})
    candidate = await finder.find(session.page, "track")
    if candidate is None:
        origin = "{0.scheme}://{0.netloc}/".format(urlsplit(session.page.url))
        await session.open(origin)
        await session.settle()
        candidate = await finder.find(session.page, "track")
    if candidate is None:
        return StepResult("not_found", {"looked_for": "track"})
    await session.click(candidate)
    report = await fill_form(session.page, session.citizen, receipt=receipt, timeout_ms=session.step_ms)
    button = await finder.find(session.page, "search", buttons=True)
    if button is not None and any(f["meaning"] == "receipt" and f["filled"] for f in report.fields):
        await session.click(button)
    text = await session.text()
    found_code = receipt in text
    status = _status_of(text)
    outcome = "ok" if found_code and status else "failed"
    return StepResult(outcome, {"receipt": receipt, "code_shown": found_code, "status": status,
                                "url": session.page.url, **report.as_detail()})


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
        return StepResult("not_found", {"looked_for": "pay"})
    start_host = session.host()
    await session.click(candidate)
    gateway = session.page.url
    confirm = await finder.find(session.page, "confirm_pay", buttons=True)
    if confirm is None:
        return StepResult("failed", {"gateway": gateway, "reason": "no confirm button"})
    await session.click(confirm)
    if session.host() != start_host:  # some gateways show a receipt page with a link back
        back = await finder.find(session.page, "next", phrases=("quay lai", "ve trang", "tiep tuc", "hoan tat"))
        if back is not None:
            await session.click(back)
    signs = await session.signs("paid")
    session.facts["paid"] = bool(signs)
    return StepResult("ok" if signs else "failed", {"gateway": gateway, "signs": signs, "url": session.page.url})


@step("result")
async def result(session: Session) -> StepResult:
    """Read how the result is delivered: online, by post, or at the counter."""
    if session.facts.get("dossier_url"):
        await session.open(session.facts["dossier_url"])
        await session.settle()
    text = await session.text()
    online = contains_any(text, ("nhan ket qua truc tuyen", "tai ket qua dien tu", "tra ket qua truc tuyen",
                                 "ket qua dien tu"))
    post = contains_any(text, ("dich vu buu chinh cong ich", "qua dich vu buu chinh", "qua duong buu dien"))
    delivery = "online" if online else "post" if post else None
    return StepResult("ok" if delivery else "not_found", {"delivery": delivery, "phrase": online or post})
