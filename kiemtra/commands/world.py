"""Commands of the demo world: `kiemtra world serve` and `kiemtra demo`.

These are the only product code that imports `demoworld`; nothing else may.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from configuration.loader import DEFAULT_CONFIG_DIR, Config, load_all
from kiemtra.commands.base import State, console, pass_state
from kiemtra.errors import ConfigError

if TYPE_CHECKING:  # the world starts servers: imported only where a command needs it
    from demoworld.world import World

DEFAULT_WORLD_PORT = 8700

# The demo only: its R6 second attempts at "another time" come seconds, not hours, after the first,
# so one `kiemtra demo` shows a failure re-checked before it is judged. Passed as an override of the
# demo's own config (`retry.*`); config/settings.yaml and the production defaults are never changed.
DEMO_RETRY = {"min_delay_minutes": 0.1, "other_window_hours": 0.002}
# The demo only: it has no second person to score the portals, so a second kiemtra crawl at another
# viewport serves as inspector B (R1), which the status shows as such; production keeps it off.
DEMO_REVIEW = {"crawl_as_b": True}
DEMO_B_VIEWPORT = (1280, 800)


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
    allow_world_ports(settings, world.allowed_private())
    return directory


def allow_world_ports(settings: Path, ports: list[str]) -> None:
    """Let the navigation policy reach the world's loopback ports, and only those (navigation.allowed_private)."""
    text = re.sub(r"(?ms)^navigation:.*?(?=^\S|\Z)", "", settings.read_text(encoding="utf-8")).rstrip("\n")
    listed = "".join(f"\n    - \"{port}\"" for port in ports)
    settings.write_text(f"{text}\n\n# The demo world is on loopback: the navigation policy lets checks reach its ports only.\n"
                        f"navigation:\n  allowed_private:{listed}\n", encoding="utf-8")


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


def load_world_surveys(config: Config, year: int, folder: Path) -> list[Path]:
    """Fill each demo agency's survey form (1A/2A/3A) from the world's data and import it like a real one."""
    from openpyxl import load_workbook

    from demoworld.model import load_survey_figures
    from evidence import surveys
    from evidence.store import Store
    from office.survey import read_form, write_template

    figures = load_survey_figures()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with Store(config.settings.data) as store:
        for agency in config.agencies:
            values = figures.get(agency.id)
            if not values:
                continue
            path = folder / f"phieu-khao-sat-{agency.id}-{year}.xlsx"
            write_template(path, agency.group, config.scoring, agency_id=agency.id, year=year)
            book = load_workbook(path)
            sheet = book.worksheets[0]
            for row in range(1, sheet.max_row + 1):
                if sheet.cell(row, 1).value in values:
                    sheet.cell(row, 6, values[sheet.cell(row, 1).value])
            book.save(path)
            form = read_form(path, config, year=year)
            surveys.save_survey(store, form.year, form.agency_id, form.rows(path.name))
            written.append(path)
    console.print(f"Phiếu khảo sát của {len(written)} cơ quan mô phỏng đã nhập (năm {year}): {folder}")
    return written


def retry_passes(config: Config, agency_id: str | None) -> int:
    """Run the R6 second (and later) attempts the first pass queued, each when it falls due; passes made."""
    from evidence import queue
    from evidence.clock import parse, utc_clock
    from evidence.store import Store
    from kiemtra.commands.crawl import crawl_and_report

    passes = 0
    for _ in range(2 * config.settings.retry.max_attempts):
        with Store(config.settings.data) as store:
            waiting = queue.jobs(store, statuses=("retry",), agency_id=agency_id)
        if not waiting:
            break
        due = min(parse(job["due_at"]) for job in waiting)
        wait = max(0.0, (due - utc_clock()).total_seconds())
        console.print(f"Kiểm tra lại vào lúc khác (R6): {len(waiting)} việc chờ thử lại; lượt kế tiếp sau {wait:.0f} giây.")
        time.sleep(wait + 0.5)  # the demo waits for its own retry time, as the next night's crawl would
        crawl_and_report(config, agency_id, only_queued=True)
        passes += 1
    return passes


def review_portals(config: Config, agency_id: str | None) -> None:
    """Category 3 in the demo: each portal crawled by kiemtra as inspector A, then again as B at another viewport."""
    from crawler.portal.look import inspect_portal, score_portal
    from evidence.store import Store

    width, height = DEMO_B_VIEWPORT
    b_settings = config.settings.model_copy(update={"browser": config.settings.browser.model_copy(
        update={"viewport_width": width, "viewport_height": height})})
    criteria = list(config.criteria)
    agencies = [config.agency(agency_id)] if agency_id else list(config.agencies)
    with Store(config.settings.data) as store:
        for agency in agencies:
            for role, settings in (("A", config.settings), ("B", b_settings)):
                run_id, observation = inspect_portal(agency, settings, store, role=role, inspector=f"kiemtra-{role}")
                score_portal(store, observation, criteria, role=role, inspector=f"kiemtra-{role}", run_id=run_id)
    console.print(f"Trang/Cổng TTĐT: {len(agencies)} cổng được kiemtra chấm hai lần (A, rồi B ở khung nhìn "
                  f"{width}x{height}; chỉ trong bản chạy thử).")


def score_and_report(config: Config, year: int, folder: Path) -> Path:
    """Score the world's agencies, print the ranking per group and write the reports; the HTML report's path."""
    from evidence.store import Store
    from kiemtra.commands.score import print_scores
    from office.reports.writer import write_reports
    from office.scoring import run_scoring

    base = f"http://{config.settings.serve.host}:{config.settings.serve.port}"
    with Store(config.settings.data) as store:
        results = run_scoring(store, config, year)
        print_scores(config, results, year)
        written = write_reports(store, config, year, folder, evidence_url=base, rescore=False)
    html = next(p for p in written if p.suffix == ".html")
    console.print(f"Báo cáo HTML: {html}")
    console.print(f"Xem bằng chứng: kiemtra --data {config.settings.data} serve — rồi mở {base}")
    return html


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
    """Start the demo world on free ports, crawl it, re-check its failures at another time, score and rank.

    The crawl uses the default settings except the R6 retry delay, shortened to seconds for the demo
    only (DEMO_RETRY), and a second kiemtra crawl of each portal standing in for inspector B
    (DEMO_REVIEW). The demo agencies' survey forms are imported, so the demo ends with the scores
    and ranks per group and the path of the HTML report.

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
        config = load_all(out, {**state.overrides, "data": str(base.settings.data), "retry": DEMO_RETRY,
                                "review": DEMO_REVIEW})
        load_world_catalogue(world, config.settings.data)
        year = date.today().year - 1
        load_world_surveys(config, year, config.settings.data / "demo-phieu-khao-sat")
        crawl_and_report(config, agency)
        retry_passes(config, agency)
        review_portals(config, agency)
    finally:
        world.stop()
    score_and_report(config, year, config.settings.data / "demo-bao-cao")


COMMANDS = [world_group, demo_command]
