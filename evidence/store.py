"""The store: one SQLite file (WAL) written through sqlite-utils, and the artifact folder beside it.

Readers may open the same file while a crawl writes (WAL lets them); every write of a run goes
through the functions here so the other packages never write SQL.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

import sqlite_utils

from evidence import migrations
from evidence.artifacts import Artifact, ArtifactFiles
from kiemtra.errors import StoreError


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_run_id() -> str:
    return f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


class Store:
    """The data folder: `kiemtra.db` and `evidence/`."""

    def __init__(self, data_dir: Path, *, read_only: bool = False) -> None:
        self.data_dir = Path(data_dir)
        self.db_path = self.data_dir / "kiemtra.db"
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.db = sqlite_utils.Database(self.db_path)
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
        self.artifacts = ArtifactFiles(self.data_dir / "evidence")

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    # -- agencies and services -------------------------------------------------------------
    def sync_agencies(self, agencies: Iterable[dict[str, Any]]) -> None:
        """Upsert agencies and their declared services as the config states them now."""
        now = utc_now()
        with self.db.conn:
            for agency in agencies:
                services = agency.get("services", [])
                self.db["agencies"].upsert({"id": agency["id"], "name": agency["name"],
                                            "agency_group": agency["group"], "portal": agency["portal"],
                                            "updated_at": now}, pk="id")
                self.db["services"].upsert_all(
                    [{**{k: s.get(k) for k in ("id", "name", "url", "declared_level", "procedure_code",
                                               "unit", "field", "playbook")},
                      "agency_id": agency["id"], "updated_at": now} for s in services], pk="id")

    # -- runs, steps, artifacts ------------------------------------------------------------
    def start_run(self, kind: str, target_id: str, agency_id: str, *, attempt: int = 1,
                  job_id: int | None = None, bot_version: str = "", browser_version: str = "") -> str:
        run_id = new_run_id()
        with self.db.conn:
            self.db["runs"].insert({"id": run_id, "kind": kind, "target_id": target_id, "agency_id": agency_id,
                                    "job_id": job_id, "attempt": attempt, "started_at": utc_now(),
                                    "outcome": "running", "bot_version": bot_version,
                                    "browser_version": browser_version})
        return run_id

    def keep_bytes(self, run_id: str, data: bytes, suffix: str, role: str) -> Artifact:
        return self._link(run_id, self.artifacts.put_bytes(data, suffix), role)

    def keep_file(self, run_id: str, path: Path, role: str, suffix: str | None = None) -> Artifact:
        return self._link(run_id, self.artifacts.put_file(path, suffix), role)

    def _link(self, run_id: str, artifact: Artifact, role: str) -> Artifact:
        with self.db.conn:
            self.db["artifacts"].insert({"sha256": artifact.sha256, "kind": role, "media_type": artifact.media_type,
                                         "size": artifact.size,
                                         "path": str(artifact.path.relative_to(self.data_dir)),
                                         "created_at": utc_now()}, pk="sha256", ignore=True)
            self.db["run_artifacts"].insert({"run_id": run_id, "sha256": artifact.sha256, "role": role},
                                            pk=("run_id", "sha256", "role"), ignore=True)
        return artifact

    def add_step(self, run_id: str, step: dict[str, Any]) -> None:
        row = {**step, "run_id": run_id}
        if isinstance(row.get("detail"), (dict, list)):
            row["detail"] = json.dumps(row["detail"], ensure_ascii=False)
        with self.db.conn:
            self.db["steps"].insert(row, pk=("run_id", "seq"), replace=True)

    def finish_run(self, run_id: str, **fields: Any) -> None:
        fields.setdefault("finished_at", utc_now())
        with self.db.conn:
            self.db["runs"].update(run_id, fields)

    def save_verdict(self, run_id: str, target_id: str, verdict: dict[str, Any], rule_version: str,
                     catalogue: str | None = None) -> None:
        """Store (or, on recompute, replace) the verdict judged from a run's steps."""
        with self.db.conn:
            self.db["verdicts"].upsert({"run_id": run_id, "target_id": target_id, "level": verdict["level"],
                                        "mode": verdict["mode"], "outcome": verdict["outcome"],
                                        "catalogue": catalogue,
                                        "reasons": json.dumps(verdict["reasons"], ensure_ascii=False),
                                        "rules": json.dumps(verdict["rules"], ensure_ascii=False),
                                        "rule_version": rule_version, "created_at": utc_now()},
                                       pk="run_id")

    def latest_service_results(self, agency_id: str | None = None) -> list[dict[str, Any]]:
        """Per declared service: its newest finished service run and that run's verdict."""
        sql = """
            select s.id, s.agency_id, s.name, s.declared_level, r.id as run_id, r.started_at, r.outcome as run_outcome,
                   v.level, v.mode, v.outcome, v.reasons
            from services s
            left join runs r on r.id = (select id from runs where target_id = s.id and kind = 'service'
                                        and outcome != 'running' order by started_at desc limit 1)
            left join verdicts v on v.run_id = r.id
            {where} order by s.agency_id, s.id"""
        where, params = ("where s.agency_id = ?", [agency_id]) if agency_id else ("", [])
        return list(self.db.query(sql.format(where=where), params))

    # -- reading ---------------------------------------------------------------------------
    def run(self, run_id: str) -> dict[str, Any]:
        return self.db["runs"].get(run_id)

    def steps(self, run_id: str) -> list[dict[str, Any]]:
        return list(self.db["steps"].rows_where("run_id = ?", [run_id], order_by="seq"))

    def run_artifacts(self, run_id: str) -> list[dict[str, Any]]:
        return list(self.db.query(
            "select ra.role, a.* from run_artifacts ra join artifacts a using (sha256) where ra.run_id = ?",
            [run_id]))

    def runs(self, *, kind: str | None = None, target_id: str | None = None,
             agency_id: str | None = None) -> Iterator[dict[str, Any]]:
        where, params = [], []
        for column, value in (("kind", kind), ("target_id", target_id), ("agency_id", agency_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        yield from self.db["runs"].rows_where(" and ".join(where) or None, params, order_by="started_at")

    def artifact_path(self, sha256: str) -> Path | None:
        row = next(self.db["artifacts"].rows_where("sha256 = ?", [sha256]), None)
        return self.data_dir / row["path"] if row else None


from evidence import catalogue as _catalogue  # noqa: E402,F401  (registers the 0002_catalogue migration)
from evidence import portal as _portal  # noqa: E402,F401  (registers the 0003_portal migration)
from evidence.seal import manifest as _manifest  # noqa: E402,F401  (registers the 0004_evidence migration)
from evidence import scores as _scores  # noqa: E402,F401  (registers the 0006_scoring migration)
from evidence import queue as _queue  # noqa: E402,F401  (registers the 0005_queue migration)
