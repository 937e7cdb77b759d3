"""Procedure names in parts — action, object, level of government, qualifiers — and comparing them (R3, R4, R5).

In CSDL TTHC the action is the procedure: "Cấp", "Cấp lại", "Cấp đổi", "Gia hạn" … of one object
are different procedures with different codes, and so are the same procedure "(thực hiện tại
cấp trung ương)" and "(thực hiện tại cấp tỉnh)". A name is split into those parts so that a
matcher compares the object by similarity and the action and the level by agreement. Pure: no
storage, no network. The rules and their examples from the real catalogue: docs/matching.md.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz, process

# Abbreviations seen in declared names, written out the way CSDL TTHC spells the words.
ABBREVIATIONS: dict[str, str] = {
    "gcn": "giấy chứng nhận", "gcnqsdđ": "giấy chứng nhận quyền sử dụng đất",
    "qsdđ": "quyền sử dụng đất", "qsdd": "quyền sử dụng đất", "qsd": "quyền sử dụng",
    "đkkd": "đăng ký kinh doanh", "dkkd": "đăng ký kinh doanh", "đk": "đăng ký", "dk": "đăng ký",
    "ubnd": "ủy ban nhân dân", "hđnd": "hội đồng nhân dân", "hkd": "hộ kinh doanh",
    "gp": "giấy phép", "gpxd": "giấy phép xây dựng", "xd": "xây dựng", "bhyt": "bảo hiểm y tế",
    "bhxh": "bảo hiểm xã hội", "cccd": "căn cước công dân", "cmnd": "chứng minh nhân dân",
    "tnhh": "trách nhiệm hữu hạn", "dn": "doanh nghiệp", "sxkd": "sản xuất kinh doanh",
    "xnk": "xuất nhập khẩu", "nn": "nước ngoài", "đtm": "đánh giá tác động môi trường",
    "pccc": "phòng cháy chữa cháy", "atvstp": "an toàn vệ sinh thực phẩm", "vsattp": "vệ sinh an toàn thực phẩm",
    "cchn": "chứng chỉ hành nghề", "bvtv": "bảo vệ thực vật", "antt": "an ninh trật tự", "gplx": "giấy phép lái xe",
}

# Levels of government, as a parsed name or a catalogue record states them.
Level = Literal["trung_uong", "tinh", "huyen", "xa"]
LEVEL_LABEL: dict[str, str] = {"trung_uong": "cấp trung ương", "tinh": "cấp tỉnh", "huyen": "cấp huyện",
                               "xa": "cấp xã"}

# Actions, written from the opening words of the 2,849 real procedures (docs/matching.md has the
# counts). Folded phrase → canonical action; longest first so "cấp lại" wins over "cấp".
ACTIONS: dict[str, str] = {
    "cap moi": "cấp mới", "cap lan dau": "cấp mới", "cap lai": "cấp lại", "cap doi": "cấp đổi", "doi": "cấp đổi",
    "cap gia han": "gia hạn", "gia han": "gia hạn", "cap dieu chinh": "điều chỉnh", "dieu chinh": "điều chỉnh",
    "cap sua doi bo sung": "sửa đổi, bổ sung", "sua doi bo sung": "sửa đổi, bổ sung", "sua doi": "sửa đổi",
    "cap bo sung": "bổ sung", "bo sung": "bổ sung", "thay doi": "thay đổi", "thay doi noi dung": "thay đổi",
    "thu hoi": "thu hồi", "cham dut": "chấm dứt", "dinh chi": "đình chỉ", "tam ngung": "tạm ngừng",
    "huy": "hủy", "huy bo": "hủy", "xoa dang ky": "xóa đăng ký", "tra lai": "trả lại",
    "dang ky thay doi": "đăng ký thay đổi", "dang ky lai": "đăng ký lại", "dang ky bien dong": "đăng ký biến động",
    "dang ky bo sung": "đăng ký bổ sung", "dang ky gia han": "đăng ký gia hạn", "dang ky": "đăng ký",
    "cap": "cấp", "cap phep": "cấp", "chap thuan": "chấp thuận", "phe duyet": "phê duyệt",
    "cong bo lai": "công bố lại", "cong bo": "công bố", "cong nhan lai": "công nhận lại", "cong nhan": "công nhận",
    "xac nhan": "xác nhận", "tham dinh": "thẩm định", "giai quyet": "giải quyết", "thong bao": "thông báo",
    "chuyen doi": "chuyển đổi", "chuyen nhuong": "chuyển nhượng", "khai bao": "khai báo", "chung thuc": "chứng thực",
    "kiem tra": "kiểm tra", "khai thac": "khai thác", "chung nhan": "chứng nhận", "bo nhiem": "bổ nhiệm",
    "mien nhiem": "miễn nhiệm", "ho tro": "hỗ trợ", "quyet dinh": "quyết định", "xet huong": "xét hưởng",
}
# Actions that are near each other: a declared one and a catalogue one of the same family are at
# most a weak match (an inspector decides); actions of different families name another procedure.
_FAMILY: dict[str, str] = {
    "cấp": "new", "cấp mới": "new", "cấp lại": "again", "cấp đổi": "exchange", "gia hạn": "extend",
    "đăng ký gia hạn": "extend", "điều chỉnh": "modify", "sửa đổi, bổ sung": "modify", "sửa đổi": "modify",
    "bổ sung": "modify", "thay đổi": "modify", "đăng ký thay đổi": "modify", "đăng ký biến động": "modify",
    "đăng ký bổ sung": "modify", "thu hồi": "end", "chấm dứt": "end", "hủy": "end", "xóa đăng ký": "end",
    "trả lại": "end", "đình chỉ": "end", "tạm ngừng": "end", "công bố": "announce", "công bố lại": "announce",
    "công nhận": "recognize", "công nhận lại": "recognize",
}
# Opening words that are not the procedure: numbering, "Thủ tục", "Hồ sơ đề nghị", internal codes.
_LEADING = re.compile(
    r"^(?:(?:\d+(?:\.\d+)*[.)]?|[a-z][.)]|[ivx]+[.)])\s+"
    r"|[a-z]{2,}[_\-]?\d+[/_\-.][\w/\-.]*\s+|\d+\.\d{6}\s*[-:–]?\s*"
    r"|thu tuc hanh chinh\s*:?\s+|thu tuc\s*:?\s+|tthc\s*:?\s+|ten thu tuc\s*:?\s+"
    r"|ho so\s+|de nghi\s+|xin\s+|dich vu cong truc tuyen\s+(?:muc do \d\s+|toan trinh\s+|mot phan\s+)?|dvctt\s*:?\s+"
    r"|lam thu tuc\s+|dich vu\s+)+")
# A level stated in the text: "(thực hiện tại cấp tỉnh)", "cấp Trung ương", "do UBND cấp tỉnh cấp".
_LEVEL_PHRASE = re.compile(
    r"(?:\b(?:thuc hien |giai quyet )?(?:tai|o) )?\bcap (trung uong|tw|bo|tinh|huyen|xa)\b(?! hoi)"
    r"|\b(?:uy ban nhan dan|ubnd) (?:cap )?(tinh|huyen|xa|phuong|thi tran|quan)\b")
_LEVEL_WORD = {"trung uong": "trung_uong", "tw": "trung_uong", "bo": "trung_uong", "tinh": "tinh",
               "thanh pho": "tinh", "huyen": "huyen", "quan": "huyen", "xa": "xa", "phuong": "xa", "thi tran": "xa"}
# Catalogue `cap_thuc_hien` words.
_FIELD_LEVEL = (("cap bo", "trung_uong"), ("trung uong", "trung_uong"), ("cap tinh", "tinh"),
                ("cap huyen", "huyen"), ("cap xa", "xa"))
# Tails in brackets or after a dash that name an agency or a DVCTT level rather than the procedure.
_AGENCY_TAIL = re.compile(
    r"^(?:muc do|muc|dvc|dich vu cong|cap (?:tinh|huyen|xa|trung uong|tw|bo)|"
    r"thuc hien|thuoc|tai|do|uy ban|ubnd|cong an|so|phong|chi cuc|cuc|"
    r"bo|huyen|xa|tinh|thanh pho|thi xa|thi tran|phuong|quan|truc tuyen|toan trinh|mot phan|ban quan ly|"
    r"van phong|trung tam|chi nhanh|bhxh|bao hiem xa hoi)\b")
_TAIL = re.compile(r"\s*(?:[(\[]([^()\[\]]*)[)\]]|\s[-–—]\s+([^-–—()]*))\s*$")
_BRACKET = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]()")
_CASE = re.compile(r"\b(truong hop|doi voi|danh cho|ap dung cho|do bi|do thay doi|bao gom)\b")
# A level inside a name: "… thực hiện tại cấp tỉnh", "… tại Công an cấp tỉnh", or one closing the name.
# A level in the middle with no such words is part of the object ("vùng an toàn dịch bệnh cấp tỉnh").
_INNER_LEVEL = re.compile(r"\b(?:thuc hien|giai quyet) (?:tai|o) cap (trung uong|tw|bo|tinh|huyen|xa)\b"
                          r"|(?:\b(?:tai|o) (?:[a-z]+ ){0,3}?|\s)cap (trung uong|tw|bo|tinh|huyen|xa)(?=\s*$| ,)")
# Internal codes portals print before a name: "PLAM_12/HT_03", "1.001193 -", "BTP-HT-01:".
_CODE_LEAD = re.compile(r"^\s*(?:[a-z]{2,}[_\-]?\d+[/_\-.][\w/\-.]*|\d\.\d{6}|[a-z]{2,5}(?:-[a-z0-9]{1,6}){1,4})\s*[-:–]?\s+")
# "… do UBND cấp tỉnh cấp", "… thuộc thẩm quyền của UBND cấp xã": the issuer's level, not the object.
_ISSUER_BODY = r"(?:chu tich )?(?:uy ban nhan dan |ubnd |hoi dong nhan dan |hdnd )?"
_ISSUER = re.compile(r"\s+(?:do|cua|thuoc(?: tham quyen)?(?: giai quyet)?(?: cua)?)\s+" + _ISSUER_BODY +
                     r"cap (?:tinh|huyen|xa|trung uong|tw|bo)(?: (?:cap|giai quyet|thuc hien|quan ly))?\b")
_ISSUER_LEVEL = re.compile(r"(?:do|cua|thuoc)(?: tham quyen)?(?: giai quyet)?(?: cua)? " + _ISSUER_BODY +
                           r"cap (tinh|huyen|xa|trung uong|tw|bo)\b")
_PUNCT = re.compile(r"[^\w\s]|_", re.UNICODE)
_SPACE = re.compile(r"\s+")
_LIST = re.compile(r"\s*(?:,|;|/|\bvà\b|\bhoặc\b)\s*")


@dataclass(frozen=True)
class ProcedureName:
    """A name in parts. Text parts are folded (no diacritics, lower case, no punctuation)."""

    original: str
    actions: tuple[str, ...]           # canonical, as written in Vietnamese ("cấp lại"); () when none opens the name
    object: str                         # what the action is on: "giay phep xay dung"
    levels: frozenset[str]              # levels the name itself states
    qualifiers: tuple[str, ...] = ()    # subject and case: "doi voi nha o rieng le", "truong hop bi mat"
    removed: tuple[str, ...] = ()       # numbering, prefixes, codes, agency names taken off

    @property
    def action(self) -> str:
        return " / ".join(self.actions)


def _expand(words: list[str]) -> list[str]:
    out: list[str] = []
    for word in words:
        out.extend(_FOLDED_ABBREVIATIONS.get(word, word).split())
    return out


def fold(text: str) -> str:
    """Drop diacritics and đ→d: 'Đăng ký' → 'Dang ky'."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in text if not unicodedata.combining(c)))


_FOLDED_ABBREVIATIONS = {fold(k): fold(v) for k, v in ABBREVIATIONS.items()}


def _flat(text: str) -> str:
    return _SPACE.sub(" ", _PUNCT.sub(" ", text)).strip()


def levels_in(text: str) -> frozenset[str]:
    """Levels a folded text names ("thuc hien tai cap tinh" → {tinh})."""
    found = set()
    for m in _LEVEL_PHRASE.finditer(text):
        found.add(_LEVEL_WORD[m.group(1) or m.group(2)])
    return frozenset(found)


@lru_cache(maxsize=4096)
def field_levels(cap_thuc_hien: str) -> frozenset[str]:
    """The catalogue's `cap_thuc_hien` ("Cấp bộ, Cấp tỉnh") as levels; "Cơ quan khác" names none."""
    text = fold(cap_thuc_hien.lower())
    return frozenset(level for word, level in _FIELD_LEVEL if word in text)


def _agency_level(agency: str) -> frozenset[str]:
    """The level an agency's name implies: "công an tỉnh Bắc Ninh" → tỉnh, "UBND xã Tân Lập" → xã."""
    if re.match(r"^(?:so|ban quan ly)\b", agency):
        return frozenset({"tinh"})
    if re.match(r"^(?:bo|cuc|tong cuc)\b", agency):
        return frozenset({"trung_uong"})
    m = re.search(r"\b(tinh|huyen|quan|xa|phuong|thi tran)\b", agency)
    return frozenset({_LEVEL_WORD[m.group(1)]}) if m else frozenset()


def _action_at(words: list[str]) -> tuple[str, int] | None:
    """The longest action phrase opening `words`, and how many words it takes; a phrase of two or more words
    with a typo ("dieu hinh", "bo suug") is read as the action it is nearest to."""
    for size in (4, 3, 2, 1):
        if len(words) > size and " ".join(words[:size]) in ACTIONS:
            return ACTIONS[" ".join(words[:size])], size
    for size in (3, 2):
        if len(words) > size:
            found = _near_action(" ".join(words[:size]), size)
            if found:
                return found, size
    return None


@lru_cache(maxsize=65536)
def _near_action(phrase: str, size: int) -> str | None:
    choices = [k for k in ACTIONS if len(k.split()) == size and len(k) >= 6]
    found = process.extractOne(phrase, choices, scorer=fuzz.ratio, score_cutoff=85)
    return ACTIONS[found[0]] if found else None


# After a bare "cấp" one more action may follow in the same phrase: "cấp sửa đổi, bổ sung", "cấp gia hạn".
_AFTER_CAP = {"sửa đổi", "bổ sung", "sửa đổi, bổ sung", "điều chỉnh", "gia hạn", "đổi", "cấp đổi"}


def _leading_actions(text: str) -> tuple[tuple[str, ...], str]:
    """Actions opening a folded text whose commas are kept as " , " tokens → (actions, the rest, no commas).

    A list of actions is separated by commas or "và"/"hoặc" ("cấp, cấp lại giấy …", "gia hạn, điều chỉnh
    giấy …"); a second action word without a comma is part of the object ("sửa đổi quyết định giao …").
    """
    words = text.split()
    actions: list[str] = []
    listed = False                      # "cấp, bổ sung" lists two actions; "cấp bổ sung" is one phrase
    while True:
        found = _action_at(words)
        if found is None:
            break
        action, size = found
        actions.append(action)
        words = words[size:]
        if words and words[0] in (",", "va", "hoac") and _action_at(words[1:]) is not None:
            words = words[1:]
            listed = listed or len(actions) == 1
            continue
        follow = _action_at(words)
        if action == "cấp" and follow is not None and follow[0] in _AFTER_CAP:
            continue
        break
    if "sửa đổi" in actions and "bổ sung" in actions:
        actions = [a for a in actions if a != "bổ sung"]
        actions[actions.index("sửa đổi")] = "sửa đổi, bổ sung"
    if len(actions) > 1 and actions[0] == "cấp" and actions[1] in _AFTER_CAP and not listed:
        actions = actions[1:]           # "cấp sửa đổi, bổ sung" is the amendment, "cấp gia hạn" the extension
    rest = " ".join(w for w in words if w != ",")
    return tuple(dict.fromkeys(actions)), rest


@lru_cache(maxsize=262144)
def parse(name: str) -> ProcedureName:
    """Split one procedure name (declared or catalogue) into its parts."""
    text = unicodedata.normalize("NFC", name).replace("\u00a0", " ")
    text = _SPACE.sub(" ", text).strip().lower()
    folded = fold(text)
    removed: list[str] = []
    levels: set[str] = set()
    qualifiers: list[str] = []
    bracket_actions: list[str] = []
    code = _CODE_LEAD.match(folded)
    if code and code.end() < len(folded):
        removed.append(folded[:code.end()].strip())
        text, folded = text[code.end():], folded[code.end():]
    # Brackets anywhere hold qualifiers, not the object: "(cấp huyện)", "(Sở Tư pháp)", "(cấp mới; cấp lại)",
    # "(mức độ 4)", "(trường hợp bị mất)"; so does a tail after a dash ("- UBND huyện Tiên Du").
    for pattern in (_BRACKET, _TAIL):
        while m := pattern.search(folded):
            if m.start() < 8:
                break
            inner = (m.group(1) if m.group(1) is not None else m.group(2)).strip()
            inner_flat = _flat(inner)
            found = levels_in(inner_flat)
            parts = [x for x in _LIST.split(inner) if x.strip()]
            acts = [ACTIONS[p] for p in (_flat(x) for x in parts) if p in ACTIONS]
            if acts and len(acts) == len(parts):
                bracket_actions.extend(acts)
                removed.append(text[m.start():m.end()].strip())
            elif found or _AGENCY_TAIL.match(inner_flat) or re.fullmatch(r"[\d ]+", inner_flat):
                levels |= found or _agency_level(inner_flat)
                removed.append(text[m.start():m.end()].strip())
            elif pattern is _BRACKET:
                qualifiers.append(inner_flat)
            else:
                break
            folded = (folded[:m.start()] + " " + folded[m.end():]).strip(" ,;.:")
            text = (text[:m.start()] + " " + text[m.end():]).strip(" ,;.:")
    flat = _SPACE.sub(" ", re.sub(r"[,;]", " , ", folded))
    flat = _SPACE.sub(" ", " ".join(w if w == "," else _flat(w) for w in flat.split())).strip()
    lead = _LEADING.match(flat + " ")
    if lead:
        removed.insert(0, lead.group(0).strip())
        flat = flat[lead.end():].strip()
    flat = _ISSUER.sub(lambda m: " ", flat) if _ISSUER.search(flat) else flat
    levels |= {_LEVEL_WORD[x] for x in _ISSUER_LEVEL.findall(_flat(folded))}
    flat = " ".join(_expand(flat.split()))
    # A level inside the text ("... do UBND cấp tỉnh cấp", "... thực hiện tại cấp tỉnh") is a
    # qualifier, not the object.
    for m in _INNER_LEVEL.finditer(flat):
        levels.add(_LEVEL_WORD[m.group(1) or m.group(2)])
    flat = _SPACE.sub(" ", _INNER_LEVEL.sub(" ", flat)).strip(" ,")
    actions, obj = _leading_actions(flat)
    obj = _SPACE.sub(" ", obj).strip()
    if bracket_actions and set(actions) <= {"cấp"}:
        actions = ()                    # "Cấp X (cấp mới; cấp lại)": the bracket says which
    actions = tuple(dict.fromkeys(actions + tuple(bracket_actions)))
    if "lan dau" in obj.split(" ") or obj.endswith(" lan dau"):
        actions = tuple("cấp mới" if a == "cấp" else a for a in actions)
    case = _CASE.search(obj)
    if case and case.start() > 0:
        qualifiers.insert(0, obj[case.start():])
    return ProcedureName(name, actions, obj, frozenset(levels), tuple(qualifiers), tuple(removed))


# -- comparing two names part by part ----------------------------------------------------------

Agreement = Literal["same", "close", "related", "different", "unknown"]


def compare_actions(declared: tuple[str, ...], candidate: tuple[str, ...]) -> tuple[Agreement, str]:
    """How the declared action agrees with a catalogue name's, and a Vietnamese phrase for it.

    same       the same action(s)
    close      a bare "cấp" and "cấp mới"; or one of a listed pair ("cấp, cấp lại" holds "cấp lại")
    related    the same family ("điều chỉnh" and "sửa đổi, bổ sung")
    different  another procedure ("cấp lại" ≠ "cấp đổi")
    unknown    one side opens with no known action
    """
    if not declared or not candidate:
        return "unknown", "không rõ hành động"
    d, c = set(declared), set(candidate)
    if d == c:
        return "same", "cùng hành động"
    new = {"cấp", "cấp mới"}
    if d | c <= new:
        return "close", "“cấp” gần nhất với “cấp mới”"
    if d & c or ((d & new) and (c & new)):
        return "close", f"hành động khai báo nằm trong danh sách: {' / '.join(declared)} ~ {' / '.join(candidate)}"
    fd, fc = {_FAMILY.get(a, a) for a in d}, {_FAMILY.get(a, a) for a in c}
    if fd & fc:
        return "related", f"hành động gần nhau: {' / '.join(declared)} ~ {' / '.join(candidate)}"
    return "different", f"khác hành động: {' / '.join(declared)} ≠ {' / '.join(candidate)}"


def expected_levels(declared: ProcedureName, agency_group: str | None) -> tuple[frozenset[str], str]:
    """The levels a declared service must be at: stated in its name, else from its agency's group."""
    if declared.levels:
        return declared.levels, "tên khai báo ghi"
    if agency_group == "tinh":
        return frozenset({"tinh", "huyen", "xa"}), "cơ quan cấp tỉnh khai báo"
    if agency_group in ("bo", "cqtcp"):
        return frozenset({"trung_uong"}), "cơ quan trung ương khai báo"
    return frozenset(), ""


def unit_levels(unit: str | None) -> frozenset[str]:
    """The level a declaring unit suggests ("Công an xã Tam Sơn" → xã, "Sở Tư pháp" → tỉnh): a preference only,
    since units of one level handle procedures of others ("UBND thành phố Huế" lists commune procedures)."""
    text = _flat(fold((unit or "").lower()))
    return levels_in(text) or _agency_level(text) if text else frozenset()


def _widen(levels: frozenset[str]) -> frozenset[str]:
    # Since 2025 there is no district level: the catalogue moved its procedures to the commune or
    # province, so a declared "cấp huyện" agrees with a catalogue "cấp xã".
    return levels | {"xa"} if "huyen" in levels else levels


@lru_cache(maxsize=4096)
def _other_agency(candidate_field: str) -> bool:
    return "co quan khac" in fold(candidate_field.lower())


def offered_levels(candidate: ProcedureName, candidate_field: str) -> frozenset[str]:
    """The levels a catalogue procedure is done at: its own name's ("(thực hiện tại cấp tỉnh)"), else its field's."""
    return candidate.levels or field_levels(candidate_field)


def compare_levels(expected: frozenset[str], how: str, stated: bool, candidate: ProcedureName,
                   candidate_field: str) -> tuple[Agreement, str]:
    """Whether a catalogue procedure is at the level the declared service expects.

    `stated` tells whether the declared name itself named the level. A level taken from the agency's
    group does not hold against a procedure that "Cơ quan khác" also does (social insurance, courts …).
    """
    offered = offered_levels(candidate, candidate_field)
    if not stated and _other_agency(candidate_field):
        return "unknown", "thủ tục do cơ quan khác thực hiện"
    if not expected or not offered:
        return "unknown", "không rõ cấp thực hiện"
    label = ", ".join(LEVEL_LABEL[x] for x in sorted(offered, key=list(LEVEL_LABEL).index))
    if _widen(expected) & offered:
        return "same", f"cùng cấp thực hiện ({label})"
    want = ", ".join(LEVEL_LABEL[x] for x in sorted(expected, key=list(LEVEL_LABEL).index))
    return "different", f"khác cấp thực hiện: {how} {want}, thủ tục thực hiện tại {label}"


@dataclass(frozen=True)
class Comparison:
    """A declared name against one catalogue name, part by part."""

    object_score: float                 # 0-100, similarity of the objects
    action: Agreement
    action_text: str
    level: Agreement
    level_text: str
    detail_score: float = 100.0         # object and qualifiers together: tells "(trường hợp bị mất)" cases apart
    unit_agrees: bool | None = None     # the declaring unit's level is the procedure's (None: not known)

    @property
    def phrase(self) -> str:
        """What agreed, in Vietnamese: "cùng đối tượng, khác hành động: cấp lại ≠ cấp đổi"."""
        obj = "cùng đối tượng" if self.object_score >= 95 else (
            "đối tượng gần giống" if self.object_score >= 80 else "đối tượng khác")
        parts = [obj, self.action_text]
        if self.level != "unknown":
            parts.append(self.level_text)
        return ", ".join(parts)


def object_similarity(declared: str, candidate: str) -> float:
    """Folded objects compared: word order and small typos cost little; a part of a longer object scores
    at most weakly ("khai sinh" in "khai sinh co yeu to nuoc ngoai")."""
    if not declared or not candidate:
        return 0.0
    if declared == candidate:
        return 100.0
    sort = fuzz.token_sort_ratio(declared, candidate)
    subset = fuzz.token_set_ratio(declared, candidate)
    chars = fuzz.ratio(declared, candidate)
    value = 0.5 * sort + 0.2 * subset + 0.3 * chars
    shorter = min(len(declared.split()), len(candidate.split()))
    if subset == 100 and shorter >= 3:
        value = max(value, 83.0)
    return round(min(value, 98.9), 1)


@lru_cache(maxsize=4096)
def _folded_actions(actions: tuple[str, ...]) -> str:
    return fold(" ".join(actions))


def compare(declared: ProcedureName, expected: frozenset[str], how: str, candidate: ProcedureName,
            candidate_field: str = "", unit: frozenset[str] = frozenset()) -> Comparison:
    """Object by similarity, action and level by agreement."""
    action, action_text = compare_actions(declared.actions, candidate.actions)
    if action == "unknown":
        # One side names no action: compare the whole texts, the action words included.
        whole_d = " ".join(filter(None, (_folded_actions(declared.actions), declared.object)))
        whole_c = " ".join(filter(None, (_folded_actions(candidate.actions), candidate.object)))
        obj = object_similarity(_flat(whole_d), _flat(whole_c))
    else:
        obj = object_similarity(declared.object, candidate.object)
    level, level_text = compare_levels(expected, how, bool(declared.levels), candidate, candidate_field)
    detail = fuzz.token_set_ratio(" ".join((declared.object, *declared.qualifiers)),
                                  " ".join((candidate.object, *candidate.qualifiers)))
    offered = offered_levels(candidate, candidate_field)
    unit_agrees = bool(_widen(unit) & offered) if unit and offered else None
    return Comparison(obj, action, action_text, level, level_text, round(detail, 1), unit_agrees)
