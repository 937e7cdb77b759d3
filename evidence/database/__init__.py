"""The store's database, one of two dialects behind the same calls: SQLite (embedded, the default) or PostgreSQL.

`open_database(path, url)` gives a `sqlite_utils.Database` on the file, or — when `url` (the setting
`database_url`, env `KIEMTRA_DATABASE_URL`) is `postgresql://…` — a `PgDatabase` answering the
same calls (`evidence/database/postgres.py`). `dialect(db)` says which; per-dialect SQL (the
catalogue's full-text index, the write lock) asks it and nothing else does.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any, Literal

import sqlite_utils

from kiemtra.errors import StoreError

URL_ENV = "KIEMTRA_DATABASE_URL"
SQLITE, POSTGRESQL = "sqlite", "postgresql"
__all__ = ["POSTGRESQL", "SQLITE", "URL_ENV", "OneTransaction", "configured_url", "dialect", "open_database"]


class OneTransaction(sqlite3.Connection):
    """The SQLite connection on which `with conn:` is one transaction, as on PostgreSQL (`PgConnection`).

    sqlite3's own `with conn:` begins nothing and only commits at its end, so every sqlite-utils write
    inside it committed on its own: a reader could see a run ended without its verdict, or a year's
    scores deleted before the new ones were in. Here the outermost `with` takes the write lock
    (BEGIN IMMEDIATE: a block that reads then writes never races another writer), nested ones and
    sqlite-utils' own (savepoints) join it, and its end commits, or rolls back on an error.
    """

    depth = 0

    def __enter__(self) -> OneTransaction:
        if self.depth == 0 and not self.in_transaction:
            self.execute("BEGIN IMMEDIATE")
        self.depth += 1
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> Literal[False]:
        self.depth -= 1
        if self.depth == 0:
            super().__exit__(kind, error, trace)   # sqlite3's: commit, or roll back on an error
        return False


def configured_url(url: str | None = None) -> str | None:
    """The database URL to use: the one given, else `KIEMTRA_DATABASE_URL`; None or "" means the SQLite file."""
    chosen = url if url is not None else os.environ.get(URL_ENV, "")
    return chosen or None


def dialect(db: Any) -> str:
    """"postgresql" for a `PgDatabase` or its connection, "sqlite" for everything sqlite."""
    return POSTGRESQL if getattr(db, "dialect", SQLITE) == POSTGRESQL else SQLITE


def open_database(path: Path, url: str | None) -> Any:
    """The SQLite file at `path`, or the PostgreSQL database `url` names."""
    if url is None:
        return sqlite_utils.Database(sqlite3.connect(str(path), factory=OneTransaction))
    if not url.startswith(("postgresql://", "postgres://")):
        raise StoreError(f"{URL_ENV}/database_url không hợp lệ ({url.split('@')[-1]}): chỉ hỗ trợ postgresql://…; "
                         "để trống để dùng tệp SQLite trong thư mục dữ liệu")
    import psycopg

    from evidence.database.postgres import PgDatabase
    try:
        return PgDatabase(url)
    except psycopg.OperationalError as exc:
        where = url.split("@")[-1]
        raise StoreError(f"không kết nối được PostgreSQL tại {where} ({str(exc).strip().splitlines()[0]}); "
                         f"kiểm tra {URL_ENV} và máy chủ cơ sở dữ liệu") from None
