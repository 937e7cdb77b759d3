"""Commands of category 3 (portal criteria) and of the two-inspector review (R1, R2):
`kiemtra portal check|criteria` and `kiemtra review import|status|appraise|history`."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table

from crawler.portal.look import inspect_portal, score_portal
from evidence import agencies as agency_store
from evidence import portal as portal_store
from evidence.recheck_requests import settle_criterion_recheck_requests
from evidence.store import Store
from kiemtra.commands.base import State, console, pass_state
from office.review import import_scores, statuses

OUTCOME_VI = {"pass": "đạt", "fail": "không đạt", "needs_review": "cần người xem", "not_applicable": "không áp dụng",
              "could_not_verify": "chưa kiểm tra được", "scored": "đã chấm"}


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


@click.group("portal")
def portal_group() -> None:
    """Category 3: crawl agency portals and judge each criterion."""


@portal_group.command("check")
@click.option("--agency", metavar="ID", help="Only this agency.")
@click.option("--role", type=click.Choice(["A", "B"]), default="A", show_default=True,
              help="Which inspector this crawl is: A, or B for an independent second crawl.")
@click.option("--inspector", metavar="ID", default="kiemtra", show_default=True, help="Who is inspecting.")
@click.option("--no-browser", is_flag=True, help="Skip the browser checks (mobile, search): they stay unverified.")
@click.option("--viewport", metavar="WxH", help="Desktop viewport for this crawl, e.g. 1280x800 (inspector B).")
@pass_state
def portal_check(state: State, agency: str | None, role: str, inspector: str, no_browser: bool,
                 viewport: str | None) -> None:
    """Crawl each portal, judge every criterion and store the scores as one inspector's.

    Exits 1 when some portal or criterion could not be verified (to be run again).

    Example: kiemtra portal check --agency bac-ninh
    """
    overrides = {}
    if viewport:
        try:
            width, height = (int(v) for v in viewport.lower().split("x"))
        except ValueError:
            raise click.BadParameter("dùng dạng RỘNGxCAO, ví dụ 1280x800", param_hint="--viewport") from None
        overrides["browser"] = {"viewport_width": width, "viewport_height": height}
    config = state.load(**overrides)
    criteria = list(config.criteria)
    agencies = [config.agency(agency)] if agency else list(config.agencies)
    unverified = 0
    with Store(config.settings.data) as store:
        agency_store.sync(store, [{"id": a.id, "name": a.name, "group": a.group, "portal": a.portal} for a in agencies])
        for item in agencies:
            console.print(f"Đang kiểm tra cổng {item.name} ({item.portal}) …")
            run_id, observation = inspect_portal(item, config.settings, store, role=role, inspector=inspector,
                                                 use_browser=not no_browser)
            results = score_portal(store, observation, criteria, role=role, inspector=inspector, run_id=run_id)
            table = Table("tiêu chí", "kết quả", "điểm", "lý do", title=f"{item.name} — lượt {run_id}")
            for result in results:
                r = result.result
                unverified += r.outcome == "could_not_verify"
                table.add_row(result.criterion_id, OUTCOME_VI[r.outcome], f"{r.points:g}/{r.max_points:g}",
                              "; ".join(x.text for x in r.reasons[:2])[:120])
            console.print(table)
            if observation.error:
                console.print(f"Không thu thập được cổng: {observation.error}")
        answered = settle_criterion_recheck_requests(store)
    if answered:
        console.print(f"Đã chấm lại {len(answered)} tiêu chí theo yêu cầu kiểm tra lại.")
    if unverified:
        console.print(f"{unverified} tiêu chí chưa kiểm tra được; cần chạy lại vào lúc khác.")
        raise click.exceptions.Exit(1)


@portal_group.command("criteria")
@pass_state
def portal_criteria(state: State) -> None:
    """List the criteria of category 3 with their points per group and the check deciding each.

    Example: kiemtra portal criteria
    """
    config = state.load()
    table = Table("id", "tên", "căn cứ", "bo", "cqtcp", "tinh", "kiểm tra")
    for c in config.criteria:
        table.add_row(c.id, c.name, c.rule, *(_num(c.points.get(g)) for g in ("bo", "cqtcp", "tinh")), c.check)
    console.print(table)


@click.group("review")
def review_group() -> None:
    """Two inspectors and the appraiser (R1, R2)."""


@review_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--inspector", metavar="ID", required=True, help="Who gave these scores.")
@click.option("--role", type=click.Choice(["A", "B"]), default="B", show_default=True, help="Which inspector they are.")
@pass_state
def review_import(state: State, file: Path, inspector: str, role: str) -> None:
    """Import a person's scores from CSV or XLSX (agency_id, criterion_id, score[, note]).

    Example: kiemtra review import diem-b.xlsx --inspector nguyen.van.a
    """
    config = state.load()
    with Store(config.settings.data) as store:
        changed = import_scores(store, file, config, inspector=inspector, role=role)
    console.print(f"Đã nhập {changed} điểm mới hoặc thay đổi của cán bộ {inspector} (người kiểm tra {role}).")


@review_group.command("status")
@click.option("--agency", metavar="ID", help="Only this agency.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines, for scripts.")
@pass_state
def review_status(state: State, agency: str | None, as_json: bool) -> None:
    """Show per agency and criterion: A, B, mean, flags (re-check, spot check) and the appraiser.

    Example: kiemtra review status --agency bo-tp
    """
    config = state.load()
    with Store(config.settings.data) as store:
        rows = statuses(store, config, agency)
    if as_json:
        for s in rows:
            click.echo(json.dumps({"agency_id": s.scores.agency_id, "criterion_id": s.scores.criterion_id,
                                   "max_points": s.scores.max_points, "a": s.scores.a, "b": s.scores.b, "mean": s.mean,
                                   "appraiser": s.scores.appraiser, "final": s.final, "rescore": s.rescore,
                                   "spot_check": s.spot_check, "missing": list(s.missing)}, ensure_ascii=False))
        return
    table = Table("cơ quan", "tiêu chí", "tối đa", "A", "B", "trung bình", "thẩm định", "cuối cùng", "đánh dấu")
    for s in rows:
        flags = list(s.flags) + ([f"thiếu {', '.join(s.missing)}"] if s.missing else [])
        table.add_row(s.scores.agency_id, s.scores.criterion_id, _num(s.scores.max_points), _num(s.scores.a),
                      _num(s.scores.b), _num(s.mean), _num(s.scores.appraiser), _num(s.final), ", ".join(flags))
    console.print(table)


@review_group.command("appraise")
@click.argument("agency")
@click.argument("criterion")
@click.argument("score")
@click.option("--appraiser", metavar="ID", required=True, help="Who appraises.")
@click.option("--reason", required=True, help="Why the appraiser's score stands (kept in the audit log).")
@pass_state
def review_appraise(state: State, agency: str, criterion: str, score: str, appraiser: str, reason: str) -> None:
    """Set the appraiser's score of one criterion (it replaces the mean); `-` withdraws it.

    Example: kiemtra review appraise bac-ninh c3-search 2.5 --appraiser tran.b --reason "tìm kiếm trả sai kết quả"
    """
    if not reason.strip():
        raise click.BadParameter("cần ghi lý do thẩm định (được lưu trong nhật ký)", param_hint="--reason")
    config = state.load()
    group = config.agency(agency).group
    spec = next((c for c in config.criteria if c.id == criterion), None)
    if spec is None or group not in spec.points:
        raise click.BadParameter(f"tiêu chí '{criterion}' không có hoặc không áp dụng cho nhóm {group}",
                                 param_hint="CRITERION")
    try:
        value = None if score == "-" else float(score.replace(",", "."))
    except ValueError:
        raise click.BadParameter(f"'{score}' không phải số; ghi ví dụ 2.5 hoặc 2,5 (hoặc - để rút điểm)",
                                 param_hint="SCORE") from None
    if value is not None and not 0 <= value <= spec.points[group]:
        raise click.BadParameter(f"điểm phải từ 0 đến {spec.points[group]:g}", param_hint="SCORE")
    with Store(config.settings.data) as store:
        portal_store.appraise(store, agency_id=agency, criterion_id=criterion, appraiser=appraiser, score=value,
                              reason=reason)
    console.print(f"Đã ghi điểm thẩm định {score} cho {agency} / {criterion}.")


@review_group.command("history")
@click.argument("agency")
@click.option("--criterion", metavar="ID", help="Only this criterion.")
@pass_state
def review_history(state: State, agency: str, criterion: str | None) -> None:
    """Every change of the agency's review: who, when, old value, new value, why.

    Example: kiemtra review history bac-ninh --criterion c3-search
    """
    config = state.load()
    config.agency(agency)  # an unknown id is an error, not an empty history
    with Store(config.settings.data) as store:
        rows = list(portal_store.history(store, agency, criterion))
    table = Table("lúc", "ai", "tiêu chí", "việc", "cũ", "mới", "lý do")
    for r in rows:
        table.add_row(r["at"], r["who"], r["criterion_id"], r["what"], r["old"] or "", r["new"] or "", r["why"] or "")
    console.print(table)


COMMANDS = [portal_group, review_group]
