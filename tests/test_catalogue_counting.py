"""R4 counting: one procedure at several units counts once; a bundle counts as each procedure."""

from __future__ import annotations

from checks.catalogue import MatchedService, count_services


def _service(sid: str, codes: tuple[str, ...], cls: str = "exact", agency: str = "bac-ninh", unit: str | None = None,
             confirmed: bool = False) -> MatchedService:
    return MatchedService(sid, agency, sid, unit, cls, codes, confirmed)


def test_same_procedure_at_several_units_counts_once() -> None:
    result = count_services([_service("a", ("1.099101",), unit="UBND huyện Tiên Du"),
                             _service("b", ("1.099101",), unit="UBND huyện Quế Võ"),
                             _service("c", ("1.099101",), agency="thua-thien-hue")])
    assert result.total("bac-ninh") == 1 and result.total() == 2
    merged = next(c for c in result.counted if c.agency_id == "bac-ninh")
    assert [s.service_id for s in merged.services] == ["a", "b"]
    assert "gộp 2 dịch vụ" in merged.reasons[0] and "Quế Võ" in merged.reasons[0]


def test_bundle_counts_each_procedure_and_says_why() -> None:
    result = count_services([_service("x", ("2.000986", "1.001193", "1.004222"))])
    assert result.total() == 3
    assert all("tách từ dịch vụ x" in c.reasons[0] for c in result.counted)


def test_none_and_unconfirmed_weak_do_not_count() -> None:
    result = count_services([_service("n", (), "none"), _service("w", ("1.000001",), "weak"),
                             _service("wc", ("1.000002",), "weak", confirmed=True)])
    assert [c.code for c in result.counted] == ["1.000002"]
    reasons = dict((s.service_id, why) for s, why in result.not_counted)
    assert "R5" in reasons["n"] and "chờ cán bộ xác nhận" in reasons["w"]
