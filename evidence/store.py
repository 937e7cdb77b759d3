"""The store: one SQLite file (WAL) written through sqlite-utils, and the artifact folder beside it.

Readers may open the same file while a crawl writes (WAL lets them). The other packages never
write SQL: the tables' rows are read and written by one module per table family (`runs`,
`agencies`, `catalogue`, `matches`, `portal`, `queue`, `surveys`, `scores`, `plans`,
`confirmations`, `disputes`, `recheck_requests`, `seal.manifest`), each a set of `f(store, ...)`
functions; the schema is `evidence/schema.py`. `Store` itself keeps the file: opening, migrating,
the write lock, and the artifacts.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.db import Table

from evidence import migrations, schema  # noqa: F401  (schema registers every migration)
from evidence.artifacts import Artifact, ArtifactFiles, ArtifactStore
from evidence.clock import run_stamp, utc_now
from evidence.database import POSTGRESQL, configured_url, dialect, open_database
from evidence.transaction import immediate
from kiemtra.errors import StoreError

# The newest finished run of the service `s` (an SQL subquery): what "its latest result" means everywhere.
NEWEST_FINISHED_RUN = ("(select id from runs where target_id = s.id and kind = 'service' and outcome != 'running'"
                       " order by started_at desc limit 1)")
__all__ = ["Store", "insert_row", "new_run_id", "table"]


def new_run_id() -> str:
    return f"{run_stamp()}-{secrets.token_hex(3)}"


def table(store: Store, name: str) -> Table:
    """One of the store's tables, typed as a table (sqlite-utils' `db[name]` may also be a view)."""
    return store.db.table(name)


def insert_row(store: Store, name: str, row: dict[str, Any]) -> int:
    """Insert one row into a table with an integer key; return that key."""
    key = table(store, name).insert(row).last_pk
    if not isinstance(key, int):
        raise StoreError(f"bảng {name} không trả về mã dòng mới")
    return key


class Store:
    """The data folder: `kiemtra.db` (or the PostgreSQL database `database_url` names) and `evidence/`.

    `database_url` None reads `KIEMTRA_DATABASE_URL`; unset or "" keeps the embedded SQLite file.
    On PostgreSQL `db` is a `PgDatabase` answering the same calls (`evidence/database/`), and the
    artifacts stay under `data_dir/evidence`, which every worker then mounts (docs/scale.md).
    """

    def __init__(self, data_dir: Path, *, read_only: bool = False, database_url: str | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.db_path = self.data_dir / "kiemtra.db"
        self.database_url = configured_url(database_url)
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.db: sqlite_utils.Database = open_database(self.db_path, self.database_url)
            self.db.execute("PRAGMA busy_timeout = 15000")
            if not read_only:
                self.db.enable_wal()
                self.db.execute("PRAGMA foreign_keys = ON")
                migrations.apply(self.db)
        except OSError as exc:
            raise StoreError(f"không mở được kho dữ liệu {self.db_path} ({type(exc).__name__}: {exc.strerror or exc}); "
                             "--data phải là một thư mục ghi được") from exc
        except sqlite3.DatabaseError as exc:  # "file is not a database", a disk image that is malformed
            raise StoreError(f"{self.db_path} không phải kho dữ liệu SQLite đọc được ({exc}); chỉ --data tới thư mục "
                             "dữ liệu của kiemtra, hoặc khôi phục kiemtra.db từ bản sao lưu") from None
        self.artifacts: ArtifactStore = ArtifactFiles(self.data_dir / "evidence")

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def dialect(self) -> str:
        """"sqlite" or "postgresql" (`evidence.database.dialect`)."""
        return dialect(self.db)

    @property
    def schema_version(self) -> int:
        if self.dialect == POSTGRESQL:   # no user_version there: the count of applied migrations is the same number
            return int(self.db.execute("select count(*) from _migrations").fetchone()[0])
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def write_lock(self) -> AbstractContextManager[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT on the store's connection (`evidence.transaction.immediate`)."""
        return immediate(self.db.conn)

    def row_lock(self) -> AbstractContextManager[sqlite3.Connection]:
        """`write_lock` for conditional single-row updates: the same on SQLite; on PostgreSQL without the
        store-wide lock, so many workers' leases do not queue behind each other (`lock_key` locks a subset)."""
        return immediate(self.db.conn, store_wide=False)

    def lock_key(self, conn: Any, key: str) -> None:
        """Inside `row_lock`, serialize with every other transaction locking `key` (PostgreSQL; SQLite already is)."""
        if self.dialect == POSTGRESQL:
            conn.execute("select pg_advisory_xact_lock(hashtext(?))", [key])

    # -- artifacts: files named by their hash, linked to the runs that kept them ----------------
    def keep_bytes(self, run_id: str, data: bytes, suffix: str, role: str) -> Artifact:
        return self._link(run_id, self.artifacts.put_bytes(data, suffix), role)

    def keep_file(self, run_id: str, path: Path, role: str, suffix: str | None = None) -> Artifact:
        return self._link(run_id, self.artifacts.put_file(path, suffix), role)

    def _link(self, run_id: str, artifact: Artifact, role: str) -> Artifact:
        """Account for the file, and link it to its run unless the run is sealed (a late check's file stays unlinked)."""
        with self.unsealed(run_id) as growing:
            table(self, "artifacts").insert({"sha256": artifact.sha256, "kind": role, "media_type": artifact.media_type,
                                             "size": artifact.size,
                                             "path": str(artifact.path.relative_to(self.data_dir)),
                                             "created_at": utc_now()}, pk="sha256", ignore=True)
            if growing:
                table(self, "run_artifacts").insert({"run_id": run_id, "sha256": artifact.sha256, "role": role},
                                                    pk=("run_id", "sha256", "role"), ignore=True)
        return artifact

    @contextmanager
    def unsealed(self, run_id: str) -> Iterator[bool]:
        """A transaction in which nobody seals `run_id`; it yields whether the run is still unsealed, so its record
        may still grow. A run is sealed once (R9): a check that lost its job's lease, whose run recovery already
        closed and sealed, must not add a step, a file or an ending to it (`seal_run` takes the same lock)."""
        with self.row_lock() as conn:
            yield not self.sealed_under_lock(conn, run_id)

    def sealed_under_lock(self, conn: Any, run_id: str) -> bool:
        """Inside a write transaction, take `run_id`'s lock (the one `unsealed` and `seal_run` share), then say
        whether the run has its manifest."""
        self.lock_key(conn, f"run:{run_id}")
        return conn.execute("select 1 from manifests where run_id = ?", [run_id]).fetchone() is not None

    def artifact_path(self, sha256: str) -> Path | None:
        row = next(table(self, "artifacts").rows_where("sha256 = ?", [sha256]), None)
        return self.data_dir / row["path"] if row else None

    def artifact_hashes(self) -> set[str]:
        """The hash of every artifact the store knows (a file not among them is an orphan)."""
        return {row[0] for row in self.db.execute("select sha256 from artifacts")}
