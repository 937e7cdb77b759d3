"""Vietnamese name normalization for matching declared service names against CSDL TTHC.

Two forms come out of one name: `accented` keeps the diacritics (scoring prefers a name that
agrees letter for letter), `folded` drops them (agencies often publish names without them).
Both are NFC, lower case, without punctuation, with the boilerplate agencies add or drop
removed ("Thủ tục", "TTHC", "1.", "(mức độ 3)", "(Cấp huyện)", "- UBND huyện X") and the usual
abbreviations ("GCN", "QSDĐ", "ĐKKD", "UBND") written out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from checks.procedure_name import ABBREVIATIONS

# Words that carry no meaning for matching when they open a name (matched on the folded text).
_LEADING = re.compile(
    r"^(?:(?:\d+(?:\.\d+)*[.)]?|[a-z][.)])\s+"          # list numbers "1.", "2.3)", "a)"
    r"|[a-z]{2,}[_\-]?\d+[/_\-][\w/\-]*\s+"               # internal code prefixes "plam_12/ht_03"
    r"|thu tuc hanh chinh\s+|thu tuc\s*:?\s+|tthc\s*:?\s+"
    r"|ho so\s+(?:de nghi\s+)?|dich vu cong truc tuyen\s+|dvctt\s*:?\s+)+")
# A trailing part in brackets or after a dash that names a level, an implementing unit or the DVCTT level.
_TRAILING_BRACKET = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]\s*$")
_TRAILING_DASH = re.compile(r"\s+[-–—]\s+([^-–—]*)$")
# Matched against the folded text, so "(cap huyen)" goes as well as "(cấp huyện)".
_NOISE_TAIL = re.compile(
    r"^(?:muc do|muc|dvc|dich vu cong|cap (?:tinh|huyen|xa|trung uong|tw|bo)\b|thuc hien tai|thuoc|tai|do|uy ban|ubnd|"
    r"cong an|so|phong|"
    r"chi cuc|cuc|bo|huyen|xa|tinh|thanh pho|thi xa|thi tran|phuong|quan|truc tuyen|toan trinh|mot phan)\b")
_PUNCT = re.compile(r"[^\w\s]|_", re.UNICODE)
_SPACE = re.compile(r"\s+")
# Old-style tone placement ("hoà", "thuỷ") against the new ("hòa", "thủy"); CSDL TTHC mixes both.
_TONE = {"oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa", "oè": "òe", "oé": "óe", "oẻ": "ỏe",
         "oẽ": "õe", "oẹ": "ọe", "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy"}
_TONE_RE = re.compile("(" + "|".join(_TONE) + r")(?=\W|$)")


@dataclass(frozen=True)
class NormalName:
    """A name made comparable: accented and folded forms, and what was taken off."""

    original: str
    accented: str
    folded: str
    removed: tuple[str, ...] = ()

    @property
    def tokens(self) -> tuple[str, ...]:
        return tuple(self.folded.split())


def fold(text: str) -> str:
    """Drop diacritics and đ→d: 'Đăng ký' → 'dang ky'."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in text if not unicodedata.combining(c)))


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower()
    text = text.replace("\u00a0", " ").replace("“", '"').replace("”", '"').replace("’", "'")
    return _TONE_RE.sub(lambda m: _TONE[m.group(1)], _SPACE.sub(" ", text).strip())


def _strip_boilerplate(text: str) -> tuple[str, list[str]]:
    removed: list[str] = []
    # Trailing brackets and dashes may stack: "... (Cấp huyện) - UBND huyện Tiên Du".
    while True:
        match = _TRAILING_BRACKET.search(text) or _TRAILING_DASH.search(text)
        if not match or not _NOISE_TAIL.match(fold(match.group(1).strip())) or match.start() < 8:
            break
        removed.append(match.group(0).strip())
        text = text[:match.start()].rstrip(" ,;.")
    # fold() keeps the length of NFC Vietnamese text, so the folded match cuts the accented text.
    lead = _LEADING.match(fold(text))
    if lead and lead.end() < len(text):
        removed.insert(0, text[:lead.end()].strip())
        text = text[lead.end():]
    return text, removed


def _expand(words: list[str]) -> list[str]:
    out: list[str] = []
    for word in words:
        out.extend(ABBREVIATIONS.get(word, word).split())
    return out


@lru_cache(maxsize=262144)
def normalize(name: str) -> NormalName:
    """The comparable forms of one name (cached: catalogue names recur across runs)."""
    text, removed = _strip_boilerplate(_clean(name))
    words = _expand(_PUNCT.sub(" ", text).split())
    accented = " ".join(words)
    return NormalName(original=name, accented=accented, folded=fold(accented), removed=tuple(removed))


def index_terms(words: list[str] | tuple[str, ...]) -> list[str]:
    """The words of a folded name and its adjacent word pairs ('cap_giay', 'giay_phep').

    Pairs are far rarer than words, so they find the right procedure among the many that share
    an object ("... giấy phép xây dựng") but differ in the action ("Cấp", "Gia hạn", "Điều chỉnh").
    """
    return list(words) + [f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)]


def has_diacritics(text: str) -> bool:
    return fold(text) != text


_BUNDLE_LEAD = re.compile(r"^liên thông\s+(?:các\s+)?(?:thủ tục hành chính|thủ tục|tthc)?\s*(?:về|:)?\s*")
_BUNDLE_SPLIT = re.compile(r"\s*[,;+]\s*|\s+và\s+|\s+&\s+")


def bundle_parts(name: str) -> list[str]:
    """The procedures a bundling name lists: 'Liên thông ... về A, B, C' → [A, B, C].

    Parts of one word ('mẹ', 'con' in 'nhận cha, mẹ, con') are not procedures and are dropped.
    """
    text, _ = _strip_boilerplate(_clean(name))
    text = _BUNDLE_LEAD.sub("", text)
    parts = [p.strip(" .") for p in _BUNDLE_SPLIT.split(text)]
    return [p for p in parts if len(p.split()) >= 2]
