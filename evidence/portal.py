"""The portal review's tables (category 3, R1/R2): observations, inspectors' scores, appraisals,
the seed of each spot-check draw, the audit log of every change, and each criterion's review state
(`statuses`, R1/R2 arithmetic from `checks.review`: what `kiemtra review status`, `kiemtra score` and the
workspace's scoring pages all read).

Nothing here is ever updated silently: each new or changed score and each appraisal writes one
row to `review_log` (who, when, old value, new value, why) in the same transaction; `write_score` and
`write_appraisal` do it on a connection whose transaction the caller holds (the workspace adds its
audit row to the same commit). Tables:
`0003_portal` in `evidence/schema.py`.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

from checks.portal import Criterion, CriterionResult, PortalObservation, evaluate
from checks.result import Reason, Result
from checks.review import Scores, Status, review
from configuration.loader import Config
from evidence.clock import utc_now
from evidence.store import Store, table

ROLES = ("A", "B")


def _log(store: Store, agency_id: str, criterion_id: str, what: str, who: str, old: Any, new: Any, why: str) -> None:
    table(store, "review_log").insert(_log_row(agency_id, criterion_id, what, who, old, new, why))


def _log_row(agency_id: str, criterion_id: str, what: str, who: str, old: Any, new: Any, why: str) -> dict[str, Any]:
    return {"agency_id": agency_id, "criterion_id": criterion_id, "what": what, "who": who, "at": utc_now(),
            "old": None if old is None else json.dumps(old, ensure_ascii=False),
            "new": None if new is None else json.dumps(new, ensure_ascii=False), "why": why}


def _log_in(conn: Any, agency_id: str, criterion_id: str, what: str, who: str, old: Any, new: Any, why: str) -> None:
    row = _log_row(agency_id, criterion_id, what, who, old, new, why)
    conn.execute(f"insert into review_log ({', '.join(row)}) values ({', '.join('?' * len(row))})", list(row.values()))


def save_observation(store: Store, run_id: str, agency_id: str, role: str, inspector: str,
                     observation: dict[str, Any]) -> str:
    """Keep one inventory as a JSON artifact of its run; return its hash."""
    data = json.dumps(observation, ensure_ascii=False, sort_keys=True).encode("utf-8")
    artifact = store.keep_bytes(run_id, data, ".json", "portal_observation")
    with store.db.conn:
        table(store, "portal_observations").insert({
            "run_id": run_id, "agency_id": agency_id, "role": role, "inspector": inspector,
            "observed_at": observation.get("observed_at"), "observation_sha256": artifact.sha256,
            "pages": len(observation.get("pages", ())), "error": observation.get("error"),
        }, pk="run_id", replace=True)
    return artifact.sha256


def record_score(store: Store, *, agency_id: str, criterion_id: str, role: str, inspector: str,
                 score: float | None, max_points: float, outcome: str, reasons: list[dict[str, Any]] | None = None,
                 source: str, run_id: str | None = None, why: str = "") -> bool:
    """Set one reviewer's score of one criterion; log the change. Return False when nothing changed."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    with store.write_lock() as conn:
        if source == "crawl" and run_id:
            _keep_crawl_result(conn, run_id=run_id, agency_id=agency_id, criterion_id=criterion_id, role=role,
                               outcome=outcome, score=score, max_points=max_points, reasons=reasons or [])
        old = score_row(conn, agency_id, criterion_id, role)
        if old is not None and old["score"] == score and old["outcome"] == outcome and old["inspector"] == inspector:
            return False
        if source == "crawl" and old is not None and old["source"] != "crawl":
            return False    # a person's score (imported or entered in the workspace) is never replaced by a crawl's
        write_score(conn, old, agency_id=agency_id, criterion_id=criterion_id, role=role, inspector=inspector,
                    score=score, max_points=max_points, outcome=outcome, reasons=reasons, source=source,
                    run_id=run_id, why=why)
    return True


def _keep_crawl_result(conn: Any, *, run_id: str, agency_id: str, criterion_id: str, role: str, outcome: str,
                       score: float | None, max_points: float, reasons: list[dict[str, Any]]) -> None:
    """A crawl's judgement of one criterion, kept by run whatever becomes of the role's score (0016)."""
    conn.execute("insert into portal_crawl_results (run_id, agency_id, criterion_id, role, outcome, score, max_points,"
                 " reasons, judged_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (run_id, criterion_id) do update"
                 " set outcome = excluded.outcome, score = excluded.score, max_points = excluded.max_points,"
                 " reasons = excluded.reasons, judged_at = excluded.judged_at",
                 [run_id, agency_id, criterion_id, role, outcome, score, max_points,
                  json.dumps(reasons, ensure_ascii=False), utc_now()])


SCORE_COLUMNS = ("agency_id", "criterion_id", "role", "inspector", "score", "max_points", "outcome", "reasons",
                 "source", "run_id", "updated_at")


def score_row(conn: Any, agency_id: str, criterion_id: str, role: str) -> dict[str, Any] | None:
    """One reviewer's stored score, read on the open transaction's connection (None: not scored yet)."""
    found = conn.execute(f"select {', '.join(SCORE_COLUMNS)} from portal_scores"
                         " where agency_id = ? and criterion_id = ? and role = ?",
                         [agency_id, criterion_id, role]).fetchone()
    return None if found is None else dict(zip(SCORE_COLUMNS, found, strict=True))


def write_score(conn: Any, old: dict[str, Any] | None, *, agency_id: str, criterion_id: str, role: str,
                inspector: str, score: float | None, max_points: float, outcome: str,
                reasons: list[dict[str, Any]] | None, source: str, run_id: str | None, why: str) -> None:
    """Write one reviewer's score and its review_log row inside the caller's transaction (plain SQL on `conn`)."""
    row = {"agency_id": agency_id, "criterion_id": criterion_id, "role": role, "inspector": inspector,
           "score": score, "max_points": max_points, "outcome": outcome,
           "reasons": json.dumps(reasons or [], ensure_ascii=False), "source": source, "run_id": run_id,
           "updated_at": utc_now()}
    updates = ", ".join(f"{c} = excluded.{c}" for c in SCORE_COLUMNS[3:])
    conn.execute(f"insert into portal_scores ({', '.join(SCORE_COLUMNS)}) values ({', '.join('?' * len(row))})"
                 f" on conflict (agency_id, criterion_id, role) do update set {updates}",
                 [row[c] for c in SCORE_COLUMNS])
    _log_in(conn, agency_id, criterion_id, f"score:{role}", inspector,
            None if old is None else {"score": old["score"], "outcome": old["outcome"], "by": old["inspector"]},
            {"score": score, "outcome": outcome}, why or source)


def scores(store: Store, agency_id: str | None = None) -> list[dict[str, Any]]:
    where, params = ("agency_id = ?", [agency_id]) if agency_id else (None, [])
    return list(table(store, "portal_scores").rows_where(where, params, order_by="agency_id, criterion_id, role"))


def appraise(store: Store, *, agency_id: str, criterion_id: str, appraiser: str, score: float | None,
             reason: str) -> None:
    """R2: the appraiser's score replaces the mean (None withdraws it); a reason is required."""
    with store.write_lock() as conn:
        write_appraisal(conn, agency_id=agency_id, criterion_id=criterion_id, appraiser=appraiser, score=score,
                        reason=reason)


APPRAISAL_COLUMNS = ("agency_id", "criterion_id", "appraiser", "score", "reason", "decided_at")


def appraisal_row(conn: Any, agency_id: str, criterion_id: str) -> dict[str, Any] | None:
    """The appraiser's stored score of one criterion, read on the open transaction's connection."""
    found = conn.execute(f"select {', '.join(APPRAISAL_COLUMNS)} from review_appraisals"
                         " where agency_id = ? and criterion_id = ?", [agency_id, criterion_id]).fetchone()
    return None if found is None else dict(zip(APPRAISAL_COLUMNS, found, strict=True))


def write_appraisal(conn: Any, *, agency_id: str, criterion_id: str, appraiser: str, score: float | None,
                    reason: str) -> dict[str, Any] | None:
    """R2 inside the caller's transaction: set (None: withdraw) the appraiser's score and log it; the old row."""
    if not reason.strip():
        raise ValueError("an appraisal needs a reason")
    old = appraisal_row(conn, agency_id, criterion_id)
    if score is None:
        conn.execute("delete from review_appraisals where agency_id = ? and criterion_id = ?", [agency_id, criterion_id])
    else:
        values = [agency_id, criterion_id, appraiser, score, reason, utc_now()]
        conn.execute(f"insert into review_appraisals ({', '.join(APPRAISAL_COLUMNS)}) values (?, ?, ?, ?, ?, ?)"
                     " on conflict (agency_id, criterion_id) do update set appraiser = excluded.appraiser,"
                     " score = excluded.score, reason = excluded.reason, decided_at = excluded.decided_at", values)
    _log_in(conn, agency_id, criterion_id, "appraisal", appraiser, None if old is None else old["score"], score, reason)
    return old


def appraisals(store: Store, agency_id: str | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    where, params = ("agency_id = ?", [agency_id]) if agency_id else (None, [])
    return {(r["agency_id"], r["criterion_id"]): r for r in table(store, "review_appraisals").rows_where(where, params)}


def review_seed(store: Store, agency_id: str, *, threshold: float, fraction: float, who: str) -> dict[str, Any]:
    """The agency's spot-check seed, drawn once and kept so the sample can be drawn again identically."""
    row = next(table(store, "review_seeds").rows_where("agency_id = ?", [agency_id]), None)
    if row is None:
        row = {"agency_id": agency_id, "seed": secrets.randbelow(2**31), "threshold": threshold,
               "fraction": fraction, "created_by": who, "created_at": utc_now()}
        with store.db.conn:
            table(store, "review_seeds").insert(row, pk="agency_id")
            _log(store, agency_id, "*", "seed", who, None, row["seed"], "rút mẫu kiểm tra ngẫu nhiên")
    return row


def history(store: Store, agency_id: str, criterion_id: str | None = None) -> Iterator[dict[str, Any]]:
    where, params = "agency_id = ?", [agency_id]
    if criterion_id:
        where, params = where + " and criterion_id = ?", params + [criterion_id]
    yield from table(store, "review_log").rows_where(where, params, order_by="id")


def _b_kind(source: str | None, crawl_as_b: bool) -> str:
    if (source or "") == "crawl":
        return "crawl" if crawl_as_b else "crawl_refused"
    return "person"


def statuses(store: Store, config: Config, agency_id: str | None = None, *, who: str = "kiemtra") -> list[Status]:
    """Every applicable (agency, criterion) with A, B, mean, flags and the appraiser's score."""
    agencies = [config.agency(agency_id)] if agency_id else list(config.agencies)
    rows_stored = scores(store, agency_id)
    stored = {(r["agency_id"], r["criterion_id"], r["role"]): r["score"] for r in rows_stored}
    # R1: B must be independent. A second crawl by the same code serves as B only when the settings say so.
    b_kinds = {(r["agency_id"], r["criterion_id"]): _b_kind(r["source"], config.settings.review.crawl_as_b)
               for r in rows_stored if r["role"] == "B"}
    for key, kind in b_kinds.items():
        if kind == "crawl_refused":
            stored.pop((*key, "B"), None)
    appraised = appraisals(store, agency_id)
    out: list[Status] = []
    for agency in agencies:
        seed = review_seed(store, agency.id, threshold=config.settings.review.threshold,
                           fraction=config.settings.review.sample_fraction, who=who)
        rows = [Scores(agency.id, c.id, c.points[agency.group], stored.get((agency.id, c.id, "A")),
                       stored.get((agency.id, c.id, "B")),
                       appraised[(agency.id, c.id)]["score"] if (agency.id, c.id) in appraised else None,
                       b_kinds.get((agency.id, c.id), ""))
                for c in config.criteria if agency.group in c.points]
        out.extend(review(rows, threshold=seed["threshold"], fraction=seed["fraction"], seed=seed["seed"]))
    return out


# --- The workspace: a person's score entered in the browser, and what the crawl saw beside it ---

SCORED_BY_PERSON = "browser"     # portal_scores.source of a score a signed-in inspector entered in the workspace


def claim_problem(conn: Any, *, agency_id: str, criterion_id: str, role: str, person: str) -> str | None:
    """R1 independence, read on the open transaction: why `person` may not enter `role`'s score, or None.

    One person is never both A and B of one criterion of one agency; a role a person already holds is
    theirs until the appraiser settles it (another inspector cannot overwrite it); a role held by a crawl
    (source "crawl") may be taken by a person, whose score then stands for that role.
    """
    if role not in ROLES:
        return f"vai trò chấm '{role}' không có; chọn A hoặc B"
    other = score_row(conn, agency_id, criterion_id, "B" if role == "A" else "A")
    if other is not None and other["inspector"] == person and other["source"] != "crawl":
        return (f"bạn đã chấm điểm {other['role']} của tiêu chí này; một người không chấm cả A và B (R1) — "
                f"để người khác chấm điểm {role}")
    held = score_row(conn, agency_id, criterion_id, role)
    if held is not None and held["source"] != "crawl" and held["inspector"] != person:
        return (f"điểm {role} của tiêu chí này do {held['inspector']} chấm; chỉ người đó sửa được — "
                "chênh lệch do người thẩm định giải quyết")
    return None


def note_of(row: dict[str, Any] | None) -> str:
    """The note a person wrote with a score (the first reason's text), '' without one."""
    if row is None:
        return ""
    try:
        reasons = json.loads(row.get("reasons") or "[]")
    except ValueError:
        return ""
    return "; ".join(str(r.get("text", "")) for r in reasons if isinstance(r, dict) and r.get("text"))


def latest_observation(store: Store, agency_id: str) -> dict[str, Any] | None:
    """The agency's newest portal observation row (run_id, role, inspector, observed_at, sha256), or None."""
    rows = store.db.query("select run_id, role, inspector, observed_at, observation_sha256, error"
                          " from portal_observations where agency_id = ? order by observed_at desc, run_id desc"
                          " limit 1", [agency_id])
    return next(iter(rows), None)


def observation_runs(store: Store, agency_id: str) -> set[str]:
    """Every portal crawl run of the agency: the runs a scoring page may cite as its evidence."""
    return {r["run_id"] for r in store.db.query("select run_id from portal_observations where agency_id = ?",
                                                [agency_id])}


def crawl_results(store: Store, agency_id: str, criteria: list[Criterion],
                  cache: dict[str, dict[str, CriterionResult]] | None = None,
                  ) -> tuple[dict[str, Any] | None, dict[str, CriterionResult]]:
    """What kiemtra's newest crawl of the portal says of each criterion, as the crawl judged it.

    A person's score may have replaced the crawl's in `portal_scores`; the crawl's judgement is kept by
    run in `portal_crawl_results` (0016). A crawl whose judgement was not kept there (before 0016, a
    person had already replaced it) is judged again from the observation it kept (checks are pure).
    An observation is content-addressed, so `cache` (keyed by its SHA-256) may keep that judgement
    between calls made with the same criteria.
    """
    row = latest_observation(store, agency_id)
    if row is None:
        return None, {}
    kept = {r["criterion_id"]: CriterionResult(r["criterion_id"], _kept_result(r)) for r in store.db.query(
        "select criterion_id, outcome, score, max_points, reasons from portal_crawl_results where run_id = ?",
        [row["run_id"]])}
    if kept and all(c.id in kept for c in criteria if c.points):
        return row, kept
    sha256 = row["observation_sha256"]
    if cache is not None and sha256 in cache:
        return row, cache[sha256]
    path = store.artifact_path(sha256)
    if path is None or not path.is_file():
        return row, {}
    observation = PortalObservation.from_dict(json.loads(path.read_text(encoding="utf-8")))
    judged = {item.criterion_id: item for item in evaluate(observation, criteria)}
    if cache is not None:
        cache[sha256] = judged
    return row, judged


def _kept_result(row: dict[str, Any]) -> Result:
    reasons = tuple(Reason(text=str(r.get("text", "")), step=r.get("step"), url=r.get("url"),
                           evidence=r.get("evidence") or {})
                    for r in json.loads(row["reasons"] or "[]") if isinstance(r, dict))
    points = row["score"] if row["score"] is not None else 0.0
    return Result(row["outcome"], reasons, points, "", row["max_points"] or 0.0)
