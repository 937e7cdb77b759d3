"""Commands of scoring and the confirmation round: `kiemtra survey template|import`, `kiemtra score`,
`kiemtra report`, `kiemtra confirm import`, `kiemtra plan` (R6 sampling, R10–R13)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import click
from rich.table import Table

from checks.scoring import AgencyScore
from configuration.loader import Config
from evidence.store import Store
from kiemtra.commands.base import State, console, pass_state, synced_store

GROUP_CHOICE = click.Choice(["bo", "cqtcp", "tinh"])


def _default_year() -> int:
    # The evaluation is of the year just ended (agencies report before 1 January of the next year).
    return date.today().year - 1


@click.group("survey")
def survey_group() -> None:
    """Survey forms 1A/2A/3A: what agencies report (R13)."""


@survey_group.command("template")
@click.option("--group", type=GROUP_CHOICE, required=True, help="Agency group: bo (1A), cqtcp (2A), tinh (3A).")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="XLSX file to write.")
@click.option("--agency", metavar="ID", default="", help="Fill in this agency's id.")
@click.option("--year", type=int, help="Fill in the year evaluated.")
@pass_state
def survey_template(state: State, group: str, output: Path, agency: str, year: int | None) -> None:
    """Write the blank survey form of a group as XLSX.

    Example: kiemtra survey template --group tinh -o phieu-3A.xlsx
    """
    from office.survey import write_template

    config = state.load()
    write_template(output, group, config.scoring, agency_id=agency, year=year)
    console.print(f"Đã ghi mẫu phiếu khảo sát nhóm {group}: {output}")


@survey_group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--year", type=int, help="Year evaluated, when the form leaves it empty.")
@pass_state
def survey_import(state: State, files: tuple[Path, ...], year: int | None) -> None:
    """Read filled survey forms; each problem is printed as sheet!cell: what is wrong — fix.

    Example: kiemtra survey import phieu-3A-bac-ninh.xlsx
    """
    from evidence import surveys
    from office.survey import read_form

    config = state.load()
    forms = [(path, read_form(path, config, year=year)) for path in files]
    with Store(config.settings.data) as store:
        for path, form in forms:
            stored = surveys.save_survey(store, form.year, form.agency_id, form.rows(path.name))
            console.print(f"{form.agency_id} năm {form.year}: đã nhập {stored} số liệu từ {path.name} ({form.sheet}).")
            for code in form.empty:
                console.print(f"  để trống {code} ({form.cells[code]}): các tiêu chí dùng số liệu này được 0 điểm (R10)")


@click.command("score")
@click.option("--year", type=int, default=_default_year, show_default="last year", help="Year evaluated.")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per agency and criterion: agency_id, criterion_id, points, max_points, reasons.")
@pass_state
def score_command(state: State, year: int, as_json: bool) -> None:
    """Score every agency: points per category, index, rank within its group.

    Example: kiemtra score --year 2024 --json
    """
    from office.scoring import run_scoring

    config = state.load()
    with Store(config.settings.data) as store:
        results = run_scoring(store, config, year)
    if as_json:
        for r in results:
            for item in r.items:
                click.echo(json.dumps({"agency_id": r.agency_id, "group": r.group, "criterion_id": item.criterion_id,
                                       "category": item.category, "points": item.points, "max_points": item.max_points,
                                       "reasons": list(item.reasons), "zeroed": item.zeroed}, ensure_ascii=False))
        return
    print_scores(config, results, year)


def print_scores(config: Config, results: list[AgencyScore], year: int) -> None:
    """The scores table: points per category, total, index and rank within the group (R12)."""
    categories = list(config.scoring.table.categories)
    table = Table("nhóm", "cơ quan", *[c.upper() for c in categories], "tổng", "chỉ số", "hạng", title=f"Năm {year}")
    for r in sorted(results, key=lambda r: (r.group, r.total.rank or 0)):
        cells = ["—" if c not in r.categories or r.categories[c].exempt else f"{r.categories[c].points:g}" for c in categories]
        table.add_row(r.group, r.agency_id, *cells, f"{r.total.points:g}/{r.total.max_points:g}",
                      f"{r.total.index:.3f}", str(r.total.rank))
    console.print(table)


@click.command("report")
@click.option("--year", type=int, default=_default_year, show_default="last year", help="Year evaluated.")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write the reports to.")
@click.option("--evidence-url", metavar="URL", help="Base address of the evidence browser (default: serve.host:port).")
@click.option("--rescore/--no-rescore", default=True, show_default=True, help="Score again before writing.")
@pass_state
def report_command(state: State, year: int, output: Path, evidence_url: str | None, rescore: bool) -> None:
    """Write the year's XLSX workbook, CSV, HTML report and one confirmation sheet per agency.

    Example: kiemtra report --year 2024 -o bao-cao/
    """
    from office.reports.writer import write_reports

    config = state.load()
    base = evidence_url or f"http://{config.settings.serve.host}:{config.settings.serve.port}"
    with Store(config.settings.data) as store:
        written = write_reports(store, config, year, output, evidence_url=base, rescore=rescore)
    for path in written:
        console.print(f"Đã ghi {path}")


def report_writer(config: Config) -> Callable[[Store, int, Path, str], list[Path]]:
    """What the workspace's "Báo cáo" page calls to write a year's reports as `kiemtra report` does (scoring
    again first); `kiemtra serve` hands it to the app, since evidence/ may not import office/."""
    def write(store: Store, year: int, folder: Path, evidence_url: str) -> list[Path]:
        from office.reports.writer import write_reports

        return write_reports(store, config, year, folder, evidence_url=evidence_url)
    return write


@click.group("confirm")
def confirm_group() -> None:
    """The confirmation round: agencies agree with or dispute their figures (R13)."""


@confirm_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@pass_state
def confirm_import(state: State, file: Path) -> None:
    """Read an agency's returned confirmation sheet; disputes open items and request re-checks.

    Example: kiemtra confirm import xac-nhan-bac-ninh-2024.xlsx
    """
    from office.confirm import import_answers

    config = state.load()
    with Store(config.settings.data) as store:
        result = import_answers(store, config, file)
    console.print(f"{result.agency_id} năm {result.year}: {result.agreed} đồng ý, {len(result.disputes)} khiếu nại mới, "
                  f"{len(result.recheck_requests)} yêu cầu kiểm tra lại.")


@click.command("plan")
@click.option("--agency", metavar="ID", required=True, help="The agency whose sampling plan to draw and show.")
@pass_state
def plan_command(state: State, agency: str) -> None:
    """Show which of an agency's services will be checked and why (R6 sampling); the plan is stored.

    Example: kiemtra plan --agency bac-ninh
    """
    from office.sampling import sample_plan

    config = state.load()
    with synced_store(config) as store:
        plan, escalated = sample_plan(store, config, agency)
    mode = (f"lấy mẫu: mỗi lĩnh vực một đại diện chính + {plan.k} ngẫu nhiên (hạt giống {plan.seed})" if plan.sampled
            else "kiểm tra toàn bộ")
    table = Table("dịch vụ", "lĩnh vực", "kiểm tra", "lý do", title=f"{agency}: {mode}")
    for pick in plan.picks:
        table.add_row(pick.service_id, pick.field, "có", pick.why)
    for pick in plan.skipped:
        table.add_row(pick.service_id, pick.field, "không", pick.why)
    console.print(table)
    if escalated:
        console.print(f"Kiểm tra toàn bộ các lĩnh vực: {', '.join(escalated)}")


COMMANDS = [survey_group, score_command, report_command, confirm_group, plan_command]
