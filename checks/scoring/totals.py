"""Scoring a group of agencies: criteria points, R10 zeros, R12 exemptions, category totals, index, rank.

Agencies are scored a group at a time because a `normalised` criterion divides by the largest value
in the group (Decision 2342 PL 1B item 3: "÷ giá trị lớn nhất trong các Bộ"), and ranks are per group.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from checks.scoring.formulas import Criterion, Figure, ItemScore, raw_value, score
from checks.scoring.ranking import competition_ranks, index
from checks.scoring.rules import TruthCheck, exempt_categories, untrue

TOTAL = "total"


@dataclass(frozen=True)
class ScoringTable:
    """`config/scoring.yaml` once loaded: maxima per group (R11), criteria, R10 checks, R12 exemptions."""

    maxima: Mapping[str, Mapping[str, float]]
    categories: Mapping[str, str]
    criteria: tuple[Criterion, ...]
    truth_checks: tuple[TruthCheck, ...] = ()
    exemptions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def criteria_for(self, group: str) -> list[Criterion]:
        return [c for c in self.criteria if group in c.groups and c.category in self.maxima.get(group, {})]


@dataclass(frozen=True)
class AgencyInput:
    agency_id: str
    name: str
    group: str
    figures: Mapping[str, Figure]


@dataclass(frozen=True)
class CategoryScore:
    category: str
    points: float
    max_points: float
    index: float
    rank: int | None = None
    exempt: bool = False


@dataclass
class AgencyScore:
    agency_id: str
    name: str
    group: str
    items: list[ItemScore]
    categories: dict[str, CategoryScore]

    @property
    def total(self) -> CategoryScore:
        return self.categories[TOTAL]


def _walk(criteria: Iterable[Criterion]) -> Iterable[Criterion]:
    for criterion in criteria:
        yield criterion
        yield from _walk(criterion.parts)


def group_largest(criteria: Sequence[Criterion], agencies: Sequence[AgencyInput]) -> dict[str, float]:
    """The largest raw value of each normalised criterion among the agencies given."""
    out: dict[str, float] = {}
    for criterion in _walk(criteria):
        if criterion.kind == "normalised":
            values = [raw_value(criterion, a.figures) for a in agencies]
            out[criterion.id] = max((v for v in values if v is not None), default=0.0)
    return out


def score_agency(agency: AgencyInput, table: ScoringTable, largest: Mapping[str, float]) -> AgencyScore:
    """One agency's items and category totals (ranks are filled in by `score_group`)."""
    exempt = exempt_categories(agency.agency_id, agency.group, table.maxima, table.exemptions)
    zeroed: dict[str, str] = {}
    for check in table.truth_checks:
        reason = untrue(check, agency.figures)
        for criterion_id in check.zero if reason else ():
            zeroed.setdefault(criterion_id, reason)
    items = []
    for criterion in table.criteria_for(agency.group):
        if criterion.category in exempt:
            continue
        item = score(criterion, agency.figures, largest)
        if criterion.id in zeroed:
            item = replace(item, points=0.0, reasons=item.reasons + (zeroed[criterion.id],), zeroed="không đúng thực tế")
        items.append(item)
    categories: dict[str, CategoryScore] = {}
    for category, max_points in table.maxima[agency.group].items():
        if category in exempt:
            categories[category] = CategoryScore(category, 0.0, 0.0, 0.0, exempt=True)
            continue
        points = round(sum(i.points for i in items if i.category == category), 2)
        categories[category] = CategoryScore(category, points, max_points, index(points, max_points))
    scored = [c for c in categories.values() if not c.exempt]
    total_points = round(sum(c.points for c in scored), 2)
    total_max = sum(c.max_points for c in scored)
    categories[TOTAL] = CategoryScore(TOTAL, total_points, total_max, index(total_points, total_max))
    return AgencyScore(agency.agency_id, agency.name, agency.group, items, categories)


def score_group(agencies: Sequence[AgencyInput], table: ScoringTable) -> list[AgencyScore]:
    """Score every agency of one group and rank them per category and overall."""
    groups = {a.group for a in agencies}
    if len(groups) > 1:
        raise ValueError(f"score_group takes one group at a time, got {sorted(groups)}")
    if not agencies:
        return []
    group = next(iter(groups))
    largest = group_largest(table.criteria_for(group), agencies)
    scores = [score_agency(a, table, largest) for a in agencies]
    for category in [*table.maxima[group], TOTAL]:
        # Rank categories by points (one maximum for all), the total by index (exempt maxima differ).
        values = {s.agency_id: (s.categories[category].index if category == TOTAL else s.categories[category].points)
                  for s in scores if not s.categories[category].exempt}
        for agency_id, rank in competition_ranks(values).items():
            score_of = next(s for s in scores if s.agency_id == agency_id)
            score_of.categories[category] = replace(score_of.categories[category], rank=rank)
    return scores


def score_all(agencies: Sequence[AgencyInput], table: ScoringTable) -> list[AgencyScore]:
    """Every group scored and ranked separately (Decision 2342 §VI.ii)."""
    out: list[AgencyScore] = []
    for group in table.maxima:
        out.extend(score_group([a for a in agencies if a.group == group], table))
    return out
