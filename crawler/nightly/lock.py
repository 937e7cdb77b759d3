"""The crawl lock: one `kiemtra crawl` per store at a time, never held forever by a dead crawl.

The lock is a row in the store with a holder, its process id and host, and an expiry the live crawl
pushes forward with each heartbeat. A second crawl is refused while the lock is fresh. It is taken
over when it expired (a crawl that died on another machine, or froze) or at once when its holder ran
on this host and that process no longer exists (killed, crashed, power cut).
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from evidence import queue
from evidence.clock import iso
from evidence.store import Store
from kiemtra.errors import CrawlLocked

NAME = "crawl"


def new_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    # A zombie (killed, not yet reaped by its parent) holds nothing any more.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


@dataclass
class CrawlLock:
    """The lock as held by this process; `previous` is the dead holder it replaced, if any."""

    store: Store
    holder: str
    ttl: timedelta
    clock: Callable[[], datetime]
    previous: str | None = None

    def acquire(self) -> CrawlLock:
        now = self.clock()
        row = queue.lock_row(self.store, NAME)
        dead = None
        if row is not None and row["holder"] != self.holder:
            local_dead = row["hostname"] == socket.gethostname() and not pid_alive(int(row["pid"]))
            expired = row["expires_at"] < iso(now)
            if local_dead or expired:
                dead = row["holder"]
        if not queue.take_lock(self.store, NAME, self.holder, os.getpid(), socket.gethostname(), now, self.ttl,
                               may_replace=dead):
            raise CrawlLocked(f"một lượt thu thập khác đang chạy trên kho này ({row['holder'] if row else '?'}, "
                              f"làm mới lúc {row['heartbeat_at'] if row else '?'}); thử lại sau")
        self.previous = dead
        return self

    def beat(self) -> None:
        queue.beat_lock(self.store, NAME, self.holder, self.clock(), self.ttl)

    def release(self) -> None:
        queue.drop_lock(self.store, NAME, self.holder)
