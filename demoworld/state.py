"""The world's mutable state (accounts, dossiers, payments, mailbox, flaky counters), thread-safe.

Every site shares one WorldState; every method takes the lock, so concurrent browsers are safe.
`reset()` brings everything back to the initial state.
"""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

# Tracking: a dossier's status advances with lookups and with time (whichever is further).
STATUSES = ("Đã tiếp nhận", "Đang xử lý", "Đã có kết quả")
SECONDS_PER_STAGE = 20.0


@dataclass
class Account:
    site: str
    email: str
    password: str
    full_name: str
    phone: str = ""
    active: bool = True
    token: str = ""
    id_number: str = ""  # portals that allow one account per citizen ID keep it


@dataclass
class Dossier:
    code: str
    site: str
    service_id: str
    owner: str
    applicant: str
    fields: dict
    files: list[str]
    fee: int
    delivery: str  # truc-tiep | truc-tuyen | buu-chinh
    created: float = field(default_factory=time.time)
    lookups: int = 0
    paid: bool = False
    payment_id: str = ""

    def stage(self) -> int:
        by_time = int((time.time() - self.created) / SECONDS_PER_STAGE)
        return min(len(STATUSES) - 1, max(self.lookups - 1, by_time, 0))

    @property
    def status(self) -> str:
        return STATUSES[self.stage()]


@dataclass
class Payment:
    id: str
    merchant: str
    description: str
    amount: int
    return_url: str
    dossier_code: str
    status: str = "cho-thanh-toan"  # cho-thanh-toan | da-thanh-toan


@dataclass
class Mail:
    id: int
    to: str
    subject: str
    body: str
    links: list[str]
    sent_at: float = field(default_factory=time.time)


class WorldState:
    """All mutable state of the world behind one re-entrant lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        # Set on stop() and reset(): wakes every request that is deliberately held (time-outs, slow pages).
        self.wake = threading.Event()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.accounts: dict[tuple[str, str], Account] = {}
            self.dossiers: dict[str, Dossier] = {}
            self.payments: dict[str, Payment] = {}
            self.mail: list[Mail] = []
            self.hits: dict[str, int] = {}
            self.seq: dict[str, int] = {}
            self.wake.set()
            self.wake = threading.Event()

    # --- flaky services -------------------------------------------------------------------
    def hit(self, key: str) -> int:
        """Count one request to a declared URL; returns the 1-based count since the last reset."""
        with self.lock:
            self.hits[key] = self.hits.get(key, 0) + 1
            return self.hits[key]

    def hold(self, seconds: float) -> None:
        """Hold the current request (a slow page or a time-out) unless the world stops or resets."""
        self.wake.wait(seconds)

    # --- accounts --------------------------------------------------------------------------
    def register(self, site: str, email: str, password: str, full_name: str, phone: str = "",
                 needs_activation: bool = False, id_number: str = "") -> Account | None:
        """Create an account; None when the address is already registered on that site."""
        email = email.strip().lower()
        with self.lock:
            if (site, email) in self.accounts:
                return None
            acc = Account(site, email, password, full_name, phone, active=not needs_activation,
                          token=secrets.token_urlsafe(16) if needs_activation else "", id_number=id_number.strip())
            self.accounts[(site, email)] = acc
            return acc

    def activate(self, site: str, token: str) -> Account | None:
        with self.lock:
            for acc in self.accounts.values():
                if acc.site == site and acc.token and acc.token == token:
                    acc.active = True
                    return acc
            return None

    def id_taken(self, site: str, id_number: str) -> bool:
        """Whether an account of `site` already holds this citizen ID (one account per citizen)."""
        with self.lock:
            return any(a.site == site and a.id_number == id_number.strip() for a in self.accounts.values())

    def account_by_id(self, site: str, id_number: str) -> Account | None:
        with self.lock:
            return next((a for a in self.accounts.values() if a.site == site and a.id_number == id_number.strip()), None)

    def login(self, site: str, email: str, password: str) -> tuple[Account | None, str]:
        """Returns (account, error message)."""
        with self.lock:
            acc = self.accounts.get((site, email.strip().lower()))
            if acc is None or acc.password != password:
                return None, "Tên đăng nhập hoặc mật khẩu không đúng."
            if not acc.active:
                return None, "Tài khoản chưa được kích hoạt. Vui lòng kiểm tra thư điện tử để kích hoạt tài khoản."
            return acc, ""

    # --- dossiers --------------------------------------------------------------------------
    def new_dossier(self, site: str, prefix: str, **kw) -> Dossier:
        with self.lock:
            n = self.seq.get(site, 0) + 1
            self.seq[site] = n
            code = f"{prefix}-{time.strftime('%y%m%d')}-{n:04d}"
            d = Dossier(code=code, site=site, **kw)
            self.dossiers[code] = d
            return d

    def dossier(self, code: str, site: str | None = None) -> Dossier | None:
        with self.lock:
            d = self.dossiers.get(code.strip())
            if d is None or (site is not None and d.site != site):
                return None
            return d

    def lookup(self, code: str, site: str) -> Dossier | None:
        """A tracking lookup: advances the status one stage per lookup."""
        with self.lock:
            d = self.dossier(code, site)
            if d is not None:
                d.lookups += 1
            return d

    def dossiers_of(self, site: str, owner: str) -> list[Dossier]:
        with self.lock:
            return [d for d in self.dossiers.values() if d.site == site and d.owner == owner]

    # --- payments --------------------------------------------------------------------------
    def new_payment(self, merchant: str, description: str, amount: int, return_url: str,
                    dossier_code: str) -> Payment:
        with self.lock:
            p = Payment(id="GD" + secrets.token_hex(6).upper(), merchant=merchant,
                        description=description, amount=amount, return_url=return_url,
                        dossier_code=dossier_code)
            self.payments[p.id] = p
            return p

    def payment(self, pid: str) -> Payment | None:
        with self.lock:
            return self.payments.get(pid)

    def confirm_payment(self, pid: str) -> Payment | None:
        with self.lock:
            p = self.payments.get(pid)
            if p is not None:
                p.status = "da-thanh-toan"
            return p

    def settle(self, pid: str) -> Dossier | None:
        """The DVC site verifies a payment with the gateway and marks its dossier paid."""
        with self.lock:
            p = self.payments.get(pid)
            if p is None or p.status != "da-thanh-toan":
                return None
            d = self.dossiers.get(p.dossier_code)
            if d is not None:
                d.paid = True
                d.payment_id = pid
            return d

    # --- mailbox ---------------------------------------------------------------------------
    def send_mail(self, to: str, subject: str, body: str, links: list[str]) -> None:
        with self.lock:
            self.mail.append(Mail(len(self.mail) + 1, to.strip().lower(), subject, body, links))

    def messages(self, to: str | None = None) -> list[Mail]:
        with self.lock:
            return [m for m in self.mail if to is None or m.to == to.strip().lower()]
