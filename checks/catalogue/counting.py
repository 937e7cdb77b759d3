"""R4 counting: which declared services count, and how many times.

One procedure built into services in several places (several units, several links) counts once
per agency; one service bundling several procedures counts as that many. Only services tied to
a procedure count (R3): `none` never, `weak` only once an inspector confirmed it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class MatchedService:
    """A declared service with its (decided) match, as counting needs it."""

    service_id: str
    agency_id: str
    name: str
    unit: str | None
    match_class: str
    codes: tuple[str, ...]
    confirmed: bool = False     # an inspector confirmed or corrected it


@dataclass
class CountedProcedure:
    """One counted service: a procedure of one agency, and every declared service offering it."""

    agency_id: str
    code: str
    services: list[MatchedService] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


@dataclass
class Counting:
    counted: list[CountedProcedure]
    not_counted: list[tuple[MatchedService, str]]

    def total(self, agency_id: str | None = None) -> int:
        return sum(1 for c in self.counted if agency_id in (None, c.agency_id))


def counts(service: MatchedService) -> tuple[bool, str]:
    """Whether a service may count, and if not, why (in Vietnamese)."""
    if service.match_class == "none" or not service.codes:
        return False, "không gắn với thủ tục nào trong CSDL TTHC (R3, R5)"
    if service.match_class == "weak" and not service.confirmed:
        return False, "khớp yếu, chờ cán bộ xác nhận"
    return True, ""


def count_services(services: list[MatchedService]) -> Counting:
    """Group matched services into counted procedures per agency (R4)."""
    by_key: dict[tuple[str, str], CountedProcedure] = {}
    not_counted: list[tuple[MatchedService, str]] = []
    for service in sorted(services, key=lambda s: (s.agency_id, s.service_id)):
        ok, why = counts(service)
        if not ok:
            not_counted.append((service, why))
            continue
        for code in dict.fromkeys(service.codes):
            entry = by_key.setdefault((service.agency_id, code), CountedProcedure(service.agency_id, code))
            entry.services.append(service)
    for entry in by_key.values():
        if len(entry.services) > 1:
            units = sorted({s.unit or "không rõ đơn vị" for s in entry.services})
            entry.reasons.append(f"gộp {len(entry.services)} dịch vụ khai báo ({', '.join(s.service_id for s in entry.services)})"
                                 f" cùng thủ tục {entry.code}, tại: {'; '.join(units)} — đếm một lần (R4)")
        for service in entry.services:
            if len(service.codes) > 1:
                entry.reasons.append(f"tách từ dịch vụ {service.service_id} gồm {len(service.codes)} thủ tục "
                                     f"({', '.join(service.codes)}) — mỗi thủ tục đếm một lần (R4)")
    counted = sorted(by_key.values(), key=lambda c: (c.agency_id, c.code))
    return Counting(counted, not_counted)
