"""Scoring one declared name against one catalogue name, and saying why in Vietnamese.

The score (0–100) blends word-order-free and character-level similarity on the folded forms, so
missing diacritics, reordered words and small typos cost little, while a name that is only a part
of a longer procedure's name ("Đăng ký khai sinh" in "Đăng ký khai sinh có yếu tố nước ngoài")
scores clearly below the procedure that is exactly it. Where the declared name has diacritics,
they count a little: the accented forms break ties between names that fold alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from checks.catalogue.normalize import NormalName, fold


@dataclass(frozen=True)
class Score:
    value: float
    exact: bool
    accents_agree: bool


def score(query: NormalName, candidate: NormalName) -> Score:
    """How well `candidate` (a catalogue name) fits `query` (a declared name)."""
    if not query.folded or not candidate.folded:
        return Score(0.0, False, False)
    same_fold = query.folded == candidate.folded
    accented_query = query.accented != query.folded
    accents_agree = (not accented_query) or query.accented == candidate.accented
    if same_fold:
        value = 100.0 if accents_agree else 99.0
        return Score(value, accents_agree, accents_agree)
    sort = fuzz.token_sort_ratio(query.folded, candidate.folded)
    subset = fuzz.token_set_ratio(query.folded, candidate.folded)
    chars = fuzz.ratio(query.folded, candidate.folded)
    value = 0.5 * sort + 0.2 * subset + 0.3 * chars
    if accented_query:
        # Diacritics kept for scoring: a name whose accents agree beats one that only folds alike.
        value = 0.9 * value + 0.1 * fuzz.token_sort_ratio(query.accented, candidate.accented)
    return Score(round(min(value, 98.9), 1), False, accents_agree)


def explain(query: NormalName, candidate: NormalName, result: Score) -> list[str]:
    """Why a candidate matched, in words an inspector reads."""
    reasons: list[str] = []
    if result.exact:
        reasons.append("trùng tên sau khi chuẩn hóa")
    elif query.folded == candidate.folded:
        reasons.append("trùng tên khi bỏ dấu tiếng Việt")
    if query.removed:
        reasons.append("đã bỏ phần thêm vào: " + ", ".join(f"“{r}”" for r in query.removed))
    original = fold(query.original.lower())
    expanded = [w for w in query.folded.split() if w not in original.split()]
    if expanded and not result.exact:
        reasons.append("viết tắt được viết đầy đủ (" + " ".join(dict.fromkeys(expanded)) + ")")
    q_words, c_words = query.folded.split(), candidate.folded.split()
    if not result.exact and sorted(q_words) == sorted(c_words):
        reasons.append("cùng các từ, khác thứ tự")
    missing = [w for w in dict.fromkeys(c_words) if w not in q_words]
    extra = [w for w in dict.fromkeys(q_words) if w not in c_words]
    if missing:
        reasons.append("tên khai báo thiếu: " + " ".join(missing[:8]))
    if extra:
        reasons.append("tên khai báo thừa hoặc khác: " + " ".join(extra[:8]))
    if query.accented != query.folded and not result.accents_agree and query.folded == candidate.folded:
        reasons.append("dấu tiếng Việt khác nhau")
    return reasons
