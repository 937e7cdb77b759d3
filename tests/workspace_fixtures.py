"""The workspace's shared fixtures (issue 18): a store crawled from the demo world, people of every role
added through `kiemtra users add`, and the real `kiemtra serve` (waitress) on a free port.

    workspace_data    session: a data folder with real checks of WORKSPACE_SERVICES (a direct level-4
                      service, two by-report R8 services) and the world's CSDL TTHC imported
    workspace_server  module: a copy of that folder (each test module writes its own), the USERS added
                      with their passwords read from stdin, and `kiemtra serve` started on it; yields
                      a `Workspace` (unpacks as (base_url, data_dir, passwords)) whose `log()` is the
                      server's stderr so far
    sign_in(page, base_url, name, password)   the sign-in form, filled and sent, in a Playwright page

Use: `from tests.workspace_fixtures import USERS, sign_in` (the fixtures come through tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

# Direct level 4 (bac-ninh), by report behind an identity check (bo-tp), by report behind VNeID SSO (bhxh).
WORKSPACE_SERVICES = ("bac-ninh-003", "bo-tp-001", "bhxh-003")
# name → (role, agency): one person per role, two inspectors (A and B), an agency user for two agencies.
USERS = {"kiem-tra-a": ("inspector", None), "kiem-tra-b": ("inspector", None), "tham-dinh": ("appraiser", None),
         "nguoi-xem": ("viewer", None), "dai-dien-bac-ninh": ("agency", "bac-ninh"), "dai-dien-bo-tp": ("agency", "bo-tp")}
PASSWORDS = {name: f"mat-khau-{name}-7Qz!" for name in USERS}
CLI = [sys.executable, "-c", "from kiemtra.cli import entry; entry()"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def workspace_data(world, tmp_path_factory) -> dict[str, Any]:
    """A config folder for the running world and a data folder holding real checks of WORKSPACE_SERVICES."""
    from configuration.loader import load_all
    from crawler.browser.launch import chromium, ensure_ffmpeg
    from crawler.visits.service import check_service
    from evidence import agencies
    from evidence.store import Store
    from kiemtra.commands.world import load_world_catalogue, write_world_config

    root = tmp_path_factory.mktemp("workspace")
    config_dir = write_world_config(world, root / "config")
    settings = config_dir / "settings.yaml"
    data = root / "var"
    settings.write_text(settings.read_text(encoding="utf-8").replace("data: ./var", f"data: {data}"), encoding="utf-8")
    config = load_all(config_dir)
    load_world_catalogue(world, data)
    ensure_ffmpeg()

    async def crawl() -> dict[str, str]:
        made = {}
        async with chromium(config.settings) as browser:
            with Store(data) as store:
                agencies.sync(store, config.agency_rows())
                for service_id in WORKSPACE_SERVICES:
                    agency, service = config.service(service_id)
                    made[service_id] = (await check_service(browser, agency, service, store, config.settings)).run_id
        return made

    runs = asyncio.run(crawl())
    return {"config": config_dir, "data": data, "runs": runs, "settings": config.settings}


class ServerLog(list):
    """The lines a server wrote to stderr, read by a thread; `wait_for` awaits a line instead of sleeping."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = threading.Condition()

    def follow(self, stream: Any) -> None:
        for line in stream:
            with self.changed:
                self.append(line)
                self.changed.notify_all()

    def wait_for(self, text: str, count: int = 1, timeout: float = 10.0) -> str:
        """The log once `text` appears in it `count` times (or as it is after `timeout` seconds)."""
        with self.changed:
            self.changed.wait_for(lambda: "".join(self).count(text) >= count, timeout=timeout)
            return "".join(self)


@dataclass
class Workspace:
    base_url: str
    data_dir: Path
    passwords: dict[str, str]
    config_dir: Path
    runs: dict[str, str]
    process: subprocess.Popen[str]
    lines: ServerLog = field(default_factory=ServerLog)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.base_url, self.data_dir, self.passwords))

    def log(self) -> str:
        return "".join(self.lines)


def cli(config_dir: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`kiemtra --config config_dir ARGS` in a child process, with `stdin` piped in (so not a terminal)."""
    return subprocess.run([*CLI, "--config", str(config_dir), *args], input=stdin, capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})}, check=False)


def start_server(config_dir: Path, data_dir: Path, *, env: dict[str, str] | None = None, host: str = "127.0.0.1",
                 port: int | None = None) -> tuple[subprocess.Popen[str], str, ServerLog]:
    """`kiemtra serve` in a child process; returns once waitress says it serves (or fails with its log)."""
    port = port or free_port()
    process = subprocess.Popen([*CLI, "--config", str(config_dir), "--data", str(data_dir), "serve", "--host", host,
                                "--port", str(port)], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                               env={**os.environ, **(env or {})})
    assert process.stderr is not None
    lines = ServerLog()
    for line in process.stderr:   # waitress logs "Serving on ..." once it listens
        lines.append(line)
        if "Serving on" in line:
            break
    else:
        process.wait(timeout=10)
        pytest.fail("kiemtra serve did not start:\n" + "".join(lines))
    threading.Thread(target=lines.follow, args=(process.stderr,), daemon=True).start()   # keep its log for the tests
    return process, f"http://{host}:{port}", lines


def add_users(config_dir: Path, data_dir: Path, users: dict[str, tuple[str, str | None]] = USERS,
              passwords: dict[str, str] = PASSWORDS) -> None:
    for name, (role, agency) in users.items():
        done = cli(config_dir, "--data", str(data_dir), "users", "add", name, "--role", role,
                   *(["--agency", agency] if agency else []), stdin=passwords[name] + "\n")
        assert done.returncode == 0, done.stderr
        assert passwords[name] not in done.stdout + done.stderr


@pytest.fixture(scope="module")
def workspace_server(workspace_data, tmp_path_factory) -> Iterator[Workspace]:
    """`kiemtra serve` over this module's own copy of the crawled store, with every role's user added."""
    data = tmp_path_factory.mktemp("workspace-served") / "var"
    shutil.copytree(workspace_data["data"], data)
    add_users(workspace_data["config"], data)
    process, url, lines = start_server(workspace_data["config"], data)
    served = Workspace(url, data, dict(PASSWORDS), workspace_data["config"], dict(workspace_data["runs"]), process, lines)
    yield served
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def sign_in(page: Any, base_url: str, name: str, password: str) -> None:
    """Fill and send the sign-in form; returns once the browser has left the sign-in page."""
    page.goto(base_url + "/dang-nhap")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form.sign-in button[type=submit]")
    assert "/dang-nhap" not in page.url, page.inner_text("main")


@pytest.fixture(scope="module")
def workspace_chromium() -> Iterator[Any]:
    """One Chromium (the system's or Playwright's, as the product finds it) for a module's pages."""
    from playwright.sync_api import sync_playwright

    from configuration.settings import Settings
    from crawler.browser.launch import launch_options

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_options(Settings()))
        yield browser
        browser.close()


@pytest.fixture()
def workspace_page(workspace_chromium) -> Iterator[Any]:
    """A fresh context (no cookies) and page per test; dialogs are dismissed and kept in `page.dialogs`."""
    context = workspace_chromium.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()
