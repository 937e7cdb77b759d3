"""`kiemtra playbook draft SERVICE_ID`: a playbook skeleton from where the bot got stuck (issue 14).

The newest run of the service is read from the store; its first step that did not succeed (with the
page, the controls it saw and the candidates it tried, recorded by `crawler/bot/progress.py`)
becomes a YAML playbook for that step. The controls whose meaning the bot knew are filled with the
citizen's fields ({full_name}, {id_number}...); the others are left without a value, so `kiemtra
config check` names each line still to fill. The draft is written under <config>/playbooks/nhap/,
which the config does not load: once filled, move it into <config>/playbooks/ and name it on the
service (`playbook: <name>`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from evidence import runs
from kiemtra.commands.base import State, console, pass_state, synced_store
from kiemtra.errors import ConfigError

# What a control means to the bot → the value a playbook types into it.
VALUES = {"full_name": "{full_name}", "email": "{email}", "username": "{email}", "password": "{password}",
          "id_number": "{id_number}", "phone": "{phone}", "address": "{address}", "birth_date": "{birth_date}",
          "receipt": "{receipt}"}


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def draft_text(service_id: str, run_id: str, step: dict[str, Any]) -> str:
    """The YAML of a playbook replacing `step` (a stored step row with its detail)."""
    detail = step["detail"]
    stuck = detail.get("stuck") or {}
    url = stuck.get("url") or step.get("url") or ""
    why = stuck.get("why") or detail.get("looked_for") or step["outcome"]
    lines = [f"# Bản nháp playbook cho {service_id}, từ lượt {run_id}, bước «{step['name']}» ({step['outcome']}: {why}).",
             f"# Trang: {url}"]
    for tried in stuck.get("tried", []):
        lines.append(f"# Bot đã bấm «{tried['text']}»: {tried['change']}")
    lines += ["# Điền các chỗ còn thiếu (kiemtra config check chỉ ra từng dòng), chuyển tệp vào config/playbooks/",
              "# rồi thêm «playbook: <tên tệp>» cho dịch vụ trong config/agencies/.", "steps:", f"  {step['name']}:"]
    if url:
        lines.append(f"    - {{action: open, target: {_quote(url)}}}")
    for control in stuck.get("controls", []):
        kind, selector = control.get("type", ""), control["selector"]
        label = f"  # {control.get('label', '')}".rstrip(" #")
        if kind == "file":
            lines.append(f"    - {{action: upload, target: {_quote(selector)}}}{label}")
        elif kind in ("checkbox", "radio"):
            lines.append(f"    - {{action: check, target: {_quote(selector)}}}{label}")
        elif kind in ("select", "select-one"):
            lines.append(f"    - {{action: select, target: {_quote(selector)}}}{label}  # thêm value: <mục cần chọn>")
        else:
            value = VALUES.get(control.get("meaning", ""))
            shown = f", value: {_quote(value)}" if value else ""
            lines.append(f"    - {{action: fill, target: {_quote(selector)}{shown}}}{label}"
                         + ("" if value else "  # thêm value"))
    for candidate in stuck.get("candidates", [])[:1]:
        lines.append(f"    - {{action: click, target: {_quote(candidate['selector'])}}}  # {candidate['text']}")
    if step["name"] == "submit":
        lines.append("    - {action: read, value: receipt}  # thêm target: <bộ chọn phần tử hiện mã hồ sơ>")
    return "\n".join(lines) + "\n"


@click.group("playbook")
def playbook_group() -> None:
    """Playbooks for portals the bot's heuristics cannot read."""


@playbook_group.command("draft")
@click.argument("service_id")
@pass_state
def draft_command(state: State, service_id: str) -> None:
    """Write a playbook skeleton from the step where the newest run of SERVICE_ID got stuck.

    Example: kiemtra playbook draft quang-ninh-001
    """
    config = state.load()
    config.service(service_id)  # an unknown id is a one-line error
    with synced_store(config) as store:
        run = next(iter(reversed(list(runs.find(store, kind="service", target_id=service_id)))), None)
        if run is None:
            raise ConfigError(f"dịch vụ '{service_id}' chưa có lượt kiểm tra nào", field="SERVICE_ID",
                              fix=f"chạy kiemtra rerun {service_id} trước")
        rows = runs.steps(store, run["id"])
    steps = [{**row, "detail": json.loads(row["detail"]) if isinstance(row["detail"], str) else (row["detail"] or {})}
             for row in rows]
    stuck = next((s for s in steps if s["detail"].get("stuck")), None) or next(
        (s for s in steps if s["outcome"] in ("not_found", "failed") and s["name"] not in ("track", "pay", "result")), None)
    if stuck is None:
        raise ConfigError(f"lượt {run['id']} của '{service_id}' không dừng ở bước nào", field="SERVICE_ID",
                          fix="chỉ viết playbook cho dịch vụ mà bot bị dừng giữa chừng")
    target = Path(config.dir) / "playbooks" / "nhap" / f"{service_id}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(draft_text(service_id, run["id"], stuck), encoding="utf-8")
    console.print(f"Đã viết bản nháp playbook {target} từ bước «{stuck['name']}» của lượt {run['id']}.")


COMMANDS = [playbook_group]
