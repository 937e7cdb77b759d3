"""Loading `config/criteria/portal.yaml`: the category-3 criteria, their points and their checks.

Every problem is one line naming file, line, field and fix (a `ConfigError`); all are gathered
into one `ConfigInvalid`, like the rest of the config. The table must give each group exactly the
category's maximum (100, R11) so a department editing it cannot silently change the category's weight.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from checks.portal import MANUAL, REGISTRY, Criterion
from configuration import yamlfile
from configuration.folder import GROUPS, ID_PATTERN, load_table
from configuration.problems import Problems, from_validation
from kiemtra.errors import ConfigError, ConfigInvalid

CATEGORY_MAX = 100.0
RELATIVE_PATH = Path("criteria") / "portal.yaml"


class _CriterionEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    rule: str = Field(min_length=1)
    groups: list[str] = Field(min_length=1)
    points: float | dict[str, float]
    check: str = Field(min_length=1)


def load_criteria(directory: str | Path | None = None) -> list[Criterion]:
    """The criteria table of the config folder (else the shipped one); ConfigInvalid lists every problem."""
    problems: Problems = []
    criteria = parse_criteria(directory, problems)
    if problems:
        raise ConfigInvalid(problems)
    return criteria


def parse_criteria(directory: str | Path | None, problems: Problems) -> list[Criterion]:
    """The criteria table, each problem appended (an unknown check, a group's total other than 100...)."""
    try:
        name, document = load_table(directory, RELATIVE_PATH)
    except ConfigInvalid as exc:
        problems.extend(exc.problems)
        return []
    entries = document.get("criteria") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        problems.append(ConfigError("thiếu danh sách tiêu chí", file=name, field="criteria",
                                    fix="bắt đầu tệp bằng `criteria:` và một danh sách"))
        return []
    criteria: list[Criterion] = []
    for index, raw in enumerate(entries):
        criterion = _entry(raw, index, name, document, problems)
        if criterion is not None:
            criteria.append(criterion)
    _check_unique(criteria, name, document, problems)
    _check_totals(criteria, name, document, problems)
    return criteria


def _entry(raw: Any, index: int, file: str, document: Any, problems: list[ConfigError]) -> Criterion | None:
    def problem(message: str, field: str, fix: str) -> None:
        problems.append(ConfigError(message, file=file, field=f"criteria[{index}].{field}",
                                    line=yamlfile.line_of(document, ("criteria", index, field)), fix=fix))

    try:
        entry = _CriterionEntry.model_validate(raw)
    except ValidationError as exc:
        for error in from_validation(exc, file, document):
            problems.append(ConfigError(error.message, file=file, field=f"criteria[{index}].{error.field}",
                                        line=yamlfile.line_of(document, ("criteria", index, *(error.field or "").split(".")[:1])),
                                        fix=error.fix))
        return None
    bad_groups = [g for g in entry.groups if g not in GROUPS]
    if bad_groups:
        problem(f"nhóm không hợp lệ: {', '.join(bad_groups)}", "groups", "dùng bo, cqtcp, tinh")
        return None
    if isinstance(entry.points, dict):
        if set(entry.points) != set(entry.groups):
            problem("các nhóm của points khác với groups", "points",
                    f"ghi điểm cho đúng các nhóm {', '.join(entry.groups)} hoặc một số chung")
            return None
        points = dict(entry.points)
    else:
        points = {group: float(entry.points) for group in entry.groups}
    if any(value < 0 for value in points.values()):
        problem("điểm âm", "points", "dùng số điểm ≥ 0")
        return None
    if entry.check != MANUAL:
        known = {spec.id for spec in REGISTRY}
        if entry.check not in known:
            problem(f"không có phép kiểm tra '{entry.check}'", "check",
                    f"dùng `manual` hoặc một trong: {', '.join(sorted(known))}")
            return None
    return Criterion(entry.id, entry.name, entry.rule, points, entry.check)


def _check_unique(criteria: list[Criterion], file: str, document: Any, problems: list[ConfigError]) -> None:
    seen: set[str] = set()
    for index, criterion in enumerate(criteria):
        if criterion.id in seen:
            problems.append(ConfigError(f"id tiêu chí '{criterion.id}' bị lặp", file=file, field="id",
                                        line=yamlfile.line_of(document, ("criteria", index)),
                                        fix="mỗi tiêu chí một id riêng, không dùng lại id đã bỏ"))
        seen.add(criterion.id)


def _check_totals(criteria: list[Criterion], file: str, document: Any, problems: list[ConfigError]) -> None:
    for group in GROUPS:
        total = sum(c.points.get(group, 0.0) for c in criteria)
        if abs(total - CATEGORY_MAX) > 1e-6:
            problems.append(ConfigError(f"tổng điểm nhóm {group} là {total:g}, phải là {CATEGORY_MAX:g}", file=file,
                                        field="points", line=yamlfile.line_of(document, ("criteria",)),
                                        fix=f"sửa điểm các tiêu chí nhóm {group} cho tổng bằng {CATEGORY_MAX:g}"))
