"""The citizen's flow over one service (R7): open, start the online submission, register, confirm by
mail, log in, submit, track, pay, read how the result comes.

The flow stops where the service stops the citizen; what each step saw is kept for the verdict.
A playbook (config/playbooks/) may replace any named step by primitive steps; see
`crawler/bot/playbook.py`.
"""

from __future__ import annotations

from crawler.bot.actions import ACTIONS
from crawler.bot.session import Session, StepResult

FLOW = ("open", "start_submission", "register", "confirm_email", "login", "submit", "track", "pay", "result")


async def run_flow(session: Session, overrides: dict | None = None, *,
                   only_open: bool = False) -> list[tuple[str, StepResult]]:
    """Walk the flow; `overrides` maps a step name to a replacement action (a playbook's)."""
    actions = {**ACTIONS, **(overrides or {})}
    done: list[tuple[str, StepResult]] = []

    async def step(name: str) -> StepResult:
        result = await session.guarded(name, actions[name])
        done.append((name, result))
        return result

    opened = await step("open")
    if opened.outcome != "ok" or only_open:
        return done
    started = await step("start_submission")
    if started.outcome != "ok":
        return done
    if started.detail.get("asks_login") or session.facts.get("needs_login"):
        registered = await step("register")
        if registered.outcome == "not_found":
            await session.open(session.service_url)
            await session.settle()
            registered = await step("register")
        if registered.outcome != "ok":
            return done
        if session.facts.get("needs_email") and (await step("confirm_email")).outcome != "ok":
            return done
        if (await step("login")).outcome != "ok":
            return done
    if (await step("submit")).outcome != "ok":
        return done
    await step("track")
    await step("pay")
    await step("result")
    return done
