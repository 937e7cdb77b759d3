"""Disputes: one table for everything an agency contests, and the only module that reads or writes it.

Two kinds of rows share the table `disputes`:

    kind 'service'  an agency disputes a service's verdict (`kiemtra evidence dispute`); it has a
                    service_id (and maybe a run_id) and the evidence browser filters on it
    kind 'item'     an agency answered "không đồng ý" on a figure in the confirmation round
                    (`kiemtra confirm import`, R13); it has a year and an item_key, and raises
                    re-check requests (`evidence/recheck_requests.py`)

A dispute is open while `closed_at` is null. The confirmation round used to keep its own table
`score_disputes`; migration `0007_one_disputes_table` folded it into `disputes` rather than the
reverse because `disputes` already served the evidence browser (its ids and queries stay), and
the round's columns map onto it without loss (reason → note, created_at → opened_at,
resolved_at → closed_at). `item_disputes` still presents rows under the round's own names.

The workspace (issue 18, migration `0018_workspace_confirmation`): an item dispute opened in the
browser may carry one attachment (`keep_attachment`: type by content, stored content-addressed,
never altered); an inspector answers (`answer_dispute`, append-only `dispute_answers`) and closes
it with an outcome (`close_dispute`). The functions ending in `_in` write with plain SQL on the
connection of a transaction the caller holds (`store.write_lock()`), so the change and its audit
row commit together; the import path (`office/confirm.py`) goes through the same ones.
"""

from __future__ import annotations

import io
import json
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import Any

from evidence import agencies
from evidence.clock import utc_now
from evidence.store import Store, insert_row, table

# The confirmation round's names for the shared columns, as its readers (reports) know them.
_ITEM_COLUMNS = ("id, year, agency_id, item_key, note as reason, evidence,"
                 " case when closed_at is null then 'open' else 'resolved' end as status,"
                 " opened_at as created_at, closed_at as resolved_at")


def open_service_dispute(store: Store, service_id: str, note: str, *, run_id: str | None = None,
                         opened_by: str = "") -> int | None:
    """Record that an agency disputes a service's verdict; its id, or None when the service is unknown."""
    service = agencies.service(store, service_id)
    if service is None:
        return None
    with store.db.conn:
        return insert_row(store, "disputes", {
            "kind": "service", "service_id": service_id, "run_id": run_id, "agency_id": service["agency_id"],
            "opened_at": utc_now(), "opened_by": opened_by, "note": note})


def service_disputes(store: Store, service_id: str) -> list[dict[str, Any]]:
    """Every dispute of a service's verdict, open or closed, oldest first (the run page lists them)."""
    return list(table(store, "disputes").rows_where("kind = 'service' and service_id = ?", [service_id],
                                                    order_by="id"))


def open_item_dispute(store: Store, year: int, agency_id: str, item_key: str, reason: str, evidence: list[str],
                      now: str) -> int | None:
    """Open a dispute of one figure unless one is open already; its id, or None (the caller commits)."""
    return open_item_dispute_in(store.db.conn, store, year=year, agency_id=agency_id, item_key=item_key,
                                reason=reason, evidence=evidence, now=now)


def close_item_disputes(store: Store, year: int, agency_id: str, item_key: str, now: str) -> None:
    """The agency now agrees with the figure: its open dispute is resolved (the caller commits)."""
    close_item_disputes_in(store.db.conn, year=year, agency_id=agency_id, item_key=item_key, now=now)


def item_disputes(store: Store, year: int, status: str | None = None) -> list[dict[str, Any]]:
    """The confirmation round's disputes of a year (`status` 'open' or 'resolved'), oldest first."""
    sql = f"select {_ITEM_COLUMNS} from disputes where kind = 'item' and year = ?"
    params: list[Any] = [year]
    if status == "open":
        sql += " and closed_at is null"
    elif status == "resolved":
        sql += " and closed_at is not null"
    elif status:
        return []
    return [{**r, "evidence": json.loads(r["evidence"] or "[]")} for r in store.db.query(sql + " order by id", params)]


# -- the workspace: attachments, answers, outcomes (issue 18) ----------------------------------------
OUTCOMES = {"kept": "giữ nguyên", "corrected": "sửa điểm", "rechecked": "đã kiểm tra lại"}
AGREED = "agreed"  # closed because the agency agreed with the figure after all, no inspector's outcome
OUTCOME_WORDS = {**OUTCOMES, AGREED: "cơ quan đã đồng ý"}
ATTACHMENT_KIND = "dispute_attachment"
# Allowed attachment types, told by their first bytes (and for the two zip-based ones by the part only
# that type has), never by the name the file was sent under.
ATTACHMENT_TYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg",
                    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
MAX_NAME = 200


@dataclass(frozen=True)
class Attachment:
    """A file an agency sent with its dispute: kept under its hash; `name` is only ever shown as text."""
    sha256: str
    name: str
    suffix: str
    size: int


def attachment_suffix(data: bytes) -> str | None:
    """The suffix of an allowed attachment type by the file's content (pdf/png/jpg/xlsx/docx), or None."""
    if data.startswith(b"%PDF-"):
        return ".pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if data.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as book:
                names = set(book.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        if "[Content_Types].xml" in names:
            if "xl/workbook.xml" in names:
                return ".xlsx"
            if "word/document.xml" in names:
                return ".docx"
    return None


def clean_name(name: str) -> str:
    """The name a file was sent under, NFC, without folders or control characters, at most 200 characters."""
    text = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(c for c in text if unicodedata.category(c)[0] != "C").strip()
    return text[:MAX_NAME] or "tep-dinh-kem"


def keep_attachment(store: Store, data: bytes, name: str) -> Attachment | None:
    """Write an allowed attachment's file (content-addressed, read-only); None when its content is no allowed type.

    The file only: its `artifacts` row is written with the dispute (`open_item_dispute_in`), so a file
    whose transaction failed is an orphan the store's recovery removes, never a half-recorded dispute.
    """
    suffix = attachment_suffix(data)
    if suffix is None:
        return None
    kept = store.artifacts.put_bytes(data, suffix)
    return Attachment(kept.sha256, clean_name(name), suffix, kept.size)


def open_item_dispute_in(conn: Any, store: Store, *, year: int, agency_id: str, item_key: str, reason: str,
                         evidence: list[str], now: str, opened_by: str = "",
                         attachment: Attachment | None = None) -> int | None:
    """`open_item_dispute` inside the caller's transaction, with who opened it and its attachment."""
    if conn.execute("select 1 from disputes where kind = 'item' and year = ? and agency_id = ? and item_key = ?"
                    " and closed_at is null", [year, agency_id, item_key]).fetchone():
        return None
    if attachment is not None:
        path = store.artifacts.path_for(attachment.sha256, attachment.suffix)
        relative = path.relative_to(store.data_dir) if path.is_relative_to(store.data_dir) else path
        conn.execute("insert into artifacts (sha256, kind, media_type, size, path, created_at) values (?, ?, ?, ?, ?, ?)"
                     " on conflict (sha256) do nothing",
                     [attachment.sha256, ATTACHMENT_KIND, ATTACHMENT_TYPES[attachment.suffix], attachment.size,
                      str(relative), now])
    cursor = conn.execute(
        "insert into disputes (kind, year, agency_id, item_key, note, evidence, opened_at, opened_by,"
        " attachment_sha256, attachment_name) values ('item', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [year, agency_id, item_key, reason, json.dumps(evidence, ensure_ascii=False), now, opened_by,
         attachment.sha256 if attachment else None, attachment.name if attachment else None])
    return int(cursor.lastrowid or 0)  # sqlite3 gives None only when nothing was inserted


def close_item_disputes_in(conn: Any, *, year: int, agency_id: str, item_key: str, now: str, by: str = "") -> list[int]:
    """The agency now agrees with the figure: its open dispute closes as "agreed"; the ids closed."""
    ids = [int(r[0]) for r in conn.execute(
        "select id from disputes where kind = 'item' and year = ? and agency_id = ? and item_key = ?"
        " and closed_at is null", [year, agency_id, item_key]).fetchall()]
    for ident in ids:
        conn.execute("update disputes set closed_at = ?, closed_by = ?, outcome = ? where id = ?",
                     [now, by, AGREED, ident])
    return ids


def answer_dispute_in(conn: Any, dispute_id: int, *, text: str, by: str, now: str,
                      recheck_requests: list[int]) -> int:
    """Append an inspector's answer to a dispute (and the re-check requests it queued); the answer's id."""
    cursor = conn.execute(
        "insert into dispute_answers (dispute_id, answered_at, answered_by, text, recheck_requests)"
        " values (?, ?, ?, ?, ?)", [dispute_id, now, by, text, json.dumps(recheck_requests)])
    return int(cursor.lastrowid or 0)


def close_dispute_in(conn: Any, dispute_id: int, *, outcome: str, note: str, by: str, now: str) -> bool:
    """Close an open dispute with an inspector's outcome (`OUTCOMES`); False when it was closed already."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {tuple(OUTCOMES)}")
    cursor = conn.execute("update disputes set closed_at = ?, closed_by = ?, outcome = ?, outcome_note = ?"
                          " where id = ? and closed_at is null", [now, by, outcome, note, dispute_id])
    return bool(cursor.rowcount)


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "evidence": json.loads(row.get("evidence") or "[]"), "open": row.get("closed_at") is None}


def dispute(store: Store, dispute_id: int) -> dict[str, Any] | None:
    """One dispute of either kind (`evidence` as a list, `open` a bool), or None."""
    row = next(table(store, "disputes").rows_where("id = ?", [dispute_id]), None)
    return _shown(row) if row else None


def disputes_of(store: Store, *, agency_id: str | None = None, status: str | None = None,
                year: int | None = None) -> list[dict[str, Any]]:
    """Disputes of both kinds (`status` 'open' or 'closed'), of one agency or all, oldest first.

    `year` limits item disputes to a year; service disputes carry none and are kept."""
    where, params = ["1 = 1"], list[Any]()
    if agency_id is not None:
        where.append("agency_id = ?")
        params.append(agency_id)
    if status == "open":
        where.append("closed_at is null")
    elif status == "closed":
        where.append("closed_at is not null")
    if year is not None:
        where.append("(kind = 'service' or year = ?)")
        params.append(year)
    return [_shown(r) for r in table(store, "disputes").rows_where(" and ".join(where), params, order_by="id")]


def dispute_answers(store: Store, dispute_id: int) -> list[dict[str, Any]]:
    """An inspector's answers to a dispute, oldest first (`recheck_requests` as a list of ids)."""
    return [{**r, "recheck_requests": json.loads(r["recheck_requests"] or "[]")}
            for r in table(store, "dispute_answers").rows_where("dispute_id = ?", [dispute_id], order_by="id")]
