"""`kiemtra worker`: one machine of the cluster, running the checks `kiemtra crawl --distributed` publishes."""

from __future__ import annotations

import asyncio

import click

from crawler.nightly.distributed import Worker
from crawler.nightly.lock import new_holder
from crawler.nightly.plan import Target, plan
from kiemtra.commands.base import State, console, pass_state, synced_store


@click.command("worker")
@click.option("--concurrency", type=click.IntRange(1, 64), help="Checks at once, in contexts of one browser "
                                                                 "(setting: concurrency).")
@click.option("--burst", is_flag=True, help="Stop when nothing is due instead of waiting for more jobs.")
@pass_state
def worker_command(state: State, concurrency: int | None, burst: bool) -> None:
    """Run checks for the cluster: one long-lived Chromium, N contexts, jobs from the shared PostgreSQL store.

    Every machine runs the same config folder with KIEMTRA_DATABASE_URL pointing at one database and
    `data` on the shared evidence mount (docs/scale.md). Stop with Ctrl+C: running checks finish.

    Example: KIEMTRA_DATABASE_URL=postgresql://kiemtra@db/kiemtra kiemtra worker --concurrency 4
    """
    config = state.load(**({"concurrency": concurrency} if concurrency else {}))
    holder = new_holder()
    with synced_store(config) as store:
        targets: dict[tuple[str, str], Target] = {(t.kind, t.target_id): t for t in plan(config)}
        worker = Worker(store, config.settings, targets, holder, config.settings.concurrency)
        console.print(f"Máy chạy việc {holder}: {config.settings.concurrency} việc cùng lúc; Ctrl+C để dừng.")
        stats = asyncio.run(worker.run(wait=not burst))
    console.print(f"Đã chạy {stats.ran} lượt kiểm tra ({stats.skipped} lượt nhận trùng hoặc chưa đến hạn bỏ qua).")
    for error in stats.errors:
        console.print(f"  [lỗi của bot, sẽ chạy lại] {error}")


COMMANDS = [worker_command]
