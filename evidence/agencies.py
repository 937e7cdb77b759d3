"""Agencies and their declared services as the store holds them (written by `Store.sync_agencies`)."""

from __future__ import annotations

from typing import Any

from evidence.store import Store, table


def agency(store: Store, agency_id: str) -> dict[str, Any] | None:
    return next(table(store, "agencies").rows_where("id = ?", [agency_id]), None)


def service(store: Store, service_id: str) -> dict[str, Any] | None:
    return next(table(store, "services").rows_where("id = ?", [service_id]), None)


def declared_service(store: Store, service_id: str) -> dict[str, Any] | None:
    """A service's declared name, code and unit with its agency's group: what matching needs."""
    return next(store.db.query(
        "select s.name, s.procedure_code, s.unit, s.agency_id, a.agency_group from services s "
        "left join agencies a on a.id = s.agency_id where s.id = ?", [service_id]), None)
