"""The crawl summary table for inspectors (Vietnamese), with rich."""

from __future__ import annotations

from collections import defaultdict

from rich.table import Table

from crawler.crawl import CrawlSummary
from crawler.visit import VisitResult

OUTCOME_WORDS = {"ok": "mở được", "http_error": "lỗi HTTP", "failed": "không xem được"}


def verdict_word(verdict) -> str:  # type: ignore[no-untyped-def]
    if verdict.mode == "none":
        return "không khớp CSDL"
    if verdict.mode == "unverified":
        return "chưa xem được"
    if verdict.mode == "by_report":
        return "theo báo cáo"
    return "đạt" if verdict.outcome == "pass" else "thấp hơn khai báo"


SERVICE_COLUMNS = ("đạt", "thấp hơn khai báo", "theo báo cáo", "không khớp CSDL", "chưa xem được")


def summary_table(summary: CrawlSummary, agency_names: dict[str, str]) -> Table:
    table = Table(title="Tóm tắt lần thu thập", show_lines=False)
    table.add_column("Cơ quan")
    table.add_column("Cổng TTĐT")
    for header in ("Dịch vụ", *SERVICE_COLUMNS):
        table.add_column(header, justify="right")
    per_agency: dict[str, list[VisitResult]] = defaultdict(list)
    for result in summary.results:
        per_agency[result.target.agency_id].append(result)
    totals: dict[str, int] = defaultdict(int)
    for agency_id in sorted(per_agency):
        results = per_agency[agency_id]
        portal = next((r for r in results if r.target.kind == "portal"), None)
        services = [r for r in results if r.target.kind == "service"]
        portal_text = (f"{OUTCOME_WORDS[portal.outcome]} ({portal.http_status or portal.error_kind})" if portal else "—")
        counts: dict[str, int] = defaultdict(int)
        for result in services:
            word = verdict_word(result.verdict) if result.verdict else OUTCOME_WORDS[result.outcome]
            counts[word] += 1
            totals[word] += 1
        table.add_row(agency_names.get(agency_id, agency_id), portal_text, str(len(services)),
                      *(str(counts[c]) for c in SERVICE_COLUMNS))
    table.add_row("[bold]Tổng[/bold]", "", str(sum(totals.values())), *(str(totals[c]) for c in SERVICE_COLUMNS))
    return table
