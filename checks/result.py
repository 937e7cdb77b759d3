"""What a check returns: an outcome, the points it gives, and reasons that point at evidence.

Outcomes keep "we could not see" apart from "the site failed": `could_not_verify` is the bot's
own failure (retried, never counted against the agency); `needs_review` means a person must look
(axe-core's "incomplete").
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

Outcome = Literal["pass", "fail", "needs_review", "not_applicable", "could_not_verify"]
OUTCOMES: tuple[Outcome, ...] = ("pass", "fail", "needs_review", "not_applicable", "could_not_verify")


@dataclass(frozen=True)
class Reason:
    """One reason, in Vietnamese for inspectors, with what proves it."""

    text: str
    step: int | None = None          # the seq of the recorded step that proves it, if any
    url: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)   # e.g. {"excerpt": ..., "sha256": ...}

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text}
        for key in ("step", "url"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.evidence:
            out["evidence"] = self.evidence
        return out


@dataclass(frozen=True)
class Result:
    """A check's answer. `check_id` and `max_points` are filled in by the registry."""

    outcome: Outcome
    reasons: tuple[Reason, ...] = ()
    points: float = 0.0
    check_id: str = ""
    max_points: float = 0.0

    def with_spec(self, check_id: str, max_points: float) -> Result:
        points = max_points if self.outcome == "pass" and self.points == 0 else self.points
        return replace(self, check_id=check_id, max_points=max_points, points=min(points, max_points))

    def as_dict(self) -> dict[str, Any]:
        return {"check_id": self.check_id, "outcome": self.outcome, "points": self.points,
                "max_points": self.max_points, "reasons": [r.as_dict() for r in self.reasons]}


def _reasons(reasons: tuple[Reason | str, ...]) -> tuple[Reason, ...]:
    return tuple(r if isinstance(r, Reason) else Reason(r) for r in reasons)


def passed(*reasons: Reason | str, points: float = 0.0) -> Result:
    """Pass; `points` 0 means the check's full points."""
    return Result("pass", _reasons(reasons), points)


def partly(points: float, *reasons: Reason | str) -> Result:
    """Pass with fewer than the full points (a criterion met in part)."""
    return Result("pass", _reasons(reasons), points)


def failed(*reasons: Reason | str) -> Result:
    return Result("fail", _reasons(reasons))


def needs_review(*reasons: Reason | str) -> Result:
    return Result("needs_review", _reasons(reasons))


def not_applicable(*reasons: Reason | str) -> Result:
    return Result("not_applicable", _reasons(reasons))


def could_not_verify(*reasons: Reason | str) -> Result:
    return Result("could_not_verify", _reasons(reasons))
