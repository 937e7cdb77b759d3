"""The catalogue's tables: CSDL TTHC procedures, their history, the word index, matches, decisions.

    procedures         one row per code (created by 0001_core; 0002 adds kind, channels, status, times)
    procedure_history  every addition, rename, change, withdrawal and return of a code, with its source
    procedure_fts      FTS5 index of each active procedure's normalized, diacritic-free name
    procedure_vocab    fts5vocab over it: word → how many procedures use it (for typo repair)
    service_matches    the latest automatic match of each declared service
    match_decisions    inspectors' confirmations and corrections; the latest one wins over automatic

An import is one transaction: a file that fails half way changes nothing. A procedure is active
unless it was withdrawn (`ACTIVE`, the one definition every count and search uses). Tables:
`0002_catalogue` in `evidence/schema.py`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from evidence.store import Store, table

FIELDS = ("code", "name", "field", "level", "agency", "decision", "kind", "channels")
TRACKED = ("field", "level", "agency", "decision", "kind", "channels")
# A procedure is active unless withdrawn; rows older than 0002_catalogue's status column count as active.
ACTIVE = "coalesce(status, 'active') != 'withdrawn'"


@dataclass
class ImportReport:
    """What one import changed, counted by kind of change."""

    source: str
    added: int = 0
    updated: int = 0
    renamed: int = 0
    withdrawn: int = 0
    restored: int = 0
    unchanged: int = 0
    changes: list[tuple[str, str]] = field(default_factory=list)   # (code, change)


def upsert_procedures(store: Store, rows: Sequence[dict[str, Any]], *, source: str, now: str,
                      full: bool = False) -> ImportReport:
    """Insert or update procedures in one transaction, writing history for each change.

    Each row has FIELDS, `terms` (the index words) and optionally `status` ("active"/"withdrawn").
    `full`: the rows are the whole catalogue of `source`, so its codes missing here are withdrawn.
    """
    db = store.db
    report = ImportReport(source)
    existing = {r["code"]: r for r in db.query("select * from procedures")}
    history: list[dict[str, Any]] = []

    def log(code: str, change: str, old: str | None, new: str | None, detail: dict[str, Any] | None = None) -> None:
        history.append({"code": code, "changed_at": now, "change": change, "old_name": old, "new_name": new,
                        "detail": json.dumps(detail or {}, ensure_ascii=False), "source": source})
        report.changes.append((code, change))

    upserts: list[dict[str, Any]] = []
    reindex: list[dict[str, Any]] = []
    unindex: list[dict[str, Any]] = []
    for row in rows:
        code, status = row["code"], row.get("status") or "active"
        record = {**{k: row.get(k) or "" for k in FIELDS}, "terms": row["terms"], "status": status,
                  "source": source, "fetched_at": now, "updated_at": now}
        old = existing.get(code)
        if old is None:
            record["first_seen_at"] = now
            log(code, "added" if status == "active" else "withdrawn", None, record["name"])
            report.added += 1
        else:
            record["first_seen_at"] = old.get("first_seen_at") or now
            diff = {k: [old.get(k) or "", record[k]] for k in TRACKED if (old.get(k) or "") != record[k]}
            if old["name"] != record["name"]:
                log(code, "renamed", old["name"], record["name"], diff)
                report.renamed += 1
            elif diff:
                log(code, "updated", old["name"], record["name"], diff)
                report.updated += 1
            if (old.get("status") or "active") != status:
                log(code, "withdrawn" if status == "withdrawn" else "restored", old["name"], record["name"])
                setattr(report, "withdrawn" if status == "withdrawn" else "restored",
                        getattr(report, "withdrawn" if status == "withdrawn" else "restored") + 1)
            elif old["name"] == record["name"] and not diff:
                report.unchanged += 1
        upserts.append(record)
        was_active = old is not None and (old.get("status") or "active") == "active"
        if status == "active" and not (was_active and old is not None and old.get("terms") == record["terms"]):
            reindex.append(record)   # new, renamed or restored: (re)write its index words
        elif status != "active" and was_active:
            unindex.append(record)
    if full:
        seen = {r["code"] for r in rows}
        for code, old in existing.items():
            if old.get("source") == source and code not in seen and (old.get("status") or "active") == "active":
                log(code, "withdrawn", old["name"], old["name"], {"why": "không còn trong bản xuất đầy đủ"})
                report.withdrawn += 1
                upserts.append({**old, "status": "withdrawn", "updated_at": now})
                unindex.append(old)
    with db.conn:
        # Plain executemany: sqlite-utils' upsert_all costs minutes on a 100,000-row catalogue.
        columns = ("code", *FIELDS[1:], "terms", "status", "source", "fetched_at", "updated_at", "first_seen_at")
        db.conn.executemany(f"insert or replace into procedures ({', '.join(columns)}) values ({', '.join('?' * len(columns))})",
                            [tuple(r.get(c) for c in columns) for r in upserts])
        # `code` is UNINDEXED in the FTS table: deleting "where code = ?" scans it whole for every row
        # (a 40,000-row re-import took minutes). One scan maps code → rowid; deletes by rowid are cheap.
        # An unchanged row keeps its index words as they are: an identical re-import touches no FTS row.
        touched = {r["code"] for r in reindex + unindex if r["code"] in existing}
        if store.dialect == "postgresql":  # there `code` is an indexed column of a plain table
            db.conn.executemany("delete from procedure_fts where code = ?", [(code,) for code in touched])
        else:
            stale = [(rowid,) for rowid, code in db.execute("select rowid, code from procedure_fts") if code in touched] \
                if touched else []
            db.conn.executemany("delete from procedure_fts where rowid = ?", stale)
        db.conn.executemany("insert into procedure_fts (code, terms) values (?, ?)",
                            [(r["code"], r["terms"]) for r in reindex])
        table(store, "procedure_history").insert_all(history)
    return report


def procedure(store: Store, code: str) -> dict[str, Any] | None:
    return next(store.db.query("select * from procedures where code = ?", [code]), None)


def procedure_count(store: Store) -> int:
    """How many procedures are active (the catalogue is "imported" when there is at least one)."""
    return int(store.db.execute(f"select count(*) from procedures where {ACTIVE}").fetchone()[0])


def history(store: Store, code: str) -> list[dict[str, Any]]:
    return list(store.db.query("select * from procedure_history where code = ? order by id", [code]))


def vocabulary(store: Store) -> dict[str, int]:
    """Indexed word → number of active procedures whose name has it."""
    return {term: doc for term, doc in store.db.execute("select term, doc from procedure_vocab")}


def search(store: Store, terms: Sequence[str], limit: int) -> list[dict[str, Any]]:
    """Active procedures sharing any of `terms`, best BM25 first (rare shared words weigh most)."""
    words = [t for t in terms if t and t.replace("_", "").isalnum()]
    if not words:
        return []
    if store.dialect == "postgresql":
        return list(store.db.query(PG_SEARCH, [words, limit]))
    query = " OR ".join(f'"{w}"' for w in words)
    return list(store.db.query(
        "select p.* from (select code, rank from procedure_fts where procedure_fts match ? order by rank limit ?) f "
        "join procedures p on p.code = f.code order by f.rank", [query, limit]))


# PostgreSQL's `search` (it has no BM25): each shared word weighs its inverse document frequency, as
# BM25's does, found through the GIN index; term frequency and name length are not weighed (names are short).
PG_SEARCH = """
with q(term) as (select distinct unnest(?::text[])),
df as (select term, quote_literal(term)::tsquery as tq,
              (select count(*) from procedure_fts f where f.tsv @@ quote_literal(term)::tsquery) as df from q),
n as (select count(*) as n from procedure_fts)
select p.* from (
  select f.code, sum(ln(1 + (n.n - df.df + 0.5) / (df.df + 0.5))) as score
  from df cross join n join procedure_fts f on f.tsv @@ df.tq
  group by f.code order by score desc, f.code limit ?) r
join procedures p on p.code = r.code order by r.score desc, r.code
"""
