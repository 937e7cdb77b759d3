"""Index and ranking: points / maximum to three decimals, ranks within a group, ties sharing a rank.

Decision 2342 §VI.i ranks agencies "theo thứ tự từ cao đến thấp" per category within each group.
Ties share a rank and the next rank skips (1, 1, 3: standard competition ranking), so two agencies
with equal points are never ordered by anything but their points. The overall rank goes by the
index rather than raw points, because an exempt ministry (R12) has a smaller maximum than its peers.
"""

from __future__ import annotations

from collections.abc import Mapping


def index(points: float, max_points: float) -> float:
    """Points / maximum, 0–1, three decimals, as the department publishes it."""
    if max_points <= 0:
        return 0.0
    return round(min(1.0, max(0.0, points / max_points)), 3)


def competition_ranks(values: Mapping[str, float], *, places: int = 3) -> dict[str, int]:
    """Rank 1 for the highest; equal values (after rounding) share a rank, the next rank skips."""
    rounded = {key: round(value, places) for key, value in values.items()}
    ordered = sorted(rounded.values(), reverse=True)
    first_place: dict[float, int] = {}
    for position, value in enumerate(ordered, start=1):
        first_place.setdefault(value, position)
    return {key: first_place[value] for key, value in rounded.items()}
