"""Commands about declared services: `kiemtra rerun`, `kiemtra results`, `kiemtra verdicts`."""

from __future__ import annotations

import asyncio
import json
import os
import sys

import click
from rich.table import Table

from checks.recognition import ASSISTED_GATES, WORDS
from checks.service_level import GATES, RULE_VERSION, Observation, ServiceVerdict, judge
from configuration.loader import Config
from crawler.bot.playbook import as_step
from crawler.bot.session import Session
from crawler.browser.launch import chromium
from crawler.nightly import distributed
from crawler.nightly.plan import plan
from crawler.nightly.summary import verdict_word
from crawler.visits.service import ServiceCheck, check_service
from evidence import agencies, judgements, runs
from evidence.clock import utc_clock
from evidence.recognition import judgeable_run, recognitions
from evidence.store import Store
from kiemtra.commands.base import State, console, pass_state, synced_store
from kiemtra.errors import ConfigError, SetupError

MODE_WORDS = {"direct": "trực tiếp", "by_report": "theo báo cáo (R8)", "none": "không khớp CSDL",
              "unverified": "chưa xem được"}


async def _rerun(config: Config, service_id: str, store: Store, *, inspector: str | None = None) -> ServiceCheck:
    agency, service = config.service(service_id)
    async with chromium(config.settings) as browser:
        attempt = 1 + sum(1 for _ in runs.find(store, kind="service", target_id=service_id))
        playbook = {step: as_step(items) for step, items in config.playbook_for(agency, service).items()}
        return await check_service(browser, agency, service, store, config.settings, attempt=attempt,
                                   overrides=playbook, assist=ask_inspector if inspector else None,
                                   assisted_by=inspector)


async def ask_inspector(session: Session, gate: str) -> bool:
    """The assisted check's pause: the inspector passes the gate in the visible browser, then presses Enter."""
    console.print(f"Bot dừng ở {GATES.get(gate, gate)} trên trang {session.page.url}. Cán bộ hãy vượt qua trên cửa sổ "
                  "trình duyệt rồi nhấn Enter ở đây (gõ «bỏ» rồi Enter để dừng).")
    answer = await asyncio.to_thread(sys.stdin.readline)
    await session.settle()
    return answer.strip().lower() not in ("bỏ", "bo", "q")


def has_display() -> bool:
    """Can a visible browser open here (an X or Wayland display)?"""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


async def _rerun_on_cluster(config: Config, service_id: str, store: Store) -> tuple[str, ServiceVerdict]:
    """The re-run through the cluster's workers; the run and its verdict, judged again from the stored steps."""
    target = next(t for t in plan(config) if t.kind == "service" and t.target_id == service_id)
    wait_s = config.settings.timeouts.check_s + 2 * config.settings.queue.lease_s
    run_id = await distributed.rerun_on_cluster(store, config.settings, target, wait_s=wait_s)
    stored = runs.verdict_of(store, run_id)
    assert target.service is not None   # a service target always carries its service
    verdict = judge(Observation.from_rows(runs.steps(store, run_id), target.service.declared_level,
                                          stored["catalogue"] if stored else None))
    return run_id, verdict


@click.command("rerun")
@click.argument("service_id")
@click.option("--headed", is_flag=True,
              help="Assisted check: a visible browser; the bot pauses at a CAPTCHA or OTP for the inspector, then carries on.")
@click.option("--inspector", metavar="ID", help="With --headed: the inspector who helps, named on the run.")
@click.option("--here", is_flag=True, help="Check on this machine even when the cluster's workers are running.")
@pass_state
def rerun_command(state: State, service_id: str, headed: bool, inspector: str | None, here: bool) -> None:
    """Check one service now, print its steps and verdict; the run is kept beside the older ones.

    With the store on PostgreSQL and workers running (kiemtra worker), the check is a job the
    cluster runs, as the night's are; --headed and --here check on this machine.

    Example: kiemtra rerun bac-ninh-003
    Example: kiemtra rerun thua-thien-hue-004 --headed --inspector nguyen-van-a
    """
    config = state.load(**({"browser": {"headless": False}} if headed else {}))
    config.service(service_id)  # an unknown id is a one-line error before any browser starts
    if headed and not (inspector or "").strip():
        raise click.UsageError("--headed cần --inspector: tên cán bộ hỗ trợ được ghi vào lượt kiểm tra")
    if inspector and not headed:
        raise click.UsageError("--inspector chỉ dùng với --headed")
    if headed and not has_display():
        raise SetupError("không có màn hình để mở trình duyệt cho cán bộ (DISPLAY trống) — chạy trên máy có màn hình, "
                         "hoặc qua xvfb-run/VNC")
    with synced_store(config) as store:
        present = 0 if headed or here or store.dialect != "postgresql" else distributed.workers_present(store, utc_clock())
        if present:
            console.print(f"Gửi cho cụm máy chạy việc ({present} máy đang chạy); chờ kết quả…")
            run_id, verdict = asyncio.run(_rerun_on_cluster(config, service_id, store))
        else:
            done = asyncio.run(_rerun(config, service_id, store, inspector=(inspector or "").strip() or None))
            run_id, verdict = done.run_id, done.verdict
        steps = runs.steps(store, run_id)
        agency, _ = config.service(service_id)
        now = recognitions(store, agency.id)[service_id]
    table = Table("#", "bước", "kết quả", "địa chỉ", title=f"Lượt kiểm tra {run_id}")
    for step in steps:
        table.add_row(str(step["seq"]), step["name"], step["outcome"], step["url"] or "")
    console.print(table)
    console.print(f"Mức độ tìm thấy: {verdict.level if verdict.level is not None else '—'} "
                  f"({MODE_WORDS[verdict.mode]}) — {verdict_word(verdict)}")
    for reason in verdict.reasons:
        console.print(f"  • {reason.text}" + (f" [bước {reason.step}]" if reason.step else ""))
    console.print(f"Công nhận: {now.word} — {now.reason}")
    if verdict.outcome == "could_not_verify":
        raise click.exceptions.Exit(1)


@click.command("results")
@click.option("--agency", metavar="ID", help="Only this agency's services.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines with the same fields, for scripts.")
@pass_state
def results_command(state: State, agency: str | None, as_json: bool) -> None:
    """One line per declared service: id, declared level, level found, mode, Decree 42 class, reasons, run id.

    Example: kiemtra results --agency bac-ninh --json
    """
    config = state.load_for(agency)
    with synced_store(config) as store:
        rows = runs.latest_service_results(store, agency)
        decided = recognitions(store, agency)
    records = [{"id": r["id"], "agency": r["agency_id"], "declared_level": r["declared_level"],
                "found_level": r["level"], "mode": r["mode"], "outcome": r["outcome"],
                "reasons": [x["text"] for x in json.loads(r["reasons"] or "[]")], "run_id": r["run_id"],
                "recognition": decided[r["id"]].status, "recognized_level": decided[r["id"]].level,
                "recognition_reason": decided[r["id"]].reason, "recognition_runs": list(decided[r["id"]].runs),
                "decree42": r["decree42"]}
               for r in rows]
    if as_json:
        for record in records:
            click.echo(json.dumps(record, ensure_ascii=False))
        return
    table = Table("dịch vụ", "khai báo", "tìm thấy", "cách", "NĐ 42", "công nhận", "lý do", "lượt")
    for record in records:
        table.add_row(record["id"], str(record["declared_level"]),
                      "—" if record["found_level"] is None else str(record["found_level"]),
                      MODE_WORDS.get(record["mode"] or "", "chưa kiểm tra"), record["decree42"] or "—",
                      WORDS[record["recognition"]], str(record["recognition_reason"])[:120], record["run_id"] or "")
    console.print(table)


@click.command("verdicts")
@click.option("--recompute", is_flag=True, help="Judge every stored service run again from its stored steps.")
@pass_state
def verdicts_command(state: State, recompute: bool) -> None:
    """Recompute verdicts from stored steps and report any that changed (they should not).

    Example: kiemtra verdicts --recompute
    """
    if not recompute:
        raise click.UsageError("dùng --recompute để tính lại các kết luận từ dữ liệu đã lưu")
    config = state.load()
    changed = total = 0
    with Store(config.settings.data) as store:
        # A run cut off by a crash or a stop (`interrupted`) never had a verdict to recompute.
        for run in [r for r in runs.find(store, kind="service") if r["outcome"] not in ("running", "interrupted")]:
            service = agencies.service(store, run["target_id"]) or {"declared_level": None}
            before = runs.verdict_of(store, run["id"])
            catalogue = before["catalogue"] if before else None
            verdict = judge(Observation.from_rows(runs.steps(store, run["id"]), service["declared_level"], catalogue))
            total += 1
            found = (verdict.level, verdict.mode, verdict.outcome)
            if before is None or (before["level"], before["mode"], before["outcome"]) != found:
                changed += 1
                console.print(f"{run['id']} {run['target_id']}: "
                              f"{(before or {}).get('level')}/{(before or {}).get('mode')} → {verdict.level}/{verdict.mode}")
            runs.save_verdict(store, run["id"], run["target_id"], verdict.as_dict(), RULE_VERSION, catalogue)
    console.print(f"Đã tính lại {total} kết luận; {changed} thay đổi.")


@click.command("judge")
@click.argument("service_id")
@click.option("--accept/--reject", "accepted", default=None, help="The evaluator accepts or rejects the service (R8).")
@click.option("--reason", required=True, help="What the evaluator saw, e.g. \"cảm quan dịch vụ hoạt động và đạt yêu cầu\".")
@click.option("--inspector", metavar="ID", required=True, help="Who judges (kept with the time and the run shown).")
@pass_state
def judge_command(state: State, service_id: str, accepted: bool | None, reason: str, inspector: str) -> None:
    """Record an evaluator's judgement of a service checked by report (R8); every change is kept.

    Example: kiemtra judge bo-tp-002 --accept --reason "cảm quan dịch vụ hoạt động và đạt yêu cầu" --inspector tham-dinh-1
    """
    if accepted is None:
        raise click.UsageError("cần --accept hoặc --reject")
    if not reason.strip() or not inspector.strip():
        raise click.UsageError("--reason và --inspector không được để trống")
    config = state.load()
    agency, _ = config.service(service_id)
    with synced_store(config) as store:
        shown = judgeable_run(store, agency.id, service_id)
        if shown is None:
            raise ConfigError(f"dịch vụ {service_id} chưa có lượt kiểm tra theo báo cáo (R8) để đánh giá",
                              field="SERVICE_ID", fix="chạy `kiemtra rerun` trước, hoặc chọn dịch vụ khác")
        if shown["gate"] in ASSISTED_GATES:
            raise ConfigError(f"dịch vụ {service_id} gặp {str(shown['gate']).upper()}: không phải R8, người vượt qua được",
                              field="SERVICE_ID", fix=f"kiểm tra có người hỗ trợ: kiemtra rerun {service_id} --headed")
        judgements.record_judgement(store, service_id, agency.id, shown["run_id"], accepted=accepted,
                                    inspector=inspector.strip(), reason=reason.strip())
        now = recognitions(store, agency.id)[service_id]
    console.print(f"Đã ghi đánh giá của {inspector.strip()} cho {service_id} (lượt {shown['run_id']}): "
                  f"{'chấp nhận' if accepted else 'không chấp nhận'}. Công nhận: {now.word} — {now.reason}")


COMMANDS = [rerun_command, results_command, verdicts_command, judge_command]
