"""Commands about the set-up: `kiemtra config check`, `kiemtra settings`, `kiemtra setup`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kiemtra.commands.base import State, console, pass_state


@click.group("config")
def config_group() -> None:
    """Check the config folder."""


@config_group.command("check")
@pass_state
def config_check(state: State) -> None:
    """Validate everything under config/ (settings, agencies, playbooks, criteria, scoring); print each problem on one line.

    Example: kiemtra --config config/ config check
    """
    config = state.load()
    services = sum(len(a.services) for a in config.agencies)
    console.print(f"Cấu hình hợp lệ: {config.dir} — {len(config.agencies)} cơ quan, {services} dịch vụ, "
                  f"{len(config.criteria)} tiêu chí, {len(config.playbooks)} playbook.")


@click.command("settings")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def settings_command(state: State, as_json: bool) -> None:
    """Show every setting with its value now and its help.

    Example: kiemtra settings
    """
    from configuration.settings import describe

    config = state.load()
    values = json.loads(config.settings.model_dump_json())
    rows = []
    for name, default, help_text in describe():
        group, _, sub = name.partition(".")
        value = values[group][sub] if sub else values[group]
        rows.append({"name": name, "value": value, "default": default if not isinstance(default, Path) else str(default),
                     "help": help_text})
    if as_json:
        console.print_json(json.dumps(rows, ensure_ascii=False, default=str))
        return
    from rich.table import Table

    table = Table("setting", "value", "help")
    for row in rows:
        table.add_row(row["name"], str(row["value"]), row["help"])
    console.print(table)


@click.command("setup")
def setup_command() -> None:
    """Find Chromium and make Playwright's video recording work with the system ffmpeg.

    Example: kiemtra setup
    """
    from crawler.browser.launch import ensure_ffmpeg, find_chromium

    chromium = find_chromium()
    ffmpeg = ensure_ffmpeg()
    console.print(f"Trình duyệt: {chromium}")
    console.print(f"ffmpeg cho video: {ffmpeg or 'không có — video sẽ không được ghi (apt-get install ffmpeg)'}")


COMMANDS = [config_group, settings_command, setup_command]
