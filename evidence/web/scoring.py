"""Category 3 in the workspace (R1, R2): inspectors A and B score each portal criterion in the browser, and
the appraiser settles the pairs that differ and spot-checks the rest.

- "Chấm điểm tiêu chí" (`/co-quan/<id>/cham-diem`): per criterion, what kiemtra's newest crawl judged
  (re-read from its kept observation, with a link to the run), the A and B scores with note, who and
  when, the review state, and for an inspector a form to enter their score as A or B. A person claims a
  role by choosing it in the form; the server refuses the claim when it would make one person both A
  and B of the criterion, or when another person already holds that role (`portal.claim_problem`).
- "Thẩm định điểm" (`/tham-dinh-diem`): for a group or one agency, first the pairs whose difference
  exceeds the threshold (R2, `review.threshold`), then the spot-check sample of the agreeing rest
  (drawn from the agency's stored seed, `review.sample_fraction` of them, at least one), then the other
  criteria; an appraiser overrides any of them with a score and a required reason.

The review state is `evidence.portal.statuses`, the one `kiemtra review status` and `kiemtra score`
read; the writes are `portal.write_score` / `portal.write_appraisal`, the ones the CLI and the XLSX
import use, each with its `audit.record` row in the same transaction. Agency users have no access.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from checks.portal import Criterion, CriterionResult
from checks.review import Status
from configuration.loader import AgencyConfig, Config
from evidence import audit
from evidence import portal as portal_store
from evidence.web.auth import current_user, remote_addr, requires, shown_runs, writable_store
from kiemtra.errors import ConfigError

blueprint = Blueprint("scoring", __name__)

READERS = ("inspector", "appraiser", "viewer")
MAX_TEXT = 2000          # a note or a reason longer than this is refused, not cut
SUBJECT = "portal_criterion"
GROUPS = ("bo", "cqtcp", "tinh")
CRAWL_WORDS = {"pass": "đạt", "fail": "không đạt", "needs_review": "cần người chấm", "not_applicable": "không áp dụng",
               "could_not_verify": "chưa kiểm tra được"}
SOURCE_WORDS = {"crawl": "kiemtra thu thập", "browser": "chấm trên trình duyệt"}


@dataclass(frozen=True)
class Line:
    """One criterion of one agency as the scoring pages show it."""

    agency: AgencyConfig
    criterion: Criterion
    status: Status
    crawl: CriterionResult | None
    a: dict[str, Any] | None
    b: dict[str, Any] | None
    appraisal: dict[str, Any] | None

    @property
    def gap(self) -> float:
        """|A − B| as a share of the criterion's points (0 until both scored)."""
        s = self.status.scores
        return 0.0 if s.a is None or s.b is None or not s.max_points else abs(s.a - s.b) / s.max_points


def config() -> Config:
    """The config `kiemtra serve` loaded and handed the app (configuration/ alone reads the folder)."""
    loaded = current_app.extensions.get("kiemtra_config")
    if loaded is None:
        raise RuntimeError("the app has no config: `kiemtra serve` sets app.extensions['kiemtra_config']")
    return loaded


def _agency(cfg: Config, agency_id: str) -> AgencyConfig:
    try:
        return cfg.agency(agency_id)
    except ConfigError:
        abort(404)


def _criterion(cfg: Config, agency: AgencyConfig, criterion_id: str) -> Criterion:
    spec = next((c for c in cfg.criteria if c.id == criterion_id and agency.group in c.points), None)
    return spec or abort(404)


def _ensure_seeds(cfg: Config, agencies: list[AgencyConfig]) -> None:
    """Draw the spot-check seed of agencies that have none yet (kept, logged), so reads stay read-only."""
    have = {r["agency_id"] for r in g.store.db.query("select agency_id from review_seeds")}
    missing = [a for a in agencies if a.id not in have]
    if not missing:
        return
    user = current_user()
    with writable_store() as store:
        for agency in missing:
            portal_store.review_seed(store, agency.id, threshold=cfg.settings.review.threshold,
                                     fraction=cfg.settings.review.sample_fraction,
                                     who=user.name if user else "kiemtra")


def _lines(cfg: Config, agencies: list[AgencyConfig], *, judge: bool = True,
           ) -> tuple[list[Line], dict[str, dict[str, Any] | None]]:
    """Every applicable criterion of the agencies, and each agency's newest crawl (run row or None); with
    `judge`, the crawl's judgement of each criterion re-read from its observation (cached by its hash)."""
    _ensure_seeds(cfg, agencies)
    by_id = {c.id: c for c in cfg.criteria}
    lines: list[Line] = []
    crawls: dict[str, dict[str, Any] | None] = {}
    for agency in agencies:
        stored = {r["criterion_id"] + "/" + r["role"]: r for r in portal_store.scores(g.store, agency.id)}
        appraised = portal_store.appraisals(g.store, agency.id)
        if judge:
            crawl_row, judged = portal_store.crawl_results(
                g.store, agency.id, list(cfg.criteria), current_app.extensions.setdefault("kiemtra_crawl_judged", {}))
        else:
            crawl_row, judged = portal_store.latest_observation(g.store, agency.id), {}
        crawls[agency.id] = crawl_row
        for status in portal_store.statuses(g.store, cfg, agency.id):
            cid = status.scores.criterion_id
            lines.append(Line(agency, by_id[cid], status, judged.get(cid), stored.get(f"{cid}/A"),
                              stored.get(f"{cid}/B"), appraised.get((agency.id, cid))))
    return lines, crawls


def _number(text: str, max_points: float) -> tuple[float | None, str | None]:
    raw = text.strip().replace(",", ".")
    if not raw:
        return None, "cần ghi điểm"
    try:
        value = float(raw)
    except ValueError:
        return None, f"điểm '{text.strip()[:20]}' không phải số; ghi ví dụ 3 hoặc 2,5"
    if not math.isfinite(value) or not 0 <= value <= max_points:
        return None, f"điểm phải từ 0 đến {max_points:g}"
    return value, None


def _shown_runs(agency_id: str) -> tuple[list[str], str | None]:
    """The run ids the page showed (hidden field `runs`); each must be a portal crawl of this agency."""
    shown = shown_runs(portal_store.observation_runs(g.store, agency_id).__contains__)
    if shown is None:
        return [], "lượt thu thập gửi kèm không thuộc cổng của cơ quan này; tải lại trang"
    return shown, None


def _text(name: str, *, required: str | None = None) -> tuple[str, str | None]:
    value = request.form.get(name, "").strip()
    if required and not value:
        return value, required
    if len(value) > MAX_TEXT:
        return value, f"nội dung dài quá {MAX_TEXT} ký tự; viết gọn lại"
    return value, None


def _score_view(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"score": row["score"], "inspector": row["inspector"], "note": portal_store.note_of(row),
            "source": row["source"], "at": row["updated_at"]}


def _sheet(agency: AgencyConfig, *, error: str | None = None, error_at: str = "", status: int = 200) -> Any:
    cfg = config()
    lines, crawls = _lines(cfg, [agency])
    return render_template("scoring_sheet.html", agency=agency, lines=lines, crawl=crawls.get(agency.id),
                           error=error, error_at=error_at, **_common(cfg)), status


def _common(cfg: Config) -> dict[str, Any]:
    return {"user": current_user(), "review": cfg.settings.review, "shown": _shown, "words": CRAWL_WORDS,
            "sources": SOURCE_WORDS, "note_of": portal_store.note_of}


@blueprint.get("/cham-diem")
@requires(*READERS)
def index() -> Any:
    """Every agency with how far its category-3 review has come: scores missing, pairs sent back, final."""
    cfg = config()
    group = request.args.get("nhom", "")
    if group and group not in GROUPS:
        abort(400)
    agencies = [a for a in cfg.agencies if not group or a.group == group]
    lines, crawls = _lines(cfg, agencies, judge=False)   # counts only: no crawl judgement needed
    counts = {a.id: {"total": 0, "missing_a": 0, "missing_b": 0, "rescore": 0, "final": 0, "points": 0.0}
              for a in agencies}
    for x in lines:
        c = counts[x.agency.id]
        c["total"] += 1
        c["missing_a"] += "A" in x.status.missing
        c["missing_b"] += "B" in x.status.missing
        c["rescore"] += x.status.rescore and x.status.final is None
        c["final"] += x.status.final is not None
        c["points"] += x.status.final or 0.0
    return render_template("scoring_index.html", agencies=agencies, counts=counts, crawls=crawls, group=group,
                           groups=GROUPS, **_common(cfg))


@blueprint.get("/co-quan/<agency_id>/cham-diem")
@requires(*READERS)
def sheet(agency_id: str) -> Any:
    """Chấm điểm tiêu chí: one agency's category-3 criteria with the crawl's result, A, B and the forms."""
    return _sheet(_agency(config(), agency_id))


@blueprint.post("/co-quan/<agency_id>/cham-diem/<criterion_id>")
@requires("inspector")
def score(agency_id: str, criterion_id: str) -> Any:
    """An inspector enters (or changes) their score as A or B, with a note; audited with the runs shown."""
    cfg = config()
    agency = _agency(cfg, agency_id)
    spec = _criterion(cfg, agency, criterion_id)
    user = current_user()
    assert user is not None  # requires() let only a signed-in inspector through
    role = request.form.get("role", "")
    value, problem = _number(request.form.get("score", ""), spec.points[agency.group])
    note, note_problem = _text("note")
    shown, runs_problem = _shown_runs(agency_id)
    problem = problem or note_problem or runs_problem
    if problem is None:
        with writable_store() as store, store.write_lock() as conn:
            problem = portal_store.claim_problem(conn, agency_id=agency_id, criterion_id=criterion_id, role=role,
                                                 person=user.name)
            old = portal_store.score_row(conn, agency_id, criterion_id, role) if problem is None else None
            unchanged = (old is not None and old["score"] == value and old["inspector"] == user.name
                         and old["source"] == portal_store.SCORED_BY_PERSON and portal_store.note_of(old) == note)
            if problem is None and not unchanged:
                portal_store.write_score(conn, old, agency_id=agency_id, criterion_id=criterion_id, role=role,
                                         inspector=user.name, score=value, max_points=spec.points[agency.group],
                                         outcome="scored", reasons=[{"text": note}] if note else [],
                                         source=portal_store.SCORED_BY_PERSON, run_id=shown[0] if shown else None,
                                         why=note or f"chấm trên trình duyệt (người kiểm tra {role})")
                audit.record(store, conn, user=user, action=f"portal_score:{role}", subject_kind=SUBJECT,
                             subject_id=f"{agency_id}/{criterion_id}", agency_id=agency_id, old=_score_view(old),
                             new={"score": value, "inspector": user.name, "note": note, "role": role},
                             evidence={"runs": shown}, remote_addr=remote_addr())
    if problem is not None:
        return _sheet(agency, error=problem, error_at=criterion_id, status=400)
    return redirect(url_for(".sheet", agency_id=agency_id) + f"#{criterion_id}", 303)


def _appraisal_lines(cfg: Config, agencies: list[AgencyConfig]) -> tuple[list[Line], list[Line], list[Line],
                                                                          dict[str, dict[str, Any] | None]]:
    lines, crawls = _lines(cfg, agencies)
    rescore = sorted((x for x in lines if x.status.rescore),
                     key=lambda x: (x.appraisal is not None, -x.gap, x.agency.id, x.criterion.id))
    spot = [x for x in lines if x.status.spot_check]
    rest = [x for x in lines if not x.status.rescore and not x.status.spot_check]
    return rescore, spot, rest, crawls


def _scope() -> tuple[str, str, list[AgencyConfig]]:
    cfg = config()
    group, agency_id = request.args.get("nhom", ""), request.args.get("co-quan", "")
    if group and group not in GROUPS:
        abort(400)
    if agency_id:
        return group, agency_id, [_agency(cfg, agency_id)]
    return group, "", [a for a in cfg.agencies if not group or a.group == group]


def _appraisal_page(*, error: str | None = None, error_at: str = "", status: int = 200) -> Any:
    cfg = config()
    group, agency_id, agencies = _scope()
    rescore, spot, rest, crawls = _appraisal_lines(cfg, agencies)
    return render_template("scoring_appraisal.html", rescore=rescore, spot=spot, rest=rest, crawls=crawls,
                           group=group, agency_id=agency_id, agencies=cfg.agencies, error=error, error_at=error_at,
                           groups=GROUPS, scope_args=_scope_args(), **_common(cfg)), status


def _scope_args() -> dict[str, Any]:
    """The page's own scope (group, agency) as query arguments, for its forms and the redirect after them;
    only values the app itself writes (a known group, a configured agency) are handed on."""
    known = {"nhom": set(GROUPS), "co-quan": {a.id for a in config().agencies}}
    return {k: request.args[k] for k in known if request.args.get(k, "") in known[k]}


@blueprint.get("/tham-dinh-diem")
@requires(*READERS)
def appraisal() -> Any:
    """Thẩm định điểm: the pairs over the threshold first, then the spot-check sample, then the rest."""
    return _appraisal_page()


@blueprint.post("/co-quan/<agency_id>/tham-dinh/<criterion_id>")
@requires("appraiser")
def appraise(agency_id: str, criterion_id: str) -> Any:
    """The appraiser's score replaces the mean (R2), `-` withdraws it; a reason is required; audited with what
    was on screen (the crawl run shown, and the A and B scores the form was drawn with: changed since, refused)."""
    cfg = config()
    agency = _agency(cfg, agency_id)
    spec = _criterion(cfg, agency, criterion_id)
    user = current_user()
    assert user is not None
    raw = request.form.get("score", "")
    withdraw = raw.strip() == "-"    # as `kiemtra review appraise ... -`: the mean (or the re-check) stands again
    value, problem = (None, None) if withdraw else _number(raw, spec.points[agency.group])
    reason, reason_problem = _text("reason", required="cần ghi lý do thẩm định (được lưu trong nhật ký)")
    shown, runs_problem = _shown_runs(agency_id)
    problem = problem or reason_problem or runs_problem
    seen = {"A": request.form.get("shown_a", ""), "B": request.form.get("shown_b", "")}
    if problem is None:
        with writable_store() as store, store.write_lock() as conn:
            now = {role: portal_store.score_row(conn, agency_id, criterion_id, role) for role in ("A", "B")}
            if any(_shown(now[role]) != seen[role] for role in ("A", "B")):
                problem = "điểm A hoặc B đã thay đổi từ lúc bạn mở trang; xem lại rồi thẩm định"
            else:
                old = portal_store.write_appraisal(conn, agency_id=agency_id, criterion_id=criterion_id,
                                                   appraiser=user.name, score=value, reason=reason)
                audit.record(store, conn, user=user, action="portal_appraisal", subject_kind=SUBJECT,
                             subject_id=f"{agency_id}/{criterion_id}", agency_id=agency_id,
                             old=None if old is None else {"score": old["score"], "appraiser": old["appraiser"],
                                                           "reason": old["reason"]},
                             new={"score": value, "appraiser": user.name, "reason": reason},
                             evidence={"runs": shown, "scores_shown": {k: _score_view(v) for k, v in now.items()}},
                             remote_addr=remote_addr())
    if problem is not None:
        return _appraisal_page(error=problem, error_at=f"{agency_id}/{criterion_id}", status=400)
    return redirect(url_for(".appraisal", **_scope_args()) + f"#{agency_id}/{criterion_id}", 303)


def _shown(row: dict[str, Any] | None) -> str:
    """How a score is written into the appraisal form's hidden fields: who and what, '' when none."""
    return "" if row is None or row["score"] is None else f"{row['inspector']}:{row['score']:g}"
