"""The store: migrations, content-addressed artifacts, and readers beside a writer (WAL)."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from evidence import agencies, migrations, runs
from evidence.store import Store
from kiemtra.errors import SchemaTooNew


def test_migrations_apply_once_and_count(tmp_path):
    with Store(tmp_path) as store:
        version = store.schema_version
        assert version == len(migrations.MIGRATIONS)
        assert {"agencies", "services", "procedures", "jobs", "runs", "steps", "artifacts", "verdicts"} <= set(store.db.table_names())
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with Store(tmp_path) as again:
        assert again.schema_version == version
        assert migrations.apply(again.db) == []


def test_newer_store_is_refused(tmp_path):
    with Store(tmp_path) as store:
        store.db["_migrations"].insert({"name": "9999_from_the_future", "applied_at": "x"})
    with pytest.raises(SchemaTooNew):
        Store(tmp_path)


def test_artifacts_are_content_addressed_and_read_only(tmp_path):
    with Store(tmp_path) as store:
        agencies.sync(store, [{"id": "a", "name": "A", "group": "tinh", "portal": "http://x/", "services": []}])
        run = runs.start(store, "portal", "a", "a")
        first = store.keep_bytes(run, b"<html>xin chao</html>", ".html", "html")
        second = store.keep_bytes(run, b"<html>xin chao</html>", ".html", "html")
        assert first.path == second.path
        assert first.sha256 == hashlib.sha256(b"<html>xin chao</html>").hexdigest()
        assert first.path.name == f"{first.sha256}.html"
        assert not os.access(first.path, os.W_OK) or os.geteuid() == 0
        assert oct(first.path.stat().st_mode & 0o777) == "0o444"
        assert store.db["artifacts"].count == 1
        assert [a["role"] for a in runs.artifacts(store, run)] == ["html"]
        assert list(store.artifacts.tmp.iterdir()) == []


def test_sync_agencies_updates_in_place(tmp_path):
    agency = {"id": "a", "name": "A", "group": "bo", "portal": "http://x/",
              "services": [{"id": "s1", "name": "Đăng ký khai sinh", "url": "http://x/1", "declared_level": 3}]}
    with Store(tmp_path) as store:
        agencies.sync(store, [agency])
        agency["services"][0]["declared_level"] = 4
        agencies.sync(store, [agency])
        assert store.db["services"].get("s1")["declared_level"] == 4
        assert store.db["services"].count == 1


READER = textwrap.dedent("""
    import sqlite3, sys, time
    db = sqlite3.connect(sys.argv[1], timeout=1)
    seen = 0
    deadline = time.time() + 20
    while time.time() < deadline:
        seen = db.execute("select count(*) from runs").fetchone()[0]
        if seen >= 200:
            break
    print(seen)
""")


def test_second_process_reads_while_writing(tmp_path):
    with Store(tmp_path) as store:
        agencies.sync(store, [{"id": "a", "name": "A", "group": "tinh", "portal": "http://x/", "services": []}])
        reader = subprocess.Popen([sys.executable, "-c", READER, str(store.db_path)], stdout=subprocess.PIPE, text=True)
        for index in range(200):
            run = runs.start(store, "portal", "a", "a")
            store.keep_bytes(run, f"page {index}".encode(), ".html", "html")
            runs.finish(store, run, outcome="ok", http_status=200)
        out, _ = reader.communicate(timeout=30)
    assert reader.returncode == 0
    assert int(out) == 200
    check = sqlite3.connect(tmp_path / "kiemtra.db")
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_migrations_are_declared_in_order_in_one_module():
    from evidence import schema

    declared = [name for name, function in migrations.MIGRATIONS.items() if function.__module__ == schema.__name__]
    assert declared == sorted(migrations.MIGRATIONS) and declared[:6] == [
        "0001_core", "0002_catalogue", "0003_portal", "0004_evidence", "0005_queue", "0006_scoring"]


def test_a_store_with_two_dispute_tables_opens_with_one(tmp_path, monkeypatch):
    """0007 folds the confirmation round's `score_disputes` into `disputes`, keeping what re-check requests point at."""
    import sqlite_utils

    from evidence import confirmations, disputes, recheck_requests

    older = {name: function for name, function in migrations.MIGRATIONS.items() if name <= "0006_scoring"}
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", older)
        db = sqlite_utils.Database(tmp_path / "kiemtra.db")
        migrations.apply(db)
        db.execute("insert into disputes (service_id, agency_id, opened_at, opened_by, note) values"
                   " ('s1', 'a', '2024-01-01T00:00:00.000Z', 'an', 'thanh toán')")
        for key, status in (("c3-news", "open"), ("c4-pay", "resolved")):
            db.execute("insert into score_disputes (year, agency_id, item_key, reason, evidence, status, created_at,"
                       " resolved_at) values (2024, 'a', ?, 'sai', '[\"x.pdf\"]', ?, '2024-02-01T00:00:00.000Z', ?)",
                       [key, status, None if status == "open" else "2024-03-01T00:00:00.000Z"])
        db.execute("insert into recheck_requests (kind, target_id, agency_id, reason, dispute_id, status, requested_at)"
                   " values ('criterion', 'a/c3-news', 'a', 'khiếu nại', 1, 'pending', '2024-02-01T00:00:00.000Z')")
        db.conn.commit()
        db.conn.close()
    with Store(tmp_path) as store:
        assert store.schema_version == len(migrations.MIGRATIONS)
        assert "score_disputes" not in store.db.table_names()
        assert [d["note"] for d in disputes.service_disputes(store, "s1")] == ["thanh toán"]
        items = disputes.item_disputes(store, 2024)
        assert [(d["item_key"], d["status"], d["evidence"]) for d in items] == [
            ("c3-news", "open", ["x.pdf"]), ("c4-pay", "resolved", ["x.pdf"])]
        [open_one] = disputes.item_disputes(store, 2024, "open")
        assert recheck_requests.pending_recheck_requests(store)[0]["dispute_id"] == open_one["id"]
        # The round goes on in the one table: agreeing closes the open dispute, a new answer opens one.
        confirmations.record_answer(store, 2024, "a", "c3-news", "agree", "", "f.xlsx", 5, [])
        assert disputes.item_disputes(store, 2024, "open") == []
        assert confirmations.record_answer(store, 2024, "a", "c5", "dispute", "thiếu", "f.xlsx", 6, []) is not None
        assert [d["item_key"] for d in disputes.item_disputes(store, 2024, "open")] == ["c5"]
