"""Agencies and their declared services as the store holds them (written by `sync`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from evidence.clock import utc_now
from evidence.store import Store, table


def sync(store: Store, agencies: Iterable[dict[str, Any]]) -> None:
    """Upsert agencies and their declared services as the config states them now."""
    now = utc_now()
    with store.db.conn:
        for agency in agencies:
            services = agency.get("services", [])
            table(store, "agencies").upsert({"id": agency["id"], "name": agency["name"],
                                             "agency_group": agency["group"], "portal": agency["portal"],
                                             "updated_at": now}, pk="id")
            table(store, "services").upsert_all(
                [{**{k: s.get(k) for k in ("id", "name", "url", "declared_level", "procedure_code",
                                           "unit", "field", "playbook")},
                  "agency_id": agency["id"], "updated_at": now} for s in services], pk="id")


def agency(store: Store, agency_id: str) -> dict[str, Any] | None:
    return next(table(store, "agencies").rows_where("id = ?", [agency_id]), None)


def service(store: Store, service_id: str) -> dict[str, Any] | None:
    return next(table(store, "services").rows_where("id = ?", [service_id]), None)


def declared_service(store: Store, service_id: str) -> dict[str, Any] | None:
    """A service's declared name, code and unit with its agency's group: what matching needs."""
    return next(store.db.query(
        "select s.name, s.procedure_code, s.unit, s.agency_id, a.agency_group from services s "
        "left join agencies a on a.id = s.agency_id where s.id = ?", [service_id]), None)
