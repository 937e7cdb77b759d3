"""Signing in to the workspace (issue 18): people and their passwords, sessions, CSRF, the guard, the audit
history's store functions; then through a real Chromium against the real `kiemtra serve` (waitress)."""

from __future__ import annotations

import http.client
import json
import re
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from evidence import audit, people
from evidence.store import Store
from evidence.web import create_app
from tests.workspace_fixtures import PASSWORDS, USERS, add_users, cli, sign_in, start_server

AGENCY = {"id": "bac-ninh", "name": "UBND tỉnh Bắc Ninh", "group": "tinh", "portal": "http://127.0.0.1:1/", "services": []}


@pytest.fixture()
def store(tmp_path) -> Store:
    from evidence import agencies

    opened = Store(tmp_path / "var")
    agencies.sync(opened, [AGENCY])
    yield opened
    opened.close()


# -- people and passwords --------------------------------------------------------------------------
def test_a_password_is_kept_only_as_a_salted_scrypt_hash(store):
    user = people.add_user(store, "kiem-tra-a", "inspector", "mot-mat-khau-dai")
    again = people.add_user(store, "kiem-tra-b", "inspector", "mot-mat-khau-dai")
    rows = {r["name"]: r for r in store.db.query("select * from users")}
    first, second = rows["kiem-tra-a"]["password_hash"], rows["kiem-tra-b"]["password_hash"]
    assert first.startswith("scrypt$") and "mot-mat-khau-dai" not in first and first != second  # a salt per user
    assert people.check_password(store, "kiem-tra-a", "mot-mat-khau-dai") == user
    assert people.check_password(store, "kiem-tra-a", "mot-mat-khau-dai ") is None
    assert people.check_password(store, "khong-co", "mot-mat-khau-dai") is None
    assert people.password_matches("x", "md5$abc") is False and people.password_matches("x", "scrypt$1$2") is False
    assert again.role == "inspector" and again.agency_id is None


@pytest.mark.parametrize(("name", "role", "agency", "password", "field"), [
    ("a b", "inspector", None, "mat-khau-dai", "NAME"),
    ("kt", "admin", None, "mat-khau-dai", "--role"),
    ("kt", "agency", None, "mat-khau-dai", "--agency"),
    ("kt", "agency", "khong-co", "mat-khau-dai", "--agency"),
    ("kt", "viewer", "bac-ninh", "mat-khau-dai", "--agency"),
    ("kt", "viewer", None, "ngan", "mật khẩu"),
])
def test_a_user_the_team_could_not_work_with_is_refused_naming_the_field(store, name, role, agency, password, field):
    from kiemtra.errors import ConfigError

    with pytest.raises(ConfigError) as raised:
        people.add_user(store, name, role, password, agency_id=agency)
    assert raised.value.field == field and "\n" not in str(raised.value)
    assert people.list_users(store) == []


def test_a_disabled_user_cannot_sign_in_and_loses_their_sessions(store):
    user = people.add_user(store, "dai-dien", "agency", "mat-khau-dai", agency_id="bac-ninh")
    token, session = people.open_session(store, user, hours=1)
    assert people.session_of(store, token, idle_minutes=5) == session
    assert store.db.execute("select count(*) from web_sessions where token_hash = ?", [token]).fetchone()[0] == 0
    assert people.disable_user(store, "dai-dien") and not people.disable_user(store, "dai-dien")
    assert people.session_of(store, token, idle_minutes=5) is None
    assert people.check_password(store, "dai-dien", "mat-khau-dai") is None
    assert people.list_users(store)[0]["disabled_at"]


def test_a_session_ends_at_its_expiry_and_when_idle(store):
    user = people.add_user(store, "kiem-tra-a", "inspector", "mat-khau-dai")
    token, session = people.open_session(store, user, hours=1)
    store.db.execute("update web_sessions set last_seen_at = '2020-01-01T00:00:00.000Z'")
    store.db.conn.commit()
    assert people.session_of(store, token, idle_minutes=60) is None          # idle too long
    people.touch_session(store, session.token_hash)
    assert people.session_of(store, token, idle_minutes=60) == session
    store.db.execute("update web_sessions set expires_at = '2020-01-01T00:00:00.000Z'")
    store.db.conn.commit()
    assert people.session_of(store, token, idle_minutes=60) is None          # past its expiry


def test_audit_rows_commit_with_the_change_or_not_at_all(store):
    user = people.User(1, "kiem-tra-a", "inspector", None)
    with store.write_lock() as conn:
        audit.record(store, conn, user=user, action="judge", subject_kind="service", subject_id="bac-ninh-001",
                     agency_id="bac-ninh", old=None, new={"accepted": True, "reason": "<b>đạt</b>"},
                     evidence={"runs": ["r1"]}, remote_addr="127.0.0.1")
    with pytest.raises(RuntimeError), store.write_lock() as conn:
        audit.record(store, conn, user=user, action="judge", subject_kind="service", subject_id="bac-ninh-002",
                     agency_id="bac-ninh", old=None, new={}, evidence={})
        raise RuntimeError("the change itself failed")
    rows = audit.history(store)
    assert [(r["subject_id"], r["new_value"], r["evidence"]) for r in rows] == \
        [("bac-ninh-001", {"accepted": True, "reason": "<b>đạt</b>"}, {"runs": ["r1"]})]
    assert audit.history(store, agency_id="khac") == [] and len(audit.history(store, subject_id="bac-ninh-001")) == 1


def test_failures_slow_the_next_tries_after_five():
    from evidence.web.auth import DELAY_CAP_S, FREE_FAILURES, failure_delay

    assert [failure_delay(n) for n in range(FREE_FAILURES)] == [0.0] * FREE_FAILURES
    assert failure_delay(FREE_FAILURES) > 0 and failure_delay(FREE_FAILURES + 1) > failure_delay(FREE_FAILURES)
    assert failure_delay(100) == DELAY_CAP_S


# -- the guard, in process (what a browser cannot send: a POST without a CSRF token) --------------------
def _token(text: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert found, text
    return found.group(1)


def test_without_users_the_browser_is_read_only_and_loopback_only(store):
    client = create_app(store.data_dir).test_client()
    assert client.get("/").status_code == 200
    assert client.post("/").status_code == 405 and client.post("/dang-nhap", data={"name": "x"}).status_code == 405
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert "kiemtra users add" in client.get("/dang-nhap").text


def test_the_read_only_token_reads_and_never_writes(store):
    people.add_user(store, "kiem-tra-a", "inspector", "mat-khau-dai")
    client = create_app(store.data_dir, token="mat-khau-lien-ket-9f").test_client()
    bearer = {"Authorization": "Bearer mat-khau-lien-ket-9f"}
    assert client.get("/", headers=bearer).status_code == 200
    assert client.post("/dang-xuat", headers=bearer).status_code == 405
    assert client.get("/", headers={"Authorization": "Bearer sai"}).status_code == 302  # → sign-in


# -- through Chromium against `kiemtra serve` ---------------------------------------------------------
@pytest.fixture()
def page(workspace_page):
    return workspace_page


def raw(base: str, method: str, path: str, body: str = "", headers: dict | None = None):
    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=30)
    connection.request(method, path, body=body.encode(), headers=headers or {})
    response = connection.getresponse()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode("utf-8", "replace")


def test_anonymous_is_sent_to_sign_in_on_loopback_then_signs_in_and_out(workspace_server, page):
    base, data, passwords = workspace_server
    run_id = workspace_server.runs["bac-ninh-003"]
    page.goto(f"{base}/luot/{run_id}")
    assert "/dang-nhap" in page.url and page.locator("h1").inner_text() == "Đăng nhập"
    assert "Bắc Ninh" not in page.inner_text("body")
    page.fill("input[name=name]", "kiem-tra-a")
    page.fill("input[name=password]", passwords["kiem-tra-a"])
    with page.expect_navigation():
        page.click("form.sign-in button[type=submit]")
    assert page.url == f"{base}/luot/{run_id}"                       # back where the visitor was going
    assert page.inner_text("#me-name") == "kiem-tra-a"
    cookie = next(c for c in page.context.cookies() if c["name"] == "kiemtra_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    with sqlite3.connect(data / "kiemtra.db") as db:
        stored = {row[0] for row in db.execute("select token_hash from web_sessions")}
    assert cookie["value"] not in stored and len(stored) == 1        # only the token's hash is kept
    headers = raw(base, "GET", "/dang-nhap")[1]
    assert "frame-ancestors 'none'" in headers["content-security-policy"] and headers["x-content-type-options"] == "nosniff"
    with page.expect_navigation():
        page.click("#sign-out")
    assert "/dang-nhap" in page.url
    with sqlite3.connect(data / "kiemtra.db") as db:
        assert db.execute("select count(*) from web_sessions").fetchone()[0] == 0
    page.context.add_cookies([{**cookie}])                           # the old cookie opens nothing any more
    page.goto(f"{base}/luot/{run_id}")
    assert "/dang-nhap" in page.url


def test_an_expired_or_idle_session_asks_to_sign_in_again(workspace_server, page):
    base, data, passwords = workspace_server
    sign_in(page, base, "nguoi-xem", passwords["nguoi-xem"])
    page.goto(base + "/")
    assert page.inner_text("#me-name") == "nguoi-xem"
    for column in ("expires_at", "last_seen_at"):
        with sqlite3.connect(data / "kiemtra.db") as db:
            db.execute(f"update web_sessions set {column} = '2020-01-01T00:00:00.000Z'"
                       " where user_id = (select id from users where name = 'nguoi-xem')")
        page.goto(base + "/luot")
        assert "/dang-nhap" in page.url, column
        sign_in(page, base, "nguoi-xem", passwords["nguoi-xem"])


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused(workspace_server, page):
    base, data, passwords = workspace_server
    sign_in(page, base, "kiem-tra-a", passwords["kiem-tra-a"])
    cookie = next(c for c in page.context.cookies() if c["name"] == "kiemtra_session")["value"]
    before = _count(data, "web_sessions")
    for body in ("", "csrf_token=sai"):
        status, _, text = raw(base, "POST", "/dang-xuat", body, {"Cookie": f"kiemtra_session={cookie}",
                                                                   "Content-Type": "application/x-www-form-urlencoded"})
        assert status == 400 and "Thiếu hoặc sai mã chống giả mạo (CSRF)" in text
    assert _count(data, "web_sessions") == before                      # the session was not ended by the forgery
    page.goto(base + "/")
    page.evaluate("() => document.querySelector('header form input[name=csrf_token]').value = 'gia-mao'")
    with page.expect_navigation():
        page.click("#sign-out")
    assert "Thiếu hoặc sai mã chống giả mạo (CSRF)" in page.inner_text("main")
    status, _, text = raw(base, "POST", "/dang-nhap", "name=kiem-tra-a&password=x",
                          {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400                                              # the sign-in form carries its own token too


def _count(data: Path, table: str, where: str = "1") -> int:
    with sqlite3.connect(data / "kiemtra.db") as db:
        return int(db.execute(f"select count(*) from {table} where {where}").fetchone()[0])


def test_a_name_typed_into_the_sign_in_form_is_shown_as_text(workspace_server, page):
    base, _, _ = workspace_server
    hostile = '<img src=x onerror="window.__pwned=1">'
    page.goto(base + "/dang-nhap")
    page.fill("input[name=name]", hostile)
    page.fill("input[name=password]", "khong-dung")
    with page.expect_navigation():
        page.click("form.sign-in button[type=submit]")
    assert page.input_value("input[name=name]") == hostile and page.locator("main img").count() == 0
    assert page.evaluate("() => window.__pwned") is None


def test_a_password_guessing_loop_is_slowed_refused_and_logged(tmp_path, workspace_data, page):
    data = tmp_path / "var"
    import shutil

    shutil.copytree(workspace_data["data"], data)
    add_users(workspace_data["config"], data, {"kiem-tra-a": USERS["kiem-tra-a"]})
    process, base, lines = start_server(workspace_data["config"], data)
    try:
        import time

        took = []
        for guess in range(7):
            page.goto(base + "/dang-nhap")
            page.fill("input[name=name]", "kiem-tra-a")
            page.fill("input[name=password]", f"doan-{guess}")
            started = time.monotonic()
            with page.expect_navigation():
                page.click("form.sign-in button[type=submit]")
            took.append(time.monotonic() - started)
            expected = "Sai tên đăng nhập hoặc mật khẩu." if guess < 5 else "Đăng nhập sai quá nhiều lần; thử lại sau ít phút"
            assert page.inner_text("#message") == expected, guess
        # Now even the right password is refused for a while: the guesser cannot tell a hit.
        page.fill("input[name=password]", PASSWORDS["kiem-tra-a"])
        with page.expect_navigation():
            page.click("form.sign-in button[type=submit]")
        assert "quá nhiều lần" in page.inner_text("#message") and "/dang-nhap" in page.url
        assert min(took[5:]) >= 1.0 and took[6] >= took[5]          # the server made each further try wait
        assert _count(data, "sign_in_attempts", "ok = 0 and name = 'kiem-tra-a'") == 8
        log = lines.wait_for("sign-in refused for 'kiem-tra-a'", 3)
        assert log.count("sign-in failed for 'kiem-tra-a'") == 5 and log.count("sign-in refused for 'kiem-tra-a'") == 3
        assert "doan-" not in log and PASSWORDS["kiem-tra-a"] not in log   # never a password in the log
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_users_commands_read_the_password_from_stdin_and_never_print_it(workspace_data, tmp_path):
    data = str(tmp_path / "var")
    config = workspace_data["config"]
    done = cli(config, "--data", data, "users", "add", "dai-dien", "--role", "agency", "--agency", "bac-ninh",
               stdin="mot-mat-khau-rat-dai\n")
    assert done.returncode == 0 and "mot-mat-khau-rat-dai" not in done.stdout + done.stderr
    listed = cli(config, "--data", data, "users", "list")
    assert "dai-dien" in listed.stdout and "bac-ninh" in listed.stdout and "scrypt" not in listed.stdout
    bad = cli(config, "--data", data, "users", "add", "kt", "--role", "agency", "--agency", "khong-co", stdin="mat-khau-dai\n")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "--agency" in bad.stderr
    empty = cli(config, "--data", data, "users", "add", "kt", "--role", "viewer", stdin="")
    assert empty.returncode == 2 and "stdin" in empty.stderr
    assert cli(config, "--data", data, "users", "disable", "dai-dien").returncode == 0
    assert cli(config, "--data", data, "users", "disable", "dai-dien").returncode == 2
    assert json.dumps(people.ROLES)  # the roles the docs name


def test_without_users_kiemtra_serve_behaves_as_before(workspace_data, tmp_path, page):
    import shutil

    data = tmp_path / "var"
    shutil.copytree(workspace_data["data"], data)
    process, base, _ = start_server(workspace_data["config"], data)
    try:
        page.goto(base + "/")
        assert "Bắc Ninh" in page.inner_text("main") and page.locator("#me-name").count() == 0   # no sign-in asked
        assert raw(base, "POST", "/", "x=1", {"Content-Type": "application/x-www-form-urlencoded"})[0] == 405
        assert raw(base, "GET", "/", headers={"Host": "rebound.example:80"})[0] == 400      # DNS rebinding refused
        page.goto(base + "/dang-nhap")
        assert "kiemtra users add" in page.inner_text("main")
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_name_no_page_could_show_safely_is_refused_when_added(store):
    from kiemtra.errors import ConfigError

    with pytest.raises(ConfigError):
        people.add_user(store, '<img src=x onerror="alert(1)">', "viewer", "mat-khau-dai")


def test_beyond_loopback_serve_needs_users_or_a_token(workspace_data, tmp_path, page, monkeypatch):
    """127.0.0.2 is not 127.0.0.1 to `kiemtra serve` (Linux routes all of 127/8 to this machine, so the test
    never listens on a network): refused with nothing to guard it, started once a user exists."""
    import shutil

    monkeypatch.delenv("KIEMTRA_SERVE_TOKEN", raising=False)
    data = tmp_path / "var"
    shutil.copytree(workspace_data["data"], data)
    refused = cli(workspace_data["config"], "--data", str(data), "serve", "--host", "127.0.0.2", "--port", "1")
    assert refused.returncode == 2 and "kiemtra users add" in refused.stderr
    add_users(workspace_data["config"], data, {"nguoi-xem": USERS["nguoi-xem"]})
    process, base, _ = start_server(workspace_data["config"], data, host="127.0.0.2")
    try:
        page.goto(base + "/")
        assert "/dang-nhap" in page.url                                 # the Host is not loopback: a session guards it
        sign_in(page, base, "nguoi-xem", PASSWORDS["nguoi-xem"])
        assert "Bắc Ninh" in page.inner_text("main")
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_signing_in_never_sends_the_visitor_to_another_site(store):
    people.add_user(store, "kiem-tra-a", "inspector", "mat-khau-dai")
    client = create_app(store.data_dir).test_client()
    for target, lands in (("//evil.example/x", "/"), ("https://evil.example/", "/"), ("/\\evil.example", "/"),
                          ("/luot?agency=bac-ninh", "/luot?agency=bac-ninh")):
        client.delete_cookie("kiemtra_session")
        token = _token(client.get("/dang-nhap").text)
        answer = client.post("/dang-nhap", data={"name": "kiem-tra-a", "password": "mat-khau-dai", "csrf_token": token,
                                                 "next": target})
        assert answer.status_code == 302 and answer.headers["Location"] == lands, target
