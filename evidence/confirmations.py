"""The confirmation round (R13): each agency's answer on each figure sent to it.

Table `confirmations` (`0006_scoring` in `evidence/schema.py`). An answer `dispute` opens an item
dispute (`evidence/disputes.py`); a later `agree` on the same figure closes it. Table
`confirmation_sheets` (`0009_confirmation_sheets`): every sheet issued, by its id, with the agency,
the year and the row keys it was issued for, which the import checks a returned sheet against.

One model for both ways an agency answers (issue 18): a returned XLSX sheet (`office/confirm.py`)
and the workspace's page "Xác nhận kết quả" (`evidence/web/confirmation.py`) both call
`answer_item`, which keeps the answer, opens or closes the item's dispute and queues the re-checks
`recheck_targets` names, in one transaction with the caller's audit row. Both show the same items:
`confirmation_rows` (the sheet's rows, `office/reports/confirmation.py`) and `agency_items` (the page).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from evidence import disputes, recheck_requests, runs
from evidence.clock import utc_now
from evidence.recognition import recognitions
from evidence.scores import score_rows
from evidence.store import Store, table

ANSWERS = ("agree", "dispute")


@dataclass(frozen=True)
class Answered:
    """What one answer changed: the dispute it opened (None when agreeing, or one was open already), the
    disputes agreeing closed, the re-check requests queued."""
    dispute_id: int | None
    closed: list[int] = field(default_factory=list)
    recheck_requests: list[int] = field(default_factory=list)


def recheck_targets(agency_id: str, key: str, reason: str, *, services: Mapping[str, int],
                    criteria: Collection[str]) -> list[tuple[str, str]]:
    """(kind, target id) to re-check for a disputed row: its own target and those its reason names.

    `services` maps the agency's declared service ids to their declared level; `criteria` holds the
    portal criterion ids (category 3). A figure the agency itself declared names no crawl target.
    """
    kind, _, ident = key.partition(":")
    found: list[tuple[str, str]] = []
    if kind == "service" and ident in services:
        found.append(("service", ident))
    elif kind == "criterion" or (kind == "figure" and ident.startswith("kt_")):
        if ident.startswith(("c4", "kt_dvctt")):
            # Disputing category 4 re-checks the declared level-3/4 services unless the reason names some.
            named = [s for s in services if re.search(rf"\b{re.escape(s)}\b", reason)]
            found += [("service", s) for s in sorted(named or {s for s, level in services.items() if level >= 3})]
        else:
            found.append(("criterion", f"{agency_id}/{ident}"))
    found += [("service", s) for s in sorted(services) if re.search(rf"\b{re.escape(s)}\b", reason)]
    found += [("criterion", f"{agency_id}/{c}") for c in sorted(criteria) if re.search(rf"\b{re.escape(c)}\b", reason)]
    return list(dict.fromkeys(found))


def known_targets(store: Store, agency_id: str) -> tuple[dict[str, int], list[str]]:
    """What `recheck_targets` may name for an agency, from the store: its declared services (id → declared
    level, as the config last synced them) and the portal criteria its portal was scored on."""
    services = {r["id"]: int(r["declared_level"] or 0)
                for r in table(store, "services").rows_where("agency_id = ?", [agency_id], order_by="id")}
    criteria = [r["criterion_id"] for r in store.db.query(
        "select distinct criterion_id from portal_scores where agency_id = ? order by criterion_id", [agency_id])]
    return services, criteria


def answer_item(store: Store, *, year: int, agency_id: str, item_key: str, answer: str, reason: str,
                source_file: str, row: int | None, evidence: list[str], targets: list[tuple[str, str]],
                by: str = "", attachment: disputes.Attachment | None = None,
                audit: Callable[[Any, Answered], None] | None = None) -> Answered:
    """Keep an agency's answer on one figure, in one transaction: a dispute opens a dispute item and
    queues a re-check of each target; an agreement closes an open one. `audit(conn, answered)` runs
    inside the same transaction (the workspace's audit row)."""
    if answer not in ANSWERS:
        raise ValueError(f"answer must be one of {ANSWERS}")
    now = utc_now()
    with store.write_lock() as conn:
        conn.execute(
            "insert into confirmations (year, agency_id, item_key, answer, reason, source_file, \"row\", answered_at,"
            " answered_by) values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (year, agency_id, item_key) do update set"
            " answer = excluded.answer, reason = excluded.reason, source_file = excluded.source_file,"
            " \"row\" = excluded.\"row\", answered_at = excluded.answered_at, answered_by = excluded.answered_by",
            [year, agency_id, item_key, answer, reason, source_file, row, now, by])
        if answer == "agree":
            # Agreeing later closes an earlier dispute of the same figure.
            answered = Answered(None, disputes.close_item_disputes_in(conn, year=year, agency_id=agency_id,
                                                                      item_key=item_key, now=now, by=by))
        else:
            dispute_id = disputes.open_item_dispute_in(conn, store, year=year, agency_id=agency_id, item_key=item_key,
                                                       reason=reason, evidence=evidence, now=now, opened_by=by,
                                                       attachment=attachment)
            requests = [] if dispute_id is None else [
                recheck_requests.request_recheck_in(conn, kind=kind, target_id=target, agency_id=agency_id,
                                                    dispute_id=dispute_id, reason=f"khiếu nại {item_key}: {reason}",
                                                    now=now)
                for kind, target in targets]
            answered = Answered(dispute_id, [], list(dict.fromkeys(requests)))
        if audit is not None:
            audit(conn, answered)
    return answered


def record_answer(store: Store, year: int, agency_id: str, item_key: str, answer: str, reason: str,
                  source_file: str, row: int, evidence: list[str]) -> int | None:
    """Keep an agency's answer on one figure (no re-checks); a dispute opens a dispute item. Return its id if opened."""
    return answer_item(store, year=year, agency_id=agency_id, item_key=item_key, answer=answer, reason=reason,
                       source_file=source_file, row=row, evidence=evidence, targets=[]).dispute_id


def confirmations(store: Store, year: int) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["agency_id"], r["item_key"]): r for r in table(store, "confirmations").rows_where("year = ?", [year])}


def issue_sheet(store: Store, year: int, agency_id: str, item_keys: list[str], file: str) -> str:
    """Record a confirmation sheet about to be sent; return its id (written hidden in the sheet)."""
    sheet_id = uuid.uuid4().hex
    with store.db.conn:
        table(store, "confirmation_sheets").insert({"sheet_id": sheet_id, "year": year, "agency_id": agency_id,
                                                    "item_keys": json.dumps(item_keys, ensure_ascii=False),
                                                    "file": file, "issued_at": utc_now()})
    return sheet_id


def issued_sheet(store: Store, sheet_id: str) -> dict[str, Any] | None:
    """The sheet issued under this id (`item_keys` as a list), or None."""
    row = next(table(store, "confirmation_sheets").rows_where("sheet_id = ?", [sheet_id]), None)
    return {**row, "item_keys": json.loads(row["item_keys"])} if row else None


def confirmation_rows(figures: list[dict[str, Any]], items: list[dict[str, Any]], services: list[dict[str, Any]],
                      base: str) -> list[tuple[Any, ...]]:
    """The rows an agency confirms, in order: (key, kind, content, value, source, evidence).

    `figures` are `score_figures` rows (`evidence` a list), `items` `score_items` rows (`reasons` a
    list), `services` `runs.latest_service_results` rows with their `recognition`; `base` prefixes links.
    """
    rows: list[tuple[Any, ...]] = []
    for f in figures:
        link = base + f["link"] if f.get("link") else ""
        proof = "; ".join(f["evidence"][:5])
        rows.append((f"figure:{f['figure_id']}", "số liệu", f["figure_id"], f["value"], f["source"],
                     " ".join(x for x in (link, proof) if x)))
    for item in items:
        rows.append((f"criterion:{item['criterion_id']}", "điểm tiêu chí", item["criterion_id"],
                     f"{item['points']:g}/{item['max_points']:g}", "; ".join(item["reasons"]), ""))
    for s in services:
        found = "chưa kiểm tra" if s["level"] is None else f"mức {s['level']} ({s['mode']})"
        if s.get("recognition") is not None:  # checks/recognition.py: never "không đạt" while a retry waits
            found = f"{found}; {s['recognition'].word}: {s['recognition'].reason}"
        rows.append((f"service:{s['id']}", "dịch vụ công", s["name"], found, f"khai báo mức {s['declared_level']}",
                     f"{base}/dich-vu/{s['id']}"))
    return rows


def agency_items(store: Store, year: int, agency_id: str, base: str = "") -> list[dict[str, Any]]:
    """The items of an agency's confirmation sheet for a year, as the workspace page shows them.

    Each: key, kind, label, value, source, evidence (the sheet's text, links prefixed by `base`), link
    (a page of the browser or None), runs (the run ids whose evidence the item shows), cells (what a
    dispute of it keeps as its evidence: the sheet's columns C–F, as the import reads them), answer.
    """
    figures = [{**f, "evidence": json.loads(f["evidence"] or "[]")}
               for f in score_rows(store, "score_figures", year, agency_id)]
    items = [{**i, "reasons": json.loads(i["reasons"] or "[]")} for i in score_rows(store, "score_items", year, agency_id)]
    decided = recognitions(store, agency_id)
    services = [{**row, "recognition": decided.get(row["id"])} for row in runs.latest_service_results(store, agency_id)]
    links: dict[str, tuple[str | None, list[str]]] = {f"figure:{f['figure_id']}": (f.get("link") or None, [])
                                                      for f in figures}
    links.update({f"service:{s['id']}": (f"/dich-vu/{s['id']}", [s["run_id"]] if s["run_id"] else []) for s in services})
    answers = {key: row for (agency, key), row in confirmations(store, year).items() if agency == agency_id}
    shown = []
    for key, kind, label, value, source, proof in confirmation_rows(figures, items, services, base):
        link, run_ids = links.get(key, (None, []))
        shown.append({"key": key, "kind": kind, "label": label, "value": value, "source": source, "evidence": proof,
                      "link": link, "runs": run_ids, "answer": answers.get(key),
                      "cells": [str(c) for c in (label, value, source, proof) if c not in (None, "")]})
    return shown


def round_years(store: Store, agency_id: str) -> list[int]:
    """The years an agency has figures or points to confirm, newest first."""
    return [int(r["year"]) for r in store.db.query(
        "select year from score_items where agency_id = ? union select year from score_figures where agency_id = ?"
        " order by year desc", [agency_id, agency_id])]


def rounds(store: Store) -> list[dict[str, Any]]:
    """Each (year, agency) with something to confirm, newest year first: its answers and open item disputes counted."""
    return list(store.db.query("""
        select y.year, y.agency_id, a.name,
               (select count(*) from confirmations c where c.year = y.year and c.agency_id = y.agency_id) as answered,
               (select count(*) from disputes d where d.kind = 'item' and d.year = y.year and d.agency_id = y.agency_id
                  and d.closed_at is null) as open_disputes
        from (select year, agency_id from score_items union select year, agency_id from score_figures) y
        left join agencies a on a.id = y.agency_id
        order by y.year desc, y.agency_id"""))
