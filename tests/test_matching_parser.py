"""Procedure names in parts (checks/procedure_name.py) and the matcher's part-by-part classes (R3, R5)."""

from __future__ import annotations

import unicodedata

import pytest

from checks.catalogue import Declared, Matcher, Procedure
from checks.catalogue.memory import MemoryCatalogue
from checks.procedure_name import compare_actions, field_levels, parse


@pytest.mark.parametrize("name, actions, obj", [
    ("Cấp lại thẻ căn cước", ("cấp lại",), "the can cuoc"),
    ("Cấp đổi Giấy chứng nhận đủ điều kiện về an ninh, trật tự", ("cấp đổi",),
     "giay chung nhan du dieu kien ve an ninh trat tu"),
    ("Đổi giấy phép lái xe", ("cấp đổi",), "giay phep lai xe"),
    ("Cấp, cấp lại chứng chỉ hành nghề chứng khoán", ("cấp", "cấp lại"), "chung chi hanh nghe chung khoan"),
    ("Gia hạn, điều chỉnh giấy phép khai thác nước mặt, nước biển", ("gia hạn", "điều chỉnh"),
     "giay phep khai thac nuoc mat nuoc bien"),
    ("Sửa đổi, bổ sung Quyết định giao khu vực biển (cấp tỉnh)", ("sửa đổi, bổ sung",), "quyet dinh giao khu vuc bien"),
    ("Cấp sửa đổi, bổ sung Giấy chứng nhận cơ sở bảo tồn đa dạng sinh học", ("sửa đổi, bổ sung",),
     "giay chung nhan co so bao ton da dang sinh hoc"),
    ("Cấp điều chỉnh giấy phép môi trường (cấp Tỉnh) (1.010729)", ("điều chỉnh",), "giay phep moi truong"),
    ("Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", ("đăng ký thay đổi",), "noi dung dang ky ho kinh doanh"),
    ("Xóa đăng ký tạm trú", ("xóa đăng ký",), "tam tru"),
    ("Cấp GCN QSDĐ lần đầu", ("cấp mới",), "giay chung nhan quyen su dung dat lan dau"),
    ("Cấp chứng chỉ hành nghề dược (cấp mới; cấp lại)", ("cấp mới", "cấp lại"), "chung chi hanh nghe duoc"),
    ("Khai thuế đối với hộ kinh doanh", (), "khai thue doi voi ho kinh doanh"),
    # A typo in a two-word action still names it.
    ("Cấp điều hỉnh giấy phép môi trường", ("điều chỉnh",), "giay phep moi truong"),
    ("Cấp, bổ suug lượng công tác thăm dò", ("cấp", "bổ sung"), "luong cong tac tham do"),
])
def test_action_and_object(name: str, actions: tuple[str, ...], obj: str) -> None:
    parsed = parse(name)
    assert (parsed.actions, parsed.object) == (actions, obj)


@pytest.mark.parametrize("name, levels", [
    ("Cấp lại thẻ căn cước (thực hiện tại cấp trung ương)", {"trung_uong"}),
    ("Trình báo mất hộ chiếu phổ thông (thực hiện tại cấp huyện)", {"huyen"}),
    ("Cấp giấy phép nhận chìm ở biển (cấp TW)", {"trung_uong"}),
    ("Cấp giấy phép khai thác khoáng sản do UBND cấp tỉnh cấp", {"tinh"}),
    ("Cấp lại thẻ thường trú cho người nước ngoài tại Việt Nam tại Công an cấp tỉnh", {"tinh"}),
    ("Đăng ký kết hôn (Cấp xã) - UBND huyện Tiên Du", {"xa", "huyen"}),
    ("Cấp đổi GCN đủ điều kiện về ANTT (Công an tỉnh Bắc Ninh)", {"tinh"}),
    # A level word inside the object is not the procedure's level.
    ("Cấp giấy phép xây dựng mới đối với công trình cấp III, cấp IV", set()),
    ("Cấp Giấy chứng nhận vùng an toàn dịch bệnh động vật cấp tỉnh và vùng an toàn dịch bệnh phục vụ xuất khẩu", set()),
])
def test_level_of_government(name: str, levels: set[str]) -> None:
    assert set(parse(name).levels) == levels


@pytest.mark.parametrize("name", [
    "1. Thủ tục cấp lại thẻ căn cước", "Hồ sơ đề nghị cấp lại thẻ căn cước", "1.014064 - Cấp lại thẻ căn cước",
    "PLAM_12/HT_03 Cấp lại thẻ căn cước", "Cấp lại thẻ căn cước (Công an xã Tam Sơn)",
    "Cấp lại thẻ căn cước (mức độ 4)", "CAP LAI THE CAN CUOC", unicodedata.normalize("NFD", "Cấp lại thẻ căn cước"),
    "Dịch vụ công trực tuyến toàn trình: Cấp lại thẻ căn cước",
])
def test_numbering_codes_prefixes_and_agency_names_decide_nothing(name: str) -> None:
    parsed = parse(name)
    assert (parsed.actions, parsed.object) == (("cấp lại",), "the can cuoc")
    assert parsed.removed or name.isupper() or unicodedata.is_normalized("NFD", name)


def test_qualifiers_keep_the_case() -> None:
    parsed = parse("Cấp lại chứng chỉ hành nghề môi giới bất động sản (trong trường hợp chứng chỉ cũ đã hết hạn)")
    assert parsed.object == "chung chi hanh nghe moi gioi bat dong san"
    assert parsed.qualifiers == ("trong truong hop chung chi cu da het han",)


@pytest.mark.parametrize("declared, candidate, agreement", [
    (("cấp lại",), ("cấp lại",), "same"),
    (("cấp",), ("cấp mới",), "close"),
    (("cấp lại",), ("cấp", "cấp lại"), "close"),
    (("điều chỉnh",), ("sửa đổi, bổ sung",), "related"),
    (("cấp lại",), ("cấp đổi",), "different"),
    (("cấp",), ("gia hạn",), "different"),
    ((), ("cấp",), "unknown"),
])
def test_action_agreement(declared: tuple[str, ...], candidate: tuple[str, ...], agreement: str) -> None:
    assert compare_actions(declared, candidate)[0] == agreement


def test_catalogue_level_field() -> None:
    assert field_levels("Cấp Bộ, Cấp Tỉnh, Cấp Xã") == {"trung_uong", "tinh", "xa"}
    assert field_levels("Cơ quan khác") == frozenset()


# -- the matcher, on real catalogue names --------------------------------------------------------------------

CARD = [Procedure("1.014063", "Cấp đổi thẻ căn cước", level="Cấp xã"),
        Procedure("1.014064", "Cấp lại thẻ căn cước", level="Cấp xã"),
        Procedure("1.000757", "Cấp lại thẻ căn cước (thực hiện tại cấp trung ương)", level="Cấp bộ"),
        Procedure("2.001194", "Cấp lại thẻ căn cước (thực hiện tại cấp tỉnh)", level="Cấp tỉnh"),
        Procedure("1.003204", "Cấp mới Giấy chứng nhận đủ điều kiện về an ninh, trật tự (thực hiện tại cấp Trung ương)",
                  level="Cấp bộ"),
        Procedure("1.003176", "Cấp đổi Giấy chứng nhận đủ điều kiện về an ninh, trật tự (thực hiện tại cấp Trung ương)",
                  level="Cấp bộ"),
        Procedure("1.013429", "Cấp Giấy phép kinh doanh công cụ hỗ trợ", level="Cấp bộ"),
        Procedure("1.013430", "Cấp lại Giấy phép kinh doanh công cụ hỗ trợ", level="Cấp bộ")]


@pytest.fixture()
def matcher() -> Matcher:
    return Matcher(MemoryCatalogue(CARD))


def test_another_action_is_never_a_confident_match(matcher: Matcher) -> None:
    """Only "Cấp đổi thẻ căn cước" and "Cấp lại …" exist: a declared "Gia hạn thẻ căn cước" matches neither."""
    found = matcher.match(Declared("Gia hạn thẻ căn cước", agency_group="tinh"))
    assert found.match_class == "none"
    assert "khác hành động: gia hạn ≠" in found.reasons[0]
    again = matcher.match(Declared("Cấp lại thẻ căn cước", agency_group="tinh", unit="Công an xã Tam Sơn"))
    assert again.codes == ("1.014064",) and again.match_class in ("exact", "strong")
    assert all("1.014063" != c.procedure.code or "khác hành động: cấp lại ≠ cấp đổi" in c.reasons[0]
               for c in again.candidates)


def test_a_bare_cap_is_closest_to_cap_moi(matcher: Matcher) -> None:
    found = matcher.match(Declared("Cấp Giấy chứng nhận đủ điều kiện về an ninh, trật tự", agency_group="bo"))
    assert found.codes == ("1.003204",) and found.match_class == "strong"
    assert "“cấp” gần nhất với “cấp mới”" in found.reasons[0]


def test_the_level_picks_the_procedure(matcher: Matcher) -> None:
    central = matcher.match(Declared("Cấp lại thẻ căn cước", agency_group="bo"))
    assert central.codes == ("1.000757",) and central.match_class in ("exact", "strong")
    stated = matcher.match(Declared("Cấp lại thẻ căn cước (cấp tỉnh)", agency_group="tinh"))
    assert stated.codes == ("2.001194",) and stated.match_class in ("exact", "strong")
    assert "cùng cấp thực hiện (cấp tỉnh)" in stated.reasons[0]


def test_a_province_matching_only_a_central_procedure_is_weak_with_the_reason(matcher: Matcher) -> None:
    found = matcher.match(Declared("Cấp Giấy phép kinh doanh công cụ hỗ trợ", agency_group="tinh"))
    assert (found.match_class, found.codes) == ("weak", ("1.013429",))
    assert "khác cấp thực hiện: cơ quan cấp tỉnh khai báo" in found.reasons[0]
    assert "cấp trung ương" in found.reasons[0]
    # The same name declared by a ministry is exact.
    assert matcher.match(Declared("Cấp Giấy phép kinh doanh công cụ hỗ trợ", agency_group="bo")).match_class == "exact"


def test_a_declared_code_of_another_action_is_weak(matcher: Matcher) -> None:
    found = matcher.match(Declared("Cấp lại Giấy phép kinh doanh công cụ hỗ trợ", code="1.013429", agency_group="bo"))
    assert (found.match_class, found.codes) == ("weak", ("1.013429",))
    assert any("khác hành động: cấp lại ≠ cấp" in r for r in found.reasons)
