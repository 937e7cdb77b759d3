"""Scoring by the shipped table, computed by hand: one agency of each group, normalisation by the
group's largest value, caps, ties, R12 exemptions, R10 zeros (missing and untrue figures)."""

from __future__ import annotations

import pytest

from checks.scoring import AgencyInput, Criterion, Figure, competition_ranks, index, score, score_group
from configuration.scoring import load_scoring

TABLE = load_scoring().table

BASE = {  # one agency's figures; the arithmetic below is written against these
    "c1_cbccvc": 1000, "c1_cbccvc_may_tinh": 950, "c1_may_tinh": 1200, "c1_may_tinh_diet_virus": 900,
    "c1_bang_thong": 500, "c1_don_vi": 20, "c1_don_vi_wan": 15, "c1_ung_dung_wan": 7, "c1_co_ttdl": 1,
    "c1_ttdl_chung_nhan": 1, "c1_ttdl_dat_chuan": 0, "c1_sao_luu": 0, "c1_giai_phap_attt": 0,
    "c2_van_ban_tong": 10000, "c2_van_ban_dien_tu": 8000, "c2_don_vi_qlvb": 20, "c2_cbccvc_thu_dien_tu": 900,
    "c2_cbccvc_chu_ky_so": 500, "c2_ung_dung_chuyen_nganh": 10, "c2_csdl": 3, "c2_hop_truc_tuyen": 1,
    "kt_c3": 72.5,
    "c4_tong_tthc": 100, "kt_dvctt_muc34": 30, "kt_dvctt_muc4": 10, "c4_tong_ho_so": 1000, "c4_ho_so_truc_tuyen": 400,
    "kt_dvctt_kiem_tra": 20, "kt_dvctt_dat": 18,
    "c5_ke_hoach": 1, "c5_quy_che_attt": 1, "c5_quy_che_vbdt": 0, "c5_chi_cntt": 50, "c5_tong_chi": 1000,
    "c6_chuyen_trach": 10, "c6_tap_huan": 500, "c6_chung_chi_attt": 5,
}


def agency(agency_id: str, group: str, **changes: float | None) -> AgencyInput:
    values = {**BASE, **changes}
    return AgencyInput(agency_id, agency_id, group, {k: Figure(v) for k, v in values.items()})


def by_id(results):
    return {r.agency_id: r for r in results}


def test_ministry_by_hand_with_normalisation_against_the_largest_in_the_group():
    # bo-x has twice the bandwidth per official (2000/2000 = 1.0 vs 500/1000 = 0.5), twice the IT budget
    # share (0.1 vs 0.05) and twice the IT staff share (40/2000 = 0.02 vs 0.01): it sets the group's largest.
    results = by_id(score_group([agency("bo-tp", "bo"),
                                 agency("bo-x", "bo", c1_bang_thong=2000, c1_cbccvc=2000, c5_chi_cntt=100,
                                        c6_chuyen_trach=40)], TABLE))
    tp = results["bo-tp"]
    items = {i.criterion_id: i.points for i in tp.items}
    assert items["c1.1"] == 19          # 950/1000 × 20
    assert items["c1.2"] == 15          # 900/1200 × 20
    assert items["c1.3"] == 20          # (500/1000) ÷ 1.0 × 40
    assert items["c1.4"] == 38.75       # 15/20 × 45 + min(5, 7 × 1)
    assert items["c1.5"] == 60          # 35 + the highest case (a: 0, b: 25)
    assert items["c1.6"] == 0           # no backup (0), no security solution (0 × 1)
    assert tp.categories["c1"].points == 152.75
    assert tp.categories["c2"].points == 205     # 48 + 40 + 27 + 15 + min(40, 50) + 15 + 20
    assert tp.categories["c3"].points == 72.5
    assert tp.categories["c4"].points == 70      # 30/100 × 120 + 10/100 × 60 + 400/1000 × 70
    assert tp.categories["c5"].points == 65      # 25 + 25 + 0 + (0.05 ÷ 0.1) × 30
    assert tp.categories["c6"].points == 50      # (0.01 ÷ 0.02) × 40 + 500/1000 × 30 + 5/10 × 30
    assert tp.total.points == 615.25 and tp.total.max_points == 1000
    assert tp.total.index == 0.615               # 615.25 / 1000
    assert tp.categories["c1"].index == 0.764    # 152.75 / 200
    assert {i.criterion_id: i.points for i in results["bo-x"].items}["c1.3"] == 40   # the largest gets the max
    assert tp.total.rank == 2 and results["bo-x"].total.rank == 1


def test_agency_under_the_government_has_no_category_4_and_a_maximum_of_750():
    (bhxh,) = score_group([agency("bhxh", "cqtcp")], TABLE)
    # Alone in its group, every normalised value is the group's largest: c1.3 = 40, c5.4 = 30, c6.1 = 40.
    assert "c4" not in bhxh.categories and not any(i.category == "c4" for i in bhxh.items)
    assert bhxh.categories["c1"].points == 172.75    # 19 + 15 + 40 + 38.75 + 60
    assert bhxh.categories["c5"].points == 80        # 25 + 25 + 0 + 30
    assert bhxh.categories["c6"].points == 70        # 40 + 15 + 15
    assert bhxh.total.points == 600.25               # 172.75 + 205 + 72.5 + 80 + 70
    assert bhxh.total.max_points == 750
    assert bhxh.total.index == 0.8                   # 600.25 / 750 = 0.80033


def test_province_with_a_missing_figure_and_an_untrue_declaration():
    # bac-ninh left the antivirus figure empty (R10: c1.2 = 0) and 3 of its 10 judged level-3/4 services
    # were not recognized: 30 % > 20 % tolerance, so c4.1 and c4.2 are zero (R10); c4.3 stays 28.
    results = by_id(score_group([agency("bac-ninh", "tinh", c1_may_tinh_diet_virus=None,
                                        kt_dvctt_kiem_tra=10, kt_dvctt_dat=7),
                                 agency("thua-thien-hue", "tinh")], TABLE))
    bn, tth = results["bac-ninh"], results["thua-thien-hue"]
    items = {i.criterion_id: i for i in bn.items}
    assert items["c1.2"].points == 0 and "c1_may_tinh_diet_virus" in items["c1.2"].reasons[0]
    assert items["c4.1"].points == 0 and items["c4.1"].zeroed == "không đúng thực tế"
    assert "30%" in items["c4.1"].reasons[-1]
    assert items["c4.2"].points == 0 and items["c4.3"].points == 28
    assert bn.categories["c1"].points == 157.75      # 19 + 0 + 40 + 38.75 + 60
    assert bn.total.points == 613.25                 # 157.75 + 205 + 72.5 + 28 + 80 + 70
    assert tth.total.points == 670.25                # 172.75 + 205 + 72.5 + 70 + 80 + 70
    assert (tth.total.rank, bn.total.rank) == (1, 2)
    # Equal points share a rank.
    assert bn.categories["c2"].rank == tth.categories["c2"].rank == 1


def test_tolerance_is_not_crossed_at_exactly_the_tolerance():
    (result,) = score_group([agency("tinh-a", "tinh", kt_dvctt_kiem_tra=10, kt_dvctt_dat=8)], TABLE)
    assert not any(i.zeroed for i in result.items)   # 2/10 = 20 % = tolerance: still true


def test_government_office_is_not_scored_on_category_4_and_ranks_by_index():
    results = by_id(score_group([agency("van-phong-chinh-phu", "bo"), agency("bo-tp", "bo")], TABLE))
    office = results["van-phong-chinh-phu"]
    assert office.categories["c4"].exempt and office.categories["c4"].rank is None
    # Same figures, so every normalised value is the largest: 172.75 + 205 + 72.5 + 80 + 70 (no c4).
    assert office.total.max_points == 750 and office.total.points == 600.25
    assert results["bo-tp"].total.points == 670.25 and results["bo-tp"].categories["c4"].rank == 1
    # 600.25/750 = 0.800 > 670.25/1000 = 0.670: the office ranks first although it has fewer points.
    assert office.total.rank == 1 and results["bo-tp"].total.rank == 2


def test_caps_and_kinds():
    per_item = Criterion("cx", "c1", "x", 5, "per_item", {"figure": "n", "each": 1, "cap": 5})
    assert score(per_item, {"n": Figure(3)}, {}).points == 3
    assert score(per_item, {"n": Figure(12)}, {}).points == 5
    ratio = Criterion("cr", "c1", "r", 20, "ratio", {"numerator": "a", "denominator": "b"})
    assert score(ratio, {"a": Figure(30), "b": Figure(20)}, {}).points == 20     # a ratio above 1 is capped
    assert score(ratio, {"a": Figure(3), "b": Figure(0)}, {}).points == 0
    points = Criterion("cp", "c3", "p", 100, "points", {"figure": "p"})
    assert score(points, {"p": Figure(130)}, {}).points == 100
    total = Criterion("cs", "c1", "s", 6, "sum", parts=(per_item, Criterion("cy", "c1", "y", 4, "yes_no", {"figure": "y"})))
    assert score(total, {"n": Figure(9), "y": Figure(1)}, {}).points == 6       # 5 + 4 capped at 6


@pytest.mark.parametrize("values, ranks", [
    ({"a": 10, "b": 10, "c": 5}, {"a": 1, "b": 1, "c": 3}),
    ({"a": 1.0004, "b": 1.0001, "c": 2}, {"c": 1, "a": 2, "b": 2}),   # equal at three decimals
    ({"a": 3, "b": 2, "c": 1}, {"a": 1, "b": 2, "c": 3}),
])
def test_ties_share_a_rank(values, ranks):
    assert competition_ranks(values) == ranks


def test_index_is_three_decimals_between_0_and_1():
    assert index(133.3333, 200) == 0.667 and index(0, 0) == 0.0 and index(250, 250) == 1.0


@pytest.mark.parametrize(("case_a", "case_b", "has", "points"), [
    (0, 0, 1, 35), (1, 0, 1, 40), (0, 1, 1, 60), (1, 1, 1, 60), (0, 0, 0, 0)])
def test_data_centre_takes_the_highest_applicable_case_up_to_60(case_a, case_b, has, points):
    # PL 1B mục 5.1: có TTDL 35; đạt chuẩn "lấy trường hợp điểm cao nhất": case a 5, case b 25 (never 5 + 25).
    (result,) = score_group([agency("tinh-a", "tinh", c1_co_ttdl=has, c1_ttdl_dat_chuan=case_a,
                                    c1_ttdl_chung_nhan=case_b)], TABLE)
    items = {i.criterion_id: i for i in result.items}
    assert items["c1.5"].points == points and items["c1.5"].max_points == 60
