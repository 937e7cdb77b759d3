"""The citizen's flow is data walked by one loop: which steps run, where it stops, the one retry.

No browser: a stand-in session answers each step with a scripted outcome, so the walk itself is
what is tested (the demo world's verdicts are tests/test_bot_world.py's).
"""

from __future__ import annotations

import asyncio

import pytest

from crawler.bot.citizen import CITIZEN_FLOW, FLOW, run_flow
from crawler.bot.flow import FlowStep, check_flow
from crawler.bot.session import StepResult
from crawler.bot.steps import STEPS


class StandIn:
    """What `walk` uses of a Session: guarded steps, facts, and open/settle for the retry."""

    service_url = "http://127.0.0.1:1/dich-vu"

    def __init__(self) -> None:
        self.facts: dict = {}
        self.opened: list[str] = []

    async def guarded(self, name, step, target=""):
        return await step(self)

    async def open(self, url):
        self.opened.append(url)

    async def settle(self):
        pass


def scripted(**script):
    """One step per flow name; `script[name]` is an outcome, a list of outcomes (one per try), or
    (outcome, detail, facts to learn)."""
    def make(name):
        tries = script.get(name, "ok")
        tries = list(tries) if isinstance(tries, list) else [tries]

        async def step(session):
            answer = tries.pop(0) if len(tries) > 1 else tries[0]
            outcome, detail, learnt = answer if isinstance(answer, tuple) else (answer, {}, {})
            session.facts.update(learnt)
            return StepResult(outcome, dict(detail))
        return step
    return {name: make(name) for name in FLOW}


def names(done):
    return [name for name, _ in done]


def run(steps, **kwargs):
    session = StandIn()
    return session, asyncio.run(run_flow(session, steps, **kwargs))


LOGIN = ("ok", {"asks_login": True}, {})


def test_flow_names_every_step_once_in_order():
    assert FLOW == ("open", "start_submission", "register", "confirm_email", "login", "submit", "track", "pay", "result")
    assert set(FLOW) == set(STEPS)


def test_a_service_without_login_skips_the_account_steps():
    _, done = run(scripted())
    assert names(done) == ["open", "start_submission", "submit", "track", "pay", "result"]


def test_a_login_form_brings_register_and_login_and_mail_only_when_asked():
    _, done = run(scripted(start_submission=LOGIN))
    assert names(done) == ["open", "start_submission", "register", "login", "submit", "track", "pay", "result"]
    _, done = run(scripted(start_submission=LOGIN, register=("ok", {}, {"needs_email": True})))
    assert names(done) == ["open", "start_submission", "register", "confirm_email", "login", "submit", "track", "pay",
                           "result"]


def test_a_playbook_fact_asks_for_login_too():
    _, done = run(scripted(start_submission=("ok", {}, {"needs_login": True})))
    assert "register" in names(done) and "login" in names(done)


def test_register_not_found_is_tried_once_more_from_the_service_page():
    session, done = run(scripted(start_submission=LOGIN, register=["not_found", "ok"]))
    assert names(done)[:4] == ["open", "start_submission", "register", "register"]
    assert [r.outcome for n, r in done if n == "register"] == ["not_found", "ok"]
    assert session.opened == [StandIn.service_url]
    assert names(done)[-1] == "result"


def test_register_not_found_twice_stops_the_flow():
    _, done = run(scripted(start_submission=LOGIN, register="not_found"))
    assert names(done) == ["open", "start_submission", "register", "register"]


@pytest.mark.parametrize("failing", ["open", "start_submission", "submit"])
def test_a_step_that_is_not_ok_stops_the_flow(failing):
    _, done = run(scripted(**{failing: "blocked"}))
    assert names(done)[-1] == failing


@pytest.mark.parametrize("failing", ["register", "confirm_email", "login"])
def test_an_account_step_that_is_not_ok_stops_the_flow(failing):
    script = {"start_submission": LOGIN, "register": ("ok", {}, {"needs_email": True})}
    script[failing] = ("failed", {}, {"needs_email": True}) if failing == "register" else "failed"
    _, done = run(scripted(**script))
    assert names(done)[-1] == failing


def test_track_pay_and_result_never_stop_the_flow():
    _, done = run(scripted(track="not_found", pay="failed", result="error"))
    assert names(done)[-3:] == ["track", "pay", "result"]


def test_only_open_stops_after_open():
    _, done = run(scripted(), only_open=True)
    assert names(done) == ["open"]


def test_an_error_step_stops_like_any_other_not_ok():
    _, done = run(scripted(start_submission="error"))
    assert names(done) == ["open", "start_submission"]


def test_overrides_replace_the_named_steps():
    async def by_playbook(session):
        return StepResult("ok", {"playbook": ["open x"]})

    _, done = run({**scripted(), "track": by_playbook})
    assert dict(done)["track"].detail == {"playbook": ["open x"]}


def test_a_flow_must_match_the_registered_steps():
    with pytest.raises(RuntimeError):
        check_flow((*CITIZEN_FLOW, FlowStep("nop_le_phi")), STEPS)
    with pytest.raises(RuntimeError):
        check_flow(CITIZEN_FLOW[:-1], STEPS)
    with pytest.raises(RuntimeError):
        check_flow((*CITIZEN_FLOW, CITIZEN_FLOW[0]), STEPS)
