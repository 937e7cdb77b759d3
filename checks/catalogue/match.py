"""Matching a declared service name to CSDL TTHC procedures (R3, R5) — pure, no storage.

Candidates come from a `CandidateSource` (the store's full-text index in production, a plain
list in tests and in the brute-force benchmark); only those few are scored, part by part
(checks/procedure_name.py, docs/matching.md): the object by similarity, the action and the level
of government by agreement. Each declared service gets one class:

    exact   the normalized names are the same, the action too, the level not different
            (or a declared code exists and its name agrees)
    strong  value ≥ thresholds.strong, clearly ahead of the next different name, same or close action
            and a level that is not different
    weak    value ≥ thresholds.weak; at most weak when the level differs or the action is only related;
            a declared code whose name disagrees: an inspector confirms
    none    nothing close, or the nearest procedure has another action: not level-checked further (R5)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal, Protocol

from rapidfuzz import fuzz, process

from checks.catalogue.normalize import NormalName, bundle_parts, fold, index_terms, normalize
from checks.catalogue.score import Score, explain, score
from checks.procedure_name import Comparison, compare, expected_levels, parse, unit_levels

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


@lru_cache(maxsize=262144)
def _folded_lower(name: str) -> str:
    return fold(name.lower())


@dataclass(frozen=True)
class Ranked:
    """One candidate as ranked: its whole-name score, its ranking value, and the part-by-part comparison."""

    score: Score
    value: float
    procedure: Procedure
    parts: Comparison


# Points a part's agreement adds to the object's similarity when ranking and classing.
_ACTION_POINTS = {"same": 0.0, "close": -1.0, "related": -6.0, "different": -20.0}
_LEVEL_POINTS = {"same": 0.5, "different": -8.0, "unknown": 0.0}


def _value(whole: Score, parts: Comparison) -> float:
    """The ranking value: the object's similarity with the action's and level's agreement; where a side names
    no action, the whole-name score."""
    base = whole.value if parts.action == "unknown" else parts.object_score + _ACTION_POINTS[parts.action]
    if whole.exact and parts.action in ("same", "unknown"):
        base = 100.0
    # The declaring unit's level ("Công an xã …") is a preference: ±1 point. Qualifiers ("trong trường hợp
    # bị mất") break ties between the cases of one procedure: up to 3 points.
    unit = 0.0 if parts.unit_agrees is None else (1.0 if parts.unit_agrees else -1.0)
    return round(base + _LEVEL_POINTS[parts.level] + unit + 0.03 * (parts.detail_score - 100.0), 1)


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

    def rank(self, query: NormalName, declared: Declared) -> list[Ranked]:
        """Candidates from the index, ranked by their parts: the object's similarity, then whether the
        action and the level of government agree (checks/procedure_name.py)."""
        found = self.source.search(query, self.terms(query), self.thresholds.candidates)
        ranked, raw = [], {}
        whole = fold(query.original.lower())
        parsed = parse(query.original)
        expected, how = expected_levels(parsed, declared.agency_group)
        unit = unit_levels(declared.unit)
        for procedure in found:
            result = score(query, normalize(procedure.name))
            parts = compare(parsed, expected, how, parse(procedure.name), procedure.level, unit)
            ranked.append(Ranked(result, _value(result, parts), procedure, parts))
            # Names equal once qualifiers are stripped ("(thực hiện tại cấp tỉnh)") are told apart
            # by the qualifiers the declared name did carry.
            raw[procedure.code] = fuzz.ratio(whole, _folded_lower(procedure.name))
        ranked.sort(key=lambda item: (-item.value, -raw[item.procedure.code], item.procedure.code))
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

    def _classify(self, query: NormalName, ranked: list[Ranked]) -> Match:
        t = self.thresholds
        candidates = tuple(Candidate(r.procedure, r.value, (r.parts.phrase, *explain(query, normalize(r.procedure.name),
                                                                                       r.score)))
                           for r in ranked[:5])
        if not ranked or ranked[0].value < t.weak or ranked[0].parts.action == "different":
            best = ""
            if ranked:
                top = ranked[0]
                best = f" (gần nhất: {top.procedure.code}, điểm {top.value:.1f}: {top.parts.phrase})"
            return Match("none", (), ranked[0].value if ranked else 0.0,
                         (f"không có thủ tục nào trong CSDL TTHC đạt ngưỡng {t.weak:g} với cùng hành động{best}",),
                         candidates)
        top = ranked[0]
        top_name = normalize(top.procedure.name).folded
        runner = next((r.value for r in ranked[1:] if normalize(r.procedure.name).folded != top_name
                       and r.parts.action != "different"), 0.0)
        twins = [r.procedure.code for r in ranked[1:] if normalize(r.procedure.name).folded == top_name]
        reasons = [top.parts.phrase, *candidates[0].reasons[1:]]
        capped = top.parts.level == "different" or top.parts.action == "related"
        if top.score.exact and not capped and top.parts.action in ("same", "unknown"):
            cls: MatchClass = "exact"
        elif top.value >= t.strong and top.value - runner >= t.margin and not capped:
            cls = "strong"
        else:
            cls = "weak"
            if capped:
                reasons.append("khác cấp thực hiện hoặc hành động chỉ gần giống: tối đa khớp yếu, cán bộ xác nhận")
            elif top.value >= t.strong:
                reasons.append(f"thủ tục kế tiếp chỉ kém {top.value - runner:.1f} điểm")
        reasons.append(f"điểm {top.value:.1f} (ngưỡng mạnh {t.strong:g}, ngưỡng yếu {t.weak:g})")
        if twins:
            reasons.append(f"cùng tên với mã {', '.join(twins)}; chọn theo cấp thực hiện: {top.procedure.level or 'không rõ'}")
        return Match(cls, (top.procedure.code,), min(top.value, 100.0), tuple(reasons), candidates)

    def _with_declared_code(self, declared: Declared, query: NormalName, by_name: Match) -> Match:
        """A declared code that exists wins; its name is checked against the declared name."""
        code = declared.code or ""
        procedure = self.source.by_code(code)
        if procedure is None or procedure.status != "active":
            why = "không có trong CSDL TTHC" if procedure is None else "đã bị bãi bỏ trong CSDL TTHC"
            return replace(by_name, reasons=(f"mã khai báo {code} {why}; so khớp theo tên",) + by_name.reasons)
        result = score(query, normalize(procedure.name))
        parsed = parse(declared.name)
        expected, how = expected_levels(parsed, declared.agency_group)
        parts = compare(parsed, expected, how, parse(procedure.name), procedure.level, unit_levels(declared.unit))
        reasons = [f"mã khai báo {code} có trong CSDL TTHC: “{procedure.name}”", parts.phrase,
                   *explain(query, normalize(procedure.name), result)]
        agrees = parts.level != "different" and parts.action in ("same", "close", "unknown")
        if result.exact and agrees:
            cls: MatchClass = "exact"
        elif result.value >= self.thresholds.strong and agrees:
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
