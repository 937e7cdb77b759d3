"""R6 sampling of large agencies: which declared services are checked, and why.

Decision 2342 §5.4.b.3.ii: "Các DVCTT được phân nhóm ... Trong từng nhóm sẽ chọn dịch vụ đại diện
chính và một số dịch vụ khác để kiểm tra." Services are grouped by field (from the catalogue, else as
declared); each group's main service is the one with the most online dossiers when known, else the
first by procedure code; k others are drawn at random. The draw uses a seed that is stored with the
plan, and each group draws from its own `Random(f"{seed}:{field}")`, so anyone can draw it again and a
new service in one field does not change the draw of another. A group whose sampled failures pass the
threshold is checked in full. Pure: no store, no config.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

OTHER_FIELD = "Khác"


@dataclass(frozen=True)
class Candidate:
    service_id: str
    code: str | None
    field: str | None
    dossiers: int | None = None        # online dossiers of the year, if the survey gave them


@dataclass(frozen=True)
class Pick:
    service_id: str
    field: str
    why: str                           # Vietnamese: "đại diện chính", "chọn ngẫu nhiên", "kiểm tra toàn bộ"...


@dataclass
class SamplePlan:
    seed: int
    k: int
    threshold: float
    sampled: bool                      # False: the agency is small, every service is checked
    picks: list[Pick] = field(default_factory=list)
    skipped: list[Pick] = field(default_factory=list)

    def service_ids(self) -> list[str]:
        return [p.service_id for p in self.picks]

    def as_dict(self) -> dict:
        return {"seed": self.seed, "k": self.k, "threshold": self.threshold, "sampled": self.sampled,
                "picks": [p.__dict__ for p in self.picks], "skipped": [p.__dict__ for p in self.skipped]}


def _main_key(c: Candidate) -> tuple:
    # Most dossiers first when known; else the first by code, so the choice never depends on order given.
    return (-(c.dossiers if c.dossiers is not None else -1), c.code or "9", c.service_id)


def draw(candidates: Sequence[Candidate], *, k: int, seed: int, threshold: float, min_services: int) -> SamplePlan:
    """The plan: all services when there are fewer than `min_services`, else main + k random per field."""
    plan = SamplePlan(seed, k, threshold, sampled=len(candidates) >= min_services)
    if not plan.sampled:
        plan.picks = [Pick(c.service_id, c.field or OTHER_FIELD, f"cơ quan có {len(candidates)} dịch vụ "
                           f"(< {min_services}): kiểm tra toàn bộ") for c in candidates]
        return plan
    by_field: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_field.setdefault(c.field or OTHER_FIELD, []).append(c)
    for name in sorted(by_field):
        members = sorted(by_field[name], key=_main_key)
        main, rest = members[0], sorted(members[1:], key=lambda c: c.service_id)
        why = "nhiều hồ sơ trực tuyến nhất" if main.dossiers is not None else "mã thủ tục nhỏ nhất"
        plan.picks.append(Pick(main.service_id, name, f"đại diện chính của lĩnh vực ({why})"))
        chosen = set(random.Random(f"{seed}:{name}").sample([c.service_id for c in rest], min(k, len(rest))))
        for c in rest:
            pick = Pick(c.service_id, name, f"chọn ngẫu nhiên (hạt giống {seed}, k = {k})" if c.service_id in chosen
                        else "không được chọn trong mẫu")
            (plan.picks if c.service_id in chosen else plan.skipped).append(pick)
    return plan


def escalate(plan: SamplePlan, failed: Mapping[str, bool]) -> list[str]:
    """Fields whose sampled failures pass the threshold: their skipped services join the plan.

    `failed` maps a checked service to whether its check failed (services not yet judged are absent,
    so a bot's own failure to see a site never escalates a field). Returns the escalated fields.
    """
    escalated = []
    for name in sorted({p.field for p in plan.picks}):
        judged = [failed[p.service_id] for p in plan.picks if p.field == name and p.service_id in failed]
        if judged and sum(judged) / len(judged) > plan.threshold:
            escalated.append(name)
            moved = [p for p in plan.skipped if p.field == name]
            plan.skipped = [p for p in plan.skipped if p.field != name]
            share = f"{sum(judged)}/{len(judged)}"
            plan.picks.extend(Pick(p.service_id, name, f"lĩnh vực có {share} dịch vụ mẫu lỗi "
                                   f"(> {plan.threshold:.0%}): kiểm tra toàn bộ") for p in moved)
    return escalated
