"""Two inspectors and the appraiser (R1, R2): pure arithmetic over scores, nothing stored here.

R1: a criterion's score is the mean of two independent inspectors' scores.
R2: the appraiser re-checks every criterion whose two scores differ by more than a threshold
(a share of the criterion's points, so a 2-point and a 6-point criterion are judged alike), spot-
checks a random sample of the rest, and where the appraiser sets a score it replaces the mean.
A criterion sent back ("cần chấm lại") has no final score until it is checked again (the two
scores then agree) or the appraiser scores it: the mean of two disagreeing scores never stands.
The sample is drawn from a seed that is stored, so anyone can draw it again and get the same list.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

B_KINDS = {"person": "cán bộ độc lập (nhập điểm)", "crawl": "lần thu thập thứ hai của kiemtra (khác thời điểm, khung nhìn)",
           "crawl_refused": "lần thu thập thứ hai của kiemtra — không dùng làm B (review.crawl_as_b: false)"}


@dataclass(frozen=True)
class Scores:
    """One criterion of one agency: what each reviewer gave (None: not yet)."""

    agency_id: str
    criterion_id: str
    max_points: float
    a: float | None = None
    b: float | None = None
    appraiser: float | None = None
    b_kind: str = ""       # who inspector B was: "person" (imported scores) or "crawl" (a second kiemtra crawl)


@dataclass(frozen=True)
class Status:
    """The review state of one criterion, as `kiemtra review status` shows it."""

    scores: Scores
    mean: float | None
    final: float | None
    rescore: bool          # the re-score flag (R2): the two scores differ too much, checked again
    spot_check: bool       # drawn for a random spot check
    missing: tuple[str, ...]   # reviewers still to score: "A", "B"

    @property
    def flags(self) -> tuple[str, ...]:
        b_word = B_KINDS.get(self.scores.b_kind, "")
        return tuple(f for f, on in (("cần chấm lại", self.rescore and self.final is None),
                                     ("kiểm tra lại", self.rescore and self.final is not None),
                                     ("kiểm tra ngẫu nhiên", self.spot_check),
                                     ("thẩm định", self.scores.appraiser is not None),
                                     (f"B: {b_word}", bool(b_word))) if on)


def mean(a: float | None, b: float | None) -> float | None:
    """R1: the mean of the two inspectors; None until both have scored."""
    if a is None or b is None:
        return None
    return round((a + b) / 2, 4)


def differs(a: float | None, b: float | None, max_points: float, threshold: float) -> bool:
    """R2: the two scores differ by more than `threshold` × the criterion's points."""
    if a is None or b is None:
        return False
    return abs(a - b) > threshold * max_points + 1e-9


def final_score(scores: Scores) -> float | None:
    """R2: the appraiser's score stands where given; else the mean of the two inspectors."""
    if scores.appraiser is not None:
        return scores.appraiser
    return mean(scores.a, scores.b)


def spot_sample(keys: Iterable[tuple[str, str]], fraction: float, seed: int) -> frozenset[tuple[str, str]]:
    """R2: a reproducible random sample of (agency, criterion) keys.

    The keys are sorted first, so the same seed over the same criteria draws the same sample
    whatever order the store returned them in; at least one is drawn when the fraction is not 0.
    """
    pool = sorted(set(keys))
    if not pool or fraction <= 0:
        return frozenset()
    count = min(len(pool), max(1, math.ceil(fraction * len(pool))))
    return frozenset(random.Random(seed).sample(pool, count))


def review(rows: Sequence[Scores], *, threshold: float, fraction: float, seed: int) -> list[Status]:
    """Each criterion's mean, final score and flags; the spot sample is drawn among the agreeing ones."""
    agreeing = [(s.agency_id, s.criterion_id) for s in rows
                if s.a is not None and s.b is not None and not differs(s.a, s.b, s.max_points, threshold)]
    sample = spot_sample(agreeing, fraction, seed)
    out = []
    for s in rows:
        missing = tuple(name for name, value in (("A", s.a), ("B", s.b)) if value is None)
        rescore = differs(s.a, s.b, s.max_points, threshold)
        final = s.appraiser if s.appraiser is not None else (None if rescore else mean(s.a, s.b))
        out.append(Status(s, mean(s.a, s.b), final, rescore, (s.agency_id, s.criterion_id) in sample, missing))
    return out


def totals(statuses: Iterable[Status]) -> dict[str, float]:
    """Category-3 points per agency from the final scores (criteria not yet final count 0)."""
    out: dict[str, float] = {}
    for status in statuses:
        out[status.scores.agency_id] = round(out.get(status.scores.agency_id, 0.0) + (status.final or 0.0), 4)
    return out
