"""The store's one way to take the write lock: BEGIN IMMEDIATE … COMMIT, rolled back on any error."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from evidence.database import OneTransaction


@contextmanager
def immediate(conn: sqlite3.Connection, *, store_wide: bool = True) -> Iterator[sqlite3.Connection]:
    """The write lock is taken before the first read, so two processes never race on what they read.

    Inside it write with plain SQL on the yielded connection, or with sqlite-utils (4.x writes in a
    savepoint of the open transaction). Inside a `with conn:` block it joins that block's transaction.

    On PostgreSQL (`evidence.database.postgres.PgConnection`) the same lock is an advisory
    transaction lock every store writer shares, taken first thing in the transaction;
    `store_wide` False leaves it out there, for a transaction whose writes are conditional updates
    of single rows, which PostgreSQL's row locks already keep apart (the job queue's leases).
    """
    if getattr(conn, "dialect", "sqlite") == "postgresql":
        conn.begin(write_lock=store_wide)   # type: ignore[attr-defined]
    elif isinstance(conn, OneTransaction):   # BEGIN IMMEDIATE at the outermost block; inside another one, joins it
        with conn:
            yield conn
        return
    else:
        conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
