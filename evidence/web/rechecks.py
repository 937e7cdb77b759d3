"""Re-check requests in the workspace (issue 18): "Yêu cầu kiểm tra lại" on a service and on a portal
criterion, the request's state where it was asked and on its own list page, and its cancellation.

Asking and cancelling are POSTs of an inspector or the appraiser (`requires`), CSRF-checked by the guard
of `evidence/web/auth.py`, and each writes its audit row in the request's own transaction
(`evidence.recheck_requests.AuditHook`), with the runs the page showed: posted as a hidden field and
checked here to be runs of the subject. The crawl takes the request (`crawler.nightly.runner.
requests_between_jobs`: a running crawl between two jobs, else the next one); a criterion is answered
by the next `kiemtra portal check`. Pages read the state from the store on every load.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from evidence import agencies, audit, recheck_requests, runs
from evidence.clock import utc_clock
from evidence.recheck_requests import RequestState
from evidence.store import Store
from evidence.web.auth import agency_scope, current_user, remote_addr, requires, shown_runs, writable_store

blueprint = Blueprint("rechecks", __name__)

REQUESTERS = ("inspector", "appraiser")
MAX_REASON = 2000
MAX_SHOWN = 50
CRITERION_ID = re.compile(r"[A-Za-z0-9._-]{1,40}")
RUN_ID = re.compile(r"[A-Za-z0-9._:-]{1,80}")
STATE_WORDS = {"waiting": "đang chờ", "queued": "đang chờ", "running": "đang chạy", "done": "đã xong",
               "cancelled": "đã hủy", "failed": "lỗi: không chạy được"}
KIND_WORDS = {"service": "dịch vụ", "criterion": "tiêu chí"}
NO_REASON = "Cần ghi lý do yêu cầu kiểm tra lại (tối đa 2000 ký tự)."
NOT_SHOWN = "Lượt bằng chứng gửi kèm không thuộc đối tượng này; tải lại trang rồi gửi lại."


def _error(message: str, status: int) -> tuple[str, int]:
    return render_template("error.html", message=message), status


def _reason() -> str | None:
    text = request.form.get("reason", "").strip()
    return text if text and len(text) <= MAX_REASON else None


def _shown_runs(store: Store, belongs: Any) -> list[str] | None:
    """The run ids the page showed, each a stored run for which `belongs(run)`; None when one is not."""
    def stored_and_belongs(run_id: str) -> bool:
        return bool(RUN_ID.fullmatch(run_id)) and runs.exists(store, run_id) and bool(belongs(runs.get(store, run_id)))

    return shown_runs(stored_and_belongs, most=MAX_SHOWN)


def _criterion_known(store: Store, criterion_id: str) -> bool:
    """A criterion some portal check or inspector scored (the store knows criteria by their scores)."""
    return CRITERION_ID.fullmatch(criterion_id) is not None and next(
        store.db.query("select 1 from portal_scores where criterion_id = ? limit 1", [criterion_id]), None) is not None


def _back(kind: str, target_id: str, agency_id: str) -> str:
    if request.form.get("back") == "list":
        return url_for("rechecks.list_page")
    if kind == "service":
        return url_for("service", service_id=target_id) + "#kiem-tra-lai"
    return url_for("rechecks.criterion_page", agency_id=agency_id, ma=target_id.partition("/")[2])


def _ask(kind: str, target_id: str, agency_id: str, shown: list[str]) -> Response | tuple[str, int]:
    reason = _reason()
    if reason is None:
        return _error(NO_REASON, 400)
    user = current_user()
    assert user is not None   # `requires` let only a signed-in person through
    with writable_store() as store:
        def write_audit(conn: Any, request_id: int, old: dict[str, Any] | None) -> None:
            audit.record(store, conn, user=user, action="recheck.request", subject_kind=kind, subject_id=target_id,
                         agency_id=agency_id, old=old,
                         new={"request_id": request_id, "status": "pending", "reason": reason},
                         evidence={"runs": shown}, remote_addr=remote_addr())

        recheck_requests.ask_recheck(store, kind=kind, target_id=target_id, agency_id=agency_id, reason=reason,
                                     requested_by=user.name, requested_role=user.role, audit=write_audit)
    return redirect(_back(kind, target_id, agency_id), 303)


@blueprint.post("/kiem-tra-lai/dich-vu/<service_id>")
@requires(*REQUESTERS)
def ask_service(service_id: str) -> Response | tuple[str, int]:
    """Ask for a re-run of one service, with a reason and the runs its page showed."""
    service = agencies.service(g.store, service_id) or abort(404)
    shown = _shown_runs(g.store, lambda run: run["target_id"] == service_id)
    if shown is None:
        return _error(NOT_SHOWN, 400)
    return _ask("service", service_id, service["agency_id"], shown)


@blueprint.post("/kiem-tra-lai/tieu-chi/<agency_id>/<criterion_id>")
@requires(*REQUESTERS)
def ask_criterion(agency_id: str, criterion_id: str) -> Response | tuple[str, int]:
    """Ask for a portal criterion to be checked again, with a reason and the portal runs its page showed."""
    if agencies.agency(g.store, agency_id) is None or not _criterion_known(g.store, criterion_id):
        abort(404)
    shown = _shown_runs(g.store, lambda run: run["kind"] == "portal" and run["agency_id"] == agency_id)
    if shown is None:
        return _error(NOT_SHOWN, 400)
    return _ask("criterion", f"{agency_id}/{criterion_id}", agency_id, shown)


@blueprint.post("/kiem-tra-lai/<int:request_id>/huy")
@requires(*REQUESTERS)
def cancel(request_id: int) -> Response | tuple[str, int]:
    """Withdraw a request still waiting, with a reason; a request already closed stays as it is."""
    row = recheck_requests.get(g.store, request_id) or abort(404)
    note = _reason()
    if note is None:
        return _error("Cần ghi lý do hủy yêu cầu (tối đa 2000 ký tự).", 400)
    user = current_user()
    assert user is not None
    with writable_store() as store:
        def write_audit(conn: Any, _: int, old: dict[str, Any] | None) -> None:
            audit.record(store, conn, user=user, action="recheck.cancel", subject_kind=row["kind"],
                         subject_id=row["target_id"], agency_id=row["agency_id"], old=old,
                         new={"request_id": request_id, "status": "cancelled", "note": note},
                         evidence={"runs": [row["run_id"]] if row["run_id"] else []}, remote_addr=remote_addr())

        if not recheck_requests.cancel(store, request_id, by=user.name, note=note, audit=write_audit):
            return _error("Yêu cầu này không còn chờ nữa: không hủy được.", 409)
    return redirect(_back(row["kind"], row["target_id"], row["agency_id"]), 303)


def _scoped(agency_id: str | None) -> str | None:
    """The agency a list is limited to: an agency user's own, whatever was asked for."""
    scope = agency_scope()
    return scope if scope is not None else agency_id


@blueprint.get("/kiem-tra-lai")
@requires()
def list_page() -> str:
    """Every request, newest first, with what it is doing now; `?agency=ID` and `?state=` narrow it."""
    agency_id = _scoped(request.args.get("agency") or None)
    state = request.args.get("state", "")
    if state and state not in recheck_requests.STATES:
        abort(400)
    rows = [s for s in recheck_requests.states(g.store, agency_id=agency_id) if not state or s.state == state]
    return render_template("rechecks_list.html", states=rows, agency_id=agency_id or "", state=state,
                           **_context(g.store))


@blueprint.get("/kiem-tra-lai/tieu-chi/<agency_id>")
@requires()
def criterion_page(agency_id: str) -> str:
    """One criterion (`?ma=ID`) of one portal: the inspectors' scores, the button, and its requests.

    The criterion is a query argument so that every path argument of the app names an agency, a service,
    a run or a file (what the agency-scope walk of tests/test_workspace_judging.py substitutes)."""
    criterion_id = request.args.get("ma", "")
    scope = agency_scope()
    agency = agencies.agency(g.store, agency_id)
    if agency is None or (scope is not None and scope != agency_id) or not _criterion_known(g.store, criterion_id):
        abort(404)
    scores = list(g.store.db.query("select * from portal_scores where agency_id = ? and criterion_id = ?"
                                   " order by role", [agency_id, criterion_id]))
    return render_template("rechecks_criterion.html", agency=agency, criterion_id=criterion_id, scores=scores,
                           **_context(g.store))


def panel(kind: str, target_id: str) -> list[RequestState]:
    """The requests of one service or criterion, newest first, for the panel a page includes."""
    return recheck_requests.states(g.store, kind=kind, target_id=target_id, limit=20)


def _context(store: Store) -> dict[str, Any]:
    return {"crawl_running": recheck_requests.crawl_running(store, utc_clock())}


@blueprint.app_context_processor
def words() -> dict[str, Any]:
    """What every template may use to show a request: the words, the panel, who may ask."""
    user = current_user()
    return {"RECHECK_STATE_WORDS": STATE_WORDS, "RECHECK_KIND_WORDS": KIND_WORDS, "recheck_panel": panel,
            "may_ask_recheck": user is not None and user.role in REQUESTERS,
            "recheck_crawl_running": lambda: recheck_requests.crawl_running(g.store, utc_clock())}
