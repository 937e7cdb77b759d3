"""The store's schema as named migrations, applied once each, in order.

A later feature adds its tables by decorating a function with `@migration("NNNN_name")` in its
own module and importing that module in `evidence/store.py`; names sort in the order they apply.
`PRAGMA user_version` counts the migrations applied, so an older kiemtra refuses a newer store.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

import sqlite_utils

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
    db["_migrations"].create({"name": str, "applied_at": str}, pk="name", if_not_exists=True)
    done = {row["name"] for row in db["_migrations"].rows}
    unknown = done - MIGRATIONS.keys()
    if unknown:
        raise SchemaTooNew(f"kho dữ liệu có lược đồ mới hơn phiên bản này ({', '.join(sorted(unknown))}); hãy cập nhật kiemtra")
    applied = []
    for name in sorted(MIGRATIONS.keys() - done):
        # One transaction per migration: a crash leaves it wholly applied or not at all.
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[name](db)
            db["_migrations"].insert({"name": name, "applied_at": datetime.now(timezone.utc).isoformat()})
            db.execute(f"PRAGMA user_version = {len(done) + len(applied) + 1}")
        except BaseException:
            db.conn.rollback()
            raise
        db.conn.commit()
        applied.append(name)
    return applied


@migration("0001_core")
def _core(db: sqlite_utils.Database) -> None:
    db["agencies"].create({"id": str, "name": str, "agency_group": str, "portal": str, "updated_at": str}, pk="id")
    db["services"].create({
        "id": str, "agency_id": str, "name": str, "url": str, "declared_level": int,
        "procedure_code": str, "unit": str, "field": str, "playbook": str, "updated_at": str,
    }, pk="id", foreign_keys=[("agency_id", "agencies", "id")])
    db["services"].create_index(["agency_id"])
    db["procedures"].create({
        "code": str, "name": str, "field": str, "level": str, "agency": str, "decision": str,
        "source": str, "fetched_at": str,
    }, pk="code")
    db["jobs"].create({
        "id": int, "kind": str, "target_id": str, "status": str, "due_at": str, "lease_until": str,
        "leased_by": str, "attempts": int, "created_at": str, "updated_at": str,
    }, pk="id")
    db["jobs"].create_index(["status", "due_at"])
    db["runs"].create({
        "id": str, "kind": str, "target_id": str, "agency_id": str, "job_id": int, "attempt": int,
        "started_at": str, "finished_at": str, "outcome": str, "error_kind": str, "error": str,
        "http_status": int, "final_url": str, "title": str, "duration_ms": int,
        "bot_version": str, "browser_version": str,
    }, pk="id")
    db["runs"].create_index(["target_id", "started_at"])
    db["runs"].create_index(["agency_id"])
    db["artifacts"].create({"sha256": str, "kind": str, "media_type": str, "size": int, "path": str,
                            "created_at": str}, pk="sha256")
    db["steps"].create({
        "run_id": str, "seq": int, "name": str, "action": str, "target": str, "url": str,
        "started_at": str, "finished_at": str, "outcome": str, "detail": str,
        "screenshot_sha256": str, "html_sha256": str,
    }, pk=("run_id", "seq"), foreign_keys=[("run_id", "runs", "id")])
    db["run_artifacts"].create({"run_id": str, "sha256": str, "role": str}, pk=("run_id", "sha256", "role"),
                               foreign_keys=[("run_id", "runs", "id"), ("sha256", "artifacts", "sha256")])
    db["verdicts"].create({
        "run_id": str, "target_id": str, "level": int, "mode": str, "outcome": str, "catalogue": str,
        "reasons": str, "rules": str,
        "rule_version": str, "created_at": str,
    }, pk="run_id", foreign_keys=[("run_id", "runs", "id")])
    db["verdicts"].create_index(["target_id"])
