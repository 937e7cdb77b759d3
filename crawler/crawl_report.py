"""What a crawl prints for inspectors (Vietnamese): a progress bar with counts and the estimated end,
and the summary: checked, recognized, below level, queued for retry and when, given up, left queued.
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

from crawler.crawl import CrawlSummary, JobDone
from evidence.manifest import LOCAL_TZ


def local(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%d/%m %H:%M")


class EndColumn(ProgressColumn):
    """The estimated end as a clock time, which is what a night operator wants to read."""

    def render(self, task: Task) -> Text:
        left = task.time_remaining
        if left is None or task.finished:
            return Text("dự kiến xong: —")
        end = datetime.now(LOCAL_TZ) + timedelta(seconds=left)
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
