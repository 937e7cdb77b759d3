"""What the evidence browser reads: agencies, services with their latest verdict, runs with filters.

Every query is parameterised; filter values that name columns or comparisons come from fixed
tables here, never from the request's text.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from evidence import disputes
from evidence import runs as runs_of
from evidence.store import NEWEST_FINISHED_RUN, Store, table

PAGE_SIZE = 100
LEVEL_FILTERS = {"thap-hon": "v.level < s.declared_level", "bang": "v.level = s.declared_level",
                 "cao-hon": "v.level > s.declared_level"}
MODES = ("direct", "by_report", "none", "unverified")
GROUPS = ("bo", "cqtcp", "tinh")


class ReadOnlyStore(Store):
    """The store opened read-only (SQLite `mode=ro`): the browser can never write a row."""

    def __init__(self, data_dir: Path) -> None:  # no super().__init__: it creates folders and migrates
        self.data_dir = Path(data_dir)
        self.db_path = self.data_dir / "kiemtra.db"
        connection = sqlite3.connect(f"{self.db_path.resolve().as_uri()}?mode=ro", uri=True)
        self.db = sqlite_utils.Database(connection)
        self.db.execute("PRAGMA busy_timeout = 5000")


@dataclass(frozen=True)
class Filters:
    agency: str = ""
    group: str = ""
    level: str = ""
    mode: str = ""
    failed: bool = False
    disputed: bool = False
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        page = args.get("page", "1")
        return cls(agency=args.get("agency", ""), group=args.get("group", "") if args.get("group") in GROUPS else "",
                   level=args.get("level", "") if args.get("level") in LEVEL_FILTERS else "",
                   mode=args.get("mode", "") if args.get("mode") in MODES else "",
                   failed=args.get("failed") == "1", disputed=args.get("disputed") == "1",
                   page=max(1, int(page)) if page.isdigit() else 1)

    def where(self) -> tuple[str, list[Any]]:
        clauses, params = [], []
        if self.agency:
            clauses.append("r.agency_id = ?")
            params.append(self.agency)
        if self.group:
            clauses.append("r.agency_id in (select id from agencies where agency_group = ?)")
            params.append(self.group)
        if self.level:
            clauses.append(LEVEL_FILTERS[self.level])
        if self.mode:
            clauses.append("v.mode = ?")
            params.append(self.mode)
        if self.failed:
            clauses.append("(v.outcome = 'fail' or r.outcome in ('failed', 'http_error'))")
        if self.disputed:
            clauses.append("r.target_id in (select service_id from disputes where kind = 'service' and closed_at is null)")
        return (" where " + " and ".join(clauses)) if clauses else "", params


def agencies(store: Store, group: str = "") -> list[dict[str, Any]]:
    sql = """select a.id, a.name, a.agency_group,
                    (select count(*) from services s where s.agency_id = a.id) as services,
                    (select count(*) from runs r where r.agency_id = a.id) as runs
             from agencies a {where} order by a.agency_group, a.name"""
    if group in GROUPS:
        return list(store.db.query(sql.format(where="where a.agency_group = ?"), [group]))
    return list(store.db.query(sql.format(where="")))


RUN_COLUMNS = """r.id, r.kind, r.target_id, r.agency_id, r.attempt, r.started_at, r.outcome as run_outcome, r.title,
    r.http_status, s.name as service_name, s.declared_level, v.level, v.mode, v.outcome, m.seq as sealed,
    m.signature is not null as signed"""
RUN_JOINS = """from runs r left join services s on s.id = r.target_id left join verdicts v on v.run_id = r.id
    left join manifests m on m.run_id = r.id"""


def runs(store: Store, filters: Filters) -> tuple[list[dict[str, Any]], int]:
    """One page of runs, newest first, and how many match in all."""
    where, params = filters.where()
    total = store.db.execute(f"select count(*) {RUN_JOINS}{where}", params).fetchone()[0]
    rows = list(store.db.query(f"select {RUN_COLUMNS} {RUN_JOINS}{where} order by r.started_at desc limit ? offset ?",
                               [*params, PAGE_SIZE, (filters.page - 1) * PAGE_SIZE]))
    return rows, total


def services(store: Store, agency_id: str) -> list[dict[str, Any]]:
    """An agency's declared services, each with its newest run's verdict and whether it is disputed."""
    return list(store.db.query(f"""
        select s.id, s.name, s.declared_level, r.id as run_id, r.started_at, v.level, v.mode, v.outcome,
               (select count(*) from runs x where x.target_id = s.id) as runs,
               exists(select 1 from disputes d where d.kind = 'service' and d.service_id = s.id
                      and d.closed_at is null) as disputed
        from services s
        left join runs r on r.id = {NEWEST_FINISHED_RUN}
        left join verdicts v on v.run_id = r.id
        where s.agency_id = ? order by s.id""", [agency_id]))


def run_page(store: Store, run_id: str) -> dict[str, Any] | None:
    """Everything the run page shows: the run, its service and agency, steps, artifacts, verdict, manifest."""
    run = next(table(store, "runs").rows_where("id = ?", [run_id]), None)
    if run is None:
        return None

    def one(name: str, key: str, value: Any) -> dict[str, Any] | None:
        return next(table(store, name).rows_where(f"{key} = ?", [value]), None)

    verdict = runs_of.verdict_of(store, run_id)
    steps = runs_of.steps(store, run_id)
    for step in steps:
        step["detail"] = json.loads(step["detail"]) if step.get("detail") else {}
    banners = {r["seq"]: r["sha256"]
               for r in table(store, "derived_artifacts").rows_where("run_id = ? and kind = 'banner'", [run_id])}
    return {"run": run, "service": one("services", "id", run["target_id"]), "agency": one("agencies", "id", run["agency_id"]),
            "verdict": verdict, "reasons": json.loads(verdict["reasons"]) if verdict and verdict["reasons"] else [],
            "steps": steps, "banners": banners, "artifacts": runs_of.artifacts(store, run_id),
            "manifest": one("manifests", "run_id", run_id),
            "disputes": disputes.service_disputes(store, run["target_id"])}


def service_runs(store: Store, service_id: str) -> list[dict[str, Any]]:
    """Every run of one service, newest first, as the runs page shows them."""
    return list(store.db.query(f"select {RUN_COLUMNS} {RUN_JOINS} where r.target_id = ? order by r.started_at desc",
                               [service_id]))


def artifact_row(store: Store, sha256: str) -> dict[str, Any] | None:
    return next(table(store, "artifacts").rows_where("sha256 = ?", [sha256]), None)
