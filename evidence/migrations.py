"""How migrations apply: a registry of named migrations, applied once each, in order.

The migrations themselves are all in `evidence/schema.py` (imported by `evidence/store.py`);
names sort in the order they apply. `PRAGMA user_version` counts the migrations applied, so an
older kiemtra refuses a newer store.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

from evidence.clock import utc_now
from evidence.transaction import immediate
from kiemtra.errors import SchemaTooNew

Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: dict[str, Migration] = {}


def migration(name: str) -> Callable[[Migration], Migration]:
    def register(function: Migration) -> Migration:
        if name in MIGRATIONS:
            raise ValueError(f"migration {name} declared twice")
        MIGRATIONS[name] = function
        return function
    return register


def apply(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations this store lacks; return their names."""
    # Many processes may open a new store at once (workers, a crawl and the browser): one of them creates the
    # table under the write lock, the others wait for it (a deferred read-then-write would deadlock: SQLITE_BUSY).
    with immediate(db.conn):
        db.table("_migrations").create({"name": str, "applied_at": str}, pk="name", if_not_exists=True)
    done = {row["name"] for row in db.table("_migrations").rows}
    unknown = done - MIGRATIONS.keys()
    if unknown:
        raise SchemaTooNew(f"kho dữ liệu có lược đồ mới hơn phiên bản này ({', '.join(sorted(unknown))}); hãy cập nhật kiemtra")
    applied: list[str] = []
    for name in sorted(MIGRATIONS.keys() - done):
        # One transaction per migration: a crash leaves it wholly applied or not at all.
        with immediate(db.conn) as conn:
            if conn.execute("select 1 from _migrations where name = ?", [name]).fetchone():
                continue   # another process opening the same store applied it while this one waited for the lock
            MIGRATIONS[name](db)
            conn.execute("insert into _migrations (name, applied_at) values (?, ?)", [name, utc_now()])
            count = conn.execute("select count(*) from _migrations").fetchone()[0]
            conn.execute(f"PRAGMA user_version = {int(count)}")  # a no-op on PostgreSQL
        applied.append(name)
    return applied
