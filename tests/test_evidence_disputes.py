"""One disputes table: a service's disputed verdict and the confirmation round's disputed items, apart."""

from __future__ import annotations

from evidence_helpers import AGENCY, make_store

from evidence import confirmations, disputes
from evidence.web import queries

import pytest as _pytest

pytestmark = _pytest.mark.usefixtures("store_dialect")   # every test on SQLite and on PostgreSQL


def test_a_disputed_service_shows_in_the_browser_and_an_item_dispute_does_not(tmp_path):
    store, run_ids = make_store(tmp_path, None)
    with store:
        disputed, other = AGENCY["services"][0]["id"], AGENCY["services"][1]["id"]
        assert disputes.open_service_dispute(store, "khong-co", "x") is None
        dispute_id = disputes.open_service_dispute(store, disputed, "đã có thanh toán", run_id=run_ids[0], opened_by="an")
        # A figure disputed in the confirmation round is no service's dispute.
        assert confirmations.record_answer(store, 2025, AGENCY["id"], other, "dispute", "sai", "f.xlsx", 5, []) is not None
        flags = {s["id"]: s["disputed"] for s in queries.services(store, AGENCY["id"])}
        assert flags == {disputed: 1, other: 0, AGENCY["services"][2]["id"]: 0}
        rows, total = queries.runs(store, queries.Filters(disputed=True))
        assert total == 1 and rows[0]["target_id"] == disputed
        page = queries.run_page(store, run_ids[0])
        assert page is not None and [d["id"] for d in page["disputes"]] == [dispute_id]
        assert [d["item_key"] for d in disputes.item_disputes(store, 2025, "open")] == [other]
        assert disputes.item_disputes(store, 2025, "resolved") == []
