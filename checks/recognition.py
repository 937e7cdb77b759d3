"""One recognition decision per declared service, from all of its attempts (R3, R5, R6, R8).

A verdict judges one run; recognition judges the service: is it recognized at its declared level,
not recognized, or not decided yet, and why, naming the runs it rests on. Pure: it takes plain
dataclasses that `evidence/recognition.py` gathers from the store (verdicts with their times, the
queue's state, inspectors' judgements and catalogue decisions, post-check cancellations), so
every place that shows or counts a service asks the same function and gets the same answer.

The statuses, in the order they are decided:

- `not_checked`: outside the R6 sample; no catalogue match yet, or a `none` match no inspector
  decided (R5); never run;
- `not_recognized`: an inspector decided it is in neither CSDL TTHC nor the authority's portal
  (R3, R5); a post-check cancelled its recognition (R6); a failure confirmed at another time (R6),
  also after an earlier pass;
  an evaluator rejected it (R8);
- `recognized`: a direct check passed (a pass after an earlier failure recognizes; a later time-out,
  or a later failure not yet confirmed at another time, does not un-recognize), or an evaluator
  accepted it by report (R8);
- `pending_judgement`: by report (R8) with no evaluator's judgement yet, or a CAPTCHA/OTP gate
  waiting for an assisted check;
- `pending_retry`: a failure or an unseen page not yet confirmed at another time (R6);
- `given_up`: the queue gave up after its attempts, for an inspector to decide.

Only `recognized` and `not_recognized` are decided; the others are neither credited nor held
against the agency (R10).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

RECOGNIZED = "recognized"
NOT_RECOGNIZED = "not_recognized"
PENDING_RETRY = "pending_retry"
PENDING_JUDGEMENT = "pending_judgement"
NOT_CHECKED = "not_checked"
GIVEN_UP = "given_up"
STATUSES = (RECOGNIZED, NOT_RECOGNIZED, PENDING_RETRY, PENDING_JUDGEMENT, NOT_CHECKED, GIVEN_UP)
DECIDED = (RECOGNIZED, NOT_RECOGNIZED)

WORDS = {RECOGNIZED: "được công nhận", NOT_RECOGNIZED: "không công nhận", PENDING_RETRY: "chờ kiểm tra lại",
         PENDING_JUDGEMENT: "chờ người đánh giá", NOT_CHECKED: "chưa kiểm tra", GIVEN_UP: "bỏ cuộc, chờ cán bộ"}

# R8 applies only where the identity cannot be verified against a citizen/business database.
R8_GATES = ("identity", "sso")
# A person can pass these: the service waits for an assisted check, never R8.
ASSISTED_GATES = ("captcha", "otp")

# Queue states of the service's newest job, as `evidence/recognition.py` reduces them.
QUEUE_OPEN = "open"          # due, leased or waiting for its retry at another time
QUEUE_DONE = "done"
QUEUE_GIVEN_UP = "given_up"


@dataclass(frozen=True)
class Attempt:
    """One finished check of the service with its verdict."""

    run_id: str
    started_at: str                   # UTC ISO; attempts compare by it
    level: int | None
    mode: str                         # direct | by_report | none | unverified
    outcome: str                      # pass | fail | needs_review | could_not_verify | not_applicable
    gate: str | None = None           # the gate the bot met (captcha, identity, sso, otp)
    assisted_by: str | None = None    # the inspector who passed the gate in an assisted re-run
    post_check: bool = False          # a R6 post-check (hậu kiểm), not a first check


@dataclass(frozen=True)
class Judgement:
    """An evaluator's R8 judgement of a service by report (the newest one counts)."""

    run_id: str
    accepted: bool
    inspector: str
    reason: str
    decided_at: str


@dataclass(frozen=True)
class Cancellation:
    """A post-check that cancelled the service's recognition (R6)."""

    run_id: str
    cancelled_at: str


@dataclass(frozen=True)
class ServiceFacts:
    """Everything stored about one service that its recognition depends on."""

    service_id: str
    declared_level: int
    attempts: tuple[Attempt, ...] = ()
    match: str | None = None          # exact | strong | weak | none | None (not matched yet)
    match_decided: bool = False       # an inspector decided the match
    published_url: str | None = None  # R3/R5 portal route: published on the competent authority's portal
    queue: str | None = None          # QUEUE_OPEN | QUEUE_DONE | QUEUE_GIVEN_UP | None (no job)
    in_sample: bool = True            # R6: inside the agency's sampling plan
    judgement: Judgement | None = None
    cancellations: tuple[Cancellation, ...] = ()


@dataclass(frozen=True)
class Recognition:
    """A service's recognition, the level it is credited at, and why."""

    service_id: str
    status: str
    level: int | None                 # the level credited (recognized, or confirmed below); None otherwise
    reason: str                       # Vietnamese, naming the runs
    runs: tuple[str, ...] = field(default=())

    @property
    def decided(self) -> bool:
        return self.status in DECIDED

    @property
    def word(self) -> str:
        return WORDS[self.status]


def _run(a: Attempt) -> str:
    return f"lượt {a.run_id}"


def _decide(facts: ServiceFacts, status: str, reason: str, attempts: Sequence[Attempt] = (),
            level: int | None = None) -> Recognition:
    return Recognition(facts.service_id, status, level, reason, tuple(a.run_id for a in attempts))


def _catalogue(facts: ServiceFacts) -> Recognition | None:
    """R5 and the portal route of R3: only services tied to a procedure are checked further."""
    if facts.published_url:
        return None
    if facts.match is None:
        return _decide(facts, NOT_CHECKED, "chưa đối chiếu tên dịch vụ với CSDL TTHC (R5)")
    if facts.match == "none":
        if facts.match_decided:
            return _decide(facts, NOT_RECOGNIZED, "cán bộ xác định không có trong CSDL TTHC và không công bố trên "
                                                  "cổng của cơ quan có thẩm quyền (R3, R5)")
        return _decide(facts, NOT_CHECKED, "tên không khớp CSDL TTHC, chưa có cán bộ quyết định (R5)")
    return None


def _pending(facts: ServiceFacts, what: str, attempts: Sequence[Attempt]) -> Recognition:
    """A failure or an unseen page not confirmed yet: what the queue says comes next."""
    if facts.queue == QUEUE_GIVEN_UP:
        return _decide(facts, GIVEN_UP, f"{what}; hàng đợi đã bỏ cuộc sau các lần thử, chờ cán bộ quyết định (R6)",
                       attempts)
    return _decide(facts, PENDING_RETRY, f"{what}; chờ kiểm tra lại vào lúc khác (R6)", attempts)


def _by_report(facts: ServiceFacts, last: Attempt) -> Recognition:
    """R8 needs an evaluator; a CAPTCHA or an OTP needs an assisted check instead."""
    if last.gate in ASSISTED_GATES:
        return _decide(facts, PENDING_JUDGEMENT, f"{_run(last)} gặp {last.gate.upper()}: không phải R8, chờ kiểm tra "
                                                 "có người hỗ trợ (kiemtra rerun --headed)", [last])
    judgement = facts.judgement
    if judgement is None:
        return _decide(facts, PENDING_JUDGEMENT, f"{_run(last)} theo báo cáo (R8): chờ người đánh giá "
                                                 "(kiemtra judge)", [last])
    words = "chấp nhận" if judgement.accepted else "không chấp nhận"
    reason = (f"theo báo cáo (R8), {_run(last)}: cán bộ {judgement.inspector} {words} lúc {judgement.decided_at} "
              f"(xem lượt {judgement.run_id}): {judgement.reason}")
    if judgement.accepted:  # R8: the evaluator judges it working as declared
        return _decide(facts, RECOGNIZED, reason, [last], facts.declared_level)
    return _decide(facts, NOT_RECOGNIZED, reason, [last])


def recognize(facts: ServiceFacts) -> Recognition:
    """The service's recognition from everything stored about it."""
    if not facts.in_sample:
        return _decide(facts, NOT_CHECKED, "ngoài mẫu kiểm tra của cơ quan (R6)")
    catalogue = _catalogue(facts)
    if catalogue is not None:
        return catalogue
    attempts = sorted(facts.attempts, key=lambda a: a.started_at)
    if not attempts:
        return _decide(facts, NOT_CHECKED, "chưa có lượt kiểm tra nào")
    passes = [a for a in attempts if a.outcome == "pass" and a.mode == "direct"]
    last_pass = passes[-1] if passes else None
    cancelled = [c for c in facts.cancellations if last_pass is None or c.cancelled_at >= last_pass.started_at]
    if last_pass is not None and cancelled:
        return _decide(facts, NOT_RECOGNIZED, f"hậu kiểm lượt {cancelled[-1].run_id} huỷ công nhận của "
                                              f"{_run(last_pass)} (R6)", [last_pass])
    later_failures = [a for a in attempts if last_pass is not None and a.started_at > last_pass.started_at
                      and a.outcome == "fail" and not a.post_check]
    if last_pass is not None and len(later_failures) >= 2 and facts.queue != QUEUE_OPEN:
        level = max(a.level or 0 for a in later_failures)
        runs = ", ".join(a.run_id for a in later_failures)
        return _decide(facts, NOT_RECOGNIZED, f"sau {_run(last_pass)} đạt, các lượt {runs} thấp hơn mức khai báo "
                                              f"{facts.declared_level}, đã xác nhận vào lúc khác (R6): mức {level}",
                       later_failures, level)
    if last_pass is not None:
        helped = f", có cán bộ {last_pass.assisted_by} hỗ trợ" if last_pass.assisted_by else ""
        earlier = [a for a in attempts if a.started_at < last_pass.started_at and a.outcome != "pass"]
        after = f" (sau {len(earlier)} lượt chưa đạt trước đó)" if earlier else ""
        return _decide(facts, RECOGNIZED, f"kiểm tra trực tiếp{helped}: {_run(last_pass)} đạt mức "
                                          f"{last_pass.level}{after}", [last_pass], last_pass.level)
    first_checks = [a for a in attempts if not a.post_check]
    last = (first_checks or attempts)[-1]
    if last.mode == "none":
        return _decide(facts, NOT_CHECKED, f"{_run(last)}: tên không khớp CSDL TTHC lúc kiểm tra (R5)", [last])
    if last.mode == "by_report" and last.outcome != "fail":
        return _by_report(facts, last)
    if last.outcome == "could_not_verify":
        return _pending(facts, f"{_run(last)} không xem được trang", [last])
    failures = [a for a in first_checks if a.outcome == "fail"]
    if facts.queue == QUEUE_DONE or (facts.queue is None and len(failures) >= 2):
        level = max((a.level or 0 for a in failures), default=0)
        runs = ", ".join(a.run_id for a in failures)
        return _decide(facts, NOT_RECOGNIZED, f"thấp hơn mức khai báo {facts.declared_level} ở các lượt {runs}, "
                                              f"đã xác nhận vào lúc khác (R6): mức {level}", failures, level)
    return _pending(facts, f"{_run(last)} thấp hơn mức khai báo {facts.declared_level} (mức {last.level})", [last])
