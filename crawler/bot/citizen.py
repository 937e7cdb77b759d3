"""The citizen's flow over one service (R7): open, start the online submission, register, confirm by
mail, log in, submit, track, pay, read how the result comes.

The flow is data (`CITIZEN_FLOW`), walked by `crawler/bot/flow.py`: it stops where the service
stops the citizen; what each step saw is kept for the verdict. A playbook (config/playbooks/) may
replace any named step by primitives; see `crawler/bot/playbook.py`.
"""

from __future__ import annotations

from collections.abc import Mapping

from crawler.bot.flow import FlowStep, Progress, Retry, check_flow, walk
from crawler.bot.session import Session, Step, StepResult
from crawler.bot.steps import STEPS


def asks_login(progress: Progress) -> bool:
    """The submission sits behind an account: the portal showed a login form, or a playbook said so."""
    started = progress.results.get("start_submission")
    return bool((started is not None and started.detail.get("asks_login")) or progress.facts.get("needs_login"))


def asks_login_and_mail(progress: Progress) -> bool:
    """Registration said an activation mail is on its way."""
    return asks_login(progress) and bool(progress.facts.get("needs_email"))


async def reopen_service(session: Session) -> None:
    """Back to the declared link: a registration link is often only on the service's own page."""
    await session.open(session.service_url)
    await session.settle()


CITIZEN_FLOW: tuple[FlowStep, ...] = (
    FlowStep("open"),
    FlowStep("start_submission"),
    FlowStep("register", when=asks_login, retry=Retry("not_found", reopen_service)),
    FlowStep("confirm_email", when=asks_login_and_mail),
    FlowStep("login", when=asks_login),
    FlowStep("submit"),
    # A dossier is sent: tracking, payment and the result's delivery are each read for what they show.
    FlowStep("track", stop="never"),
    FlowStep("pay", stop="never"),
    FlowStep("result", stop="never"),
)
FLOW = tuple(step.name for step in CITIZEN_FLOW)   # the step names a playbook may replace
check_flow(CITIZEN_FLOW, STEPS)


async def run_flow(session: Session, overrides: Mapping[str, Step] | None = None, *,
                   only_open: bool = False) -> list[tuple[str, StepResult]]:
    """Walk the citizen's flow; `overrides` maps a step name to a replacement step (a playbook's)."""
    return await walk(session, CITIZEN_FLOW, {**STEPS, **(overrides or {})}, until="open" if only_open else None)
