"""R10 and R12 as pure rules: untrue declarations give zero, exempt agencies are not scored.

R10 (Decision 2342 §5.3.b): "Không khai báo đủ thông tin, số liệu" and "Số liệu khai báo không đúng
với thực tế" give zero. The first is handled where a formula reads a missing figure; the second
compares a declared figure with what the checks found, within a tolerance kept in config so the
department can say how much disagreement is an honest mistake and how much is an untrue figure.

R12 (§VI.ii): in the ministries' group the Government Office and the Government Inspectorate are
not scored on category 4; agencies under the Government have no category 4 at all (R11: max 750).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from checks.scoring.formulas import Figure


@dataclass(frozen=True)
class TruthCheck:
    """A declared figure compared with what the checks found (R10)."""

    id: str
    declared: str            # figure id: what the agency declared (or the declared items checked)
    found: str               # figure id: what the checks confirmed
    tolerance: float         # share of the declared figure that may go unconfirmed
    zero: tuple[str, ...]    # criterion ids set to zero when the declaration is untrue
    label: str = ""


def untrue(check: TruthCheck, figures: Mapping[str, Figure]) -> str:
    """The Vietnamese reason the declaration is untrue, with its evidence; "" when it holds."""
    declared, found = figures.get(check.declared), figures.get(check.found)
    if declared is None or found is None or declared.value is None or found.value is None or declared.value <= 0:
        return ""
    missing_share = max(0.0, declared.value - found.value) / declared.value
    if missing_share <= check.tolerance + 1e-9:
        return ""
    proof = "; ".join(found.evidence[:10])
    return (f"{check.label or check.id}: khai báo {declared.value:g}, kiểm tra xác nhận {found.value:g} "
            f"(không đúng {missing_share:.0%} > dung sai {check.tolerance:.0%}) — 0 điểm (R10)"
            + (f"; bằng chứng: {proof}" if proof else ""))


def exempt_categories(agency_id: str, group: str, maxima: Mapping[str, Mapping[str, float]],
                      exemptions: Mapping[str, tuple[str, ...]]) -> frozenset[str]:
    """Categories not scored for this agency: those its group lacks (R11) and its own exemptions (R12)."""
    all_categories = {c for group_max in maxima.values() for c in group_max}
    lacking = all_categories - set(maxima.get(group, {}))
    return frozenset(lacking | set(exemptions.get(agency_id, ())))
