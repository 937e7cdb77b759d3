"""Normalization, scoring and matching declared names against a catalogue (R3, R4, R5) — no store."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import pytest

from checks.catalogue import Declared, Matcher, Procedure, Thresholds, catalogue_result, level_check_allowed, normalize
from checks.catalogue.memory import MemoryCatalogue, ScanCatalogue

REPO = Path(__file__).resolve().parent.parent
DEMO_CSV = REPO / "demoworld" / "data" / "procedures.csv"
LABELLED = Path(__file__).parent / "data" / "catalogue_labelled.csv"


def _procedures(path: Path) -> list[Procedure]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [Procedure(r["ma_thu_tuc"], r["ten_thu_tuc"], r.get("linh_vuc", ""), r.get("cap_thuc_hien", ""))
                for r in csv.DictReader(f)]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(MemoryCatalogue(_procedures(DEMO_CSV)))


def test_nfc_and_nfd_normalize_alike() -> None:
    name = "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ"
    assert normalize(unicodedata.normalize("NFD", name)) .accented == normalize(name).accented


@pytest.mark.parametrize("declared, expected", [
    ("Thủ tục đăng ký khai sinh", "đăng ký khai sinh"),
    ("1. TTHC: Đăng ký khai sinh (mức độ 3)", "đăng ký khai sinh"),
    ("PLAM_12/HT_03 Đăng ký kết hôn (Cấp huyện) - UBND huyện Tiên Du", "đăng ký kết hôn"),
    ("Cấp GCN QSDĐ lần đầu", "cấp giấy chứng nhận quyền sử dụng đất lần đầu"),
    ("Huỷ tài khoản điện tử", "hủy tài khoản điện tử"),
    ("Cấp “Giấy phép”  xây dựng.", "cấp giấy phép xây dựng"),
])
def test_normalize_strips_boilerplate_and_expands_abbreviations(declared: str, expected: str) -> None:
    assert normalize(declared).accented == expected


def test_folded_form_drops_diacritics_only() -> None:
    assert normalize("Đăng ký thường trú").folded == normalize("dang ky thuong tru").folded == "dang ky thuong tru"


def _labelled() -> list[dict[str, str]]:
    with LABELLED.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _accuracy(matcher: Matcher) -> tuple[float, float, list[str]]:
    rows = _labelled()
    present = [r for r in rows if r["code"]]
    absent = [r for r in rows if not r["code"]]
    misses = []
    right = 0
    for r in present:
        found = matcher.match(Declared(r["declared_name"]))
        if found.match_class != "none" and found.code == r["code"]:
            right += 1
        else:
            misses.append(f"{r['declared_name']} → {found.match_class} {found.code} (want {r['code']})")
    none_right = sum(1 for r in absent if matcher.match(Declared(r["declared_name"])).match_class == "none")
    return right / len(present), none_right / len(absent), misses


def test_labelled_set_accuracy(matcher: Matcher) -> None:
    top1, none_ok, misses = _accuracy(matcher)
    assert top1 >= 0.9, misses
    assert none_ok >= 0.8


def test_labelled_set_accuracy_in_the_larger_real_catalogue(real_dir: Path) -> None:
    """The same names among all real procedures (more near neighbours) still find their codes."""
    procedures = {p.code: p for p in _procedures(DEMO_CSV)}
    for name in ("tthc_dvcqg_procedures.csv", "tthc_bqp_procedures.csv"):
        procedures.update({p.code: p for p in _procedures(real_dir / name)})
    top1, none_ok, misses = _accuracy(Matcher(MemoryCatalogue(procedures.values())))
    assert top1 >= 0.88, misses
    assert none_ok >= 0.8


def test_index_finds_what_a_full_scan_finds(matcher: Matcher) -> None:
    scan = Matcher(ScanCatalogue(_procedures(DEMO_CSV)))
    for row in _labelled()[:20]:
        assert matcher.match(Declared(row["declared_name"])).codes == scan.match(Declared(row["declared_name"])).codes


def test_classes_exact_strong_weak_none(matcher: Matcher) -> None:
    assert matcher.match(Declared("Thủ tục đăng ký khai sinh")).match_class == "exact"
    assert matcher.match(Declared("Đăng ký khai sinhh")).match_class == "strong"
    assert matcher.match(Declared("Cấp thẻ thư viện điện tử cho bạn đọc")).match_class == "none"
    weak = Matcher(matcher.source, Thresholds(strong=99.5, weak=60)).match(Declared("Đăng ký khai sinhh"))
    assert weak.match_class == "weak"


def test_reasons_explain_in_vietnamese(matcher: Matcher) -> None:
    found = matcher.match(Declared("1. Cap GCN tho han (mức độ 3)"))
    text = " ".join(found.reasons)
    assert found.code == "1.000300"
    assert "“(mức độ 3)”" in text and "giay chung nhan" in text and "điểm" in text


def test_declared_code_wins_and_is_checked_against_the_name(matcher: Matcher) -> None:
    agrees = matcher.match(Declared("Đăng ký khai sinh", code="1.001193"))
    assert (agrees.match_class, agrees.codes) == ("exact", ("1.001193",))
    disagrees = matcher.match(Declared("Đăng ký kết hôn", code="1.001193"))
    assert disagrees.codes == ("1.001193",) and disagrees.match_class == "weak"
    assert any("1.000894" in r for r in disagrees.reasons)
    unknown = matcher.match(Declared("Đăng ký kết hôn", code="9.999999"))
    assert unknown.code == "1.000894" and "không có trong CSDL TTHC" in unknown.reasons[0]


def test_bundle_maps_to_each_procedure(matcher: Matcher) -> None:
    """R4: a liên thông service counts as the procedures it bundles; a name with commas that is one procedure does not."""
    bundle = matcher.match(Declared("Liên thông thủ tục hành chính về đăng ký khai sinh, đăng ký thường trú, "
                                    "cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi", code="2.000986"))
    assert set(bundle.codes) == {"2.000986", "1.001193", "1.004222"}
    single = matcher.match(Declared("Thủ tục đăng ký khai sinh kết hợp đăng ký nhận cha, mẹ, con"))
    assert single.codes == ("1.000689",)
    listed = matcher.match(Declared("Đăng ký thường trú; đăng ký tạm trú"))
    assert set(listed.codes) == {"1.004222", "1.004194"}


def test_withdrawn_code_does_not_count() -> None:
    source = MemoryCatalogue([Procedure("1.000001", "Cấp giấy phép khai thác cát", status="withdrawn"),
                              Procedure("1.000002", "Cấp giấy phép khai thác đá")])
    found = Matcher(source).match(Declared("Cấp giấy phép khai thác cát", code="1.000001"))
    assert "đã bị bãi bỏ" in found.reasons[0] and found.code != "1.000001"


def test_r5_no_match_is_not_level_checked(matcher: Matcher) -> None:
    none = matcher.match(Declared("Cho thuê nhà văn hóa thôn để tổ chức đám cưới"))
    result = catalogue_result(none)
    assert not level_check_allowed(none) and result.outcome == "not_applicable"
    assert "R5" in result.reasons[-1].text
    assert catalogue_result(matcher.match(Declared("Đăng ký khai sinh"))).outcome == "pass"
