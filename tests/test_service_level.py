"""The service-level verdict from recorded steps alone (R3, R5, R7, R8), without a browser."""

from __future__ import annotations

import json

import pytest

from checks.service_level import RULES, Observation, judge


def step(seq: int, name: str, outcome: str, **detail) -> dict:
    return {"seq": seq, "name": name, "outcome": outcome, "url": f"http://dvc.test/{name}",
            "detail": json.dumps(detail, ensure_ascii=False)}


OPEN_OK = dict(http_status=200, name_shown=True, signs={}, form_downloads=2)
LEVEL3 = [
    step(1, "open", "ok", **OPEN_OK),
    step(2, "start_submission", "ok", asks_login=True),
    step(3, "register", "ok"),
    step(4, "confirm_email", "ok"),
    step(5, "login", "ok"),
    step(6, "submit", "ok", receipt="000.00.12.H10-261126-0001"),
    step(7, "track", "ok", receipt="000.00.12.H10-261126-0001", status="dang xu ly"),
    step(8, "pay", "not_found"),
    step(9, "result", "not_found", delivery=None),
]


def verdict(rows, declared=3, catalogue=None):
    return judge(Observation.from_rows(rows, declared, catalogue))


def test_level3_needs_register_submit_and_track():
    v = verdict(LEVEL3)
    assert (v.level, v.mode, v.outcome) == (3, "direct", "pass")
    assert any("000.00.12.H10-261126-0001" in r.text and r.step == 6 for r in v.reasons)
    assert any(r.step == 7 for r in v.reasons)


def test_level4_adds_payment_and_result_delivery():
    rows = LEVEL3[:7] + [step(8, "pay", "ok"), step(9, "result", "ok", delivery="post")]
    v = verdict(rows, declared=4)
    assert (v.level, v.outcome) == (4, "pass")
    assert any("bưu chính" in r.text and r.step == 9 for r in v.reasons)


def test_declared_4_without_payment_is_level3_and_fails():
    v = verdict(LEVEL3, declared=4)
    assert (v.level, v.mode, v.outcome) == (3, "direct", "fail")
    assert any("thanh toán" in r.text and r.step == 8 for r in v.reasons)


@pytest.mark.parametrize("broken", ["register", "confirm_email", "login", "submit", "track"])
def test_level3_fails_when_any_of_its_steps_failed(broken):
    rows = [dict(r, outcome="failed") if r["name"] == broken else r for r in LEVEL3]
    v = verdict(rows)
    assert v.level == 2 and v.outcome == "fail"
    assert any(r.step == next(x["seq"] for x in rows if x["name"] == broken) for r in v.reasons)


def test_level2_forms_and_level1_information_only():
    rows = [step(1, "open", "ok", **OPEN_OK), step(2, "start_submission", "not_found")]
    assert (verdict(rows, declared=2).level, verdict(rows, declared=2).outcome) == (2, "pass")
    bare = [step(1, "open", "ok", **{**OPEN_OK, "form_downloads": 0}), step(2, "start_submission", "not_found")]
    assert verdict(bare, declared=2).level == 1


def test_dead_links_are_level_zero_directly():
    v = verdict([step(1, "open", "failed", http_status=404, dead=True)])
    assert (v.level, v.mode, v.outcome) == (0, "direct", "fail")
    refused = verdict([step(1, "open", "error", error_kind="connection", error="net::ERR_CONNECTION_REFUSED at x")])
    assert (refused.level, refused.mode) == (0, "direct")


@pytest.mark.parametrize("row", [
    step(1, "open", "failed", http_status=503, dead=False),
    step(1, "open", "error", error_kind="timeout", error="Timeout 10000ms exceeded"),
])
def test_site_errors_are_unverified_never_a_verdict(row):
    v = verdict([row])
    assert (v.level, v.mode, v.outcome) == (None, "unverified", "could_not_verify")
    assert "R6" in v.reasons[0].text


def test_bot_error_midway_is_unverified_with_partial_level():
    rows = LEVEL3[:5] + [step(6, "submit", "error", error_kind="timeout", error="Timeout")]
    v = verdict(rows)
    assert (v.mode, v.outcome) == ("unverified", "could_not_verify")
    assert any(r.step == 6 for r in v.reasons)


@pytest.mark.parametrize("blocker", ["captcha", "identity", "sso", "otp"])
def test_by_report_when_the_account_cannot_be_made(blocker):
    rows = [step(1, "open", "ok", **OPEN_OK), step(2, "start_submission", "blocked", blocker=blocker)]
    v = verdict(rows, declared=4)
    assert (v.level, v.mode, v.outcome) == (4, "by_report", "needs_review")
    assert "R8" in v.reasons[0].text and v.reasons[0].step == 2


def test_by_report_needs_the_name_and_a_live_page():
    unnamed = [step(1, "open", "ok", **{**OPEN_OK, "name_shown": False}), step(2, "register", "blocked", blocker="captcha")]
    v = verdict(unnamed)
    assert v.mode == "by_report" and v.outcome == "needs_review" and v.level == 2
    broken = [step(1, "open", "ok", **{**OPEN_OK, "signs": {"error_page": "loi he thong"}}),
              step(2, "register", "blocked", blocker="sso")]
    assert verdict(broken).outcome == "fail"


def test_r5_no_catalogue_match_is_not_checked_further():
    v = verdict(LEVEL3, catalogue="none")
    assert (v.level, v.mode, v.outcome) == (None, "none", "not_applicable")
    assert "R5" in v.reasons[0].text
    assert verdict(LEVEL3, catalogue="strong").level == 3


def test_every_rule_is_declared_with_id_rule_and_summary():
    specs = list(RULES)
    assert len({s.id for s in specs}) == len(specs) >= 6
    assert all(s.rule and s.summary for s in specs)


# --- issue 14: level 4 where there is a fee, the no-fee rule, the Decree 42 class ---------------------

def test_level4_paid_online_with_the_result_at_the_counter_is_level4_one_part():
    rows = LEVEL3[:7] + [step(8, "pay", "ok"), step(9, "result", "not_found", delivery=None)]
    v = verdict(rows, declared=4)
    assert (v.level, v.outcome, v.decree42) == (4, "pass", "một phần")


def test_level4_paid_online_with_the_result_by_post_is_wholly_online():
    rows = LEVEL3[:7] + [step(8, "pay", "ok"), step(9, "result", "ok", delivery="post")]
    assert verdict(rows, declared=4).decree42 == "toàn trình"


@pytest.mark.parametrize("delivery,level,klass", [("online", 4, "toàn trình"), ("post", 4, "toàn trình"),
                                                   (None, 3, "một phần")])
def test_a_procedure_without_fee_is_level4_only_when_its_result_comes_online_or_by_post(delivery, level, klass):
    rows = LEVEL3[:7] + [step(8, "pay", "not_found", fee_free=True),
                         step(9, "result", "ok" if delivery else "not_found", delivery=delivery)]
    v = verdict(rows, declared=4)
    assert (v.level, v.decree42) == (level, klass)


def test_without_payment_where_a_fee_is_due_the_result_online_does_not_make_level4():
    rows = LEVEL3[:7] + [step(8, "pay", "not_found", fee_free=False), step(9, "result", "ok", delivery="online")]
    v = verdict(rows, declared=4)
    assert (v.level, v.decree42) == (3, "một phần")


def test_no_class_where_the_level_was_not_judged_directly():
    dead = [step(1, "open", "failed", http_status=404, dead=True)]
    assert verdict(dead).decree42 is None
    gated = [step(1, "open", "ok", **OPEN_OK), step(2, "start_submission", "ok", asks_login=True),
             step(3, "register", "blocked", blocker="identity")]
    assert verdict(gated).mode == "by_report" and verdict(gated).decree42 is None
    assert verdict(LEVEL3[:2] + [step(3, "register", "not_found")]).decree42 == "một phần"
