"""The people of an inspection team, their roles and passwords, and their browser sessions (table family
`users`, `web_sessions`, `sign_in_attempts`; migration `0015_workspace`).

A password is never stored, printed or logged: only its scrypt hash (`hashlib.scrypt`, a random salt per
user) in a self-describing string `scrypt$<n>$<r>$<p>$<salt hex>$<hash hex>`, so the cost can be raised
later and older hashes still check. A session is a random token the browser holds in a cookie; the store
keeps only its SHA-256, so a copy of the database opens no session. There are no default accounts.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from evidence.clock import iso, parse, utc_clock, utc_now
from evidence.store import Store, insert_row, table
from kiemtra.errors import ConfigError

ROLES = ("inspector", "appraiser", "viewer", "agency")
ROLE_WORDS = {"inspector": "cán bộ kiểm tra", "appraiser": "cán bộ thẩm định", "viewer": "người xem",
              "agency": "đại diện cơ quan"}
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1   # ~16 MB and a few tens of ms a check: slow to guess, quick to sign in
MIN_PASSWORD = 8
# A name that does not exist still costs one hash, so a sign-in's time does not tell which names exist.
_DUMMY_HASH = ""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    agency_id: str | None


def hash_password(password: str) -> str:
    """The self-describing scrypt hash of `password` with a fresh random salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    """Whether `password` hashes to `stored` (constant-time compare); False for a malformed hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = bytes.fromhex(digest)
        found = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                               dklen=len(expected), maxmem=256 << 20)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(found, expected)


def _user(row: dict[str, Any]) -> User:
    return User(int(row["id"]), row["name"], row["role"], row["agency_id"] or None)


def validate(store: Store, name: str, role: str, agency_id: str | None, password: str) -> None:
    """Refuse a user the team could not work with: one ConfigError naming the field and the fix."""
    if not NAME.fullmatch(name):
        raise ConfigError(f"tên người dùng «{name[:40]}» không hợp lệ", field="NAME",
                          fix="dùng chữ không dấu, số, dấu . _ - @ (tối đa 64 ký tự), ví dụ nguyen-van-a")
    if role not in ROLES:
        raise ConfigError(f"vai trò «{role}» không có", field="--role", fix="chọn một trong " + ", ".join(ROLES))
    if role == "agency" and not agency_id:
        raise ConfigError("người dùng vai trò agency phải thuộc một cơ quan", field="--agency",
                          fix="thêm --agency MÃ_CƠ_QUAN (xem `kiemtra agencies` hoặc config/agencies/)")
    if role != "agency" and agency_id:
        raise ConfigError(f"chỉ vai trò agency mới gắn với cơ quan (vai trò ở đây là {role})", field="--agency",
                          fix="bỏ --agency, hoặc dùng --role agency")
    if agency_id and next(table(store, "agencies").rows_where("id = ?", [agency_id]), None) is None:
        raise ConfigError(f"không có cơ quan «{agency_id}» trong kho", field="--agency",
                          fix="dùng mã một cơ quan khai báo trong config/agencies/")
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"mật khẩu quá ngắn (cần ít nhất {MIN_PASSWORD} ký tự)", field="mật khẩu",
                          fix="gõ một mật khẩu dài hơn")
    if find_user(store, name, include_disabled=True) is not None:
        raise ConfigError(f"đã có người dùng «{name}»", field="NAME", fix="chọn tên khác")


def add_user(store: Store, name: str, role: str, password: str, *, agency_id: str | None = None) -> User:
    """Add a person with a role (and, for `agency`, the agency they speak for); the new User."""
    validate(store, name, role, agency_id, password)
    with store.db.conn:
        key = insert_row(store, "users", {"name": name, "role": role, "agency_id": agency_id,
                                          "password_hash": hash_password(password), "created_at": utc_now(),
                                          "disabled_at": None})
    return User(key, name, role, agency_id)


def list_users(store: Store) -> list[dict[str, Any]]:
    """Every user (disabled ones too), by name; never the hash."""
    return list(store.db.query("select id, name, role, agency_id, created_at, disabled_at from users order by name"))


def find_user(store: Store, name: str, *, include_disabled: bool = False) -> User | None:
    row = next(table(store, "users").rows_where("name = ?" + ("" if include_disabled else " and disabled_at is null"),
                                                [name]), None)
    return _user(row) if row else None


def has_users(store: Store) -> bool:
    """Whether any user was ever added: from then on every page needs a session (`evidence/web/auth.py`)."""
    return "users" in store.db.table_names() and store.db.execute("select 1 from users limit 1").fetchone() is not None


def disable_user(store: Store, name: str) -> bool:
    """Disable a user and end their sessions; False when no active user has that name."""
    with store.write_lock() as conn:
        row = conn.execute("select id from users where name = ? and disabled_at is null", [name]).fetchone()
        if row is None:
            return False
        conn.execute("update users set disabled_at = ? where id = ?", [utc_now(), row[0]])
        conn.execute("delete from web_sessions where user_id = ?", [row[0]])
    return True


def check_password(store: Store, name: str, password: str) -> User | None:
    """The active user `name` when `password` is theirs, else None (an unknown name costs one hash too)."""
    global _DUMMY_HASH
    row = next(table(store, "users").rows_where("name = ? and disabled_at is null", [name]), None)
    if row is None:
        _DUMMY_HASH = _DUMMY_HASH or hash_password(secrets.token_hex(8))
        password_matches(password, _DUMMY_HASH)
        return None
    return _user(row) if password_matches(password, row["password_hash"]) else None


# -- sessions: a random token in the cookie, its SHA-256 in the store ------------------------------------
def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Session:
    user: User
    csrf_token: str
    token_hash: str


def open_session(store: Store, user: User, *, hours: float) -> tuple[str, Session]:
    """A new session of `user` lasting `hours`; the token for the cookie (never stored) and the session."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = utc_clock()
    with store.write_lock() as conn:
        conn.execute("delete from web_sessions where expires_at < ?", [iso(now)])   # old ones need not pile up
        conn.execute("insert into web_sessions (token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at)"
                     " values (?, ?, ?, ?, ?, ?)",
                     [token_hash(token), user.id, csrf, iso(now), iso(now + timedelta(hours=hours)), iso(now)])
    return token, Session(user, csrf, token_hash(token))


def session_of(store: Store, token: str, *, idle_minutes: float) -> Session | None:
    """The live session a cookie's token opens: not expired, not idle longer than `idle_minutes`, its user
    active; None otherwise. Reads only (the read-only store of a GET can answer it)."""
    if not token or len(token) > 200:
        return None
    row = next(iter(store.db.query(
        "select s.token_hash, s.csrf_token, s.expires_at, s.last_seen_at, u.id, u.name, u.role, u.agency_id"
        " from web_sessions s join users u on u.id = s.user_id where s.token_hash = ? and u.disabled_at is null",
        [token_hash(token)])), None)
    if row is None:
        return None
    now = utc_clock()
    if parse(row["expires_at"]) <= now or parse(row["last_seen_at"]) + timedelta(minutes=idle_minutes) <= now:
        return None
    return Session(_user(row), row["csrf_token"], row["token_hash"])


def touch_session(store: Store, session_hash: str) -> None:
    """Note that the session was used now (idle expiry counts from here)."""
    with store.write_lock() as conn:
        conn.execute("update web_sessions set last_seen_at = ? where token_hash = ?", [utc_now(), session_hash])


def close_session(store: Store, session_hash: str) -> None:
    with store.write_lock() as conn:
        conn.execute("delete from web_sessions where token_hash = ?", [session_hash])


# -- sign-in attempts: every one is kept; failures slow the next ones down -----------------------------
def record_attempt(store: Store, name: str, remote_addr: str | None, ok: bool) -> None:
    with store.write_lock() as conn:
        conn.execute("insert into sign_in_attempts (at, name, remote_addr, ok) values (?, ?, ?, ?)",
                     [utc_now(), name[:100], remote_addr or "", int(ok)])


def recent_failures(store: Store, name: str, remote_addr: str | None, *, minutes: float = 15) -> int:
    """Failed sign-ins within `minutes` for this name or from this address, whichever is more."""
    since = iso(utc_clock() - timedelta(minutes=minutes))
    by_name = store.db.execute("select count(*) from sign_in_attempts where ok = 0 and name = ? and at >= ?",
                               [name[:100], since]).fetchone()[0]
    by_addr = store.db.execute("select count(*) from sign_in_attempts where ok = 0 and remote_addr = ? and at >= ?",
                               [remote_addr or "", since]).fetchone()[0]
    return int(max(by_name, by_addr))


def attempts(store: Store, *, limit: int = 200) -> list[dict[str, Any]]:
    """The newest sign-in attempts first (who tried, from where, whether it worked)."""
    return list(store.db.query("select * from sign_in_attempts order by id desc limit ?", [limit]))
