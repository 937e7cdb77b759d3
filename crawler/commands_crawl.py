"""Commands that visit: `kiemtra crawl` and `kiemtra runs`."""

from __future__ import annotations

import json

import click
from rich.table import Table

from crawler.cli import State, console, main, pass_state
from crawler.config import Config
from crawler.crawl import CrawlSummary, crawl
from crawler.plan import agency_rows, plan
from crawler.report_console import progress_bar, summary_table
from evidence.store import Store


def crawl_and_report(config: Config, agency_id: str | None = None) -> CrawlSummary:
    """Sync the config into the store, visit the plan, print progress and the summary."""
    targets = plan(config, agency_id)
    with Store(config.settings.data) as store:
        store.sync_agencies(agency_rows(config))
        with progress_bar(console, len(targets)) as on_done:
            summary = crawl(targets, config.settings, store, on_done)
    console.print(summary_table(summary, {a.id: a.name for a in config.agencies}))
    console.print(f"Bằng chứng (ảnh chụp, HTML) lưu tại: {config.settings.evidence_dir}")
    console.print(f"Kho dữ liệu: {config.settings.db_path}")
    return summary


@main.command("crawl")
@click.option("--agency", metavar="ID", help="Only this agency.")
@click.option("--concurrency", type=click.IntRange(1, 64), help="Browser contexts at once (setting: concurrency).")
@pass_state
def crawl_command(state: State, agency: str | None, concurrency: int | None) -> None:
    """Visit every agency's portal front page and every declared service's link; store each run.

    Exits 1 when some sites could not be seen (time-out, refused): they are to be checked again.

    Example: kiemtra crawl --agency bac-ninh --concurrency 4
    """
    config = state.load(**({"concurrency": concurrency} if concurrency else {}))
    summary = crawl_and_report(config, agency)
    if summary.could_not_see:
        console.print(f"{len(summary.could_not_see)} lượt không xem được trang; cần kiểm tra lại vào lúc khác.")
        raise click.exceptions.Exit(1)


@main.command("runs")
@click.option("--agency", metavar="ID", help="Only this agency's runs.")
@click.option("--target", metavar="ID", help="Only runs of this service or portal.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines, for scripts.")
@pass_state
def runs_command(state: State, agency: str | None, target: str | None, as_json: bool) -> None:
    """List stored runs: id, what was visited, outcome, HTTP status, title.

    Example: kiemtra runs --agency bo-tp --json
    """
    config = state.load()
    with Store(config.settings.data) as store:
        rows = list(store.runs(agency_id=agency, target_id=target))
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    table = Table("run", "loại", "đối tượng", "kết quả", "HTTP", "tiêu đề")
    for row in rows:
        table.add_row(row["id"], row["kind"], row["target_id"], row["outcome"], str(row["http_status"] or ""),
                      (row["title"] or "")[:60])
    console.print(table)
