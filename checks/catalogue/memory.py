"""A catalogue held in memory: the candidate source for tests and for the benchmark's baseline.

`MemoryCatalogue` finds candidates through a word index like the store's; `ScanCatalogue`
scores the whole catalogue for every name (the brute-force baseline the index must beat).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from rapidfuzz import fuzz, process

from checks.catalogue.match import Procedure
from checks.catalogue.normalize import NormalName, index_terms, normalize


class MemoryCatalogue:
    """Procedures in a dict, candidates from an inverted index of folded words."""

    def __init__(self, procedures: Iterable[Procedure]) -> None:
        self.procedures = {p.code: p for p in procedures}
        self.active = [p for p in self.procedures.values() if p.status == "active"]
        self.index: dict[str, set[int]] = defaultdict(set)
        for row, procedure in enumerate(self.active):
            for word in index_terms(normalize(procedure.name).tokens):
                self.index[word].add(row)

    def by_code(self, code: str) -> Procedure | None:
        return self.procedures.get(code)

    def size(self) -> int:
        return len(self.active)

    def vocabulary(self) -> dict[str, int]:
        return {word: len(rows) for word, rows in self.index.items()}

    def search(self, query: NormalName, terms: Sequence[str], limit: int) -> list[Procedure]:
        # The same ranking idea as the store's BM25: rare shared words weigh most.
        hits: Counter[int] = Counter()
        for word in terms:
            rows = self.index.get(word, set())
            weight = 1.0 / (1 + len(rows)) ** 0.5
            for row in rows:
                hits[row] += weight
        return [self.active[row] for row, _ in hits.most_common(limit)]


class ScanCatalogue(MemoryCatalogue):
    """The baseline: every name is compared with every procedure of the catalogue."""

    def __init__(self, procedures: Iterable[Procedure]) -> None:
        super().__init__(procedures)
        self.folded = [normalize(p.name).folded for p in self.active]

    def search(self, query: NormalName, terms: Sequence[str], limit: int) -> list[Procedure]:
        found = process.extract(query.folded, self.folded, scorer=fuzz.token_sort_ratio, limit=limit)
        return [self.active[row] for _, _, row in found]
