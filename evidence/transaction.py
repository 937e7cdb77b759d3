"""The store's one way to take the write lock: BEGIN IMMEDIATE … COMMIT, rolled back on any error."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """The write lock is taken before the first read, so two processes never race on what they read.

    Inside it write with plain SQL on the yielded connection: sqlite-utils' own writes commit on
    their own and would end the transaction early.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
