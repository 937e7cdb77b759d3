"""`kiemtra users add | list | disable`: the people of the workspace and their roles (issue 18).

A password is typed twice at a terminal, or read as one line from stdin when stdin is not a terminal
(`printf '%s\\n' "$PW" | kiemtra users add ...`); it is never echoed, printed or logged, and only its
scrypt hash is stored (`evidence/people.py`). There are no default accounts: until the first user is
added the evidence browser stays read-only on loopback.
"""

from __future__ import annotations

import sys

import click
from rich.markup import escape
from rich.table import Table

from evidence import people
from kiemtra.commands.base import State, console, pass_state, synced_store
from kiemtra.errors import ConfigError


def read_password() -> str:
    """The new password: prompted twice without echo at a terminal, else one line of stdin."""
    if sys.stdin is not None and sys.stdin.isatty():
        first = click.prompt("Mật khẩu", hide_input=True, err=True)
        second = click.prompt("Gõ lại mật khẩu", hide_input=True, err=True)
        if first != second:
            raise ConfigError("hai lần gõ mật khẩu không giống nhau", field="mật khẩu", fix="chạy lại lệnh và gõ lại")
        return str(first)
    line = sys.stdin.readline() if sys.stdin is not None else ""
    password = line.rstrip("\r\n")
    if not password:
        raise ConfigError("không đọc được mật khẩu từ stdin", field="mật khẩu",
                          fix="gõ ở terminal, hoặc đưa một dòng vào stdin: printf '%s\\n' \"$MAT_KHAU\" | kiemtra users add ...")
    return password


@click.group("users")
def users_group() -> None:
    """People of the workspace (kiemtra serve): inspectors, the appraiser, viewers, agencies' representatives."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(people.ROLES),
              help="inspector (judges, scores as A or B), appraiser (settles), viewer (reads), agency (confirms its figures).")
@click.option("--agency", "agency_id", metavar="ID", help="With --role agency: the agency the person speaks for.")
@pass_state
def users_add(state: State, name: str, role: str, agency_id: str | None) -> None:
    """Add a person; the password is typed twice (or one line on stdin), never shown.

    \b
    Example: kiemtra users add nguyen-van-a --role inspector
    Example: printf '%s\\n' "$PW" | kiemtra users add vp-bac-ninh --role agency --agency bac-ninh
    """
    config = state.load()
    with synced_store(config) as store:
        people.validate(store, name, role, agency_id, "x" * people.MIN_PASSWORD)  # refuse before asking a password
        user = people.add_user(store, name, role, read_password(), agency_id=agency_id)
    console.print(f"Đã thêm người dùng {escape(user.name)} ({people.ROLE_WORDS[user.role]}"
                  + (f", cơ quan {escape(user.agency_id)}" if user.agency_id else "") + ").")


@users_group.command("list")
@pass_state
def users_list(state: State) -> None:
    """Every person with their role, agency and whether they are disabled.

    Example: kiemtra users list
    """
    config = state.load()
    with synced_store(config) as store:
        rows = people.list_users(store)
    table = Table("tên", "vai trò", "cơ quan", "thêm lúc", "khóa lúc")
    for row in rows:
        table.add_row(escape(row["name"]), people.ROLE_WORDS.get(row["role"], row["role"]), escape(row["agency_id"] or "—"),
                      row["created_at"], row["disabled_at"] or "—")
    console.print(table)
    console.print(f"{len(rows)} người dùng.")


@users_group.command("disable")
@click.argument("name")
@pass_state
def users_disable(state: State, name: str) -> None:
    """Disable a person (kept in the audit history) and end their sessions.

    Example: kiemtra users disable nguyen-van-a
    """
    config = state.load()
    with synced_store(config) as store:
        if not people.disable_user(store, name):
            raise ConfigError(f"không có người dùng đang hoạt động tên «{name[:60]}»", field="NAME",
                              fix="xem `kiemtra users list`")
    console.print(f"Đã khóa người dùng {escape(name)}; các phiên đăng nhập của họ đã kết thúc.")


COMMANDS = [users_group]
