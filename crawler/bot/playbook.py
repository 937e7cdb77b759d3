"""Playbooks: per-portal step overrides, as data (`config/playbooks/<name>.yaml`).

A playbook replaces any named step of the citizen's flow by primitive steps, for a portal the
generic heuristics cannot read:

    steps:
      register:
        - {action: open, target: "https://dvc.example.gov.vn/tai-khoan/dang-ky"}
        - {action: fill, target: "#email", value: "{email}"}
        - {action: fill, target: "#matkhau", value: "{password}"}
        - {action: click, target: "button#dang-ky"}
        - {action: expect, target: "text=Đăng ký thành công"}
      submit:
        - {action: read, target: ".ma-ho-so", value: receipt}

Values may name the citizen's fields in braces ({full_name}, {email}, {password}, {id_number},
{phone}, {address}, {birth_date}) or what the bot learnt ({receipt}). An unknown step or action
fails when the config loads, with file, line and fix.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Error as PlaywrightError

from configuration import yamlfile
from crawler.bot.citizen import FLOW
from crawler.bot.identity import test_document
from crawler.bot.session import Session, Step, StepResult, find_receipt
from kiemtra.errors import ConfigError

Primitive = Callable[[Session, "PlaybookStep"], Awaitable[None]]
PRIMITIVES: dict[str, Primitive] = {}


def primitive(name: str) -> Callable[[Primitive], Primitive]:
    def register(function: Primitive) -> Primitive:
        PRIMITIVES[name] = function
        return function
    return register


@dataclass(frozen=True)
class PlaybookStep:
    action: str
    target: str = ""
    value: str = ""

    def text(self, session: Session) -> str:
        citizen = session.citizen
        values = {"full_name": citizen.full_name, "email": citizen.email, "password": citizen.password,
                  "id_number": citizen.id_number, "phone": citizen.phone, "address": citizen.address,
                  "birth_date": citizen.birth_date.strftime("%d/%m/%Y"), **{k: str(v) for k, v in session.facts.items()}}
        return self.value.format_map(_Missing(values))


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


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
    await session.page.locator(step.target).first.fill(step.text(session), timeout=session.step_ms)


@primitive("select")
async def _select(session: Session, step: PlaybookStep) -> None:
    await session.page.locator(step.target).first.select_option(step.text(session), timeout=session.step_ms)


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
    text = await session.page.locator(step.target).first.inner_text(timeout=session.step_ms)
    key = step.value or "receipt"
    session.facts[key] = find_receipt(text) or text.strip() if key == "receipt" else text.strip()
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


def load_playbook(path: Path) -> dict[str, list[PlaybookStep]]:
    """Parse and validate one playbook; raise ConfigError naming file, line and fix."""
    document = yamlfile.load(path)
    if not isinstance(document, dict) or not isinstance(document.get("steps"), dict):
        raise ConfigError("thiếu khóa steps", file=str(path), field="steps",
                          fix="viết steps: <tên bước>: [danh sách bước]; xem crawler/bot/playbook.py")
    out: dict[str, list[PlaybookStep]] = {}
    for name, items in document["steps"].items():
        if name not in FLOW:
            raise ConfigError(f"bước '{name}' không có trong quy trình", file=str(path), field=f"steps.{name}",
                              line=yamlfile.line_of(document, ("steps", name)), fix=f"dùng một trong: {', '.join(FLOW)}")
        if not isinstance(items, list) or not items:
            raise ConfigError("phải là một danh sách bước", file=str(path), field=f"steps.{name}",
                              line=yamlfile.line_of(document, ("steps", name)), fix="ví dụ - {action: click, target: '#nut'}")
        parsed = []
        for index, item in enumerate(items):
            where = dict(file=str(path), field=f"steps.{name}[{index}]",
                         line=yamlfile.line_of(document, ("steps", name, index)))
            if not isinstance(item, dict) or item.get("action") not in PRIMITIVES:
                action = item.get("action") if isinstance(item, dict) else item
                raise ConfigError(f"hành động '{action}' không được biết", **where,
                                  fix=f"dùng một trong: {', '.join(sorted(PRIMITIVES))}")
            unknown = set(item) - {"action", "target", "value"}
            if unknown:
                raise ConfigError(f"khóa không được biết: {', '.join(sorted(unknown))}", **where,
                                  fix="chỉ dùng action, target, value")
            parsed.append(PlaybookStep(str(item["action"]), str(item.get("target", "")), str(item.get("value", ""))))
        out[name] = parsed
    return out

