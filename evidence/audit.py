"""The audit history of the workspace: who decided what, when, from what to what, looking at which evidence
(table `audit_log`, migration `0015_workspace`). Append-only: nothing here updates or deletes a row.

`record` is called inside the transaction that makes the change, with its connection, so the change and
its audit row commit together or not at all. `evidence` is what the person had on screen, e.g.
`{"runs": [run_id, ...], "artifacts": [sha256, ...]}`; the page posts the run ids it showed and the
route checks they belong to the subject before calling here.
"""

from __future__ import annotations

import json
from typing import Any

from evidence.clock import utc_now
from evidence.people import User
from evidence.store import Store

MAX_TEXT = 20_000   # a value bigger than this is cut: an audit row is a record, not a file store
# What each `action` means, in the words "Nhật ký thao tác" shows; each part of the workspace adds its own.
ACTION_WORDS: dict[str, str] = {}


def _json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= MAX_TEXT else json.dumps({"cut": text[:MAX_TEXT]}, ensure_ascii=False)


def record(store: Store, conn: Any, *, user: User, action: str, subject_kind: str, subject_id: str,
           agency_id: str | None, old: Any, new: Any, evidence: Any, remote_addr: str | None = None) -> int:
    """Append one audit row on the open transaction's connection `conn`; its id."""
    cursor = conn.execute(
        "insert into audit_log (at, user_name, role, action, subject_kind, subject_id, agency_id, old_value,"
        " new_value, evidence, remote_addr) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [utc_now(), user.name, user.role, action, subject_kind, str(subject_id), agency_id, _json(old), _json(new),
         _json(evidence), remote_addr])
    if store.dialect == "sqlite":
        return int(cursor.lastrowid)
    row = conn.execute("select max(id) from audit_log").fetchone()   # PostgreSQL: inside the store-wide lock
    return int(row[0])


def history(store: Store, *, subject_kind: str | None = None, subject_id: str | None = None,
            agency_id: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Audit rows, newest first, optionally of one subject and/or one agency; JSON columns decoded."""
    clauses, params = [], []
    for column, value in (("subject_kind", subject_kind), ("subject_id", subject_id), ("agency_id", agency_id)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    where = (" where " + " and ".join(clauses)) if clauses else ""
    rows = list(store.db.query(f"select * from audit_log{where} order by id desc limit ?", [*params, int(limit)]))
    for row in rows:
        for column in ("old_value", "new_value", "evidence"):
            row[column] = json.loads(row[column]) if row[column] else None
    return rows
