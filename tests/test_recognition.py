"""checks/recognition.py by hand: one case per rule (R3, R5, R6, R8), each from plain facts."""

from __future__ import annotations

import pytest

from checks.recognition import (
    GIVEN_UP,
    NOT_CHECKED,
    NOT_RECOGNIZED,
    PENDING_JUDGEMENT,
    PENDING_RETRY,
    QUEUE_DONE,
    QUEUE_GIVEN_UP,
    QUEUE_OPEN,
    RECOGNIZED,
    Attempt,
    Cancellation,
    Judgement,
    ServiceFacts,
    recognize,
)


def attempt(run_id: str, hour: int, outcome: str, level: int | None = 3, mode: str = "direct", **kw) -> Attempt:
    return Attempt(run_id, f"2026-11-30T{hour:02d}:00:00Z", level, mode, outcome, **kw)


def facts(*attempts: Attempt, **kw) -> ServiceFacts:
    kw.setdefault("match", "exact")
    return ServiceFacts("tinh-001", kw.pop("declared_level", 3), tuple(attempts), **kw)


def test_a_first_failure_with_its_retry_pending_is_pending_not_a_false_declaration():
    r = recognize(facts(attempt("r1", 1, "fail", level=2), queue=QUEUE_OPEN))
    assert (r.status, r.level, r.runs) == (PENDING_RETRY, None, ("r1",))
    assert "r1" in r.reason and "R6" in r.reason and not r.decided


def test_an_unseen_page_is_pending_retry_and_given_up_when_the_queue_gives_up():
    assert recognize(facts(attempt("r1", 1, "could_not_verify", None, "unverified"), queue=QUEUE_OPEN)).status \
        == PENDING_RETRY
    r = recognize(facts(attempt("r1", 1, "could_not_verify", None, "unverified"),
                        attempt("r2", 7, "could_not_verify", None, "unverified"), queue=QUEUE_GIVEN_UP))
    assert r.status == GIVEN_UP and "r2" in r.reason


def test_a_pass_after_an_earlier_failure_recognizes():
    r = recognize(facts(attempt("r1", 1, "fail", level=2), attempt("r2", 7, "pass", level=3), queue=QUEUE_DONE))
    assert (r.status, r.level, r.runs) == (RECOGNIZED, 3, ("r2",))
    assert "r2" in r.reason and "1 lượt chưa đạt" in r.reason


def test_a_time_out_after_an_earlier_pass_does_not_un_recognize():
    r = recognize(facts(attempt("r1", 1, "pass", level=4), attempt("r2", 7, "could_not_verify", None, "unverified"),
                        declared_level=4, queue=QUEUE_OPEN))
    assert (r.status, r.level, r.runs) == (RECOGNIZED, 4, ("r1",))


def test_a_failure_confirmed_at_another_time_is_not_recognized_at_the_level_found():
    r = recognize(facts(attempt("r1", 1, "fail", level=3), attempt("r2", 7, "fail", level=3), declared_level=4,
                        queue=QUEUE_DONE))
    assert (r.status, r.level, r.runs) == (NOT_RECOGNIZED, 3, ("r1", "r2"))
    assert "r1, r2" in r.reason


def test_by_report_waits_for_the_evaluator_then_follows_the_judgement():
    by_report = attempt("r1", 1, "needs_review", level=3, mode="by_report", gate="identity")
    before = recognize(facts(by_report, queue=QUEUE_DONE))
    assert (before.status, before.level) == (PENDING_JUDGEMENT, None)
    assert "kiemtra judge" in before.reason
    yes = Judgement("r1", True, "nguyen-van-a", "cảm quan dịch vụ hoạt động và đạt yêu cầu", "2026-12-01T02:00:00Z")
    after = recognize(facts(by_report, queue=QUEUE_DONE, judgement=yes))
    assert (after.status, after.level) == (RECOGNIZED, 3)
    assert "nguyen-van-a" in after.reason and "r1" in after.reason
    no = Judgement("r1", False, "tran-thi-b", "biểu mẫu không gửi được", "2026-12-01T03:00:00Z")
    assert recognize(facts(by_report, queue=QUEUE_DONE, judgement=no)).status == NOT_RECOGNIZED


@pytest.mark.parametrize("gate", ["captcha", "otp"])
def test_a_captcha_or_otp_is_not_r8_it_waits_for_an_assisted_check(gate):
    blocked = attempt("r1", 1, "needs_review", level=3, mode="by_report", gate=gate)
    yes = Judgement("r1", True, "nguyen-van-a", "trông ổn", "2026-12-01T02:00:00Z")
    r = recognize(facts(blocked, queue=QUEUE_DONE, judgement=yes))  # a judgement cannot stand in for the check
    assert r.status == PENDING_JUDGEMENT and "--headed" in r.reason
    helped = attempt("r2", 9, "pass", level=3, assisted_by="nguyen-van-a")
    r = recognize(facts(blocked, helped, queue=QUEUE_DONE))
    assert (r.status, r.runs) == (RECOGNIZED, ("r2",)) and "nguyen-van-a hỗ trợ" in r.reason


def test_a_none_match_no_inspector_decided_is_not_checked_and_the_portal_route_counts():
    unmatched = attempt("r1", 1, "not_applicable", level=None, mode="none")
    assert recognize(facts(unmatched, match="none")).status == NOT_CHECKED
    assert recognize(facts(unmatched, match="none", match_decided=True)).status == NOT_RECOGNIZED
    assert recognize(facts(match=None)).status == NOT_CHECKED
    published = recognize(facts(attempt("r2", 5, "pass"), match="none", published_url="https://sxd.example.vn/tthc/1"))
    assert (published.status, published.level) == (RECOGNIZED, 3)


def test_outside_the_sample_or_never_run_is_not_checked():
    assert recognize(facts(attempt("r1", 1, "fail"), in_sample=False)).status == NOT_CHECKED
    assert recognize(facts()).status == NOT_CHECKED


def test_a_post_check_cancellation_un_recognizes_a_later_pass_restores():
    passed = attempt("r1", 1, "pass")
    cancel = Cancellation("r2", "2026-11-30T09:00:00Z")
    assert recognize(facts(passed, attempt("r2", 8, "fail", post_check=True), cancellations=(cancel,))).status \
        == NOT_RECOGNIZED
    again = attempt("r3", 12, "pass")
    assert recognize(facts(passed, again, cancellations=(cancel,))).status == RECOGNIZED


def test_a_failure_confirmed_after_a_pass_un_recognizes_one_still_pending_does_not():
    passed, f1, f2 = attempt("r1", 1, "pass"), attempt("r2", 7, "fail", level=1), attempt("r3", 13, "fail", level=1)
    assert recognize(facts(passed, f1, queue=QUEUE_OPEN)).status == RECOGNIZED
    assert recognize(facts(passed, f1, f2, queue=QUEUE_OPEN)).status == RECOGNIZED     # retry still queued
    r = recognize(facts(passed, f1, f2, queue=QUEUE_DONE))
    assert (r.status, r.level, r.runs) == (NOT_RECOGNIZED, 1, ("r2", "r3")) and "r1" in r.reason


def test_an_accepted_by_report_service_counts_at_its_declared_level_even_if_its_page_hid_the_name():
    hidden = attempt("r1", 1, "needs_review", level=2, mode="by_report", gate="sso")   # name not shown: level 2
    yes = Judgement("r1", True, "tham-dinh-1", "cảm quan dịch vụ hoạt động và đạt yêu cầu", "2026-12-01T02:00:00Z")
    r = recognize(facts(hidden, declared_level=4, queue=QUEUE_DONE, judgement=yes))
    assert (r.status, r.level) == (RECOGNIZED, 4)
