"""From a finished run to its job's next state: classify the attempt, apply the retry policy, write it once.

Shared by the runner (a check that just finished) and the crash recovery (a check that finished
just before its crawl died), so both judge an attempt the same way. A post-check (kind `recheck`,
R6 hậu kiểm) that confirms a service below its declared level cancels its recognition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from configuration.settings import Retry
from crawler.nightly import retry
from evidence import queue, runs
from evidence.clock import parse
from evidence.store import Store
from kiemtra.errors import PageStalled

# The job's judgement once done, in inspectors' words.
FINAL_WORDS = {
    "recognized": "đạt mức khai báo", "not_recognized": "không công nhận (2 lần, khác thời điểm)",
    "needs_review": "theo báo cáo — cán bộ xem xét (R8)", "unmatched": "không khớp CSDL TTHC (R5)",
    "seen": "đã xem", "http_error": "trang báo lỗi", "unseen": "bỏ cuộc: không xem được",
    "not_recognized_unconfirmed": "bỏ cuộc: thấp hơn khai báo, chưa xác nhận lần hai",
    "recognition_kept": "hậu kiểm: giữ công nhận", "recognition_cancelled": "hậu kiểm: huỷ công nhận",
    "gone": "không còn trong cấu hình",
}


STALLED = PageStalled.kind     # the page never let the bot act


@dataclass(frozen=True)
class Attempt:
    """What one attempt showed, reduced to what the policy needs."""

    result: str                 # retry.SITE_FAILED | retry.BELOW_LEVEL | retry.JUDGED
    final: str | None
    detail: dict[str, Any]


def classify(store: Store, job: dict[str, Any], run_id: str) -> Attempt | None:
    """The attempt as the policy sees it; None when the run holds no result (cut off before its verdict)."""
    run = runs.get(store, run_id)
    if run["outcome"] in ("running", "interrupted"):
        return None
    if run["kind"] == "portal":
        detail = {"outcome": run["outcome"], "http_status": run["http_status"]}
        status = run["http_status"] or 0
        if run["outcome"] == "failed" or status >= 500:
            return Attempt(retry.SITE_FAILED, None, detail)
        return Attempt(retry.JUDGED, "seen" if run["outcome"] == "ok" else "http_error", detail)
    verdict = runs.verdict_of(store, run_id)
    if verdict is None:
        return None
    detail = {"level": verdict["level"], "mode": verdict["mode"], "outcome": verdict["outcome"]}
    if verdict["outcome"] == "could_not_verify" and run["error_kind"] == STALLED:
        # A page that never let the bot act counts against the service once seen again at another
        # time (R6), like a level found below the declared one; the first time it is only retried.
        return Attempt(retry.BELOW_LEVEL, None, {**detail, "error_kind": STALLED})
    if verdict["outcome"] == "could_not_verify":
        return Attempt(retry.SITE_FAILED, None, detail)
    if verdict["outcome"] == "fail":
        return Attempt(retry.BELOW_LEVEL, None, detail)
    final = {"pass": "recognized", "needs_review": "needs_review"}.get(verdict["outcome"], "unmatched")
    if job["kind"] == queue.POST_CHECK:
        final = "recognition_kept"
    return Attempt(retry.JUDGED, final, detail)


def _below_level_times(store: Store, job_id: int) -> list[datetime]:
    return [parse(a["started_at"]) for a in queue.history(store, job_id)
            if a["outcome"] == retry.BELOW_LEVEL]


def finish(store: Store, job: dict[str, Any], holder: str, run_id: str, now: datetime,
           policy: Retry) -> retry.Decision | None:
    """Write the attempt's result and the job's next state, exactly once.

    None when the run holds no result (the job is then released to run again) or when `holder`
    lost the job meanwhile (its lease ran out and another took it: that one's result counts).
    """
    attempt = classify(store, job, run_id)
    if attempt is None:
        queue.release(store, job["id"], holder, now, "lượt bị cắt trước khi có kết luận")
        return None
    running = queue.running_attempt(store, job["id"], holder)
    started = parse(running["started_at"]) if running else now
    decision = retry.decide(attempt.result, job["attempts"] + 1, _below_level_times(store, job["id"]), started,
                            policy, attempt.final)
    final = decision.final
    if job["kind"] == queue.POST_CHECK and final == "not_recognized":
        final = "recognition_cancelled"
    written = queue.complete(store, job["id"], holder, now, status=decision.status, run_id=run_id,
                             outcome=attempt.result, detail=attempt.detail, due_at=decision.due_at, final=final)
    if not written:
        return None
    if final == "recognition_cancelled":
        recognized = runs.passing_run_before(store, job["target_id"], run_id)
        queue.cancel_recognition(store, job["target_id"], job["agency_id"], job["id"], job["reason"] or "",
                                 recognized, run_id, now)
    return retry.Decision(decision.status, decision.due_at, final)
