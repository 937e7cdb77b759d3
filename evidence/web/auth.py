"""Who is asking: sign-in, sessions, roles, CSRF and the agency scope of every request (issue 18).

`install(app, ...)` puts one guard before every request:

- no user was ever added and no token is set: as before the workspace, loopback only (the Host must be
  127.0.0.1 or localhost, against DNS rebinding) and read-only (anything but GET/HEAD is 405);
- a request presenting the read-only token (`KIEMTRA_SERVE_TOKEN`, Basic password or Bearer) reads
  everything and writes nothing (POST 405), users or not;
- once any user exists, every page but the sign-in page and static files needs a session, on loopback
  too; an anonymous visitor is sent to "Đăng nhập". The Host check is then no longer needed: a page
  elsewhere (rebinding or not) never holds the SameSite=Strict session cookie.

Every POST carries a CSRF token (form field `csrf_token` or header `X-CSRF-Token`): the session's, or,
for the sign-in form itself, one double-submitted in a short cookie; else 400. Routes declare who may
call them with `@requires(role, ...)`, checked on the server. A session is a random token in an HttpOnly,
SameSite=Strict, Secure cookie; the store keeps its hash (`evidence/people.py`), with an absolute and an
idle expiry. Sign-in failures are kept and logged (never the password); after `FREE_FAILURES` failures
for one name or one address within `WINDOW_MINUTES`, each further try waits (growing, capped) and is
refused.
"""

from __future__ import annotations

import base64
import hmac
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Flask, Response, abort, current_app, g, redirect, render_template, request, url_for
from markupsafe import Markup, escape

from evidence import people
from evidence.clock import parse, utc_clock
from evidence.people import User
from evidence.store import Store
from evidence.web.queries import ReadOnlyStore

log = logging.getLogger("kiemtra.web.auth")
blueprint = Blueprint("auth", __name__)

SESSION_COOKIE = "kiemtra_session"
PRE_COOKIE = "kiemtra_dang_nhap"    # the sign-in form's own CSRF token, before there is a session
FREE_FAILURES, WINDOW_MINUTES = 5, 15
DELAY_BASE_S, DELAY_CAP_S = 1.0, 8.0
# At most this many refused sign-ins wait at once; more are refused without waiting, so a flood of guesses
# cannot hold every thread of the server asleep (the other pages stay served).
WAITING = threading.BoundedSemaphore(2)
TOUCH_EVERY = timedelta(seconds=60)  # idle expiry is counted from the last use, noted at most once a minute
LOOPBACK_HOST = re.compile(r"(127\.0\.0\.1|localhost|\[::1\])(:[0-9]{1,5})?", re.IGNORECASE)
FORBIDDEN = "Vai trò của bạn không được làm việc này."
BAD_CSRF = "Thiếu hoặc sai mã chống giả mạo (CSRF)"
TOO_MANY = "Đăng nhập sai quá nhiều lần; thử lại sau ít phút"
WRONG = "Sai tên đăng nhập hoặc mật khẩu."
PUBLIC_ENDPOINTS = {"auth.sign_in", "static"}
F = TypeVar("F", bound=Callable[..., Any])


# -- what routes call ---------------------------------------------------------------------------------
def current_user() -> User | None:
    """The signed-in user of this request, or None (anonymous, a token reader, or no users at all)."""
    return g.get("user")


def agency_scope() -> str | None:
    """The agency an `agency` user is limited to; None for every other role (and for token readers)."""
    user = current_user()
    return user.agency_id if user is not None and user.role == "agency" else None


def requires(*roles: str) -> Callable[[F], F]:
    """Only a signed-in user with one of `roles` (any role when none is named) may call the route."""
    unknown = set(roles) - set(people.ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
            if roles and user.role not in roles:
                return render_template("error.html", message=FORBIDDEN), 403
            return view(*args, **kwargs)
        return guarded  # type: ignore[return-value]
    return decorate


@contextmanager
def writable_store() -> Iterator[Store]:
    """A read-write store for one POST's change (g.store stays the read-only one every read uses)."""
    store = Store(current_app.config["DATA_DIR"])
    try:
        yield store
    finally:
        store.close()


def remote_addr() -> str | None:
    return request.remote_addr


def shown_runs(belongs: Callable[[str], bool], *, most: int | None = None) -> list[str] | None:
    """The run ids the page showed (hidden field `runs`, comma-separated), for the action's audit row;
    None when there are more than `most` or one is not `belongs` (the page was stale or forged)."""
    shown = [run_id.strip() for run_id in request.form.get("runs", "").split(",") if run_id.strip()]
    if most is not None and len(shown) > most:
        return None
    return shown if all(belongs(run_id) for run_id in shown) else None


def csrf_token() -> str:
    """The CSRF token the pages of this request must post back."""
    session = g.get("session")
    if session is not None:
        return str(session.csrf_token)
    if "pre_csrf" not in g:
        g.pre_csrf = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)
    return str(g.pre_csrf)


def csrf_field() -> Markup:
    """The hidden input every form that POSTs carries (a Jinja global)."""
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(escape(csrf_token()))


# -- the guard ------------------------------------------------------------------------------------------
def _token_presented(token: str) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        offered = value.strip()
    elif scheme.lower() == "basic":
        try:
            offered = base64.b64decode(value.strip()).decode("utf-8").partition(":")[2]
        except (ValueError, UnicodeDecodeError):
            return False
    else:
        return False
    return hmac.compare_digest(offered.encode("utf-8"), token.encode("utf-8"))


def _csrf_ok() -> bool:
    offered = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    session = g.get("session")
    if session is not None:
        expected = session.csrf_token
    elif request.endpoint == "auth.sign_in":
        expected = request.cookies.get(PRE_COOKIE) or ""
    else:
        return False
    return bool(offered) and bool(expected) and hmac.compare_digest(offered.encode(), expected.encode())


def _guard() -> Any:
    config = current_app.config
    token = config.get("TOKEN")
    g.store = ReadOnlyStore(config["DATA_DIR"])
    g.user = g.session = None
    with_users = people.has_users(g.store)
    writing = request.method not in ("GET", "HEAD")
    if token and _token_presented(token):
        g.token_reader = True
        return abort(405) if writing else None   # the public evidence link reads, never writes
    if not with_users:
        if token:
            return Response("Cần mật khẩu để xem bằng chứng.", 401,
                            {"WWW-Authenticate": 'Basic realm="kiemtra", charset="UTF-8"'})
        if not LOOPBACK_HOST.fullmatch(request.host):
            return Response("Máy chủ chỉ trả lời địa chỉ 127.0.0.1 hoặc localhost.", 400)
        return abort(405) if writing else None   # read-only: without users nobody can be held to a change
    session = people.session_of(g.store, request.cookies.get(SESSION_COOKIE, ""), idle_minutes=config["IDLE_MINUTES"])
    if session is not None:
        g.session, g.user = session, session.user
        _touch(session)
    if writing and not _csrf_ok():
        return render_template("error.html", message=BAD_CSRF), 400
    if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
        if writing:
            return render_template("error.html", message="Cần đăng nhập."), 401
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
    return None


def _touch(session: people.Session) -> None:
    row = g.store.db.execute("select last_seen_at from web_sessions where token_hash = ?", [session.token_hash]).fetchone()
    if row and parse(row[0]) + TOUCH_EVERY <= utc_clock():
        with writable_store() as store:
            people.touch_session(store, session.token_hash)


def _cookie(response: Response, name: str, value: str, *, max_age: int | None, path: str = "/") -> None:
    response.set_cookie(name, value, max_age=max_age, path=path, httponly=True, samesite="Strict",
                        secure=current_app.config["SECURE_COOKIES"])


def install(app: Flask, *, session_hours: float = 12.0, idle_minutes: float = 60.0, secure_cookies: bool = True) -> None:
    """Put the guard before every request of `app` and the CSRF field in its templates."""
    app.config.update(SESSION_HOURS=session_hours, IDLE_MINUTES=idle_minutes, SECURE_COOKIES=secure_cookies)
    app.before_request(_guard)
    app.jinja_env.globals.update(csrf_field=csrf_field, current_user=current_user, ROLE_WORDS=people.ROLE_WORDS)


# -- the pages ------------------------------------------------------------------------------------------
def _next_path() -> str:
    """Where to go after signing in: a path of this site only (never `//elsewhere` or a full URL)."""
    target = request.values.get("next", "")
    if target.startswith("/") and not target.startswith(("//", "/\\")) and len(target) < 2000:
        return target
    return url_for("home")


def _page(message: str | None, status: int = 200, name: str = "") -> Response:
    response = Response(render_template("auth_sign_in.html", message=message, name=name,
                                        next=_next_path(), users=people.has_users(g.store)), status)
    if not g.get("session"):
        _cookie(response, PRE_COOKIE, csrf_token(), max_age=3600, path=url_for("auth.sign_in"))
    return response


def failure_delay(failures: int) -> float:
    """Seconds a try waits when `failures` recent failures precede it: 0 up to FREE_FAILURES, then doubling, capped."""
    if failures < FREE_FAILURES:
        return 0.0
    return float(min(DELAY_CAP_S, DELAY_BASE_S * 2 ** (failures - FREE_FAILURES)))


@blueprint.route("/dang-nhap", methods=["GET", "POST"])
def sign_in() -> Response:
    """"Đăng nhập": name and password; a session cookie on success."""
    if request.method == "GET":
        return _page(None)
    name = request.form.get("name", "").strip()[:100]
    password = request.form.get("password", "")
    address = remote_addr()
    with writable_store() as store:
        failures = people.recent_failures(store, name, address, minutes=WINDOW_MINUTES)
        if failures >= FREE_FAILURES:
            if WAITING.acquire(blocking=False):
                try:
                    time.sleep(failure_delay(failures))   # this thread waits: a guessing loop gets a few tries a minute
                finally:
                    WAITING.release()
            people.record_attempt(store, name, address, False)
            log.warning("sign-in refused for %r from %s: %d failures within %d min", name, address, failures + 1,
                        WINDOW_MINUTES)
            return _page(TOO_MANY, 429, name)
        user = people.check_password(store, name, password) if name and password else None
        people.record_attempt(store, name, address, user is not None)
        if user is None:
            log.warning("sign-in failed for %r from %s (%d recent failures)", name, address, failures + 1)
            return _page(WRONG, 401, name)
        hours = current_app.config["SESSION_HOURS"]
        token, _ = people.open_session(store, user, hours=hours)
    log.info("sign-in of %r (%s) from %s", user.name, user.role, address)
    response = current_app.make_response(redirect(_next_path()))
    _cookie(response, SESSION_COOKIE, token, max_age=int(hours * 3600))
    response.delete_cookie(PRE_COOKIE, path=url_for("auth.sign_in"))
    return response


@blueprint.post("/dang-xuat")
def sign_out() -> Response:
    """End this session (the cookie alone would not: the store forgets its hash)."""
    session = g.get("session")
    if session is not None:
        with writable_store() as store:
            people.close_session(store, session.token_hash)
    response = current_app.make_response(redirect(url_for("auth.sign_in")))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
