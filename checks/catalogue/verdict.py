"""R5 as a check result: a service whose name matches no procedure is not level-checked further."""

from __future__ import annotations

from checks.catalogue.match import CLASS_LABEL, Match
from checks.result import Reason, Result, needs_review, not_applicable, passed


def level_check_allowed(match: Match) -> bool:
    """R5: only services tied to a procedure of CSDL TTHC are checked further (weak ones too, flagged)."""
    return match.match_class != "none" and bool(match.codes)


def catalogue_result(match: Match) -> Result:
    """The catalogue step of a service's verdict: pass, needs_review (weak) or not_applicable (none)."""
    head = f"Đối chiếu CSDL TTHC: {CLASS_LABEL[match.match_class]}"
    if match.codes:
        head += f" — mã {', '.join(match.codes)}"
    if match.decided_by != "auto":
        head += f" (do {match.decided_by} xác nhận)"
    reasons = (Reason(head, evidence={"codes": list(match.codes), "score": match.score}),
               *(Reason(r) for r in match.reasons))
    if not level_check_allowed(match):
        return not_applicable(*reasons, Reason("Không kiểm tra mức độ: dịch vụ không gắn với thủ tục nào trong CSDL TTHC (R5)."))
    if match.match_class == "weak" and match.decided_by == "auto":
        return needs_review(*reasons)
    return passed(*reasons)
