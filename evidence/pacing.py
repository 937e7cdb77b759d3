"""Politeness across machines: each host's next allowed navigation time, shared by every worker.

One atomic statement takes the next slot of a host: the slot is `max(next_at, now)` and the host's
next time moves one interval past it; the caller waits until its slot. Times are the database's own
clock (PostgreSQL's `clock_timestamp()`), so workers on machines whose clocks differ still agree.
On SQLite (one machine) the local clock is the same for every worker. Table: `0014_distributed`.
"""

from __future__ import annotations

import time

from evidence.store import Store


def take_slot(store: Store, host: str, interval_s: float) -> float:
    """Reserve `host`'s next navigation; the seconds to wait before making it (0 when it may go now)."""
    if store.dialect == "postgresql":
        row = store.db.execute(
            "insert into host_pace (host, next_at) values (?, extract(epoch from clock_timestamp()) + ?)"
            " on conflict (host) do update set next_at = greatest(host_pace.next_at, excluded.next_at - ?) + ?"
            " returning next_at - ? - extract(epoch from clock_timestamp())",
            [host, interval_s, interval_s, interval_s, interval_s]).fetchone()
        return max(0.0, float(row[0])) if row else 0.0
    with store.write_lock() as conn:
        now = time.time()
        found = conn.execute("select next_at from host_pace where host = ?", [host]).fetchone()
        slot = max(float(found[0]), now) if found else now
        conn.execute("insert or replace into host_pace (host, next_at) values (?, ?)", [host, slot + interval_s])
    return max(0.0, slot - now)
