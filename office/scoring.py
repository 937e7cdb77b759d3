"""Gathering each agency's figures (survey forms and what the checks measured) and scoring them.

Measured figures, with the evidence they rest on:
- `kt_c3`: the portal review's final scores (R1, R2), summed over the criteria of the agency's group;
- `kt_dvctt_muc34` / `kt_dvctt_muc4`: counted procedures (R4) with a service recognized at level 3–4 / 4
  by its latest check (direct, or by report R8); a service the bot could not see is not recognized yet;
- `kt_dvctt_kiem_tra` / `kt_dvctt_dat`: declared level-3/4 services with a final verdict, and those of
  them recognized at level ≥ 3 (the R10 truth check compares the two).
"""

from __future__ import annotations

import json
from typing import Any

from checks.scoring import AgencyInput, AgencyScore, Figure, score_all
from configuration.loader import AgencyConfig, Config
from evidence import agencies, runs, surveys
from evidence import scores as score_store
from evidence.store import Store
from office.matching import counted
from office.review import statuses

JUDGED_MODES = ("direct", "by_report", "none")      # "unverified": the bot could not see, never held against
RECOGNIZED_MODES = ("direct", "by_report")


def recognized(row: dict[str, Any]) -> bool:
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


def service_figures(store: Store, agency: AgencyConfig) -> dict[str, Figure]:
    """Category 4 figures from the latest verdicts and R4 counting."""
    latest = {row["id"]: row for row in runs.latest_service_results(store, agency.id)}
    declared = [r for r in latest.values() if (r["declared_level"] or 0) >= 3]
    judged = [r for r in declared if r["mode"] in JUDGED_MODES]
    failed = [r for r in judged if not recognized(r)]
    link = f"/co-quan/{agency.id}"
    levels: dict[str, int] = {}
    proof: dict[str, str] = {}
    for procedure in counted(store, agency.id).counted:
        best = max((latest[s.service_id] for s in procedure.services if s.service_id in latest
                    and recognized(latest[s.service_id])), key=lambda r: r["level"], default=None)
        if best is not None:
            levels[procedure.code] = best["level"]
            proof[procedure.code] = f"{procedure.code}: {best['id']} mức {best['level']} (lượt {best['run_id']})"
    level34 = sorted(c for c, lv in levels.items() if lv >= 3)
    level4 = sorted(c for c, lv in levels.items() if lv >= 4)
    return {
        "kt_dvctt_muc34": Figure(len(level34), "kiểm tra DVCTT, đếm theo R4", link, tuple(proof[c] for c in level34)),
        "kt_dvctt_muc4": Figure(len(level4), "kiểm tra DVCTT, đếm theo R4", link, tuple(proof[c] for c in level4)),
        "kt_dvctt_kiem_tra": Figure(len(judged), "dịch vụ khai báo mức 3, 4 đã có kết luận", link,
                                    tuple(f"{r['id']} (lượt {r['run_id']})" for r in judged)),
        "kt_dvctt_dat": Figure(len(judged) - len(failed), "dịch vụ khai báo mức 3, 4 được công nhận", link,
                               tuple(f"không công nhận {r['id']}: mức {r['level']}, {r['mode']} — /luot/{r['run_id']}"
                                     for r in failed)),
    }


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
            figures.update(service_figures(store, agency))
        out.append(AgencyInput(agency.id, agency.name, agency.group, figures))
    return out


def run_scoring(store: Store, config: Config, year: int) -> list[AgencyScore]:
    """Score every agency of the config for a year, per group, and store points, totals and figures used."""
    agencies.sync(store, config.agency_rows())
    inputs = agency_inputs(store, config, year)
    results = score_all(inputs, config.scoring.table)
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
