"""Commands about declared services: `kiemtra rerun`, `kiemtra results`, `kiemtra verdicts`."""

from __future__ import annotations

import asyncio
import json

import click
from rich.table import Table

from checks.service_level import RULE_VERSION, Observation, judge
from configuration.loader import Config
from crawler.bot.playbook import as_step
from crawler.browser.launch import chromium
from crawler.nightly.summary import verdict_word
from crawler.visits.service import ServiceCheck, check_service
from evidence import agencies, runs
from evidence.store import Store
from kiemtra.commands.base import State, console, pass_state, synced_store

MODE_WORDS = {"direct": "trực tiếp", "by_report": "theo báo cáo (R8)", "none": "không khớp CSDL",
              "unverified": "chưa xem được"}


async def _rerun(config: Config, service_id: str, store: Store) -> ServiceCheck:
    agency, service = config.service(service_id)
    async with chromium(config.settings) as browser:
        attempt = 1 + sum(1 for _ in runs.find(store, kind="service", target_id=service_id))
        playbook = {step: as_step(items) for step, items in config.playbook_for(agency, service).items()}
        return await check_service(browser, agency, service, store, config.settings, attempt=attempt,
                                   overrides=playbook)


@click.command("rerun")
@click.argument("service_id")
@pass_state
def rerun_command(state: State, service_id: str) -> None:
    """Check one service now, print its steps and verdict; the run is kept beside the older ones.

    Example: kiemtra rerun bac-ninh-003
    """
    config = state.load()
    config.service(service_id)  # an unknown id is a one-line error before any browser starts
    with synced_store(config) as store:
        done = asyncio.run(_rerun(config, service_id, store))
        steps = runs.steps(store, done.run_id)
    table = Table("#", "bước", "kết quả", "địa chỉ", title=f"Lượt kiểm tra {done.run_id}")
    for step in steps:
        table.add_row(str(step["seq"]), step["name"], step["outcome"], step["url"] or "")
    console.print(table)
    verdict = done.verdict
    console.print(f"Mức độ tìm thấy: {verdict.level if verdict.level is not None else '—'} "
                  f"({MODE_WORDS[verdict.mode]}) — {verdict_word(verdict)}")
    for reason in verdict.reasons:
        console.print(f"  • {reason.text}" + (f" [bước {reason.step}]" if reason.step else ""))
    if verdict.outcome == "could_not_verify":
        raise click.exceptions.Exit(1)


@click.command("results")
@click.option("--agency", metavar="ID", help="Only this agency's services.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines with the same fields, for scripts.")
@pass_state
def results_command(state: State, agency: str | None, as_json: bool) -> None:
    """One line per declared service: id, declared level, level found, mode, reasons, run id.

    Example: kiemtra results --agency bac-ninh --json
    """
    config = state.load_for(agency)
    with synced_store(config) as store:
        rows = runs.latest_service_results(store, agency)
    records = [{"id": r["id"], "agency": r["agency_id"], "declared_level": r["declared_level"],
                "found_level": r["level"], "mode": r["mode"], "outcome": r["outcome"],
                "reasons": [x["text"] for x in json.loads(r["reasons"] or "[]")], "run_id": r["run_id"]}
               for r in rows]
    if as_json:
        for record in records:
            click.echo(json.dumps(record, ensure_ascii=False))
        return
    table = Table("dịch vụ", "khai báo", "tìm thấy", "cách", "lý do", "lượt")
    for record in records:
        table.add_row(record["id"], str(record["declared_level"]),
                      "—" if record["found_level"] is None else str(record["found_level"]),
                      MODE_WORDS.get(record["mode"] or "", "chưa kiểm tra"), "; ".join(record["reasons"])[:120],
                      record["run_id"] or "")
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


COMMANDS = [rerun_command, results_command, verdicts_command]
