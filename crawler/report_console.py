"""Printing crawl progress and summaries for inspectors (Vietnamese), with rich."""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from typing import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from crawler.crawl import CrawlSummary
from crawler.visit import VisitResult

OUTCOME_WORDS = {"ok": "mở được", "http_error": "lỗi HTTP", "failed": "không xem được"}


@contextmanager
def progress_bar(console: Console, total: int) -> Iterator[Callable[[VisitResult], None]]:
    columns = (TextColumn("[bold]Đang kiểm tra"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[last]}"), TimeElapsedColumn(), TextColumn("còn"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("crawl", total=total, last="")

        def done(result: VisitResult) -> None:
            progress.update(task, advance=1, last=f"{result.target.target_id}: {OUTCOME_WORDS[result.outcome]}")

        yield done


def summary_table(summary: CrawlSummary, agency_names: dict[str, str]) -> Table:
    table = Table(title="Tóm tắt lần thu thập", show_lines=False)
    for header in ("Cơ quan", "Cổng TTĐT", "Dịch vụ", "mở được", "lỗi HTTP", "không xem được"):
        table.add_column(header, justify="left" if header in ("Cơ quan", "Cổng TTĐT") else "right")
    per_agency: dict[str, list[VisitResult]] = defaultdict(list)
    for result in summary.results:
        per_agency[result.target.agency_id].append(result)
    for agency_id in sorted(per_agency):
        results = per_agency[agency_id]
        portal = next((r for r in results if r.target.kind == "portal"), None)
        services = [r for r in results if r.target.kind == "service"]
        portal_text = (f"{OUTCOME_WORDS[portal.outcome]} ({portal.http_status or portal.error_kind})" if portal else "—")
        counts = {key: sum(1 for r in services if r.outcome == key) for key in OUTCOME_WORDS}
        table.add_row(agency_names.get(agency_id, agency_id), portal_text, str(len(services)),
                      str(counts["ok"]), str(counts["http_error"]), str(counts["failed"]))
    total = summary.outcomes
    table.add_row("[bold]Tổng[/bold]", "", str(sum(total.values())), str(total["ok"]), str(total["http_error"]),
                  str(total["failed"]))
    return table
