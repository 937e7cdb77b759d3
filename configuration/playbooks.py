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

This module owns what a playbook may say: the flow's step names and each primitive's parameters,
as data. Running a primitive belongs to `crawler/bot/playbook.py`, which checks at import that it
implements exactly the primitives declared here; so reading config never imports a browser.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from configuration import yamlfile
from configuration.problems import Problems
from kiemtra.errors import ConfigError, ConfigInvalid

# The citizen's flow, in order: a playbook may replace any of these steps (crawler.bot.citizen walks them).
FLOW = ("open", "start_submission", "register", "confirm_email", "login", "submit", "track", "pay", "result")

Need = Literal["required", "optional", "unused"]


@dataclass(frozen=True)
class Primitive:
    """What one primitive step takes: its target (a URL or a selector) and its value."""

    name: str
    target: str          # what the target is, for the fix of a missing one
    value: Need = "unused"
    summary: str = ""


PRIMITIVES: dict[str, Primitive] = {p.name: p for p in (
    Primitive("open", "địa chỉ trang", summary="mở một địa chỉ"),
    Primitive("click", "bộ chọn phần tử", summary="bấm phần tử"),
    Primitive("fill", "bộ chọn ô nhập", "required", "điền value (có thể có {email}, {receipt}...) vào ô"),
    Primitive("select", "bộ chọn ô chọn", "required", "chọn mục value trong ô chọn"),
    Primitive("check", "bộ chọn ô đánh dấu", summary="đánh dấu ô"),
    Primitive("upload", "bộ chọn ô tệp", summary="tải lên tệp thử nghiệm"),
    Primitive("wait", "bộ chọn phần tử", summary="chờ phần tử xuất hiện"),
    Primitive("expect", "bộ chọn phần tử", summary="chờ phần tử hiện ra, không có thì bước thất bại"),
    Primitive("read", "bộ chọn phần tử", "optional", "đọc chữ của phần tử vào sự kiện value (mặc định receipt)"),
)}
KEYS = ("action", "target", "value")


@dataclass(frozen=True)
class PlaybookStep:
    """One primitive step: an action of PRIMITIVES, its target, its value (braces name known values)."""

    action: str
    target: str = ""
    value: str = ""

    def text(self, values: Mapping[str, str]) -> str:
        """The value with the braces it names filled in; an unknown name stays as written."""
        return self.value.format_map(_Missing(values))


class _Missing(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


Playbook = dict[str, list[PlaybookStep]]   # flow step -> the primitive steps replacing it


def parse_playbook(path: Path, problems: Problems) -> Playbook | None:
    """One playbook; each problem (file, line, field, fix) appended; None if any."""
    try:
        document = yamlfile.load(path)
    except ConfigError as exc:
        problems.append(exc)
        return None
    if not isinstance(document, dict) or not isinstance(document.get("steps"), dict):
        problems.append(ConfigError("thiếu khóa steps", file=str(path), field="steps",
                                    fix="viết steps: <tên bước>: [danh sách bước]; xem configuration/playbooks.py"))
        return None
    before = len(problems)
    out: Playbook = {}
    for name, items in document["steps"].items():
        where: dict[str, Any] = {"file": str(path), "field": f"steps.{name}",
                                 "line": yamlfile.line_of(document, ("steps", name))}
        if name not in FLOW:
            problems.append(ConfigError(f"bước '{name}' không có trong quy trình", **where,
                                        fix=f"dùng một trong: {', '.join(FLOW)}"))
        elif not isinstance(items, list) or not items:
            problems.append(ConfigError("phải là một danh sách bước", **where, fix="ví dụ - {action: click, target: '#nut'}"))
        else:
            steps = [_step(item, path, document, name, index, problems) for index, item in enumerate(items)]
            out[name] = [step for step in steps if step is not None]
    return out if len(problems) == before else None


def _step(item: Any, path: Path, document: Any, name: str, index: int, problems: Problems) -> PlaybookStep | None:
    where: dict[str, Any] = {"file": str(path), "field": f"steps.{name}[{index}]",
                             "line": yamlfile.line_of(document, ("steps", name, index))}
    action = item.get("action") if isinstance(item, dict) else item
    spec = PRIMITIVES.get(action) if isinstance(action, str) else None
    if not isinstance(item, dict) or spec is None:
        problems.append(ConfigError(f"hành động '{action}' không được biết", **where,
                                    fix=f"dùng một trong: {', '.join(sorted(PRIMITIVES))}"))
        return None
    unknown = set(item) - set(KEYS)
    if unknown:
        problems.append(ConfigError(f"khóa không được biết: {', '.join(sorted(map(str, unknown)))}", **where,
                                    fix="chỉ dùng action, target, value"))
        return None
    target, value = str(item.get("target") or ""), str(item.get("value") or "")
    if not target.strip():
        problems.append(ConfigError(f"{spec.name} thiếu target", **where, fix=f"thêm target: <{spec.target}>"))
        return None
    if spec.value == "required" and "value" not in item:
        problems.append(ConfigError(f"{spec.name} thiếu value", **where, fix=f"thêm value: ({spec.summary})"))
        return None
    if spec.value == "unused" and value:
        problems.append(ConfigError(f"{spec.name} không dùng value", **where, fix=f"bỏ value ({spec.name}: {spec.summary})"))
        return None
    return PlaybookStep(spec.name, target, value)


def load_playbook(path: Path) -> Playbook:
    """One playbook on its own; ConfigInvalid lists every problem."""
    problems: Problems = []
    playbook = parse_playbook(path, problems)
    if playbook is None:
        raise ConfigInvalid(problems)
    return playbook


def parse_playbooks(root: Path, problems: Problems) -> dict[str, Playbook]:
    """Every playbook of the folder by name (the file's stem); the invalid ones are left out."""
    found: dict[str, Playbook] = {}
    for path in sorted((root / "playbooks").glob("*.yaml")):
        playbook = parse_playbook(path, problems)
        if playbook is not None:
            found[path.stem] = playbook
    return found


def playbook_names(root: Path) -> set[str]:
    """The playbooks the folder has, valid or not (an agency naming a broken one is told about the playbook only)."""
    return {path.stem for path in (root / "playbooks").glob("*.yaml")}
