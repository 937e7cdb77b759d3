"""The confirmation round in the workspace (R13, issue 18): agencies agree or dispute, inspectors answer.

    GET  /xac-nhan                           an agency user: its own page of the newest year; others: the list
    GET  /xac-nhan/<year>/<agency>           "Xác nhận kết quả": the items of the agency's sheet, each with
                                             its evidence links and (for that agency's user) a form
    POST /xac-nhan/<year>/<agency>           agency: "Đồng ý" / "Không đồng ý" on one item, a reason
                                             (required to disagree) and an optional attachment
    GET  /khieu-nai                          "Khiếu nại": open disputes first (item and service disputes)
    GET  /khieu-nai/<id>                     one dispute: the agency's reason and attachment, the answers,
                                             the outcome; the inspector's answer and close forms
    POST /khieu-nai/<id>/tra-loi             inspector, appraiser: an answer, which may queue re-checks
    POST /khieu-nai/<id>/dong                inspector, appraiser: close with an outcome and a note
    GET  /khieu-nai/<id>/tep-dinh-kem        the attachment, as a download (nosniff, never shown inline)

An agency user only ever reaches its own agency's items and disputes: another agency's is a 404, never
a 403 (that would confirm it exists). The answer goes through `evidence.confirmations.answer_item`,
the same call the XLSX import makes, with the audit row in its transaction. The run ids a page showed
come back in a hidden field and must be the item's own, so the audit names the evidence seen.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, send_file, url_for

from evidence import agencies, audit, confirmations, disputes, recheck_requests, runs
from evidence.clock import utc_now
from evidence.web.auth import agency_scope, current_user, remote_addr, requires, shown_runs, writable_store
from evidence.web.blobs import evidence_file

blueprint = Blueprint("confirmation", __name__)

DEFAULT_MAX_BYTES = 10 * 2**20   # setting confirmation.attachment_max_mb (the serve command puts it in ATTACHMENT_MAX_BYTES)
MAX_REASON = 4000
ANSWER_WORDS = {"agree": "đồng ý", "dispute": "không đồng ý"}
INSPECTORS = ("inspector", "appraiser")
KIND_WORDS = {"service": "dịch vụ", "criterion": "tiêu chí"}
STATUS_WORDS = {"pending": "đang chờ", "done": "đã xong"}   # any other state a request reaches is shown as stored


def _visible(agency_id: str) -> dict[str, Any]:
    """The agency's row if this user may see it; 404 otherwise (an agency user sees only its own)."""
    scope = agency_scope()
    if scope is not None and scope != agency_id:
        abort(404)
    return agencies.agency(g.store, agency_id) or abort(404)


def _visible_dispute(dispute_id: int) -> dict[str, Any]:
    row = disputes.dispute(g.store, dispute_id) or abort(404)
    scope = agency_scope()
    if scope is not None and row["agency_id"] != scope:
        abort(404)
    return row


def _refused(message: str, status: int = 400) -> tuple[str, int]:
    return render_template("error.html", message=message), status


def _max_bytes() -> int:
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES") or DEFAULT_MAX_BYTES)


def _dispute_runs(row: dict[str, Any]) -> list[str]:
    """The runs a dispute's page shows: its service's newest run (and the run it names), or its item's."""
    if row["kind"] == "service":
        newest = next((s["run_id"] for s in runs.latest_service_results(g.store, row["agency_id"])
                       if s["id"] == row["service_id"] and s["run_id"]), None)
        return list(dict.fromkeys(r for r in (row.get("run_id"), newest) if r))
    item = _item(row["year"], row["agency_id"], row["item_key"])
    return item["runs"] if item else []


def _items(year: int, agency_id: str) -> list[dict[str, Any]]:
    """The agency's items, their links based at this server (as the sheet's are at the evidence URL)."""
    return confirmations.agency_items(g.store, year, agency_id, request.host_url.rstrip("/"))


def _item(year: int, agency_id: str, key: str) -> dict[str, Any] | None:
    return next((i for i in _items(year, agency_id) if i["key"] == key), None)


# -- the agency's page ------------------------------------------------------------------------------------
@blueprint.get("/xac-nhan")
@requires()
def round_index() -> Any:
    """An agency user goes to its own page of the newest year; the others choose an agency and a year."""
    scope = agency_scope()
    if scope is not None:
        years = confirmations.round_years(g.store, scope)
        if not years:
            return render_template("confirmation_index.html", rounds=[], waiting=True)
        return redirect(url_for("confirmation.agency_round", year=years[0], agency_id=scope))
    return render_template("confirmation_index.html", rounds=confirmations.rounds(g.store), waiting=False)


@blueprint.get("/xac-nhan/<int:year>/<agency_id>")
@requires()
def agency_round(year: int, agency_id: str) -> Any:
    """"Xác nhận kết quả": every item of the agency's figures for the year, with its evidence and answer."""
    agency = _visible(agency_id)
    items = _items(year, agency_id)
    if not items:
        abort(404)
    open_by_key = {d["item_key"]: d for d in disputes.disputes_of(g.store, agency_id=agency_id, year=year)
                   if d["kind"] == "item"}
    user = current_user()
    may_answer = user is not None and user.role == "agency" and user.agency_id == agency_id
    return render_template("confirmation_round.html", agency=agency, year=year, items=items, disputes=open_by_key,
                           may_answer=may_answer, ANSWER_WORDS=ANSWER_WORDS, OUTCOME_WORDS=disputes.OUTCOME_WORDS,
                           max_mb=_max_bytes() / 2**20)


@blueprint.post("/xac-nhan/<int:year>/<agency_id>")
@requires("agency")
def answer(year: int, agency_id: str) -> Any:
    """An agency's answer on one item: the same `answer_item` as the XLSX import, audited in its transaction."""
    user = current_user()
    assert user is not None   # requires() let only a signed-in agency user through
    _visible(agency_id)
    key = request.form.get("item_key", "")
    item = _item(year, agency_id, key) or abort(404)
    choice = request.form.get("answer", "")
    reason = request.form.get("reason", "").strip()
    if choice not in confirmations.ANSWERS:
        return _refused("Chọn “Đồng ý” hoặc “Không đồng ý”.")
    if choice == "dispute" and not reason:
        return _refused("Không đồng ý cần nêu lý do (ô “Lý do”); ghi cả dịch vụ, tiêu chí cần kiểm tra lại.")
    if len(reason) > MAX_REASON:
        return _refused(f"Lý do dài quá {MAX_REASON} ký tự; rút gọn, phần chi tiết để trong tệp đính kèm.")
    already = next((d for d in disputes.disputes_of(g.store, agency_id=agency_id, status="open", year=year)
                    if d["kind"] == "item" and d["item_key"] == key), None)
    if choice == "dispute" and already is not None:
        return _refused(f"Mục này đang có khiếu nại #{already['id']} chưa đóng; đoàn kiểm tra sẽ trả lời ở đó.", 409)
    shown = shown_runs(set(item["runs"]).__contains__)
    if shown is None:
        return _refused("Bằng chứng gửi kèm không thuộc mục này; tải lại trang rồi gửi lại.")
    upload = request.files.get("attachment")
    data = upload.stream.read(_max_bytes() + 1) if upload is not None and upload.filename and choice == "dispute" else None
    if data is not None and len(data) > _max_bytes():
        return _refused(f"Tệp đính kèm lớn quá {_max_bytes() / 2**20:g} MB (setting confirmation.attachment_max_mb); "
                        "gửi tệp nhỏ hơn.", 413)
    if data is not None and disputes.attachment_suffix(data) is None:
        return _refused("Tệp đính kèm không phải PDF, PNG, JPG, XLSX hay DOCX (xét theo nội dung tệp, không "
                        "theo tên); gửi tệp đúng loại.", 415)
    old = item["answer"]
    with writable_store() as store:
        attachment = disputes.keep_attachment(store, data, upload.filename or "") if data is not None and upload else None
        services, criteria = confirmations.known_targets(store, agency_id)
        targets = (confirmations.recheck_targets(agency_id, key, reason, services=services, criteria=criteria)
                   if choice == "dispute" else [])

        def audited(conn: Any, answered: confirmations.Answered) -> None:
            audit.record(store, conn, user=user, action=f"confirmation.{choice}", subject_kind="confirmation_item",
                         subject_id=f"{year}/{agency_id}/{key}", agency_id=agency_id,
                         old={"answer": old["answer"], "reason": old["reason"]} if old else None,
                         new={"answer": choice, "reason": reason, "dispute": answered.dispute_id,
                              "closed": answered.closed, "recheck_requests": answered.recheck_requests,
                              "attachment": {"sha256": attachment.sha256, "name": attachment.name} if attachment else None},
                         evidence={"runs": shown, "artifacts": [attachment.sha256] if attachment else [],
                                   "item": {"key": key, "value": str(item["value"]), "evidence": item["evidence"]}},
                         remote_addr=remote_addr())

        confirmations.answer_item(store, year=year, agency_id=agency_id, item_key=key, answer=choice, reason=reason,
                                  source_file="", row=None, evidence=item["cells"],
                                  targets=targets, by=user.name, attachment=attachment, audit=audited)
    return redirect(url_for("confirmation.agency_round", year=year, agency_id=agency_id) + f"#muc-{_anchor(key)}", 303)


def _anchor(key: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in key)


# -- disputes ----------------------------------------------------------------------------------------------
@blueprint.get("/khieu-nai")
@requires()
def dispute_list() -> str:
    """"Khiếu nại": open disputes first, of both kinds; an agency user sees its own only."""
    rows = disputes.disputes_of(g.store, agency_id=agency_scope())
    return render_template("confirmation_disputes.html", open_rows=[d for d in rows if d["open"]],
                           closed_rows=[d for d in rows if not d["open"]], OUTCOME_WORDS=disputes.OUTCOME_WORDS)


@blueprint.get("/khieu-nai/<int:dispute_id>")
@requires()
def dispute_page(dispute_id: int) -> str:
    row = _visible_dispute(dispute_id)
    user = current_user()
    item = _item(row["year"], row["agency_id"], row["item_key"]) if row["kind"] == "item" else None
    answers = disputes.dispute_answers(g.store, dispute_id)
    named = [i for a in answers for i in a["recheck_requests"]]
    requests = {r["id"]: r for r in recheck_requests.requests_of_dispute(g.store, dispute_id, named)}
    return render_template("confirmation_dispute.html", dispute=row, item=item, answers=answers, requests=requests,
                           runs=_dispute_runs(row), OUTCOMES=disputes.OUTCOMES, OUTCOME_WORDS=disputes.OUTCOME_WORDS,
                           KIND_WORDS=KIND_WORDS, STATUS_WORDS=STATUS_WORDS,
                           may_act=user is not None and user.role in INSPECTORS and row["open"])


def _dispute_targets(store: Any, row: dict[str, Any], text: str) -> list[tuple[str, str]]:
    """What an inspector's answer re-checks: the service disputed, or the item's targets and those named."""
    services, criteria = confirmations.known_targets(store, row["agency_id"])
    if row["kind"] == "service":
        return [("service", row["service_id"]), *[t for t in confirmations.recheck_targets(
            row["agency_id"], "", text, services=services, criteria=criteria) if t != ("service", row["service_id"])]]
    return confirmations.recheck_targets(row["agency_id"], row["item_key"], f"{row['note']} {text}",
                                         services=services, criteria=criteria)


@blueprint.post("/khieu-nai/<int:dispute_id>/tra-loi")
@requires(*INSPECTORS)
def answer_dispute(dispute_id: int) -> Any:
    """An inspector's answer to a dispute; with "kiểm tra lại" it queues the re-checks it names."""
    user = current_user()
    assert user is not None
    row = _visible_dispute(dispute_id)
    if not row["open"]:
        return _refused("Khiếu nại đã đóng; không trả lời thêm được.", 409)
    text = request.form.get("text", "").strip()
    if not text:
        return _refused("Câu trả lời trống; ghi nội dung trả lời cho cơ quan.")
    if len(text) > MAX_REASON:
        return _refused(f"Câu trả lời dài quá {MAX_REASON} ký tự.")
    shown = shown_runs(set(_dispute_runs(row)).__contains__)
    if shown is None:
        return _refused("Bằng chứng gửi kèm không thuộc khiếu nại này; tải lại trang rồi gửi lại.")
    recheck = request.form.get("recheck") == "1"
    now = utc_now()
    with writable_store() as store, store.write_lock() as conn:
        targets = _dispute_targets(store, row, text) if recheck else []
        requested = list(dict.fromkeys(
            recheck_requests.request_recheck_in(conn, kind=kind, target_id=target, agency_id=row["agency_id"],
                                                dispute_id=dispute_id, now=now, requested_by=user.name,
                                                requested_role=user.role,
                                                reason=f"trả lời khiếu nại #{dispute_id}: {text}")
            for kind, target in targets))
        answer_id = disputes.answer_dispute_in(conn, dispute_id, text=text, by=user.name, now=now,
                                               recheck_requests=requested)
        audit.record(store, conn, user=user, action="dispute.answer", subject_kind="dispute", subject_id=str(dispute_id),
                     agency_id=row["agency_id"], old=None,
                     new={"answer": answer_id, "text": text, "recheck_requests": requested,
                          "targets": [f"{k}:{t}" for k, t in targets]},
                     evidence={"runs": shown, "artifacts": [row["attachment_sha256"]] if row["attachment_sha256"] else []},
                     remote_addr=remote_addr())
    return redirect(url_for("confirmation.dispute_page", dispute_id=dispute_id), 303)


@blueprint.post("/khieu-nai/<int:dispute_id>/dong")
@requires(*INSPECTORS)
def close_dispute(dispute_id: int) -> Any:
    """Close a dispute with its outcome (giữ nguyên / sửa điểm / đã kiểm tra lại) and a note."""
    user = current_user()
    assert user is not None
    row = _visible_dispute(dispute_id)
    outcome = request.form.get("outcome", "")
    note = request.form.get("note", "").strip()
    if outcome not in disputes.OUTCOMES:
        return _refused("Chọn kết quả: giữ nguyên, sửa điểm hoặc đã kiểm tra lại.")
    if len(note) > MAX_REASON:
        return _refused(f"Ghi chú dài quá {MAX_REASON} ký tự.")
    shown = shown_runs(set(_dispute_runs(row)).__contains__)
    if shown is None:
        return _refused("Bằng chứng gửi kèm không thuộc khiếu nại này; tải lại trang rồi gửi lại.")
    with writable_store() as store, store.write_lock() as conn:
        if not disputes.close_dispute_in(conn, dispute_id, outcome=outcome, note=note, by=user.name, now=utc_now()):
            return _refused("Khiếu nại đã đóng rồi.", 409)
        audit.record(store, conn, user=user, action="dispute.close", subject_kind="dispute", subject_id=str(dispute_id),
                     agency_id=row["agency_id"], old={"open": True}, new={"outcome": outcome, "note": note},
                     evidence={"runs": shown, "artifacts": [row["attachment_sha256"]] if row["attachment_sha256"] else []},
                     remote_addr=remote_addr())
    return redirect(url_for("confirmation.dispute_page", dispute_id=dispute_id), 303)


@blueprint.get("/khieu-nai/<int:dispute_id>/tep-dinh-kem")
@requires()
def attachment(dispute_id: int) -> Response:
    """The dispute's attachment, always as a download under its own type, never rendered by the browser."""
    row = _visible_dispute(dispute_id)
    sha = row.get("attachment_sha256")
    if not sha:
        abort(404)
    path, suffix = evidence_file(g.store, sha)   # by hash, inside the evidence folder, no symbolic links
    response = send_file(path, mimetype=disputes.ATTACHMENT_TYPES.get(suffix, "application/octet-stream"),
                         as_attachment=True, download_name=_download_name(row.get("attachment_name") or "", suffix))
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _download_name(name: str, suffix: str) -> str:
    """The sent name with the suffix its content has (a .pdf named .exe downloads as .pdf)."""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = "".join(c for c in stem if c not in '"\\/;') or "tep-dinh-kem"
    return f"{stem[:120]}{suffix}"


@blueprint.app_errorhandler(413)
def too_large(_: Exception) -> tuple[str, int]:
    return _refused(f"Tệp gửi lên lớn quá {_max_bytes() / 2**20:g} MB (setting confirmation.attachment_max_mb).", 413)
