"""Matching declared services against the stored catalogue, and recording the results.

The level check calls `ensure_match(store, service_id)` (or reads `evidence.matches.match_of`)
before visiting a service: a `none` match is not level-checked further (R5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from checks.catalogue import Declared, Match, MatchedService, Matcher, NormalName, Procedure, Thresholds, count_services
from checks.catalogue.counting import Counting
from configuration.settings import Matching
from evidence import agencies, catalogue, matches
from evidence.clock import utc_now
from evidence.matches import StoredMatch
from evidence.store import Store

_PROCEDURE_FIELDS = ("code", "name", "field", "level", "agency", "status")


def _procedure(row: dict[str, Any] | None) -> Procedure | None:
    return Procedure(**{k: row.get(k) or "" for k in _PROCEDURE_FIELDS}) if row else None


class StoreCatalogue:
    """The store's FTS5 index as the matcher's candidate source."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def by_code(self, code: str) -> Procedure | None:
        return _procedure(catalogue.procedure(self.store, code))

    def search(self, query: NormalName, terms: Sequence[str], limit: int) -> list[Procedure]:
        return [p for p in map(_procedure, catalogue.search(self.store, terms, limit)) if p]

    def vocabulary(self) -> dict[str, int]:
        return catalogue.vocabulary(self.store)

    def size(self) -> int:
        return catalogue.procedure_count(self.store)


def thresholds(settings: Matching | None = None) -> Thresholds:
    settings = settings or Matching()
    return Thresholds(settings.strong, settings.weak, settings.margin, settings.candidates)


def matcher_for(store: Store, settings: Matching | None = None) -> Matcher:
    return Matcher(StoreCatalogue(store), thresholds(settings))


def _declared(store: Store, service_id: str) -> tuple[Declared, str]:
    row = agencies.declared_service(store, service_id)
    if row is None:
        raise KeyError(service_id)
    return Declared(row["name"], row["procedure_code"] or None, row["agency_group"], row["unit"]), row["agency_id"]


def record(store: Store, service_id: str, match: Match) -> None:
    candidates = [{"code": c.procedure.code, "name": c.procedure.name, "score": c.score, "reasons": list(c.reasons)}
                  for c in match.candidates]
    matches.record_match(store, service_id, match.match_class, match.codes, match.score, match.reasons, candidates,
                         utc_now())


def match_service(store: Store, service_id: str, matcher: Matcher | None = None) -> StoredMatch:
    """Match one stored service afresh, record it, and return what wins (an inspector's decision if any)."""
    declared, _ = _declared(store, service_id)
    record(store, service_id, (matcher or matcher_for(store)).match(declared))
    found = matches.match_of(store, service_id)
    assert found is not None
    return found


def ensure_match(store: Store, service_id: str, settings: Matching | None = None) -> StoredMatch:
    """The match to use for a service: stored if present, else computed and recorded now.

    Raises KeyError for a service not in the store (sync the config first).
    """
    return matches.match_of(store, service_id) or match_service(store, service_id, matcher_for(store, settings))


def match_all(store: Store, agency_id: str | None = None, settings: Matching | None = None) -> list[StoredMatch]:
    """Re-match every stored service (of one agency) against the catalogue as it is now."""
    matcher = matcher_for(store, settings)
    return [match_service(store, row["id"], matcher) for row in matches.stored_service_ids(store, agency_id)]


def counted(store: Store, agency_id: str | None = None) -> Counting:
    """R4: the counted list of the stored services' decided matches."""
    services = []
    for row in matches.stored_service_ids(store, agency_id):
        found = matches.match_of(store, row["id"])
        if found is None:
            continue
        services.append(MatchedService(row["id"], row["agency_id"], row["name"], row["unit"], found.match_class,
                                       found.codes, found.confirmed))
    return count_services(services)


def as_dict(found: StoredMatch) -> dict[str, Any]:
    return asdict(found)
