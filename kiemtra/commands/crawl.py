"""Commands that visit through the queue: `kiemtra crawl`, `kiemtra queue`, `kiemtra recheck`, `kiemtra runs`."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime, timedelta

import click
from rich.table import Table

from configuration.loader import Config
from crawler.browser.navigate import host_of
from crawler.nightly import distributed
from crawler.nightly.jobs import FINAL_WORDS
from crawler.nightly.lock import CrawlLock, new_holder
from crawler.nightly.plan import Target, plan
from crawler.nightly.recovery import recover
from crawler.nightly.runner import Runner, RunOptions, claimable, requests_between_jobs
from crawler.nightly.summary import local, progress_bar, summary_lines, summary_table
from crawler.nightly.work import CrawlSummary
from evidence import queue, runs
from evidence.clock import LOCAL_TZ, parse, utc_clock
from evidence.recheck_requests import pending_recheck_requests, settle_service_recheck_requests
from evidence.store import Store
from kiemtra.commands.base import State, console, pass_state, synced_store
from kiemtra.errors import ConfigError

_BUDGET = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_budget(text: str) -> timedelta:
    match = _BUDGET.match(text.strip().lower())
    if not text.strip() or match is None or not any(match.groups()):
        raise click.BadParameter("dạng 3h, 90m hoặc 1h30m", param_hint="--budget")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


def parse_until(text: str, now: datetime) -> datetime:
    """The next time the clock in Vietnam (Asia/Ho_Chi_Minh) shows HH:MM."""
    try:
        clock = datetime.strptime(text.strip(), "%H:%M")
    except ValueError:
        raise click.BadParameter("dạng HH:MM, ví dụ 05:30 (giờ Việt Nam)", param_hint="--until") from None
    here = now.astimezone(LOCAL_TZ)
    end = here.replace(hour=clock.hour, minute=clock.minute, second=0, microsecond=0)
    return end if end > here else end + timedelta(days=1)


def enqueue_plan(config: Config, store: Store, agency_id: str | None, now: datetime) -> int:
    """One job per planned target that has no open job yet; retries keep their own due time.

    An agency above `sampling.min_services` gets jobs for its R6 sample only, drawn and stored now
    (widened to whole fields past the failure threshold); each job names the plan it comes from.
    """
    from office.sampling import crawl_samples

    samples = crawl_samples(store, config, agency_id)
    added = 0
    for target in plan(config, agency_id, samples={a: s.service_ids for a, s in samples.items()}):
        sample = samples.get(target.agency_id) if target.kind == "service" else None
        reason = f"mẫu kiểm tra R6 #{sample.plan_id}" if sample else None
        if queue.enqueue(store, target.kind, target.target_id, target.agency_id, host_of(target.url), now,
                         reason=reason) is not None:
            added += 1
    return added


def enqueue_disputed(config: Config, store: Store, agency_id: str | None, now: datetime) -> int:
    """A job for each service an agency disputed (R13) that has none open, even in an --only-queued pass."""
    added = 0
    for request in pending_recheck_requests(store):
        if request["kind"] != "service" or (agency_id and request["agency_id"] != agency_id):
            continue
        try:
            agency, service = config.service(request["target_id"])
        except ConfigError:
            continue  # a service no longer declared: nothing to check
        source = "vòng xác nhận" if request["dispute_id"] else f"yêu cầu kiểm tra lại #{request['id']}"
        reason = f"{source}: {request['reason'] or ''}".strip()
        if queue.enqueue(store, "service", service.id, agency.id, host_of(service.url), now, reason=reason) is not None:
            added += 1
    return added


def crawl_and_report(config: Config, agency_id: str | None = None, *, deadline: datetime | None = None,
                     only_queued: bool = False) -> CrawlSummary:
    """Queue the plan, run every due job (N contexts, one browser), print progress and the summary."""
    settings = config.settings
    holder = new_holder()
    with synced_store(config) as store:
        lock = CrawlLock(store, holder, timedelta(seconds=settings.queue.lock_ttl_s), utc_clock).acquire()
        try:
            recovered = recover(store, settings, utc_clock(), me=holder)
            if recovered.rolled_forward or recovered.released or recovered.orphans_removed:
                console.print(f"Khôi phục sau lần chạy bị dừng đột ngột: {len(recovered.rolled_forward)} việc đã có kết quả "
                              f"được ghi nhận, {len(recovered.released)} việc chạy lại, "
                              f"{len(recovered.orphans_removed)} tệp mồ côi được dọn.")
            if not only_queued:
                enqueue_plan(config, store, agency_id, utc_clock())
            enqueue_disputed(config, store, agency_id, utc_clock())
            targets: dict[tuple[str, str], Target] = {(t.kind, t.target_id): t for t in plan(config)}
            total = len(claimable(store, settings, utc_clock(), agency_id))
            options = RunOptions(holder, settings.concurrency, deadline, agency_id)
            with progress_bar(console, total) as on_done:
                runner = Runner(store, settings, targets, options, lock, on_done)
                summary = asyncio.run(runner.run())
            answered = runner.answered + settle_service_recheck_requests(store)
        finally:
            lock.release()
    print_summary(config, summary, answered)
    return summary


def crawl_distributed_and_report(config: Config, agency_id: str | None = None, *, deadline: datetime | None = None,
                                 only_queued: bool = False) -> CrawlSummary:
    """Queue the plan, publish the jobs to the cluster's workers (`kiemtra worker`), follow them to the end."""
    settings = config.settings
    holder = new_holder()
    summary = CrawlSummary()
    with synced_store(config) as store:
        distributed.broker_url(settings, store)   # refuses a SQLite store before anything is planned
        lock = CrawlLock(store, holder, timedelta(seconds=settings.queue.lock_ttl_s), utc_clock).acquire()
        try:
            if not only_queued:
                enqueue_plan(config, store, agency_id, utc_clock())
            enqueue_disputed(config, store, agency_id, utc_clock())
            targets: dict[tuple[str, str], Target] = {(t.kind, t.target_id): t for t in plan(config)}
            started = utc_clock()
            answered: list[tuple[int, str]] = []   # re-check requests settled while following
            total = len(claimable(store, settings, started, agency_id))
            with progress_bar(console, total) as on_done:
                def seen(attempt: dict) -> None:
                    done = distributed.job_done(store, targets, attempt)
                    if done is not None:
                        summary.done.append(done)
                        on_done(done)
                def tick() -> None:
                    lock.beat()
                    recover(store, settings, utc_clock(), me=holder, sweep=False)
                def between_polls(now: datetime) -> int:
                    return requests_between_jobs(store, targets, agency_id, now, answered)
                following = asyncio.run(distributed.follow(store, settings, deadline=deadline, on_attempt=seen,
                                                           since=started, tick=tick, between_polls=between_polls))
            recovered = recover(store, settings, utc_clock(), me=holder)
            if recovered.released or recovered.orphans_removed:
                console.print(f"Khôi phục việc của máy chạy việc đã dừng: {len(recovered.released)} việc trả lại hàng đợi, "
                              f"{len(recovered.orphans_removed)} tệp mồ côi được dọn.")
            summary.stopped = following.stopped
            summary.left_queued = len(claimable(store, settings, utc_clock(), agency_id))
            answered += settle_service_recheck_requests(store)
        finally:
            lock.release()
    print_summary(config, summary, answered)
    return summary


def print_summary(config: Config, summary: CrawlSummary, answered: list) -> None:
    settings = config.settings
    console.print(summary_table(summary, {a.id: a.name for a in config.agencies}))
    if answered:
        console.print(f"Đã kiểm tra lại {len(answered)} dịch vụ theo yêu cầu kiểm tra lại "
                      "(của cán bộ, hoặc của vòng xác nhận R13).")
    for line in summary_lines(summary):
        console.print(line)
    console.print(f"Bằng chứng (ảnh chụp, HTML) lưu tại: {settings.evidence_dir}")
    console.print(f"Kho dữ liệu: {settings.database_url.split('@')[-1] if settings.database_url else settings.db_path}")


@click.command("crawl")
@click.option("--agency", metavar="ID", help="Only this agency.")
@click.option("--concurrency", type=click.IntRange(1, 64), help="Browser contexts at once (setting: concurrency).")
@click.option("--until", "until", metavar="HH:MM", help="Start no check after this time (Vietnam time); the rest stays queued.")
@click.option("--budget", metavar="3h", help="Start no check after this much time (e.g. 3h, 90m); the rest stays queued.")
@click.option("--only-queued", is_flag=True, help="Run only jobs already queued (retries), plan nothing new.")
@click.option("--distributed", is_flag=True,
              help="Publish the jobs to the cluster's workers (kiemtra worker) and follow them; needs database_url.")
@pass_state
def crawl_command(state: State, agency: str | None, concurrency: int | None, until: str | None, budget: str | None,
                  only_queued: bool, distributed: bool) -> None:
    """Queue a job for every portal and declared service without one, then run every due job.

    Failed visits are queued again at another time of day (R6). Exits 1 when some sites could not
    be seen, 3 when another crawl holds the store.

    Example: kiemtra crawl --until 05:30 --concurrency 4
    """
    config = state.load_for(agency, **({"concurrency": concurrency} if concurrency else {}))
    now = utc_clock()
    ends = [end for end in (parse_until(until, now) if until else None, now + parse_budget(budget) if budget else None) if end]
    run = crawl_distributed_and_report if distributed else crawl_and_report
    summary = run(config, agency, deadline=min(ends) if ends else None, only_queued=only_queued)
    if summary.could_not_see:
        console.print(f"{len(summary.could_not_see)} lượt không xem được trang; đã xếp lịch kiểm tra lại vào lúc khác.")
        raise click.exceptions.Exit(1)


STATUS_WORDS = {"due": "đến hạn", "leased": "đang chạy", "retry": "chờ thử lại", "done": "xong", "given_up": "bỏ cuộc"}


@click.command("queue")
@click.option("--agency", metavar="ID", help="Only this agency's jobs.")
@click.option("--all", "show_all", is_flag=True, help="List finished jobs too, not only the counts.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines, one per job.")
@pass_state
def queue_command(state: State, agency: str | None, show_all: bool, as_json: bool) -> None:
    """Show the job queue: due, running (leased), waiting for retry and when, done, given up.

    Example: kiemtra queue --agency bac-ninh
    """
    config = state.load_for(agency)
    with Store(config.settings.data) as store:
        rows = queue.jobs(store, agency_id=agency)
        histories = {r["id"]: queue.history(store, r["id"]) for r in rows} if as_json else {}
    if as_json:
        for row in rows:
            click.echo(json.dumps({**row, "history": histories[row["id"]]}, ensure_ascii=False))
        return
    counts = {status: sum(1 for r in rows if r["status"] == status) for status in STATUS_WORDS}
    console.print("Hàng đợi: " + ", ".join(f"{STATUS_WORDS[s]} {n}" for s, n in counts.items()))
    table = Table("việc", "loại", "đối tượng", "trạng thái", "lần", "hạn / giữ đến", "kết luận")
    for row in rows:
        if row["status"] in ("done", "given_up") and not show_all:
            continue
        when = row["lease_until"] if row["status"] == "leased" else row["due_at"]
        table.add_row(str(row["id"]), row["kind"], row["target_id"], STATUS_WORDS.get(row["status"], row["status"]),
                      str(row["attempts"]), local(parse(when)) if when else "",
                      FINAL_WORDS.get(row["final"] or "", row["final"] or ""))
    console.print(table)


@click.command("recheck")
@click.argument("service_id", required=False)
@click.option("--reason", help="Why the recognized service is checked again (feedback received...).")
@click.option("--list", "list_notices", is_flag=True, help="List cancelled recognitions to notify the agencies of.")
@pass_state
def recheck_command(state: State, service_id: str | None, reason: str | None, list_notices: bool) -> None:
    """Put a recognized service back for a post-check (R6, hậu kiểm); the next crawl runs it.

    If it no longer matches its declaration (twice, at different times), its recognition is cancelled,
    both runs are kept, and it is listed for notifying the agency (--list).

    Example: kiemtra recheck bac-ninh-003 --reason "phản ánh của người dân ngày 12/10"
    """
    config = state.load()
    if list_notices:
        with Store(config.settings.data) as store:
            rows = queue.cancellations(store)
        table = Table("dịch vụ", "cơ quan", "lý do", "lượt công nhận", "lượt hậu kiểm", "huỷ lúc")
        for row in rows:
            table.add_row(row["service_id"], row["agency_id"], row["reason"], row["recognized_run_id"] or "",
                          row["recheck_run_id"], local(parse(row["cancelled_at"])))
        console.print(table)
        return
    if not service_id or not reason:
        raise click.UsageError("cần SERVICE_ID và --reason \"...\" (hoặc --list)")
    agency, service = config.service(service_id)
    with synced_store(config) as store:
        latest = next((r for r in runs.latest_service_results(store, agency.id) if r["id"] == service_id), None)
        if latest is None or latest["outcome"] != "pass":
            raise click.UsageError(f"dịch vụ {service_id} chưa được công nhận; hậu kiểm chỉ dành cho dịch vụ đã công nhận")
        job_id = queue.enqueue(store, queue.POST_CHECK, service_id, agency.id, host_of(service.url), utc_clock(), reason=reason)
    if job_id is None:
        console.print(f"{service_id} đã có việc hậu kiểm đang chờ.")
        return
    console.print(f"Đã xếp hậu kiểm {service_id} (việc {job_id}); lượt thu thập kế tiếp sẽ chạy.")


@click.command("runs")
@click.option("--agency", metavar="ID", help="Only this agency's runs.")
@click.option("--target", metavar="ID", help="Only runs of this service or portal.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines, for scripts.")
@pass_state
def runs_command(state: State, agency: str | None, target: str | None, as_json: bool) -> None:
    """List stored runs: id, what was visited, outcome, HTTP status, title.

    Example: kiemtra runs --agency bo-tp --json
    """
    config = state.load_for(agency)
    with Store(config.settings.data) as store:
        rows = list(runs.find(store, agency_id=agency, target_id=target))
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    table = Table("run", "loại", "đối tượng", "kết quả", "HTTP", "tiêu đề")
    for row in rows:
        table.add_row(row["id"], row["kind"], row["target_id"], row["outcome"], str(row["http_status"] or ""),
                      (row["title"] or "")[:60])
    console.print(table)


COMMANDS = [crawl_command, queue_command, recheck_command, runs_command]
