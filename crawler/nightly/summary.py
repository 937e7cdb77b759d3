"""What a crawl prints for inspectors (Vietnamese): a progress bar with counts and the estimated end,
and the summary: checked, recognized, below level, queued for retry and when, given up, left queued;
the per-agency summary table.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from checks.service_level import ServiceVerdict
from crawler.nightly.work import CrawlSummary, JobDone
from crawler.visits.first_look import VisitResult
from evidence.clock import LOCAL_TZ, local_now


def local(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%d/%m %H:%M")


class EndColumn(ProgressColumn):
    """The estimated end as a clock time, which is what a night operator wants to read."""

    def render(self, task: Task) -> Text:
        left = task.time_remaining
        if left is None or task.finished:
            return Text("dự kiến xong: —")
        end = local_now() + timedelta(seconds=left)
        return Text(f"dự kiến xong {end:%H:%M} (còn {int(left // 60)}′{int(left % 60):02d}″)")


def _counts(tally: Counter) -> str:
    return (f"đạt {tally['recognized']} · thấp hơn {tally['below']} · theo báo cáo {tally['needs_review']} · "
            f"chờ thử lại {tally['retry']} · bỏ cuộc {tally['given_up']}")


@contextmanager
def progress_bar(console: Console, total: int) -> Iterator[Callable[[JobDone], None]]:
    columns = (TextColumn("[bold]Đang kiểm tra"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[counts]}"),
               TimeElapsedColumn(), EndColumn())
    tally: Counter = Counter()
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("crawl", total=total, counts=_counts(tally))

        def done(job: JobDone) -> None:
            decision = job.decision
            if decision is not None:
                if decision.status in ("retry", "given_up"):
                    tally[decision.status] += 1
                elif decision.final in ("recognized", "needs_review", "recognition_kept"):
                    tally["needs_review" if decision.final == "needs_review" else "recognized"] += 1
                elif decision.final in ("not_recognized", "recognition_cancelled"):
                    tally["below"] += 1
            progress.update(task, advance=1, counts=_counts(tally))

        yield done


def summary_lines(summary: CrawlSummary) -> list[str]:
    finals = summary.finals
    services = [d for d in summary.done if d.result.target.kind == "service"]
    lines = [
        f"Đã kiểm tra {len(summary.done)} lượt ({len(services)} dịch vụ, {len(summary.done) - len(services)} cổng TTĐT): "
        f"đạt {finals['recognized']}, theo báo cáo {finals['needs_review']}, không công nhận {finals['not_recognized']}, "
        f"không khớp CSDL {finals['unmatched']}, chờ thử lại {finals['retry']}, bỏ cuộc {finals['given_up']}.",
    ]
    if finals["recognition_kept"] or finals["recognition_cancelled"]:
        lines.append(f"Hậu kiểm: giữ công nhận {finals['recognition_kept']}, huỷ công nhận {finals['recognition_cancelled']}.")
    for target_id, due in sorted(summary.retries, key=lambda item: item[1]):
        lines.append(f"  • {target_id}: kiểm tra lại từ {local(due)} (khác khung giờ, R6)")
    if summary.stopped == "budget":
        lines.append(f"Hết thời gian cho phép: dừng gọn, {summary.left_queued} việc còn trong hàng đợi cho lần sau.")
    elif summary.stopped == "signal":
        lines.append(f"Đã dừng theo yêu cầu: {summary.released} lượt đang chạy được trả lại hàng đợi, "
                     f"{summary.left_queued} việc còn chờ.")
    for error in summary.errors:
        lines.append(f"  [lỗi của bot, sẽ chạy lại] {error}")
    return lines


OUTCOME_WORDS = {"ok": "mở được", "http_error": "lỗi HTTP", "failed": "không xem được"}


def verdict_word(verdict: ServiceVerdict) -> str:
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
