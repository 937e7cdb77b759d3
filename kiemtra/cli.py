"""The `kiemtra` command: thin commands that parse arguments and call the library.

Exit codes: 0 done, 1 some checks could not run (the bot could not see a site), 2 bad usage,
config or set-up, 3 another crawl holds the store, 130 interrupted (the tree and each class's code
are in `kiemtra.errors`). Messages to inspectors are Vietnamese, one line an error: the library
raises a named error where it notices bad input, and `run_cli` only prints it.
"""

from __future__ import annotations

import re
import sys

import click
from rich.markup import escape

from kiemtra import __version__
from kiemtra.commands import catalogue, config, crawl, evidence, playbook, portal, score, service, users, worker, world
from kiemtra.commands.base import State, errors
from kiemtra.errors import ConfigInvalid, KiemtraError


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
    except click.exceptions.NoArgsIsHelpError as exc:
        exc.show()  # a command group called alone: its help is the answer, not an error
        return 2
    except click.UsageError as exc:
        _say(_usage_line(exc))
        return 2
    except click.ClickException as exc:
        exc.show()
        return 2
    except ConfigInvalid as exc:
        for problem in exc.problems:
            _say(str(problem))
        return exc.exit_code
    except KiemtraError as exc:
        _say(str(exc))
        return exc.exit_code
    return 0


def _usage_line(exc: click.UsageError) -> str:
    """Click's own usage error (a missing or unknown argument, a value out of range) as one Vietnamese line that
    names the argument and where its help is; click's English detail, where there is one, stays in brackets."""
    command = exc.ctx.command_path if exc.ctx is not None else "kiemtra"
    helps = f"xem `{command} --help`"
    if isinstance(exc, click.MissingParameter):
        name = exc.param.get_error_hint(exc.ctx) if exc.param is not None and exc.ctx is not None else (exc.param_hint or "")
        return f"{str(name).strip(chr(39))}: thiếu giá trị bắt buộc — {helps}"
    if isinstance(exc, click.NoSuchOption):
        maybe = f" (có phải: {', '.join(exc.possibilities)}?)" if exc.possibilities else ""
        return f"{exc.option_name}: không có tùy chọn này{maybe} — {helps}"
    if isinstance(exc, click.BadParameter):
        name = exc.param.get_error_hint(exc.ctx) if exc.param is not None and exc.ctx is not None else (exc.param_hint or "")
        return f"{str(name).strip(chr(39))}: giá trị không hợp lệ ({exc.message}) — {helps}"
    unknown = re.match(r"No such command '(.+)'\.", exc.message)
    if unknown:
        return f"{unknown.group(1)}: không có lệnh này — {helps}"
    extra = re.match(r"Got unexpected extra arguments? \((.+)\)", exc.message)
    if extra:
        return f"{extra.group(1)}: thừa đối số — {helps}"
    return f"{command}: cách gọi không đúng ({exc.message}) — {helps}"


def _say(message: str) -> None:
    """One error on one line of stderr; the message is text, never markup (a path may hold `[...]`)."""
    errors.print("[red]lỗi[/red] " + escape(" ".join(message.split())), markup=True, soft_wrap=True)


def entry() -> None:
    sys.exit(run_cli())


for _module in (config, catalogue, crawl, evidence, portal, score, service, world, worker, playbook, users):
    for _command in _module.COMMANDS:
        main.add_command(_command)
