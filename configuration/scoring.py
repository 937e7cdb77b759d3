"""Loading `config/scoring.yaml`: maxima per group (R11), figures, criteria, R10 checks, R12, R6 sampling.

Every problem is one line naming file, line, field and fix (a `ConfigError`), all gathered into one
`ConfigInvalid`, like the rest of the config. Each category's criteria must add up to the category's
maximum for every group that has it, so an edit cannot silently change a category's weight.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from checks.scoring import KINDS, Criterion, ScoringTable, TruthCheck
from configuration import yamlfile
from configuration.folder import GROUPS, load_table
from configuration.problems import Problems, dotted, from_validation
from kiemtra.errors import ConfigError, ConfigInvalid

RELATIVE_PATH = Path("scoring.yaml")
_PARAMS = {"ratio": ("numerator", "denominator"), "normalised": ("numerator",), "per_item": ("figure",),
           "yes_no": ("figure",), "points": ("figure",), "sum": ("parts",),
           "highest": ("parts",)}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FigureSpec(_Strict):
    """One figure: asked in the survey forms, or measured by the checks."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    category: str
    source: Literal["survey", "checks"]
    type: Literal["number", "yes_no"] = "number"
    unit: str = ""
    name: str = Field(min_length=1)
    at_most: str | None = None
    required: bool = True


class _CriterionEntry(_Strict):
    id: str = Field(pattern=r"^c[1-6](\.[0-9a-z]+)*$")
    category: str | None = None
    name: str = Field(min_length=1)
    max: float = Field(ge=0)
    kind: str
    numerator: str | None = None
    denominator: str | None = None
    figure: str | None = None
    each: float | None = Field(None, ge=0)
    cap: float | None = Field(None, ge=0)
    parts: list[_CriterionEntry] = Field(default_factory=list)
    groups: list[Literal["bo", "cqtcp", "tinh"]] = Field(default_factory=lambda: list(GROUPS))
    basis: str = ""


class _Exemption(_Strict):
    agency: str
    categories: list[str]
    basis: str = ""


class _TruthEntry(_Strict):
    id: str
    label: str = ""
    declared: str
    found: str
    tolerance: float = Field(ge=0, le=1)
    zero: list[str]


class Sampling(_Strict):
    min_services: int = Field(default=30, ge=1)
    k: int = Field(default=2, ge=0)
    seed: int = 2342
    failure_threshold: float = Field(default=0.5, ge=0, le=1)


class _Document(_Strict):
    maxima: dict[Literal["bo", "cqtcp", "tinh"], dict[str, float]]
    categories: dict[str, str]
    exemptions: list[_Exemption] = Field(default_factory=list)
    truth_checks: list[_TruthEntry] = Field(default_factory=list)
    sampling: Sampling = Field(default_factory=Sampling)
    figures: list[FigureSpec]
    criteria: list[_CriterionEntry]


@dataclass(frozen=True)
class ScoringConfig:
    table: ScoringTable
    figures: tuple[FigureSpec, ...]
    sampling: Sampling
    path: Path

    def figure(self, figure_id: str) -> FigureSpec:
        return next(f for f in self.figures if f.id == figure_id)

    def survey_figures(self, group: str) -> list[FigureSpec]:
        """The figures form 1A/2A/3A asks of a group: the survey ones of the categories it has."""
        return [f for f in self.figures if f.source == "survey" and f.category in self.table.maxima[group]]


def load_scoring(directory: str | Path | None = None) -> ScoringConfig:
    """The scoring table of the config folder (else the shipped one); ConfigInvalid lists every problem."""
    problems: Problems = []
    scoring = parse_scoring(directory, problems)
    if scoring is None:
        raise ConfigInvalid(problems)
    return scoring


def parse_scoring(directory: str | Path | None, problems: Problems) -> ScoringConfig | None:
    """The scoring table, each problem appended (file, line, field, fix); None if it has any."""
    try:
        name, document = load_table(directory, RELATIVE_PATH)
    except ConfigInvalid as exc:
        problems.extend(exc.problems)
        return None
    try:
        parsed = _Document.model_validate(document)
    except ValidationError as exc:
        problems.extend(from_validation(exc, name, document))
        return None
    before = len(problems)

    def problem(message: str, loc: tuple[Any, ...], fix: str) -> None:
        problems.append(ConfigError(message, file=name, field=dotted(loc), line=yamlfile.line_of(document, loc), fix=fix))

    figures = {f.id: f for f in parsed.figures}
    for index, figure in enumerate(parsed.figures):
        if figure.at_most and figure.at_most not in figures:
            problem(f"không có số liệu '{figure.at_most}'", ("figures", index, "at_most"), "dùng id một số liệu trong figures")
        if figure.category not in parsed.categories:
            problem(f"không có hạng mục '{figure.category}'", ("figures", index, "category"), "dùng c1 … c6")
    criteria = [_criterion(entry, None, ("criteria", i), figures, problem) for i, entry in enumerate(parsed.criteria)]
    ids = [c.id for c in _flatten(criteria)]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        problem(f"id tiêu chí '{duplicate}' bị lặp", ("criteria",), "mỗi tiêu chí một id riêng")
    for group, maxima in parsed.maxima.items():
        for category, max_points in maxima.items():
            total = sum(c.max_points for c in criteria if c.category == category and group in c.groups)
            if abs(total - max_points) > 1e-6:
                problem(f"tổng điểm tối đa hạng mục {category} nhóm {group} là {total:g}, phải là {max_points:g}",
                        ("maxima", group, category), f"sửa điểm các tiêu chí {category} cho tổng bằng {max_points:g}")
    for index, check in enumerate(parsed.truth_checks):
        for key in ("declared", "found"):
            if getattr(check, key) not in figures:
                problem(f"không có số liệu '{getattr(check, key)}'", ("truth_checks", index, key), "dùng id trong figures")
        for criterion_id in set(check.zero) - set(ids):
            problem(f"không có tiêu chí '{criterion_id}'", ("truth_checks", index, "zero"), "dùng id trong criteria")
    if len(problems) > before:
        return None
    table = ScoringTable(
        maxima={g: dict(m) for g, m in parsed.maxima.items()}, categories=dict(parsed.categories),
        criteria=tuple(criteria),
        truth_checks=tuple(TruthCheck(t.id, t.declared, t.found, t.tolerance, tuple(t.zero), t.label)
                           for t in parsed.truth_checks),
        exemptions={e.agency: tuple(e.categories) for e in parsed.exemptions})
    return ScoringConfig(table, tuple(parsed.figures), parsed.sampling, Path(name))


def _flatten(criteria: list[Criterion]) -> list[Criterion]:
    return [x for c in criteria for x in (c, *_flatten(list(c.parts)))]


def _criterion(entry: _CriterionEntry, parent: str | None, loc: tuple[Any, ...], figures: dict[str, FigureSpec],
               problem: Any) -> Criterion:
    category = entry.category or parent or entry.id.split(".")[0]
    if entry.kind not in KINDS:
        problem(f"kiểu công thức '{entry.kind}' không có", (*loc, "kind"), f"dùng một trong: {', '.join(KINDS)}")
    for key in _PARAMS.get(entry.kind, ()):
        if not getattr(entry, key):
            problem(f"công thức {entry.kind} cần trường {key}", loc, f"thêm {key}:")
    for key in ("numerator", "denominator", "figure"):
        value = getattr(entry, key)
        if value and value not in figures:
            problem(f"không có số liệu '{value}'", (*loc, key), "dùng id một số liệu trong figures")
    parts = tuple(_criterion(p, category, (*loc, "parts", i), figures, problem) for i, p in enumerate(entry.parts))
    params = {k: getattr(entry, k) for k in ("numerator", "denominator", "figure", "each", "cap")
              if getattr(entry, k) is not None}
    return Criterion(entry.id, category, entry.name, entry.max, entry.kind, params, parts, tuple(entry.groups), entry.basis)
