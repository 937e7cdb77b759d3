"""What the evidence browser reads: agencies, services with their latest verdict, runs with filters.

Every query is parameterised; filter values that name columns or comparisons come from fixed
tables here, never from the request's text.
"""

from __future__ import annotations

import json
import re
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
PAGE = re.compile(r"[0-9]{1,6}")


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
        """The filters a request asks for; ValueError for a value no link or form of the app produces (400)."""
        def choice(name: str, allowed: Any) -> str:
            value = args.get(name, "")
            if value and value not in allowed:
                raise ValueError(name)
            return str(value)

        page, agency = args.get("page", "1"), args.get("agency", "")
        if not PAGE.fullmatch(page) or int(page) < 1:
            raise ValueError("page")  # "²" is a digit to str.isdigit; 10**30 overflows SQLite's OFFSET
        if len(agency) > 200:
            raise ValueError("agency")
        return cls(agency=agency, group=choice("group", GROUPS), level=choice("level", LEVEL_FILTERS),
                   mode=choice("mode", MODES), failed=choice("failed", ("1",)) == "1",
                   disputed=choice("disputed", ("1",)) == "1", page=int(page))

    def query(self, **changes: Any) -> dict[str, Any]:
        """The query arguments of these filters (with `changes`) for url_for: only fields, never the request's own."""
        values = {"agency": self.agency, "group": self.group, "level": self.level, "mode": self.mode,
                  "failed": "1" if self.failed else "", "disputed": "1" if self.disputed else "", "page": self.page}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None) and not (k == "page" and v == 1)}

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


def agencies(store: Store, group: str = "", scope: str | None = None) -> list[dict[str, Any]]:
    """The agencies (of one group), each with its counts; with `scope` (an agency user's) only that one."""
    sql = """select a.id, a.name, a.agency_group,
                    (select count(*) from services s where s.agency_id = a.id) as services,
                    (select count(*) from runs r where r.agency_id = a.id) as runs
             from agencies a {where} order by a.agency_group, a.name"""
    clauses, params = [], []
    if group in GROUPS:
        clauses.append("a.agency_group = ?")
        params.append(group)
    if scope is not None:
        clauses.append("a.id = ?")
        params.append(scope)
    return list(store.db.query(sql.format(where=("where " + " and ".join(clauses)) if clauses else ""), params))


def in_scope(scope: str | None, agency_id: str | None) -> bool:
    """Whether a row of `agency_id` may be shown to a user limited to `scope` (None: not limited)."""
    return scope is None or agency_id == scope


def artifact_in_scope(store: Store, sha256: str, scope: str | None) -> bool:
    """Whether a stored file is linked to a run of the agency `scope` (kept by it, derived from it, or its
    manifest); always true without a scope. An agency user is served no file of another agency's runs."""
    if scope is None:
        return True
    return store.db.execute("""
        select 1 from run_artifacts ra join runs r on r.id = ra.run_id where ra.sha256 = ? and r.agency_id = ?
        union all select 1 from derived_artifacts d join runs r on r.id = d.run_id where d.sha256 = ? and r.agency_id = ?
        union all select 1 from manifests m join runs r on r.id = m.run_id where m.sha256 = ? and r.agency_id = ?
        limit 1""", [sha256, scope] * 3).fetchone() is not None


def runs_in_scope(store: Store, run_ids: list[str], scope: str | None) -> bool:
    """Whether every one of `run_ids` is a run of the agency `scope` (always true without a scope)."""
    if scope is None:
        return True
    return all(next(table(store, "runs").rows_where("id = ? and agency_id = ?", [run_id, scope]), None) is not None
               for run_id in run_ids)


RUN_COLUMNS = """r.id, r.kind, r.target_id, r.agency_id, r.attempt, r.started_at, r.outcome as run_outcome, r.title,
    r.http_status, s.name as service_name, s.declared_level, v.level, v.mode, v.outcome, m.seq as sealed,
    m.signature is not null as signed"""
RUN_JOINS = """from runs r left join services s on s.id = r.target_id left join verdicts v on v.run_id = r.id
    left join manifests m on m.run_id = r.id"""


def runs(store: Store, filters: Filters, scope: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """One page of runs, newest first, and how many match in all (only the agency `scope`'s when given)."""
    where, params = filters.where()
    if scope is not None:
        where, params = (f"{where} and r.agency_id = ?" if where else " where r.agency_id = ?"), [*params, scope]
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


# The workspace's pictures (evidence/web/views.py): two runs of a service side by side, a group's ranking.

def finished_runs(store: Store, service_id: str) -> list[dict[str, Any]]:
    """A service's finished runs (service checks and post-checks), oldest first, for choosing two to compare."""
    return list(store.db.query(
        f"select {RUN_COLUMNS} {RUN_JOINS} where r.target_id = ? and r.kind != 'published'"
        " and r.outcome not in ('running', 'interrupted') order by r.started_at, r.id", [service_id]))


def newest_dispute(store: Store, service_id: str) -> dict[str, Any] | None:
    """The newest dispute about a service: against its verdict, or a confirmation-round item that asked it re-checked."""
    return next(iter(store.db.query(
        """select id, kind, run_id, opened_at, note from disputes
           where (kind = 'service' and service_id = ?)
              or id in (select dispute_id from recheck_requests where kind = 'service' and target_id = ?)
           order by opened_at desc, id desc limit 1""", [service_id, service_id])), None)


def score_years(store: Store) -> list[int]:
    """The years with stored scores, newest first."""
    return [row["year"] for row in store.db.query("select distinct year from score_totals order by year desc")]


def ranking(store: Store, year: int, group: str, category: str) -> list[dict[str, Any]]:
    """One group's stored totals of one category (or "total") for a year, by rank (unranked and exempt last)."""
    return list(store.db.query(
        """select t.agency_id, coalesce(a.name, t.agency_id) as name, t.points, t.max_points, t.idx, t.rank, t.exempt
           from score_totals t left join agencies a on a.id = t.agency_id
           where t.year = ? and t.agency_group = ? and t.category = ?
           order by t.exempt, t.rank is null, t.rank, t.agency_id""", [year, group, category]))


def score_categories(store: Store, year: int) -> list[str]:
    """The categories stored for a year, as `kiemtra score` wrote them."""
    return [row["category"] for row in store.db.query(
        "select distinct category from score_totals where year = ? order by category", [year])]


def declared_services(store: Store, agency_id: str) -> list[dict[str, Any]]:
    """An agency's declared services with how many runs each has: the recognition board's rows (no verdict join)."""
    return list(store.db.query(
        """select s.id, s.name, s.declared_level, (select count(*) from runs x where x.target_id = s.id) as runs
           from services s where s.agency_id = ? order by s.id""", [agency_id]))
