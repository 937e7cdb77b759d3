"""Gathering each agency's figures (survey forms and what the checks measured) and scoring them.

Measured figures, with the evidence they rest on:
- `kt_c3`: the portal review's final scores (R1, R2), summed over the criteria of the agency's group;
- `kt_dvctt_muc34` / `kt_dvctt_muc4`: counted procedures (R4) with a service credited at level 3–4 / 4
  by its recognition (`checks/recognition.py`: direct, assisted, or by report once an evaluator
  accepted it, R8); a service whose recognition is pending counts nowhere and is named as pending;
- `kt_dvctt_kiem_tra` / `kt_dvctt_dat`: declared level-3/4 services whose recognition is decided, and
  those of them credited at level ≥ 3 (the R10 truth check compares the two; pending ones are out).
"""

from __future__ import annotations

import json
import math
from typing import Any

from checks.recognition import Recognition
from checks.scoring import AgencyInput, AgencyScore, Figure, score_all
from configuration.loader import AgencyConfig, Config
from evidence import agencies, judgements, surveys
from evidence import scores as score_store
from evidence.recognition import recognitions, sampled_out
from evidence.store import Store
from kiemtra.errors import ConfigError
from office.matching import counted
from office.review import statuses

JUDGED_MODES = ("direct", "by_report", "none")      # "unverified": the bot could not see, never held against
RECOGNIZED_MODES = ("direct", "by_report")


def recognized(row: dict[str, Any]) -> bool:
    """One verdict row at level ≥ 3 (the sampling escalation's test of a sampled check)."""
    return row["mode"] in RECOGNIZED_MODES and (row["level"] or 0) >= 3


def portal_figure(store: Store, config: Config, agency: AgencyConfig) -> Figure:
    """Category 3 points from the portal review; criteria not yet final count 0 and are named."""
    rows = statuses(store, config, agency.id)
    pending = [s.scores.criterion_id for s in rows if s.final is None]
    total = round(sum(s.final or 0.0 for s in rows), 4)
    evidence = tuple(f"{s.scores.criterion_id}: {s.final:g}/{s.scores.max_points:g}" for s in rows if s.final is not None)
    note = f"; chưa có điểm cuối: {', '.join(pending)}" if pending else ""
    return Figure(total, f"kết quả kiểm tra Trang/Cổng TTĐT ({len(rows) - len(pending)}/{len(rows)} tiêu chí){note}",
                  f"/co-quan/{agency.id}", evidence)


def _line(service_id: str, r: Recognition) -> str:
    return f"{service_id}: {r.word} — {r.reason}"


def sample_stands(decisions: dict[str, Recognition], sampled_out: set[str], declared: list[str],
                  tolerance: float) -> tuple[bool, str]:
    """R6 sampling: do the sampled services confirm the declaration within the R10 tolerance? And why."""
    checked = [sid for sid in declared if sid not in sampled_out and decisions[sid].decided]
    waiting = [sid for sid in declared if sid not in sampled_out and not decisions[sid].decided]
    if not checked or waiting:
        return False, f"mẫu R6 chưa đủ kết luận ({len(checked)} có kết luận, {len(waiting)} đang chờ)"
    bad = [sid for sid in checked if (decisions[sid].level or 0) < 3]
    share = len(bad) / len(checked)
    words = f"mẫu R6: {len(checked) - len(bad)}/{len(checked)} dịch vụ mẫu được công nhận"
    if share > tolerance + 1e-9:
        return False, f"{words} (không đạt {share:.0%} > dung sai {tolerance:.0%}): không suy rộng cho dịch vụ ngoài mẫu"
    return True, f"{words} (không đạt {share:.0%} ≤ dung sai {tolerance:.0%}): số liệu khai báo của dịch vụ ngoài mẫu được giữ"


def service_figures(store: Store, agency: AgencyConfig, tolerance: float = 0.2) -> dict[str, Figure]:
    """Category 4 figures from each service's recognition (checks/recognition.py) and R4 counting.

    Only decided services (recognized, not recognized) are credited or held against the agency
    (R10); the others are listed as pending in every figure, so a score says "chưa đủ kết luận".
    For an agency checked by sample (R6), services outside the sample count at their declared level
    when the sample confirms the declaration within `tolerance`, else they are not checked, never zero.
    """
    decisions = recognitions(store, agency.id)
    declared_levels = {s.id: s.declared_level for s in agency.services}
    declared = [sid for sid in decisions if (declared_levels.get(sid) or 0) >= 3]
    outside = sampled_out(store, agency.id)
    stands, sample_note = sample_stands(decisions, outside, declared, tolerance) if outside else (False, "")
    decided = [sid for sid in declared if decisions[sid].decided]
    pending = tuple(_line(sid, decisions[sid]) for sid in declared
                    if not decisions[sid].decided and not (stands and sid in outside))
    if sample_note:
        pending = (*pending, sample_note) if not stands else pending
    failed = [sid for sid in decided if (decisions[sid].level or 0) < 3]
    credit: dict[str, tuple[int, str]] = {sid: (decisions[sid].level or 0, f"lượt {', '.join(decisions[sid].runs)}")
                                          for sid in decided}
    if stands:
        credit.update({sid: (declared_levels[sid], "theo khai báo, " + sample_note.split(" (")[0])
                       for sid in declared if sid in outside})
    link = f"/co-quan/{agency.id}"
    levels: dict[str, int] = {}
    proof: dict[str, str] = {}
    for procedure in counted(store, agency.id).counted:
        credited = [(credit[s.service_id][0], s.service_id) for s in procedure.services if s.service_id in credit]
        if credited:
            level, service_id = max(credited)
            if level >= 3:
                levels[procedure.code] = level
                proof[procedure.code] = f"{procedure.code}: {service_id} mức {level} ({credit[service_id][1]})"
    # R3/R5 portal route: a procedure not in CSDL TTHC, published on the authority's portal, counts once per page.
    for service_id, row in judgements.latest_published_urls(store, agency.id).items():
        found = decisions.get(service_id)
        if found is not None and found.decided and (found.level or 0) >= 3 and row["url"] not in levels:
            levels[row["url"]] = found.level or 0
            proof[row["url"]] = (f"{service_id} mức {found.level} (lượt {', '.join(found.runs)}), công bố tại "
                                 f"{row['url']} (lượt {row['run_id']})")
    level34 = sorted(c for c, lv in levels.items() if lv >= 3)
    level4 = sorted(c for c, lv in levels.items() if lv >= 4)
    return {
        "kt_dvctt_muc34": Figure(len(level34), "kiểm tra DVCTT, đếm theo R4", link, tuple(proof[c] for c in level34),
                                 pending),
        "kt_dvctt_muc4": Figure(len(level4), "kiểm tra DVCTT, đếm theo R4", link, tuple(proof[c] for c in level4),
                                pending),
        "kt_dvctt_kiem_tra": Figure(len(decided), "dịch vụ khai báo mức 3, 4 đã có kết luận", link,
                                    tuple(f"{sid} (lượt {', '.join(decisions[sid].runs) or '—'})" for sid in decided),
                                    pending),
        "kt_dvctt_dat": Figure(len(decided) - len(failed), "dịch vụ khai báo mức 3, 4 được công nhận", link,
                               tuple(f"không công nhận {_line(sid, decisions[sid])} — /dich-vu/{sid}" for sid in failed),
                               pending),
    }


def r10_tolerance(config: Config) -> float:
    """The R10 tolerance of the declared DVCTT check (config/scoring.yaml `truth_checks`), also R6's."""
    return next((c.tolerance for c in config.scoring.table.truth_checks if c.found == "kt_dvctt_dat"), 0.2)


def agency_inputs(store: Store, config: Config, year: int) -> list[AgencyInput]:
    """Every configured agency with its survey figures of the year and its measured figures."""
    survey = surveys.survey_figures(store, year)
    out = []
    for agency in config.agencies:
        figures: dict[str, Figure] = {}
        for figure_id, row in survey.get(agency.id, {}).items():
            figures[figure_id] = Figure(row["value"], f"{row['sheet']}!{row['cell']} ({row['source_file']})")
        figures["kt_c3"] = portal_figure(store, config, agency)
        if "c4" in config.scoring.table.maxima[agency.group]:
            figures.update(service_figures(store, agency, r10_tolerance(config)))
        out.append(AgencyInput(agency.id, agency.name, agency.group, figures))
    return out


def refuse_non_finite(inputs: list[AgencyInput], results: list[AgencyScore]) -> None:
    """NaN or infinity, from a stored figure or from a formula, never reaches the scores or the reports."""
    for agency in inputs:
        for figure_id, figure in agency.figures.items():
            if figure.value is not None and not math.isfinite(figure.value):
                raise ConfigError(f"số liệu {figure_id} của {agency.agency_id} là {figure.value} (không hữu hạn)",
                                  file=figure.source or None, fix="nhập lại phiếu khảo sát với số hữu hạn")
    for result in results:
        values = [(i.criterion_id, i.points) for i in result.items]
        values += [(c.category, v) for c in result.categories.values() for v in (c.points, c.index)]
        for what, value in values:
            if value is not None and not math.isfinite(value):
                raise ConfigError(f"điểm {what} của {result.agency_id} tính ra {value} (không hữu hạn)",
                                  fix="kiểm tra các số liệu của cơ quan này (số quá lớn, chia cho 0)")


def run_scoring(store: Store, config: Config, year: int) -> list[AgencyScore]:
    """Score every agency of the config for a year, per group, and store points, totals and figures used."""
    agencies.sync(store, config.agency_rows())
    inputs = agency_inputs(store, config, year)
    try:
        results = score_all(inputs, config.scoring.table)
    except (ValueError, ArithmeticError) as exc:  # checks/ raises nothing of ours: a formula given a value it cannot take
        raise ConfigError(f"không tính được điểm: {exc}", fix="kiểm tra các số liệu đã nhập") from None
    refuse_non_finite(inputs, results)
    items, totals, figures = [], [], []
    for result in results:
        for item in result.items:
            items.append({"agency_id": result.agency_id, "criterion_id": item.criterion_id, "category": item.category,
                          "points": item.points, "max_points": item.max_points,
                          "reasons": json.dumps(list(item.reasons), ensure_ascii=False),
                          "figures": json.dumps(list(item.figures)), "zeroed": item.zeroed})
        for category in result.categories.values():
            totals.append({"agency_id": result.agency_id, "agency_group": result.group, "category": category.category,
                           "points": category.points, "max_points": category.max_points, "idx": category.index,
                           "rank": category.rank, "exempt": int(category.exempt)})
    for agency in inputs:
        for figure_id, figure in agency.figures.items():
            figures.append({"agency_id": agency.agency_id, "figure_id": figure_id, "value": figure.value,
                            "source": figure.source, "link": figure.link,
                            "evidence": json.dumps(list(figure.evidence), ensure_ascii=False)})
    score_store.save_scores(store, year, items, totals, figures)
    return results
