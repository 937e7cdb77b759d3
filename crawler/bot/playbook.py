"""Running playbooks: each primitive step a playbook may name, done in the page.

What a playbook may say (the flow's steps, each primitive's parameters) and how it is parsed and
validated belong to `configuration/playbooks.py`, so reading config never imports a browser. This
module implements every primitive declared there, no more and no fewer: it checks so at import.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from playwright.async_api import Error as PlaywrightError

from configuration import playbooks as declared
from configuration.playbooks import PlaybookStep
from crawler.bot.citizen import FLOW
from crawler.bot.identity import test_document
from crawler.bot.session import Session, Step, StepResult, find_receipt

Primitive = Callable[[Session, PlaybookStep], Awaitable[None]]
PRIMITIVES: dict[str, Primitive] = {}


def primitive(name: str) -> Callable[[Primitive], Primitive]:
    def register(function: Primitive) -> Primitive:
        PRIMITIVES[name] = function
        return function
    return register


def text(step: PlaybookStep, session: Session) -> str:
    """The step's value with the citizen's fields and what the bot learnt filled in."""
    citizen = session.citizen
    values = {"full_name": citizen.full_name, "email": citizen.email, "password": citizen.password,
              "id_number": citizen.id_number, "phone": citizen.phone, "address": citizen.address,
              "birth_date": citizen.birth_date.strftime("%d/%m/%Y"), **{k: str(v) for k, v in session.facts.items()}}
    return step.text(values)


@primitive("open")
async def _open(session: Session, step: PlaybookStep) -> None:
    await session.open(step.target)
    await session.settle()


@primitive("click")
async def _click(session: Session, step: PlaybookStep) -> None:
    await session.page.locator(step.target).first.click(timeout=session.step_ms)
    await session.settle()


@primitive("fill")
async def _fill(session: Session, step: PlaybookStep) -> None:
    await session.page.locator(step.target).first.fill(text(step, session), timeout=session.step_ms)


@primitive("select")
async def _select(session: Session, step: PlaybookStep) -> None:
    await session.page.locator(step.target).first.select_option(text(step, session), timeout=session.step_ms)


@primitive("check")
async def _check(session: Session, step: PlaybookStep) -> None:
    await session.page.locator(step.target).first.check(timeout=session.step_ms)


@primitive("upload")
async def _upload(session: Session, step: PlaybookStep) -> None:
    await session.page.locator(step.target).first.set_input_files(test_document(), timeout=session.step_ms)  # type: ignore[arg-type]


@primitive("wait")
async def _wait(session: Session, step: PlaybookStep) -> None:
    await session.page.locator(step.target).first.wait_for(timeout=session.step_ms)


@primitive("expect")
async def _expect(session: Session, step: PlaybookStep) -> None:
    await session.page.locator(step.target).first.wait_for(state="visible", timeout=session.step_ms)


@primitive("read")
async def _read(session: Session, step: PlaybookStep) -> None:
    shown = await session.page.locator(step.target).first.inner_text(timeout=session.step_ms)
    key = step.value or "receipt"
    session.facts[key] = find_receipt(shown) or shown.strip() if key == "receipt" else shown.strip()
    if key == "receipt":
        session.facts["dossier_url"] = session.page.url


def as_step(primitives: list[PlaybookStep]) -> Step:
    """A flow step made of primitives: ok when each ran, not_found at the first that could not."""
    async def run(session: Session) -> StepResult:
        done: list[str] = []
        for index, call in enumerate(primitives):
            try:
                await PRIMITIVES[call.action](session, call)
            except PlaywrightError as error:
                return StepResult("not_found", {"playbook_step": index, "action": call.action, "target": call.target,
                                                "error": str(error).splitlines()[0][:200], "done": done})
            done.append(f"{call.action} {call.target}")
        learnt = {"receipt": session.facts["receipt"]} if "receipt" in session.facts else {}
        return StepResult("ok", {"playbook": done, **learnt})
    return run


def _check_declared() -> None:
    # Config validates playbooks against configuration's names; a primitive declared there but not
    # implemented here (or the reverse), or a flow that differs, would fail only at night: fail now.
    if set(PRIMITIVES) != set(declared.PRIMITIVES):
        raise ImportError(f"crawler.bot.playbook implements {sorted(PRIMITIVES)}, "
                          f"configuration.playbooks declares {sorted(declared.PRIMITIVES)}")
    if tuple(FLOW) != tuple(declared.FLOW):
        raise ImportError(f"crawler.bot.citizen.FLOW {FLOW} differs from configuration.playbooks.FLOW {declared.FLOW}")


_check_declared()
