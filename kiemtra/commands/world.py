"""Commands of the demo world: `kiemtra world serve` and `kiemtra demo`.

These are the only product code that imports `demoworld`; nothing else may.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import click

from configuration.loader import DEFAULT_CONFIG_DIR, load_all
from kiemtra.commands.base import State, console, pass_state
from kiemtra.errors import ConfigError

if TYPE_CHECKING:  # the world starts servers: imported only where a command needs it
    from demoworld.world import World

DEFAULT_WORLD_PORT = 8700


def write_world_config(world: World, directory: Path, template: Path = DEFAULT_CONFIG_DIR) -> Path:
    """A complete config folder: the template's settings and tables, with the world's agencies."""
    directory.mkdir(parents=True, exist_ok=True)
    for item in template.iterdir():
        if item.name == "agencies":
            continue
        destination = directory / item.name
        if item.is_dir():
            shutil.copytree(item, destination, dirs_exist_ok=True)
        else:
            shutil.copy2(item, destination)
    if (directory / "agencies").exists():
        shutil.rmtree(directory / "agencies")
    world.write_config(directory)
    settings = directory / "settings.yaml"
    text = settings.read_text(encoding="utf-8") if settings.exists() else ""
    text = re.sub(r"(?ms)^mailbox:.*?(?=^\S|\Z)", "", text).rstrip("\n")
    settings.write_text(f"{text}\n\n# The demo world's inbox, where the bot reads its confirmation mail.\n"
                        f"mailbox:\n  kind: http\n  url: {world.urls['mail']}\n", encoding="utf-8")
    return directory


def load_world_catalogue(world: World, data: Path) -> None:
    """Import the world's CSDL TTHC export, as a department imports the national one (R5 needs it)."""
    from evidence.store import Store
    from office.catalogue_import import import_file

    export = data / "demo-csdl-tthc.csv"
    export.parent.mkdir(parents=True, exist_ok=True)
    with urllib.request.urlopen(world.urls["csdl"] + "xuat-du-lieu.csv", timeout=30) as response:  # noqa: S310
        export.write_bytes(response.read())
    with Store(data) as store:
        report = import_file(store, export, source="csdl-mo-phong")
    console.print(f"CSDL TTHC mô phỏng: đã nhập {report.added + report.updated + report.unchanged} thủ tục từ {export.name}")


def _start_world(port: int, delay_ms: int) -> World:
    from demoworld import start_world

    try:
        return start_world(host="127.0.0.1", base_port=port, delay_ms=delay_ms)
    except OSError:
        if port == 0:
            raise
        console.print(f"Cổng {port} đang bận; chọn các cổng trống khác.")
        return start_world(host="127.0.0.1", base_port=0, delay_ms=delay_ms)


@click.group("world")
def world_group() -> None:
    """The demo world: simulated agencies, portals, DVCTT systems and CSDL TTHC on 127.0.0.1."""


@world_group.command("serve")
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_WORLD_PORT, show_default=True,
              help="First port of the world's block of ports (0: any free block).")
@click.option("--config-out", type=click.Path(file_okay=False, path_type=Path),
              help="Write a config folder pointing at the served world here (default: a temporary folder).")
@click.option("--delay-ms", type=click.IntRange(0, 60000), default=0, show_default=True,
              help="Latency added to every response, like a real provincial portal.")
def world_serve(port: int, config_out: Path | None, delay_ms: int) -> None:
    """Serve the demo world until Ctrl-C and write a config folder that points at it.

    Example: kiemtra world serve --port 8700 --config-out /tmp/world-config
    """
    from demoworld import serve_forever

    world = _start_world(port, delay_ms)
    out = write_world_config(world, config_out or Path(tempfile.mkdtemp(prefix="kiemtra-world-")))
    console.print(f"Thế giới mô phỏng đang chạy tại {world.urls['index']}")
    console.print(f"Cấu hình trỏ tới thế giới này: {out}")
    console.print("Nhấn Ctrl-C để dừng.")
    serve_forever(world)


@click.command("demo")
@click.option("--delay-ms", type=click.IntRange(0, 60000), default=0, show_default=True,
              help="Latency the world adds to every response.")
@click.option("--agency", metavar="ID", help="Crawl only this agency of the world (e.g. bhxh, a quick look).")
@pass_state
def demo_command(state: State, delay_ms: int, agency: str | None) -> None:
    """Start the demo world on free ports, crawl it with the default settings, print the summary.

    Example: kiemtra demo --agency bhxh
    """
    from demoworld.model import load_world_data
    from kiemtra.commands.crawl import crawl_and_report

    base = state.load()  # refuse to start on a bad config
    known = sorted(a.id for a in load_world_data().agencies)
    if agency and agency not in known:  # refused before any server starts
        raise ConfigError(f"thế giới mô phỏng không có cơ quan '{agency}'", field="--agency",
                          fix=f"dùng một trong: {', '.join(known)}")
    world = _start_world(0, delay_ms)
    try:
        out = write_world_config(world, base.settings.data / "demo-config", template=base.dir)
        console.print(f"Thế giới mô phỏng: {world.urls['index']} — cấu hình: {out}")
        config = load_all(out, {**state.overrides, "data": str(base.settings.data)})
        load_world_catalogue(world, config.settings.data)
        crawl_and_report(config, agency)
    finally:
        world.stop()


COMMANDS = [world_group, demo_command]
