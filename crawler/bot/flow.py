"""Walking a flow: an ordered tuple of step declarations, read by one small loop.

A declaration (`FlowStep`) names a step and says when it runs (a condition over the session's
facts and the results so far), whether the flow stops after it, and whether one outcome earns the
step one more try after a preparation (e.g. re-opening the service). The steps themselves are
`crawler/bot/steps.py` (or a playbook's primitives); the citizen's flow is `crawler/bot/citizen.py`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from crawler.bot.session import Session, Step, StepResult


@dataclass(frozen=True)
class Progress:
    """What a condition may look at: the session's facts and each step's latest result so far."""

    facts: Mapping[str, Any]
    results: Mapping[str, StepResult]


Condition = Callable[[Progress], bool]


def always(progress: Progress) -> bool:
    return True


@dataclass(frozen=True)
class Retry:
    """One more try of a step whose result had `outcome`, once `prepare` has run."""

    outcome: str
    prepare: Callable[[Session], Awaitable[None]]


@dataclass(frozen=True)
class FlowStep:
    """One step of a flow: which step, when it runs, what stops the flow after it, its retry."""

    name: str
    when: Condition = always
    # "unless_ok": a step that did not succeed ends the flow (what follows needs it);
    # "never": the flow goes on whatever came out (later steps do not depend on it).
    stop: Literal["unless_ok", "never"] = "unless_ok"
    retry: Retry | None = None

    def stops_after(self, result: StepResult) -> bool:
        return self.stop == "unless_ok" and result.outcome != "ok"


async def walk(session: Session, flow: Sequence[FlowStep], steps: Mapping[str, Step], *,
               until: str | None = None) -> list[tuple[str, StepResult]]:
    """Run `flow` in order with `steps` (name → step); stop where a declaration says, or after `until`.

    Every run of a step is recorded and returned, a retried one twice, as the citizen would have
    seen both.
    """
    done: list[tuple[str, StepResult]] = []
    latest: dict[str, StepResult] = {}

    async def run(name: str) -> StepResult:
        result = await session.guarded(name, steps[name])
        done.append((name, result))
        latest[name] = result
        return result

    for declared in flow:
        if not declared.when(Progress(session.facts, latest)):
            continue
        result = await run(declared.name)
        if declared.retry is not None and result.outcome == declared.retry.outcome:
            await declared.retry.prepare(session)
            result = await run(declared.name)
        if declared.stops_after(result) or declared.name == until:
            break
    return done


def check_flow(flow: Sequence[FlowStep], steps: Mapping[str, Step]) -> None:
    """Fail at import when a flow names a step nobody wrote, or a written step is in no flow."""
    declared = [step.name for step in flow]
    if len(set(declared)) != len(declared) or set(declared) != set(steps):
        raise RuntimeError(f"flow {declared} does not match the registered steps {sorted(steps)}")
