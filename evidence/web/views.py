"""Pages an inspector would rather look at than read: an agency's services by recognition state, a run's
timeline, two runs of a service side by side, a group's ranking as a chart, and the final report.

Every page is a GET over the read-only store except issuing the report (a POST, CSRF-checked by
`evidence/web/auth.py` like every POST, audited). An `agency` user sees only its own agency
(`agency_scope()`): another agency's run, service or board is a 404, as if it did not exist; the
ranking and the report are not theirs to read (403) while their figures are still being confirmed.
Charts are SVG drawn by the server (the CSP allows no script and no inline style); every figure is
also written as text. The report is written by `office/reports` through the function the server is
given (`REPORT_WRITER` in the app's config, set by `kiemtra serve`): `evidence/` never imports `office/`.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, send_from_directory, url_for
from werkzeug.wrappers import Response

from checks.recognition import STATUSES, WORDS, Recognition
from evidence import agencies, audit, recognition
from evidence.clock import utc_now
from evidence.store import Store
from evidence.web import queries
from evidence.web.auth import FORBIDDEN, agency_scope, current_user, requires, writable_store
from kiemtra.errors import KiemtraError

bp = Blueprint("views", __name__)

READERS = ("inspector", "appraiser", "viewer", "agency")
STAFF = ("inspector", "appraiser", "viewer")       # the department's own people: rankings and reports
ISSUERS = ("inspector", "appraiser")              # issuing a report scores again and writes files
CATEGORY_WORDS = {"total": "Tổng điểm", "c1": "Hạng mục 1 — Hạ tầng CNTT", "c2": "Hạng mục 2 — Ứng dụng CNTT trong cơ quan",
                  "c3": "Hạng mục 3 — Cổng/Trang thông tin điện tử", "c4": "Hạng mục 4 — Dịch vụ công trực tuyến",
                  "c5": "Hạng mục 5 — Cơ chế, chính sách", "c6": "Hạng mục 6 — Nguồn nhân lực"}
YEAR = re.compile(r"[0-9]{4}")
ISSUE = re.compile(r"[0-9]{4}-[0-9]{8}T[0-9]{6}Z")
RUN_ID = re.compile(r"[0-9A-Za-z_.-]{1,80}")
F = TypeVar("F", bound=Callable[..., Any])
ReportWriter = Callable[[Store, int, Path, str], list[Path]]   # (store, year, folder, evidence_url) → files written


def readable_by(*roles: str) -> Callable[[F], F]:
    """A page that reads: a signed-in user needs one of `roles` (else 403); with no user, the app's guard has
    already decided the visitor may read (no users yet on loopback, or the read-only token of a public link)."""
    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is not None and user.role not in roles:
                return render_template("error.html", message=FORBIDDEN), 403
            return view(*args, **kwargs)
        return guarded  # type: ignore[return-value]
    return decorate


def _visible(agency_id: str | None) -> None:
    """404 unless the signed-in person may read this agency's evidence."""
    scope = agency_scope()
    if scope is not None and agency_id != scope:
        abort(404)


# ---- an agency's services by recognition state ----------------------------------------------------------------------

@dataclass(frozen=True)
class StateGroup:
    status: str
    word: str
    services: list[dict[str, Any]]   # service row + its Recognition under "recognition"


def by_state(services: Sequence[dict[str, Any]], decided: dict[str, Recognition]) -> list[StateGroup]:
    """The services grouped by recognition state, in the order `checks/recognition.py` decides them."""
    groups = {status: StateGroup(status, WORDS[status], []) for status in STATUSES}
    for row in services:
        found = decided.get(row["id"])
        if found is not None:
            groups[found.status].services.append({**row, "recognition": found})
    return list(groups.values())


@bp.get("/co-quan/<agency_id>/cong-nhan")
@readable_by(*READERS)
def board(agency_id: str) -> str:
    _visible(agency_id)
    row = agencies.agency(g.store, agency_id) or abort(404)
    groups = by_state(queries.declared_services(g.store, agency_id), recognition.recognitions(g.store, agency_id))
    return render_template("views_board.html", agency=row, groups=groups,
                           total=sum(len(group.services) for group in groups))


# ---- a run's timeline ---------------------------------------------------------------------------------------------

DETAIL_REASONS = ("blocked_reason", "reason", "error", "error_kind", "blocker", "progress", "notices_closed", "screenshot_error",
                  "html_error")


def _instant(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass(frozen=True)
class Moment:
    step: dict[str, Any]
    offset_s: float | None           # from the run's start (or its first step's, if earlier)
    duration_s: float | None
    reasons: list[str]               # the verdict's reasons that cite this step
    notes: list[tuple[str, str]]     # what the step itself recorded about why


def timeline(page: dict[str, Any]) -> list[Moment]:
    """Each step of a run in order, with when it started (seconds from the run's start, or from its first step
    if that was recorded earlier), how long it took, and why."""
    instants = [_instant(page["run"].get("started_at")), *(_instant(s.get("started_at")) for s in page["steps"])]
    start = min((i for i in instants if i is not None), default=None)
    cited: dict[int, list[str]] = {}
    for reason in page["reasons"]:
        step = reason.get("step") if isinstance(reason, dict) else None
        if isinstance(step, int) or (isinstance(step, str) and step.isdecimal() and len(step) < 7):
            cited.setdefault(int(step), []).append(str(reason.get("text", "")))
    out = []
    for step in page["steps"]:
        began, ended = _instant(step.get("started_at")), _instant(step.get("finished_at"))
        detail = step.get("detail") or {}
        notes = [(key, str(detail[key])) for key in DETAIL_REASONS if detail.get(key) not in (None, "", [], {})]
        out.append(Moment(step, (began - start).total_seconds() if began and start else None,
                          (ended - began).total_seconds() if began and ended else None,
                          cited.get(int(step["seq"]), []), notes))
    return out


@dataclass(frozen=True)
class Span:
    """One step drawn on the run's time axis (SVG units; the axis is 0–`WIDTH`)."""

    x: float
    width: float


AXIS_WIDTH = 600.0


def spans(moments: Sequence[Moment]) -> list[Span | None]:
    """Where each step sits on one axis from the run's start to its last step's end."""
    ends = [m.offset_s + (m.duration_s or 0) for m in moments if m.offset_s is not None]
    length = max([*ends, 0.001])
    return [None if m.offset_s is None else
            Span(round(AXIS_WIDTH * m.offset_s / length, 1), max(2.0, round(AXIS_WIDTH * (m.duration_s or 0) / length, 1)))
            for m in moments]


@bp.get("/luot/<run_id>/dong-thoi-gian")
@readable_by(*READERS)
def run_timeline(run_id: str) -> str:
    page = queries.run_page(g.store, run_id) or abort(404)
    _visible(page["run"]["agency_id"])
    moments = timeline(page)
    return render_template("views_timeline.html", moments=list(zip(moments, spans(moments), strict=True)),
                           axis_width=AXIS_WIDTH, **page)


# ---- two runs of one service side by side ------------------------------------------------------------------------

def step_key(steps: Sequence[dict[str, Any]]) -> list[tuple[str, int]]:
    """(name, occurrence) of each step: the second `open` of a run lines up with the other run's second `open`."""
    seen: dict[str, int] = {}
    keys = []
    for step in steps:
        seen[step["name"]] = seen.get(step["name"], 0) + 1
        keys.append((step["name"], seen[step["name"]]))
    return keys


def align(left: Sequence[dict[str, Any]], right: Sequence[dict[str, Any]]
          ) -> list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]]:
    """Rows of (step name, left step, right step) aligned by step name; a step only one run took has None opposite.

    Rows follow the left run's order; steps only the right run took come just before the right run's next
    step that both took (or at the end)."""
    left_keys, right_keys = step_key(left), step_key(right)
    order, shared = list(left_keys), set(left_keys)
    waiting: list[tuple[str, int]] = []
    for key in right_keys:
        if key in shared:
            at = order.index(key)
            order[at:at] = waiting
            waiting = []
        else:
            waiting.append(key)
    order += waiting
    by_left, by_right = dict(zip(left_keys, left, strict=True)), dict(zip(right_keys, right, strict=True))
    return [(key[0], by_left.get(key), by_right.get(key)) for key in order]


def default_pair(runs: Sequence[dict[str, Any]], dispute: dict[str, Any] | None) -> tuple[str | None, str | None]:
    """The run before and the run after the newest dispute (the disputed run if it names one, and the re-check
    that answered it); without a dispute, or without a run on each side, the two newest runs."""
    if dispute is not None:
        before = [r for r in runs if r["started_at"] < dispute["opened_at"]]
        after = [r for r in runs if r["started_at"] >= dispute["opened_at"]]
        named = next((r for r in before if r["id"] == dispute.get("run_id")), None)
        if before and after:
            return (named or before[-1])["id"], after[0]["id"]
    if len(runs) >= 2:
        return runs[-2]["id"], runs[-1]["id"]
    return (runs[-1]["id"], None) if runs else (None, None)


@bp.get("/dich-vu/<service_id>/so-sanh")
@readable_by(*READERS)
def compare(service_id: str) -> str:
    service = agencies.service(g.store, service_id) or abort(404)
    _visible(service["agency_id"])
    runs = queries.finished_runs(g.store, service_id)
    known = {r["id"] for r in runs}
    dispute = queries.newest_dispute(g.store, service_id)
    left_id, right_id = default_pair(runs, dispute)
    for name in ("truoc", "sau"):
        chosen = request.args.get(name, "")
        if chosen and (not RUN_ID.fullmatch(chosen) or chosen not in known):
            abort(400)
    left_id, right_id = request.args.get("truoc") or left_id, request.args.get("sau") or right_id
    left = queries.run_page(g.store, left_id) if left_id else None
    right = queries.run_page(g.store, right_id) if right_id else None
    rows = align(left["steps"] if left else [], right["steps"] if right else [])
    return render_template("views_compare.html", service=service, runs=runs, dispute=dispute,
                           left=left, right=right, rows=rows)


# ---- a group's ranking as a chart --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bar:
    row: dict[str, Any]
    x: float
    y: float
    height: float


PLOT_HEIGHT, BAR_WIDTH, BAR_GAP, TOP = 200.0, 44.0, 16.0, 24.0


def bars(rows: Sequence[dict[str, Any]]) -> list[Bar]:
    """Vertical bars in rank order, each as tall as its index (points ÷ maximum) of the plot's height."""
    out = []
    for i, row in enumerate(r for r in rows if not r["exempt"]):
        height = round(PLOT_HEIGHT * max(0.0, min(1.0, float(row["idx"] or 0))), 2)
        out.append(Bar(row, 40 + i * (BAR_WIDTH + BAR_GAP), TOP + PLOT_HEIGHT - height, height))
    return out


def _year(default: list[int]) -> int:
    value = request.args.get("nam", "")
    if not value:
        return default[0] if default else datetime.now().year - 1
    if not YEAR.fullmatch(value):
        abort(400)
    return int(value)


@bp.get("/xep-hang")
@readable_by(*STAFF)
def rankings() -> Response:
    years = queries.score_years(g.store)
    target = url_for("views.ranking", group=queries.GROUPS[0], nam=years[0]) if years else \
        url_for("views.ranking", group=queries.GROUPS[0])
    return redirect(target)


@bp.get("/xep-hang/<group>")
@readable_by(*STAFF)
def ranking(group: str) -> str:
    if group not in queries.GROUPS:
        abort(404)
    years = queries.score_years(g.store)
    year = _year(years)
    categories = queries.score_categories(g.store, year)
    category = request.args.get("hang-muc", "total")
    if category not in (*categories, "total"):
        abort(400)
    rows = queries.ranking(g.store, year, group, category)
    drawn = bars(rows)
    width = 40 + max(1, len(drawn)) * (BAR_WIDTH + BAR_GAP)
    return render_template("views_ranking.html", group=group, year=year, years=years, category=category,
                           categories=categories, rows=rows, bars=drawn, width=width, plot_height=PLOT_HEIGHT,
                           top=TOP, bar_width=BAR_WIDTH, CATEGORY_WORDS=CATEGORY_WORDS)


# ---- the final report ---------------------------------------------------------------------------------------------

def _reports_root() -> Path:
    return Path(current_app.config["DATA_DIR"]) / "bao-cao"


def issued_reports(root: Path) -> list[dict[str, Any]]:
    """The reports issued from the browser, newest first, each with its files (relative paths)."""
    if not root.is_dir():
        return []
    out = []
    for folder in sorted((p for p in root.iterdir() if p.is_dir() and ISSUE.fullmatch(p.name)), reverse=True):
        files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        out.append({"issue": folder.name, "year": int(folder.name[:4]), "files": files})
    return out


@bp.get("/bao-cao")
@readable_by(*STAFF)
def reports() -> str:
    years = queries.score_years(g.store)
    writer = current_app.config.get("REPORT_WRITER")
    user = current_user()
    return render_template("views_reports.html", issued=issued_reports(_reports_root()), years=years,
                           default_year=years[0] if years else datetime.now().year - 1, can_issue=(
                               writer is not None and user is not None and user.role in ISSUERS))


@bp.post("/bao-cao")
@requires(*ISSUERS)
def issue_report() -> Response:
    writer: ReportWriter | None = current_app.config.get("REPORT_WRITER")
    if writer is None:
        abort(404)
    value = request.form.get("nam", "")
    if not YEAR.fullmatch(value):
        abort(400)
    year = int(value)
    stamp = utc_now().replace("-", "").replace(":", "")[:15] + "Z"   # 20260102T030405Z
    issue = f"{year}-{stamp}"
    folder = _reports_root() / issue
    if folder.exists():   # issued this very second: an issued report is never written over
        return Response("Báo cáo vừa được phát hành trong giây này; hãy thử lại.", 409)
    user = current_user()
    assert user is not None   # requires() let only a signed-in issuer through
    _reports_root().mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=_reports_root(), prefix=".dang-viet-") as spool:
        try:
            with writable_store() as store:
                written = writer(store, year, Path(spool), request.host_url.rstrip("/"))
                hashes = {p.relative_to(spool).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in written}
                with store.write_lock() as conn:   # the audit row and the folder's appearance stand or fall together
                    audit.record(store, conn, user=user, action="report.issue", subject_kind="report",
                                 subject_id=issue, agency_id=None, old=None, new={"year": year, "files": hashes},
                                 evidence={"scores_year": year}, remote_addr=request.remote_addr)
                    Path(spool).rename(folder)   # whole or not at all: a half-written report is never listed
                Path(spool).mkdir()              # for TemporaryDirectory's own clean-up
        except KiemtraError as exc:
            return Response(render_template("error.html", message=f"Không viết được báo cáo: {exc}"), 422)
    return redirect(url_for("views.reports", _anchor=f"bao-cao-{issue}"), code=303)


@bp.get("/bao-cao/<issue>/<path:name>")
@readable_by(*STAFF)
def report_file(issue: str, name: str) -> Response:
    if not ISSUE.fullmatch(issue):
        abort(404)
    found = next((r for r in issued_reports(_reports_root()) if r["issue"] == issue), None)
    if found is None or name not in found["files"]:
        abort(404)
    return send_from_directory(_reports_root() / issue, name, as_attachment=True)
