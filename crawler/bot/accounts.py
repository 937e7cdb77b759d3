"""One citizen account per portal: register once, log in for every other service of that portal.

A portal that allows one account per citizen ID ("Số CCCD này đã được đăng ký") would otherwise
let only the first service of a crawl past registration. The keeper remembers, per portal (the
host of the declared links), which address and ID the bot registered there; the other checks of
the crawl wait until that account has logged in once, then log in with it.

Secrets: the password is one per process (KIEMTRA_BOT_PASSWORD, or the keeper file's, or a fresh
random one), so every check of a crawl types the same secret and redacts it from what it keeps.
Accounts live in memory; with KIEMTRA_BOT_ACCOUNTS=<path> (a file outside the repository, mode
0600) they outlive the process, for `kiemtra rerun`. They are never written into the store.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import secrets
import string
from dataclasses import dataclass, field
from pathlib import Path

ACCOUNTS_ENV = "KIEMTRA_BOT_ACCOUNTS"
PASSWORD_ENV = "KIEMTRA_BOT_PASSWORD"
WAIT_S = 60.0   # how long a check waits for another check's registration to prove itself


@dataclass
class Account:
    email: str
    id_number: str
    ready: bool = False          # logged in once: usable by every other check
    failed: bool = False         # registration or first login did not work: others register afresh


@dataclass
class _Keeper:
    accounts: dict[str, Account] = field(default_factory=dict)
    password: str = ""
    loaded: bool = False
    locks: dict[tuple[int, str], asyncio.Lock] = field(default_factory=dict)


_KEEPER = _Keeper()


def _file() -> Path | None:
    path = os.environ.get(ACCOUNTS_ENV)
    return Path(path).expanduser() if path else None


def _load() -> None:
    if _KEEPER.loaded:
        return
    _KEEPER.loaded = True
    path = _file()
    if path is None or not path.exists():
        return
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # an unreadable keeper file only costs a fresh registration
    _KEEPER.password = str(raw.get("password", ""))
    for portal, item in dict(raw.get("accounts", {})).items():
        _KEEPER.accounts[portal] = Account(str(item["email"]), str(item["id_number"]), ready=True)


def _save() -> None:
    path = _file()
    if path is None:
        return
    usable = {p: {"email": a.email, "id_number": a.id_number} for p, a in _KEEPER.accounts.items() if a.ready}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"password": _KEEPER.password, "accounts": usable}, out, ensure_ascii=False)


def _new_password() -> str:
    # Portals demand upper, lower, digit and a symbol; 14 characters pass every policy seen.
    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"Kt{core}@9"


def password() -> str:
    """The bot's password for this process: the same on every portal, so every check redacts it."""
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    _load()
    if not _KEEPER.password:
        _KEEPER.password = _new_password()
    return _KEEPER.password


def lock(portal: str) -> asyncio.Lock:
    """One registration at a time per portal (per event loop: a lock belongs to its loop)."""
    key = (id(asyncio.get_running_loop()), portal)
    if key not in _KEEPER.locks:
        _KEEPER.locks[key] = asyncio.Lock()
    return _KEEPER.locks[key]


def known(portal: str) -> Account | None:
    _load()
    account = _KEEPER.accounts.get(portal)
    return None if account is None or account.failed else account


async def usable(portal: str) -> Account | None:
    """The portal's account once it has logged in; None when there is none or it did not work."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while (account := known(portal)) is not None and not account.ready and loop.time() < deadline:
        await asyncio.sleep(0.2)
    account = known(portal)
    return account if account is not None and account.ready else None


def registered(portal: str, email: str, id_number: str) -> None:
    """This check made the portal's account: others wait for its first login."""
    _load()
    _KEEPER.accounts[portal] = Account(email, id_number)


def logged_in(portal: str, email: str) -> None:
    account = _KEEPER.accounts.get(portal)
    if account is not None and account.email == email and not account.ready:
        account.ready = True
        _save()


def unusable(portal: str, email: str) -> None:
    """The account did not work (never activated, refused): the next check registers again."""
    account = _KEEPER.accounts.get(portal)
    if account is not None and account.email == email:
        account.failed = True


def unique_id_number(seed: str) -> str:
    """A 12-digit personal identification number of its own, for a second account that is really needed.

    Same shape as a real one (3-digit province, century/sex digit, 2-digit year, 6 digits) so forms
    that check the shape accept it; derived from `seed` so a check is repeatable.
    """
    digits = str(int(hashlib.sha256(seed.encode()).hexdigest(), 16))[-6:]
    return f"0010{90}{digits}"


def forget_all() -> None:
    """Tests: a crawl that starts from nothing."""
    _KEEPER.accounts.clear()
    _KEEPER.locks.clear()
    _KEEPER.loaded = False
    _KEEPER.password = ""
