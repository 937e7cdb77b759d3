"""The store on PostgreSQL: psycopg 3 behind the part of sqlite-utils' interface the store uses.

Why a facade and not a query layer (SQLAlchemy Core): the store's modules are written against
sqlite-utils (`db.table(name).insert/upsert/rows_where/get`, `db.query`, `db.execute`, `with
db.conn:`), and other work lands on that interface in parallel; answering the same calls on
PostgreSQL keeps every module and every migration as it is (one list, per-dialect SQL only for
the full-text index), with SQL in SQLite's spelling translated by `evidence.database.translate`.

Transactions: the connection runs in autocommit; `with db.conn:` opens one transaction (nested
uses join it), and `evidence.transaction.immediate` opens one that first takes the store's write
lock (`pg_advisory_xact_lock`), which is what SQLite's BEGIN IMMEDIATE gives: writers that read
then write never race, and the manifests' hash chain stays a line across machines.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import psycopg
from psycopg import sql as pgsql
from sqlite_utils.db import NotFoundError

from evidence.database.translate import Translated, translate

RECONNECT_S = 120.0          # how long a worker waits for a restarting server before it gives up
WRITE_LOCK_KEY = 0x6B69656D   # "kiem": the advisory lock every store writer shares
MIGRATION_LOCK_KEY = 0x6D696772
_TYPES = {str: "text", int: "bigint", float: "double precision", bytes: "bytea", bool: "bigint"}
_PY_TYPES = {"text": str, "bigint": int, "integer": int, "double precision": float, "bytea": bytes,
             "smallint": int, "real": float, "numeric": float}
__all__ = ["NotFoundError", "PgConnection", "PgCursor", "PgDatabase", "PgTable"]


def _params(params: Any) -> Any:
    """Python values as the columns hold them: a bool is an integer column on both dialects."""
    if params is None:
        return None
    if isinstance(params, Mapping):
        return {k: int(v) if isinstance(v, bool) else v for k, v in params.items()}
    return [int(v) if isinstance(v, bool) else v for v in params]


class PgCursor:
    """What a sqlite3 cursor offers the store: fetchone, fetchall, iteration, rowcount, lastrowid."""

    def __init__(self, cursor: psycopg.Cursor[Any] | None, lastrowid: int | None = None,
                 rows: list[tuple[Any, ...]] | None = None) -> None:
        self._cursor = cursor
        self._rows = rows
        self.lastrowid = lastrowid
        self.rowcount = cursor.rowcount if cursor is not None else -1
        self.description = cursor.description if cursor is not None else None

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._rows is not None:
            return self._rows.pop(0) if self._rows else None
        if self._cursor is None or self._cursor.description is None:
            return None
        return self._cursor.fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        if self._rows is not None:
            rows, self._rows = self._rows, []
            return rows
        if self._cursor is None or self._cursor.description is None:
            return []
        return self._cursor.fetchall()

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.fetchall())


class PgConnection:
    """`db.conn`: `with conn:` is one transaction (nested ones join it); execute/executemany as on sqlite3."""

    dialect = "postgresql"

    def __init__(self, db: PgDatabase) -> None:
        self._db = db
        self._depth = 0
        self._failed = False

    def __enter__(self) -> PgConnection:
        self.begin()
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        if kind is None:
            self.commit()
        else:
            self.rollback()

    def begin(self, *, write_lock: bool = False) -> None:
        if self._depth == 0:
            self._db.ensure_connected()
            self._db.raw.execute("begin")
            self._failed = False
        self._depth += 1
        if write_lock:
            self._db.raw.execute("select pg_advisory_xact_lock(%s)", [WRITE_LOCK_KEY])

    def commit(self) -> None:
        if self._depth == 0:
            return
        self._depth -= 1
        if self._depth == 0:
            self._db.raw.execute("rollback" if self._failed else "commit")

    def rollback(self) -> None:
        if self._depth == 0:
            return
        self._depth -= 1
        self._failed = True
        if self._depth == 0 and not self._db.raw.closed:
            try:
                self._db.raw.execute("rollback")
            except psycopg.OperationalError:   # the server went away: the transaction is gone with it
                pass

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    def execute(self, sql: str, params: Any = None) -> PgCursor:
        return self._db.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> PgCursor:
        return self._db.executemany(sql, rows)

    def close(self) -> None:
        self._db.raw.close()


class PgDatabase:
    """One psycopg connection to the store's database, answering as `sqlite_utils.Database` does."""

    dialect = "postgresql"

    def __init__(self, url: str, *, reconnect_s: float = RECONNECT_S) -> None:
        self.url = url
        self.reconnect_s = reconnect_s
        self.raw: psycopg.Connection[Any] = psycopg.connect(url, autocommit=True)
        self.conn = PgConnection(self)
        self._keys: dict[str, list[str]] = {}
        self._identity: dict[str, str | None] = {}
        self._translated: dict[tuple[str, bool], Translated] = {}

    # -- a server restarted: reconnect between transactions ----------------------------------------
    def ensure_connected(self) -> None:
        """Reconnect when the connection broke (the server restarted), trying for `reconnect_s` seconds."""
        if not (self.raw.closed or self.raw.broken):
            return
        deadline = time.monotonic() + self.reconnect_s
        while True:
            try:
                self.raw = psycopg.connect(self.url, autocommit=True)
                return
            except psycopg.OperationalError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.5)

    def execute(self, sql: str, params: Any = None) -> PgCursor:
        """One statement; outside a transaction a statement the server dropped (it restarted) is tried again once."""
        if self.conn.in_transaction:
            return self._execute(sql, params)
        self.ensure_connected()
        try:
            return self._execute(sql, params)
        except psycopg.OperationalError:
            if not (self.raw.closed or self.raw.broken):
                raise
            self.ensure_connected()
            return self._execute(sql, params)

    # -- statements ----------------------------------------------------------------------------
    def _execute(self, sql: str, params: Any = None) -> PgCursor:
        if sql.lstrip()[:6].lower() == "pragma":   # SQLite's knobs (busy_timeout, foreign_keys): nothing to do here
            return PgCursor(None)
        key = (sql, params is not None)
        statement = self._translated.get(key)
        if statement is None:   # the store's statements are few and repeated: translate each once
            statement = self._translated[key] = translate(sql, self.primary_key, escape=params is not None)
        text = statement.sql
        identity = self.identity_column(statement.table) if statement.table else None
        returning = identity is not None and " returning " not in text.lower()
        if returning:
            text += f" returning {identity}"
        cursor = self.raw.cursor()
        cursor.execute(text, _params(params))
        if returning:
            row = cursor.fetchone()
            return PgCursor(cursor, int(row[0]) if row else None, rows=[])
        if _is_ddl(sql):
            self._keys.clear()
            self._identity.clear()
            self._translated.clear()
        return PgCursor(cursor)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> PgCursor:
        text = translate(sql, self.primary_key).sql
        cursor = self.raw.cursor()
        cursor.executemany(text, [_params(r) for r in rows])
        return PgCursor(cursor)

    def query(self, sql: str, params: Any = None) -> Iterator[dict[str, Any]]:
        cursor = self.execute(sql, params)
        columns = [c.name for c in cursor.description or []]
        for row in cursor.fetchall():
            yield dict(zip(columns, row, strict=True))

    # -- the catalogue ---------------------------------------------------------------------------
    def table(self, name: str) -> PgTable:
        return PgTable(self, name)

    def __getitem__(self, name: str) -> PgTable:
        return PgTable(self, name)

    def table_names(self) -> list[str]:
        return [r[0] for r in self.raw.execute(
            "select table_name from information_schema.tables where table_schema = current_schema()"
            " and table_type = 'BASE TABLE' order by table_name").fetchall()]

    def view_names(self) -> list[str]:
        return [r[0] for r in self.raw.execute(
            "select table_name from information_schema.views where table_schema = current_schema()").fetchall()]

    def primary_key(self, table: str) -> list[str]:
        if table not in self._keys:
            self._keys[table] = [r[0] for r in self.raw.execute(
                "select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid"
                " and a.attnum = any(i.indkey) where i.indrelid = to_regclass(%s) and i.indisprimary"
                " order by array_position(i.indkey::int2[], a.attnum)", [table]).fetchall()]
        return self._keys[table]

    def identity_column(self, table: str) -> str | None:
        if table not in self._identity:
            row = self.raw.execute("select attname from pg_attribute where attrelid = to_regclass(%s)"
                                   " and attidentity != '' and not attisdropped", [table]).fetchone()
            self._identity[table] = row[0] if row else None
        return self._identity[table]

    def enable_wal(self) -> None:
        """SQLite's journal mode; PostgreSQL always lets readers read beside a writer."""

    def close(self) -> None:
        self.raw.close()


def _is_ddl(sql: str) -> bool:
    return sql.lstrip()[:6].lower() in ("create", "alter ", "drop t", "drop v", "drop i")


def _column_type(kind: Any) -> str:
    if isinstance(kind, str):
        return kind
    return _TYPES.get(kind, "text")


class PgTable:
    """`db.table(name)`: the calls of `sqlite_utils.db.Table` the store makes, in PostgreSQL."""

    def __init__(self, db: PgDatabase, name: str) -> None:
        self.db = db
        self.name = name
        self.last_pk: Any = None

    # -- schema ----------------------------------------------------------------------------------
    def create(self, columns: Mapping[str, Any], pk: str | Sequence[str] | None = None,
               foreign_keys: Iterable[Sequence[str]] | None = None, if_not_exists: bool = False,
               not_null: Iterable[str] | None = None, defaults: Mapping[str, Any] | None = None,
               **_: Any) -> PgTable:
        keys = [pk] if isinstance(pk, str) else list(pk or [])
        references: dict[str, tuple[str, str]] = {}
        for fk in foreign_keys or []:   # (column, table, column) or (column, table): that table's key
            column, other = fk[0], fk[1]
            references[column] = (other, fk[2] if len(fk) > 2 else (self.db.primary_key(other) or ["id"])[0])
        required, default = set(not_null or ()), dict(defaults or {})
        parts = []
        for column, kind in columns.items():
            if keys == [column] and kind is int:
                parts.append(f"{column} bigint generated by default as identity primary key")
                continue
            part = f"{column} {_column_type(kind)}"
            if column in required:
                part += " not null"
            if column in default:
                part += " default " + pgsql.Literal(default[column]).as_string(self.db.raw)
            if column in references:
                part += f" references {references[column][0]} ({references[column][1]})"
            parts.append(part)
        if len(keys) > 1 or (keys and columns.get(keys[0]) is not int):
            parts.append(f"primary key ({', '.join(keys)})")
        self.db.execute(f"create table {'if not exists ' if if_not_exists else ''}{self.name} ({', '.join(parts)})")
        return self

    def create_index(self, columns: Iterable[str], index_name: str | None = None, unique: bool = False,
                     if_not_exists: bool = False, **_: Any) -> PgTable:
        chosen = list(columns)
        name = index_name or f"idx_{self.name}_{'_'.join(chosen)}"
        self.db.execute(f"create {'unique ' if unique else ''}index {'if not exists ' if if_not_exists else ''}"
                        f"{name} on {self.name} ({', '.join(chosen)})")
        return self

    def add_column(self, name: str, kind: Any = str) -> PgTable:
        self.db.execute(f"alter table {self.name} add column {name} {_column_type(kind)}")
        return self

    @property
    def columns_dict(self) -> dict[str, type]:
        rows = self.db.raw.execute("select column_name, data_type from information_schema.columns where"
                                   " table_schema = current_schema() and table_name = %s order by ordinal_position",
                                   [self.name]).fetchall()
        return {name: _PY_TYPES.get(kind, str) for name, kind in rows}

    @property
    def exists(self) -> bool:
        return self.db.raw.execute("select to_regclass(%s)", [self.name]).fetchone()[0] is not None  # type: ignore[index]

    # -- writing ---------------------------------------------------------------------------------
    def _write(self, row: Mapping[str, Any], *, conflict: str | None, update: Sequence[str] | None = None) -> None:
        columns = list(row)
        key = self.db.primary_key(self.name)
        statement = pgsql.SQL("insert into {} ({}) values ({})").format(
            pgsql.Identifier(self.name), pgsql.SQL(", ").join(map(pgsql.Identifier, columns)),
            pgsql.SQL(", ").join(pgsql.Placeholder() * len(columns)))
        if conflict is not None:
            changing = [c for c in (update if update is not None else columns) if c not in key]
            if conflict == "ignore" or not changing:
                statement += pgsql.SQL(" on conflict do nothing")
            else:
                statement += pgsql.SQL(" on conflict ({}) do update set {}").format(
                    pgsql.SQL(", ").join(map(pgsql.Identifier, key)),
                    pgsql.SQL(", ").join(pgsql.SQL("{0} = excluded.{0}").format(pgsql.Identifier(c)) for c in changing))
        identity = self.db.identity_column(self.name)
        if identity:
            statement += pgsql.SQL(" returning {}").format(pgsql.Identifier(identity))
        cursor = self.db.raw.execute(statement, _params(list(row.values())))
        if identity:
            found = cursor.fetchone()
            self.last_pk = found[0] if found else row.get(identity)
        else:
            self.last_pk = tuple(row.get(k) for k in key) if len(key) > 1 else (row.get(key[0]) if key else None)

    def insert(self, row: Mapping[str, Any], pk: Any = None, replace: bool = False, ignore: bool = False,
               **_: Any) -> PgTable:
        with self.db.conn:
            self._write(row, conflict="replace" if replace else "ignore" if ignore else None)
        return self

    def insert_all(self, records: Iterable[Mapping[str, Any]], pk: Any = None, replace: bool = False,
                   ignore: bool = False, **_: Any) -> PgTable:
        with self.db.conn:
            for row in records:
                self._write(row, conflict="replace" if replace else "ignore" if ignore else None)
        return self

    def upsert(self, row: Mapping[str, Any], pk: Any = None, **_: Any) -> PgTable:
        with self.db.conn:
            self._write(row, conflict="replace")
        return self

    def upsert_all(self, records: Iterable[Mapping[str, Any]], pk: Any = None, **_: Any) -> PgTable:
        with self.db.conn:
            for row in records:
                self._write(row, conflict="replace")
        return self

    def update(self, pk_value: Any, fields: Mapping[str, Any], **_: Any) -> PgTable:
        key = self.db.primary_key(self.name)
        values = list(pk_value) if isinstance(pk_value, (list, tuple)) else [pk_value]
        statement = pgsql.SQL("update {} set {} where {}").format(
            pgsql.Identifier(self.name),
            pgsql.SQL(", ").join(pgsql.SQL("{} = %s").format(pgsql.Identifier(c)) for c in fields),
            pgsql.SQL(" and ").join(pgsql.SQL("{} = %s").format(pgsql.Identifier(k)) for k in key))
        with self.db.conn:
            cursor = self.db.raw.execute(statement, _params([*fields.values(), *values]))
        if cursor.rowcount == 0:
            raise NotFoundError
        self.last_pk = pk_value
        return self

    def delete_where(self, where: str | None = None, where_args: Any = None, **_: Any) -> PgTable:
        self.db.execute(f"delete from {self.name}" + (f" where {where}" if where else ""), where_args)
        return self

    # -- reading ---------------------------------------------------------------------------------
    def rows_where(self, where: str | None = None, where_args: Any = None, order_by: str | None = None,
                   select: str = "*", limit: int | None = None, offset: int | None = None) -> Iterator[dict[str, Any]]:
        sql = f"select {select} from {self.name}" + (f" where {where}" if where else "")
        sql += (f" order by {order_by}" if order_by else "") + (f" limit {int(limit)}" if limit is not None else "")
        sql += f" offset {int(offset)}" if offset is not None else ""
        yield from self.db.query(sql, where_args)

    @property
    def rows(self) -> Iterator[dict[str, Any]]:
        return self.rows_where()

    def get(self, pk_value: Any) -> dict[str, Any]:
        key = self.db.primary_key(self.name)
        values = list(pk_value) if isinstance(pk_value, (list, tuple)) else [pk_value]
        found = next(self.rows_where(" and ".join(f"{k} = ?" for k in key), values), None)
        if found is None:
            raise NotFoundError
        return found

    def count_where(self, where: str | None = None, where_args: Any = None) -> int:
        row = self.db.execute(f"select count(*) from {self.name}" + (f" where {where}" if where else ""),
                              where_args).fetchone()
        return int(row[0]) if row else 0

    @property
    def count(self) -> int:
        return self.count_where()
