"""Judging by-report services (R8) in the browser, and the audit history's pages (issue 18).

"Dịch vụ chờ thẩm định" lists an agency's services whose recognition waits for an evaluator's judgement
(`checks/recognition.py`: by report, behind an identity check or an SSO the bot cannot pass), each with
the screenshots and video of the run the judgement is recorded against (`evidence.recognition.judgeable_run`,
the same run `kiemtra judge` picks). Accepting or rejecting (a reason is required to reject) is a POST by
an inspector or the appraiser: `evidence.judgements.record_judgement` (the function `kiemtra judge`
calls) and its audit row commit in one transaction, the audit row naming the run and files shown.
A CAPTCHA or an OTP is not R8: such a service is listed apart, for an assisted re-run.

"Nhật ký thao tác" shows the audit history, globally and per agency; an agency user sees their own
agency's only, and another agency's page is a 404.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from checks.recognition import ASSISTED_GATES, PENDING_JUDGEMENT
from evidence import agencies, audit, judgements, recognition, runs
from evidence.web import queries
from evidence.web.auth import agency_scope, current_user, remote_addr, requires, writable_store

blueprint = Blueprint("judging", __name__)
JUDGES = ("inspector", "appraiser")
MAX_REASON = 2000
audit.ACTION_WORDS["judge"] = "thẩm định dịch vụ theo báo cáo (R8)"


@blueprint.app_template_filter("as_json")
def as_json(value: Any) -> str:
    """An audit value as readable JSON text (Vietnamese kept; the template escapes it)."""
    return "—" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _agency(agency_id: str) -> dict[str, Any]:
    row = agencies.agency(g.store, agency_id)
    if row is None or not queries.in_scope(agency_scope(), agency_id):
        abort(404)
    return row


def shown_of(run_id: str) -> dict[str, Any]:
    """What the judging page shows of a run: its step screenshots (in order) and its video."""
    shots = [s["screenshot_sha256"] for s in runs.steps(g.store, run_id) if s.get("screenshot_sha256")]
    videos = [a["sha256"] for a in runs.artifacts(g.store, run_id) if a["role"] == "video"]
    return {"run_id": run_id, "screenshots": shots, "video": videos[0] if videos else None,
            "steps": runs.steps(g.store, run_id)}


def waiting(agency_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """An agency's services: waiting for an R8 judgement (with what to show), waiting for an assisted
    check (a CAPTCHA/OTP gate), and already judged (newest judgement), each a list of rows."""
    decided = recognition.recognitions(g.store, agency_id)
    latest = judgements.latest_judgements(g.store, agency_id)
    attempts = recognition.service_attempts(g.store, agency_id)
    pending: list[dict[str, Any]] = []
    assisted: list[dict[str, Any]] = []
    judged: list[dict[str, Any]] = []
    for service in queries.services(g.store, agency_id):
        found = decided.get(service["id"])
        shown = recognition.judgeable_run(g.store, agency_id, service["id"], attempts)
        if shown is None:
            continue
        row = {"service": service, "recognition": found, "run": shown, "judgement": latest.get(service["id"])}
        if shown["gate"] in ASSISTED_GATES:
            if found is not None and found.status == PENDING_JUDGEMENT:
                assisted.append(row)
            continue
        row.update(shown_of(shown["run_id"]))
        (pending if found is not None and found.status == PENDING_JUDGEMENT else judged).append(row)
    return pending, assisted, [r for r in judged if r["judgement"] is not None]


@blueprint.get("/tham-dinh")
@requires(*JUDGES)
def pending_all() -> str:
    """Every agency with how many of its services wait for a judgement."""
    rows = []
    for agency in queries.agencies(g.store):
        pending, assisted, judged = waiting(agency["id"])
        rows.append({"agency": agency, "pending": len(pending), "assisted": len(assisted), "judged": len(judged)})
    return render_template("judging_index.html", rows=rows)


@blueprint.get("/co-quan/<agency_id>/tham-dinh")
@requires(*JUDGES)
def pending(agency_id: str) -> str:
    """"Dịch vụ chờ thẩm định" of one agency."""
    agency = _agency(agency_id)
    waiting_rows, assisted, judged = waiting(agency_id)
    return render_template("judging_pending.html", agency=agency, pending=waiting_rows, assisted=assisted,
                           judged=judged, message=request.args.get("da", ""))


def _refuse(message: str, status: int = 400) -> tuple[str, int]:
    return render_template("error.html", message=message), status


@blueprint.post("/dich-vu/<service_id>/tham-dinh")
@requires(*JUDGES)
def judge(service_id: str) -> Response | tuple[str, int]:
    """Record an accept or reject of a by-report service, against the run the page showed, audited."""
    user = current_user()
    assert user is not None  # requires() let only a signed-in judge through
    service = agencies.service(g.store, service_id) or abort(404)
    if not queries.in_scope(agency_scope(), service["agency_id"]):
        abort(404)
    decision = request.form.get("decision", "")
    reason = " ".join(request.form.get("reason", "").split())
    shown_run = request.form.get("run_id", "")
    if decision not in ("accept", "reject"):
        return _refuse("Chọn «Chấp nhận» hoặc «Không chấp nhận».")
    if decision == "reject" and not reason:
        return _refuse("Cần ghi lý do khi không chấp nhận dịch vụ.")
    if len(reason) > MAX_REASON:
        return _refuse(f"Lý do dài quá {MAX_REASON} ký tự.")
    agency_id = service["agency_id"]
    shown = recognition.judgeable_run(g.store, agency_id, service_id)
    if shown is None:
        return _refuse("Dịch vụ này chưa có lượt kiểm tra theo báo cáo (R8) để thẩm định.")
    if shown["gate"] in ASSISTED_GATES:
        return _refuse("Dịch vụ gặp CAPTCHA/OTP: không phải R8; cần kiểm tra có người hỗ trợ.")
    if shown_run != shown["run_id"]:   # the page showed another run than the one the judgement would name
        return _refuse("Lượt kiểm tra trên trang không còn là lượt mới nhất của dịch vụ; tải lại trang rồi thẩm định.",
                       409)
    before = recognition.recognitions(g.store, agency_id).get(service_id)
    previous = judgements.latest_judgements(g.store, agency_id).get(service_id)
    on_screen = shown_of(shown["run_id"])
    accepted = decision == "accept"
    with writable_store() as store, store.write_lock() as conn:
        audit.record(store, conn, user=user, action="judge", subject_kind="service", subject_id=service_id,
                     agency_id=agency_id,
                     old={"recognition": before.status if before else None,
                          "judgement": {k: previous[k] for k in ("accepted", "reason", "inspector", "decided_at", "run_id")}
                          if previous else None},
                     new={"accepted": accepted, "reason": reason, "run_id": shown["run_id"]},
                     evidence={"runs": [shown["run_id"]],
                               "artifacts": [*on_screen["screenshots"], *([on_screen["video"]] if on_screen["video"] else [])]},
                     remote_addr=remote_addr())
        # Last in the transaction: record_judgement's own commit (sqlite3's `with conn`) commits the audit row
        # with it, and its failure rolls both back.
        judgements.record_judgement(store, service_id, agency_id, shown["run_id"], accepted=accepted,
                                    inspector=user.name, reason=reason)
    return redirect(url_for("judging.pending", agency_id=agency_id, da=service_id) + f"#dv-{service_id}")


@blueprint.get("/nhat-ky")
@requires()
def audit_all() -> str:
    """"Nhật ký thao tác": every audited action (an agency user: their agency's only)."""
    scope = agency_scope()
    rows = audit.history(g.store, agency_id=scope, limit=500)
    return render_template("judging_audit.html", rows=rows, agency=None, ACTION_WORDS=audit.ACTION_WORDS)


@blueprint.get("/co-quan/<agency_id>/nhat-ky")
@requires()
def audit_agency(agency_id: str) -> str:
    agency = _agency(agency_id)
    rows = audit.history(g.store, agency_id=agency_id, limit=500)
    return render_template("judging_audit.html", rows=rows, agency=agency, ACTION_WORDS=audit.ACTION_WORDS)
