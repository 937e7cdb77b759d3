"""The `kiemtra` command: thin commands that parse arguments and call the library.

Exit codes: 0 done, 1 some checks could not run (the bot could not see a site), 2 bad usage,
config or set-up. Messages to inspectors are Vietnamese.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from crawler import __version__
from crawler.config import Config, ConfigInvalid, config_dir, load_config
from crawler.errors import ConfigError, KiemtraError
from evidence.errors import StoreError

console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


class State:
    """What the group's options chose, handed to every command."""

    def __init__(self, config: str | None, data: str | None) -> None:
        self.config_option = config
        self.overrides: dict[str, Any] = {"data": data} if data else {}

    def load(self, **overrides: Any) -> Config:
        return load_config(self.config_option, {**self.overrides, **overrides})


pass_state = click.make_pass_decorator(State)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="kiemtra")
@click.option("--config", "config", metavar="DIR", envvar="KIEMTRA_CONFIG",
              help="Config folder (default: the repo's config/; env KIEMTRA_CONFIG).")
@click.option("--data", "data", metavar="DIR", help="Data folder for kiemtra.db and evidence/ (env KIEMTRA_DATA).")
@click.pass_context
def main(ctx: click.Context, config: str | None, data: str | None) -> None:
    """kiemtra: inspect agencies' portals and online public services (Decision 2342/QĐ-BTTTT).

    \b
    Example:
      kiemtra demo                 # start the demo world and crawl it
      kiemtra --config my/ crawl   # crawl the agencies declared in my/agencies/
    """
    ctx.obj = State(config, data)


def run_cli(args: list[str] | None = None) -> int:
    """Run the CLI and turn kiemtra's errors into one line and a stable exit code."""
    try:
        # Without standalone mode click returns (not raises) the code of `Exit`: keep it.
        code = main.main(args=args, prog_name="kiemtra", standalone_mode=False)
        if isinstance(code, int):
            return code
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.Abort:
        errors.print("Đã dừng.")
        return 130
    except click.ClickException as exc:
        exc.show()
        return 2
    except ConfigInvalid as exc:
        for problem in exc.problems:
            errors.print(f"[red]lỗi[/red] {problem}", markup=True, soft_wrap=True)
        return exc.exit_code
    except (KiemtraError, StoreError) as exc:
        errors.print(f"[red]lỗi[/red] {exc}", markup=True, soft_wrap=True)
        return exc.exit_code
    return 0


def entry() -> None:
    sys.exit(run_cli())


# -- config ----------------------------------------------------------------------------------
@main.group("config")
def config_group() -> None:
    """Check the config folder."""


@config_group.command("check")
@pass_state
def config_check(state: State) -> None:
    """Validate settings and every agency file; print each problem on one line.

    Example: kiemtra --config config/ config check
    """
    config = state.load()
    from crawler.scoring_config import load_scoring

    load_scoring(config.dir)   # the scoring table is config too: its problems print like the others
    services = sum(len(a.services) for a in config.agencies)
    console.print(f"Cấu hình hợp lệ: {config.dir} — {len(config.agencies)} cơ quan, {services} dịch vụ.")


@main.command("settings")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def settings_command(state: State, as_json: bool) -> None:
    """Show every setting with its value now and its help.

    Example: kiemtra settings
    """
    from crawler.settings import describe

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


@main.command("setup")
def setup_command() -> None:
    """Find Chromium and make Playwright's video recording work with the system ffmpeg.

    Example: kiemtra setup
    """
    from crawler.browser import ensure_ffmpeg, find_chromium

    chromium = find_chromium()
    ffmpeg = ensure_ffmpeg()
    console.print(f"Trình duyệt: {chromium}")
    console.print(f"ffmpeg cho video: {ffmpeg or 'không có — video sẽ không được ghi (apt-get install ffmpeg)'}")


from crawler import commands_catalogue, commands_crawl, commands_evidence, commands_portal, commands_score, commands_service, commands_world  # noqa: E402,F401  (they register their commands)
