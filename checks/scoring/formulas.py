"""Criterion formulas of Decision 2342 (Appendices 1B–3B) as data, and the points each gives.

A criterion is one row of `config/scoring.yaml`: an id, its maximum, and a formula kind over named
figures (what the agency declared in its survey form, or what the checks measured). The kinds are
the ones the Decision uses:

| kind | points |
| --- | --- |
| `ratio` | min(1, numerator / denominator) × max |
| `normalised` | (value / largest value in the group) × max, value = numerator [/ denominator] |
| `per_item` | min(cap, count × each) |
| `yes_no` | max if the figure is yes (non-zero), else 0 |
| `points` | a figure that is already points (category 3 from the portal review), capped at max |
| `sum` | the sum of the sub-items' points, capped at max |
| `highest` | the highest of the sub-items' points ("lấy trường hợp điểm cao nhất"), capped at max |

Pure: no config loading, no store. A figure that is missing gives the criterion zero with the
reason (R10: "không khai báo đủ thông tin").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

KINDS = ("ratio", "normalised", "per_item", "yes_no", "points", "sum", "highest")


@dataclass(frozen=True)
class Figure:
    """One figure of one agency: its value (None: not declared) and where it came from."""

    value: float | None
    source: str = ""                  # e.g. "Phiếu 1A!F7 (khao-sat-2024.xlsx)" or "kiểm tra: 12 lượt"
    link: str | None = None           # a path of the evidence browser, e.g. /dich-vu/bac-ninh-001
    evidence: tuple[str, ...] = ()    # lines that prove it (service ids with their runs...)
    pending: tuple[str, ...] = ()     # what is not decided yet (services waiting for a retry, a judgement...)


@dataclass(frozen=True)
class Criterion:
    """One scored item. `parts` only for kinds `sum` and `highest`."""

    id: str
    category: str
    name: str
    max_points: float
    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)
    parts: tuple[Criterion, ...] = ()
    groups: tuple[str, ...] = ("bo", "cqtcp", "tinh")
    basis: str = ""                   # where the formula comes from, e.g. "QĐ 2342 PL 1B mục 1"

    def figures(self) -> tuple[str, ...]:
        """Every figure id this criterion (and its parts) reads."""
        own = tuple(self.params[k] for k in ("numerator", "denominator", "figure") if self.params.get(k))
        return own + tuple(f for part in self.parts for f in part.figures())


@dataclass(frozen=True)
class ItemScore:
    """The points of one criterion for one agency, with why."""

    criterion_id: str
    category: str
    points: float
    max_points: float
    reasons: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()     # figure ids read
    zeroed: str = ""                  # R10 reason when the rule set the points to zero


def _value(figures: Mapping[str, Figure], figure_id: str) -> float | None:
    found = figures.get(figure_id)
    return None if found is None else found.value


def raw_value(criterion: Criterion, figures: Mapping[str, Figure]) -> float | None:
    """The value a `normalised` criterion compares across the group (None: cannot be computed)."""
    numerator = _value(figures, criterion.params["numerator"])
    denominator_id = criterion.params.get("denominator")
    if numerator is None:
        return None
    if not denominator_id:
        return numerator
    denominator = _value(figures, denominator_id)
    if not denominator:
        return None
    return numerator / denominator


def _round(points: float) -> float:
    return round(points, 2)


def score(criterion: Criterion, figures: Mapping[str, Figure], group_largest: Mapping[str, float]) -> ItemScore:
    """Points of one criterion; `group_largest` holds the largest raw value of each normalised criterion."""
    if criterion.kind in ("sum", "highest"):
        parts = [score(part, figures, group_largest) for part in criterion.parts]
        combine = sum if criterion.kind == "sum" else (lambda points: max(points, default=0.0))
        total = min(criterion.max_points, combine(p.points for p in parts))
        reasons = tuple(f"{p.criterion_id}: {p.points:g}/{p.max_points:g} — {'; '.join(p.reasons)}" for p in parts)
        return ItemScore(criterion.id, criterion.category, _round(total), criterion.max_points, reasons,
                         criterion.figures())
    missing = [f for f in criterion.figures() if _value(figures, f) is None]
    if missing:
        return ItemScore(criterion.id, criterion.category, 0.0, criterion.max_points,
                         (f"không khai báo số liệu {', '.join(missing)} — 0 điểm (R10)", *_grounds(criterion, figures)),
                         criterion.figures(),
                         zeroed="thiếu số liệu")
    points, reason = _KIND[criterion.kind](criterion, figures, group_largest)
    return ItemScore(criterion.id, criterion.category, _round(points), criterion.max_points,
                     (reason, *_grounds(criterion, figures)), criterion.figures())


def _grounds(criterion: Criterion, figures: Mapping[str, Figure]) -> tuple[str, ...]:
    """What a measured figure rests on, and what it still waits for: "chưa đủ kết luận", never a silent zero."""
    out = []
    for figure_id in dict.fromkeys(criterion.figures()):
        found = figures.get(figure_id)
        if found is not None and found.evidence and found.link:
            out.append(f"{figure_id} dựa trên: {'; '.join(found.evidence[:20])}"
                       + (f" (và {len(found.evidence) - 20} mục khác)" if len(found.evidence) > 20 else ""))
        if found is not None and found.pending:
            out.append(f"chưa đủ kết luận ({figure_id}): {'; '.join(found.pending[:20])}"
                       + (f" (và {len(found.pending) - 20} mục khác)" if len(found.pending) > 20 else ""))
    return tuple(out)


def _ratio(c: Criterion, figures: Mapping[str, Figure], _: Mapping[str, float]) -> tuple[float, str]:
    numerator = _value(figures, c.params["numerator"]) or 0.0
    denominator = _value(figures, c.params["denominator"]) or 0.0
    if denominator <= 0:
        return 0.0, f"{c.params['denominator']} = 0: không tính được tỷ lệ"
    ratio = min(1.0, numerator / denominator)
    return ratio * c.max_points, f"tỷ lệ {numerator:g}/{denominator:g} = {ratio:.4f} × {c.max_points:g}"


def _normalised(c: Criterion, figures: Mapping[str, Figure], largest: Mapping[str, float]) -> tuple[float, str]:
    value = raw_value(c, figures)
    top = largest.get(c.id, 0.0)
    if value is None or top <= 0:
        return 0.0, "giá trị bằng 0 hoặc không tính được"
    share = value / top
    return share * c.max_points, f"{value:.4g} ÷ lớn nhất trong nhóm {top:.4g} = {share:.4f} × {c.max_points:g}"


def _per_item(c: Criterion, figures: Mapping[str, Figure], _: Mapping[str, float]) -> tuple[float, str]:
    count = _value(figures, c.params["figure"]) or 0.0
    each = float(c.params.get("each", 1))
    cap = min(float(c.params.get("cap", c.max_points)), c.max_points)
    points = min(cap, count * each)
    return points, f"{count:g} × {each:g} điểm, tối đa {cap:g}"


def _yes_no(c: Criterion, figures: Mapping[str, Figure], _: Mapping[str, float]) -> tuple[float, str]:
    yes = bool(_value(figures, c.params["figure"]))
    return (c.max_points if yes else 0.0), ("có" if yes else "không có")


def _points(c: Criterion, figures: Mapping[str, Figure], _: Mapping[str, float]) -> tuple[float, str]:
    value = max(0.0, _value(figures, c.params["figure"]) or 0.0)
    return min(c.max_points, value), f"điểm đã chấm {value:g}, tối đa {c.max_points:g}"


_KIND = {"ratio": _ratio, "normalised": _normalised, "per_item": _per_item, "yes_no": _yes_no, "points": _points}
