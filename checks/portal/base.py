"""The portal criteria's registry, the criterion table they are scored by, and the runner.

A *check* (registered here, permanent id `P-...`) decides one thing from a `PortalObservation`.
A *criterion* (permanent id `c3-...`, in `config/criteria/portal.yaml`) is what the department
scores: its name, legal reference, points per group and the check that decides it, or `manual`
when only a person can (inspector A then answers needs_review and the person's score counts).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from checks.portal.find import Found, find_topic
from checks.portal.observation import PortalObservation
from checks.registry import Registry
from checks.result import Reason, Result, could_not_verify, failed, needs_review, not_applicable, partly, passed

REGISTRY = Registry("portal")
MANUAL = "manual"

Topic = tuple[str, tuple[str, ...]]     # (Vietnamese label, folded keywords)


@dataclass(frozen=True)
class Criterion:
    """One scored criterion of category 3, as the config declares it."""

    id: str
    name: str
    rule: str
    points: dict[str, float]     # group -> points; groups absent here are not scored
    check: str                   # a registered check id, or "manual"

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(self.points)


@dataclass(frozen=True)
class CriterionResult:
    criterion_id: str
    result: Result


def share(max_points: float, got: int, total: int, reasons: Sequence[Reason]) -> Result:
    """All → pass, none → fail, some → pass with points in proportion."""
    if got >= total:
        return passed(*reasons)
    if got == 0:
        return failed(*reasons)
    return partly(round(max_points * got / total, 2), *reasons)


def topics_result(portal: PortalObservation, max_points: float, topics: Iterable[Topic]) -> Result:
    """Score a criterion made of sections the portal must have, one share per section.

    A section only linked (the crawl did not reach it) makes the result uncertain: a person looks.
    A section answering 5xx is the kind of failure re-checked later (R6), not held against the agency.
    """
    topics = tuple(topics)
    reasons: list[Reason] = []
    seen = uncertain = unreachable = 0
    for label, keywords in topics:
        found: Found | None = find_topic(portal, keywords)
        if found is None:
            reasons.append(Reason(f"{label}: không tìm thấy trên cổng", url=portal.home_url))
            continue
        reasons.append(found.reason(label))
        if found.seen:
            seen += 1
        elif found.page is not None and found.page.status >= 500:
            unreachable += 1
        elif found.page is None:
            uncertain += 1
    if uncertain:
        return needs_review(*reasons)
    if unreachable:
        return could_not_verify(*reasons)
    return share(max_points, seen, len(topics), reasons)


def evaluate(portal: PortalObservation, criteria: Iterable[Criterion]) -> list[CriterionResult]:
    """Run each criterion's check on one inspector's observation of one portal."""
    out = []
    for criterion in criteria:
        points = criterion.points.get(portal.group)
        if points is None:
            result = not_applicable(f"Tiêu chí không áp dụng cho nhóm cơ quan “{portal.group}”")
        elif portal.error:
            result = could_not_verify(Reason(f"Không thu thập được cổng: {portal.error}", url=portal.home_url))
        elif criterion.check == MANUAL:
            result = needs_review("Tiêu chí do cán bộ kiểm tra chấm trực tiếp")
        else:
            spec = REGISTRY.get(criterion.check)
            result = spec.run(portal, max_points=points, points=points)
        if result.check_id == "":
            result = result.with_spec(criterion.check, points or 0.0)
        out.append(CriterionResult(criterion.id, result))
    return out
