"""Matching a declared service name to CSDL TTHC procedures (R3, R5) — pure, no storage.

Candidates come from a `CandidateSource` (the store's full-text index in production, a plain
list in tests and in the brute-force benchmark); only those few are scored. Each declared
service gets one class:

    exact   the normalized names are the same (or a declared code exists and its name agrees)
    strong  score ≥ thresholds.strong and clearly ahead of the next different name
    weak    score ≥ thresholds.weak, or a declared code whose name disagrees: an inspector confirms
    none    nothing close: not level-checked further (R5)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

from rapidfuzz import fuzz, process

from checks.catalogue.normalize import NormalName, bundle_parts, fold, index_terms, normalize
from checks.catalogue.score import Score, explain, score

MatchClass = Literal["exact", "strong", "weak", "none"]
CLASSES: tuple[MatchClass, ...] = ("exact", "strong", "weak", "none")
CLASS_LABEL = {"exact": "khớp chính xác", "strong": "khớp mạnh", "weak": "khớp yếu — cần cán bộ xác nhận",
               "none": "không khớp thủ tục nào"}


@dataclass(frozen=True)
class Procedure:
    """One record of CSDL TTHC, as matching needs it."""

    code: str
    name: str
    field: str = ""
    level: str = ""
    agency: str = ""
    status: str = "active"


@dataclass(frozen=True)
class Declared:
    """A declared service as the agency wrote it."""

    name: str
    code: str | None = None
    agency_group: str | None = None     # bo, cqtcp, tinh: a tie-breaker on the level of government
    unit: str | None = None


@dataclass(frozen=True)
class Thresholds:
    strong: float = 88.0
    weak: float = 80.0
    margin: float = 2.0
    candidates: int = 40


@dataclass(frozen=True)
class Candidate:
    procedure: Procedure
    score: float
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    """The outcome for one declared service: its class, the codes it maps to, and why."""

    match_class: MatchClass
    codes: tuple[str, ...]
    score: float
    reasons: tuple[str, ...]
    candidates: tuple[Candidate, ...] = field(default=(), compare=False)
    decided_by: str = "auto"            # "auto", or the inspector who confirmed or corrected it

    @property
    def code(self) -> str | None:
        return self.codes[0] if self.codes else None


class CandidateSource(Protocol):
    def by_code(self, code: str) -> Procedure | None: ...

    def search(self, query: NormalName, terms: Sequence[str], limit: int) -> list[Procedure]: ...

    def vocabulary(self) -> dict[str, int]: ...   # folded word → how many procedures use it

    def size(self) -> int: ...                     # active procedures


class Matcher:
    """Matches names against one catalogue; keeps the catalogue's vocabulary for typo repair."""

    def __init__(self, source: CandidateSource, thresholds: Thresholds | None = None) -> None:
        self.source = source
        self.thresholds = thresholds or Thresholds()
        self.vocab = source.vocabulary()
        self._words = [w for w in self.vocab if "_" not in w]
        # Words in more than this many names ("cap", "dang", "ky") find too much to rank quickly.
        self._common = max(50, int(source.size() * 0.02))
        self._repairs: dict[str, str | None] = {}

    # -- candidates ------------------------------------------------------------------------
    def _repair(self, word: str) -> str | None:
        """A misspelt word → the nearest catalogue word ('sinhh' → 'sinh'), or None."""
        if word not in self._repairs:
            found = process.extractOne(word, self._words, scorer=fuzz.ratio, score_cutoff=75) if len(word) >= 3 else None
            self._repairs[word] = found[0] if found else None
        return self._repairs[word]

    def terms(self, query: NormalName) -> list[str]:
        """Index terms for a name: its words (misspelt ones repaired) and word pairs, rarest first."""
        words = [w if w in self.vocab else self._repair(w) for w in query.tokens]
        known = [t for t in dict.fromkeys(index_terms([w for w in words if w])) if t in self.vocab]
        known.sort(key=lambda t: self.vocab[t])
        # Rare terms pick the procedure; common ones ("cap", "dang", "ky") are kept only when a
        # name has too few rare ones, since their long posting lists make ranking slow.
        rare = [t for t in known if self.vocab[t] <= self._common]
        return rare[:10] if len(rare) >= 3 else known[:3]

    def rank(self, query: NormalName, declared: Declared) -> list[tuple[Score, float, Procedure]]:
        found = self.source.search(query, self.terms(query), self.thresholds.candidates)
        ranked, raw = [], {}
        whole = fold(query.original.lower())
        for procedure in found:
            result = score(query, normalize(procedure.name))
            ranked.append((result, result.value + _level_bonus(declared, procedure), procedure))
            # Names equal once qualifiers are stripped ("(thực hiện tại cấp tỉnh)") are told apart
            # by the qualifiers the declared name did carry.
            raw[procedure.code] = fuzz.ratio(whole, fold(procedure.name.lower()))
        ranked.sort(key=lambda item: (-item[1], -raw[item[2].code], item[2].code))
        return ranked

    # -- one name --------------------------------------------------------------------------
    def match(self, declared: Declared) -> Match:
        """The class, codes and reasons for one declared service."""
        query = normalize(declared.name)
        if not query.folded:
            return Match("none", (), 0.0, ("tên khai báo rỗng sau khi chuẩn hóa",))
        ranked = self.rank(query, declared)
        by_name = self._classify(query, ranked)
        if declared.code:
            return self._with_declared_code(declared, query, by_name)
        return self._with_bundle(declared, by_name)

    def _classify(self, query: NormalName, ranked: list[tuple[Score, float, Procedure]]) -> Match:
        t = self.thresholds
        candidates = tuple(Candidate(p, s.value, tuple(explain(query, normalize(p.name), s))) for s, _, p in ranked[:5])
        if not ranked or ranked[0][0].value < t.weak:
            best = f" (gần nhất: {ranked[0][2].code}, điểm {ranked[0][0].value:.1f})" if ranked else ""
            return Match("none", (), ranked[0][0].value if ranked else 0.0,
                         (f"không có thủ tục nào trong CSDL TTHC đạt ngưỡng {t.weak:g}{best}",), candidates)
        top_score, _, top = ranked[0]
        top_name = normalize(top.name).folded
        runner = next((s.value for s, _, p in ranked[1:] if normalize(p.name).folded != top_name), 0.0)
        twins = [p.code for s, _, p in ranked[1:] if normalize(p.name).folded == top_name]
        reasons = list(candidates[0].reasons)
        if top_score.exact:
            cls: MatchClass = "exact"
        elif top_score.value >= t.strong and top_score.value - runner >= t.margin:
            cls = "strong"
        else:
            cls = "weak"
            if top_score.value >= t.strong:
                reasons.append(f"thủ tục kế tiếp chỉ kém {top_score.value - runner:.1f} điểm")
        reasons.append(f"điểm {top_score.value:.1f} (ngưỡng mạnh {t.strong:g}, ngưỡng yếu {t.weak:g})")
        if twins:
            reasons.append(f"cùng tên với mã {', '.join(twins)}; chọn theo cấp thực hiện: {top.level or 'không rõ'}")
        return Match(cls, (top.code,), top_score.value, tuple(reasons), candidates)

    def _with_declared_code(self, declared: Declared, query: NormalName, by_name: Match) -> Match:
        """A declared code that exists wins; its name is checked against the declared name."""
        code = declared.code or ""
        procedure = self.source.by_code(code)
        if procedure is None or procedure.status != "active":
            why = "không có trong CSDL TTHC" if procedure is None else "đã bị bãi bỏ trong CSDL TTHC"
            return replace(by_name, reasons=(f"mã khai báo {code} {why}; so khớp theo tên",) + by_name.reasons)
        result = score(query, normalize(procedure.name))
        reasons = [f"mã khai báo {code} có trong CSDL TTHC: “{procedure.name}”",
                   *explain(query, normalize(procedure.name), result)]
        if result.exact:
            cls: MatchClass = "exact"
        elif result.value >= self.thresholds.strong:
            cls = "strong"
        else:
            cls = "weak"
            reasons.append(f"tên khai báo khác tên của mã {code} (điểm {result.value:.1f}); cán bộ cần xác nhận")
            if by_name.codes and by_name.code != code:
                reasons.append(f"theo tên, thủ tục gần nhất là {by_name.code}")
        codes = (code,) + tuple(c for c in self._bundle_codes(declared, code) if c != code)
        return Match(cls, codes, result.value, tuple(reasons), by_name.candidates)

    # -- R4: one service bundling several procedures ---------------------------------------------
    def _bundle_codes(self, declared: Declared, main_code: str | None) -> list[str]:
        parts = bundle_parts(declared.name)
        procedure = self.source.by_code(main_code) if main_code else None
        liaison = procedure is not None and fold(procedure.name.lower()).startswith("lien thong")
        if len(parts) < 2 or (main_code and not liaison):
            return []
        codes: list[str] = []
        for part in parts:
            sub = self._classify(normalize(part), self.rank(normalize(part), declared))
            if sub.match_class in ("exact", "strong") and sub.code and sub.code not in codes:
                codes.append(sub.code)
        return codes if len(codes) >= 2 or (liaison and codes) else []

    def _with_bundle(self, declared: Declared, by_name: Match) -> Match:
        main = by_name.code if by_name.match_class in ("exact", "strong") else None
        extra = [c for c in self._bundle_codes(declared, main) if c != main]
        if not extra:
            return by_name
        codes = ((main,) if main else ()) + tuple(extra)
        cls: MatchClass = by_name.match_class if main else "strong"
        reasons = by_name.reasons if main else ()
        reasons += (f"một dịch vụ gồm {len(codes)} thủ tục: {', '.join(codes)} — mỗi thủ tục được đếm (R4)",)
        return Match(cls, codes, by_name.score, reasons, by_name.candidates)


_LEVEL_WORDS = {"bo": ("cap bo", "trung uong", "co quan khac"), "cqtcp": ("cap bo", "trung uong", "co quan khac"),
                "tinh": ("cap tinh", "cap huyen", "cap xa")}


def _level_bonus(declared: Declared, procedure: Procedure) -> float:
    """A tie-breaker only: the same name at the declaring agency's level of government ranks first."""
    level = fold(procedure.level.lower())
    if not level:
        return 0.0
    bonus = 0.0
    if declared.agency_group and any(w in level for w in _LEVEL_WORDS.get(declared.agency_group, ())):
        bonus += 0.3
    unit = fold((declared.unit or "").lower())
    for word, tag in (("xa", "cap xa"), ("phuong", "cap xa"), ("huyen", "cap huyen"), ("tinh", "cap tinh")):
        if f"{word} " in unit + " " and tag in level:
            bonus += 0.2
            break
    return bonus
