"""The store: migrations, content-addressed artifacts, and readers beside a writer (WAL).

Every test runs on both dialects (`store_dialect` in tests/conftest.py: the embedded SQLite file,
and a throwaway PostgreSQL cluster named by KIEMTRA_DATABASE_URL), except those about the SQLite
file itself.
"""

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

pytestmark = pytest.mark.usefixtures("store_dialect")


def test_migrations_apply_once_and_count(tmp_path, store_dialect):
    with Store(tmp_path) as store:
        assert store.dialect == store_dialect
        version = store.schema_version
        assert version == len(migrations.MIGRATIONS)
        assert {"agencies", "services", "procedures", "jobs", "runs", "steps", "artifacts", "verdicts"} <= set(store.db.table_names())
        if store_dialect == "sqlite":
            assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        else:
            assert not (tmp_path / "kiemtra.db").exists()
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


PG_READER = textwrap.dedent("""
    import psycopg, sys, time
    db = psycopg.connect(sys.argv[1], autocommit=True)
    seen = 0
    deadline = time.time() + 120  # the writer is slow on a loaded machine; the reader stops at 200
    while time.time() < deadline:
        seen = db.execute("select count(*) from runs").fetchone()[0]
        if seen >= 200:
            break
    print(seen)
""")
READER = textwrap.dedent("""
    import sqlite3, sys, time
    db = sqlite3.connect(sys.argv[1], timeout=1)
    seen = 0
    deadline = time.time() + 120  # the writer is slow on a loaded machine; the reader stops at 200
    while time.time() < deadline:
        seen = db.execute("select count(*) from runs").fetchone()[0]
        if seen >= 200:
            break
    print(seen)
""")


def test_second_process_reads_while_writing(tmp_path, store_dialect):
    with Store(tmp_path) as store:
        agencies.sync(store, [{"id": "a", "name": "A", "group": "tinh", "portal": "http://x/", "services": []}])
        script, where = (READER, str(store.db_path)) if store_dialect == "sqlite" else (PG_READER, store.database_url)
        reader = subprocess.Popen([sys.executable, "-c", script, where], stdout=subprocess.PIPE, text=True)
        for index in range(200):
            run = runs.start(store, "portal", "a", "a")
            store.keep_bytes(run, f"page {index}".encode(), ".html", "html")
            runs.finish(store, run, outcome="ok", http_status=200)
        out, _ = reader.communicate(timeout=150)
    assert reader.returncode == 0
    assert int(out) == 200
    if store_dialect == "postgresql":
        return
    check = sqlite3.connect(tmp_path / "kiemtra.db")
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_migrations_are_declared_in_order_in_one_module():
    from evidence import schema

    declared = [name for name, function in migrations.MIGRATIONS.items() if function.__module__ == schema.__name__]
    assert declared == sorted(migrations.MIGRATIONS) and declared[:6] == [
        "0001_core", "0002_catalogue", "0003_portal", "0004_evidence", "0005_queue", "0006_scoring"]


def test_a_store_with_two_dispute_tables_opens_with_one(tmp_path, monkeypatch):
    """0007 folds the confirmation round's `score_disputes` into `disputes`, keeping what re-check requests point at."""
    from evidence import confirmations, disputes, recheck_requests
    from evidence.database import configured_url, open_database

    older = {name: function for name, function in migrations.MIGRATIONS.items() if name <= "0006_scoring"}
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", older)
        db = open_database(tmp_path / "kiemtra.db", configured_url())
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


# -- the dialect seam ------------------------------------------------------------------------------
def test_sqlite_spelling_is_translated_for_postgresql():
    from evidence.database.translate import translate

    def key(table):
        return {"locks": ["name"], "artifacts": ["sha256"]}[table]

    assert translate("select * from jobs where id = ? and note like '50%?'", key).sql == \
        "select * from jobs where id = %s and note ilike '50%%?'"
    assert translate("select 'a like b' where x not like ?", key).sql == "select 'a like b' where x not ilike %s"
    assert translate("select 1 where 'a' like '%'", key, escape=False).sql == "select 1 where 'a' ilike '%'"
    assert translate("select * from jobs where due_at <= :now and x::text = 'a'", key).sql == \
        "select * from jobs where due_at <= %(now)s and x::text = 'a'"
    assert translate("update t set a = 1 where holder is ? and b is not ?", key).sql == \
        "update t set a = 1 where holder is not distinct from %s and b is distinct from %s"
    ignored = translate("insert or ignore into artifacts (sha256, kind) values (?, ?)", key)
    assert (ignored.sql, ignored.table) == ("insert into artifacts (sha256, kind) values (%s, %s) on conflict do nothing",
                                            "artifacts")
    assert translate("insert or replace into locks (name, holder) values (?, ?)", key).sql == \
        "insert into locks (name, holder) values (%s, %s) on conflict (name) do update set holder = excluded.holder"


def test_the_write_lock_serializes_writers_across_processes(tmp_path, store_dialect):
    """Four processes each add 1 to one counter 50 times by read-then-write under `write_lock`: no update is lost."""
    with Store(tmp_path) as store:
        with store.write_lock() as conn:
            conn.execute("insert into locks (name, holder, pid, hostname, acquired_at, heartbeat_at, expires_at)"
                         " values ('counter', '0', 0, '', '', '', '')")
    script = textwrap.dedent("""
        import sys
        from pathlib import Path
        from evidence.store import Store
        with Store(Path(sys.argv[1])) as store:
            for _ in range(50):
                with store.write_lock() as conn:
                    value = int(conn.execute("select holder from locks where name = 'counter'").fetchone()[0])
                    conn.execute("update locks set holder = ? where name = 'counter'", [str(value + 1)])
    """)
    workers = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path)]) for _ in range(4)]
    assert [w.wait(timeout=120) for w in workers] == [0, 0, 0, 0]
    with Store(tmp_path) as store:
        assert store.db.execute("select holder from locks where name = 'counter'").fetchone()[0] == "200"


def test_many_processes_opening_a_new_database_apply_each_migration_once(tmp_path, store_dialect):
    script = "import sys; from pathlib import Path; from evidence.store import Store; Store(Path(sys.argv[1])).close()"
    openers = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path)]) for _ in range(4)]
    assert [p.wait(timeout=120) for p in openers] == [0, 0, 0, 0]
    with Store(tmp_path) as store:
        names = [r["name"] for r in store.db.query("select name from _migrations order by name")]
        assert names == sorted(migrations.MIGRATIONS)


def test_catalogue_full_text_on_both_dialects(tmp_path, store_dialect):
    from evidence import catalogue

    rows = [{"code": "1.000001", "name": "Cấp giấy phép xây dựng", "terms": "cap giay phep xay dung cap_giay giay_phep"},
            {"code": "1.000002", "name": "Gia hạn giấy phép", "terms": "gia han giay phep gia_han giay_phep"}]
    with Store(tmp_path) as store:
        catalogue.upsert_procedures(store, rows, source="test", now="2026-01-01T00:00:00.000Z")
        vocabulary = catalogue.vocabulary(store)
        assert vocabulary["giay_phep"] == 2 and vocabulary["cap_giay"] == 1 and "cap" in vocabulary
        catalogue.upsert_procedures(store, rows[:1], source="test", now="2026-01-02T00:00:00.000Z", full=True)
        assert catalogue.vocabulary(store)["giay_phep"] == 1
        assert catalogue.procedure_count(store) == 1


def test_a_bad_database_url_is_one_clear_error(tmp_path, monkeypatch):
    from kiemtra.errors import StoreError

    monkeypatch.setenv("KIEMTRA_DATABASE_URL", "mysql://x@localhost/db")
    with pytest.raises(StoreError, match="postgresql://"):
        Store(tmp_path)
    monkeypatch.setenv("KIEMTRA_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(StoreError, match="không kết nối được PostgreSQL tại 127.0.0.1:1/none"):
        Store(tmp_path)


def test_catalogue_search_ranks_rare_shared_words_first_on_both_dialects(tmp_path, store_dialect):
    from evidence import catalogue

    rows = [{"code": f"1.00000{i}", "name": name, "terms": terms} for i, (name, terms) in enumerate([
        ("Cấp giấy phép xây dựng", "cap giay phep xay dung cap_giay giay_phep phep_xay xay_dung"),
        ("Gia hạn giấy phép xây dựng", "gia han giay phep xay dung gia_han han_giay giay_phep phep_xay xay_dung"),
        ("Cấp giấy phép lái xe", "cap giay phep lai xe cap_giay giay_phep phep_lai lai_xe"),
        ("Đăng ký khai sinh", "dang ky khai sinh dang_ky ky_khai khai_sinh")])]
    with Store(tmp_path) as store:
        catalogue.upsert_procedures(store, rows, source="test", now="2026-01-01T00:00:00.000Z")
        found = [r["code"] for r in catalogue.search(store, ["gia_han", "giay_phep", "xay_dung"], 3)]
        assert found[0] == "1.000001" and set(found) == {"1.000000", "1.000001", "1.000002"}
        assert [r["code"] for r in catalogue.search(store, ["khai_sinh"], 5)] == ["1.000003"]
        assert catalogue.search(store, ["khong_co"], 5) == []


def test_the_sqlite_utils_calls_the_store_makes_answer_the_same_on_both_dialects(tmp_path, store_dialect):
    """The seam's contract: what evidence/ modules (and new migrations) may call on `store.db`."""
    from sqlite_utils.db import NotFoundError

    with Store(tmp_path) as store:
        db = store.db
        db.table("t_parent").create({"id": int, "name": str}, pk="id", not_null=["name"])
        db.table("t_child").create({"parent_id": int, "seq": int, "note": str, "score": float, "state": str},
                                   pk=("parent_id", "seq"), foreign_keys=[("parent_id", "t_parent")],
                                   defaults={"state": "mới"})
        db.table("t_child").create_index(["state"])
        first = db.table("t_parent").insert({"name": "một"}).last_pk
        second = db.table("t_parent").insert({"name": "hai"}).last_pk
        assert isinstance(first, int) and second == first + 1
        child = db.table("t_child")
        child.insert({"parent_id": first, "seq": 1, "note": "a", "score": 1.5})
        child.insert({"parent_id": first, "seq": 1, "note": "trùng"}, ignore=True)          # kept as it was
        child.upsert({"parent_id": first, "seq": 2, "note": "b", "score": 2.0}, pk=("parent_id", "seq"))
        child.upsert({"parent_id": first, "seq": 2, "score": 3.0}, pk=("parent_id", "seq"))   # note untouched
        child.insert_all([{"parent_id": second, "seq": s, "note": f"c{s}"} for s in (1, 2, 3)])
        assert child.get((first, 1))["note"] == "a" and child.get((first, 1))["state"] == "mới"
        assert (child.get((first, 2))["note"], child.get((first, 2))["score"]) == ("b", 3.0)
        assert [r["seq"] for r in child.rows_where("parent_id = ?", [second], order_by="seq desc", limit=2)] == [3, 2]
        assert child.count_where("parent_id = ?", [second]) == 3 and child.count == 5
        db.table("t_parent").update(second, {"name": "HAI"})
        assert db.table("t_parent").get(second)["name"] == "HAI"
        child.delete_where("parent_id = ? and seq > ?", [second, 1])
        assert child.count == 3
        assert {"parent_id", "seq", "note", "score", "state"} <= set(child.columns_dict)
        assert child.columns_dict["score"] is float
        with pytest.raises(NotFoundError):
            db.table("t_parent").get(999)
        with store.write_lock() as conn:   # one transaction, rolled back whole on an error
            conn.execute("insert into t_parent (name) values (?)", ["ba"])
        with pytest.raises(Exception), store.write_lock() as conn:
            conn.execute("insert into t_parent (name) values (?)", ["bốn"])
            conn.execute("insert into t_parent (name) values (?)", [None])   # not null
        assert [r["name"] for r in db.query("select name from t_parent order by id")] == ["một", "HAI", "ba"]
        assert db.execute("select count(*) from t_parent where name like '%a%'").fetchone()[0] == 2


def test_a_with_block_is_one_transaction_on_both_dialects(tmp_path, store_dialect):
    """`runs.conclude` ends a run and stores its verdict together: a verdict that cannot be written leaves the run
    running, as if nothing was written; and no reader ever sees the run ended without its verdict."""
    with Store(tmp_path) as store:
        agencies.sync(store, [{"id": "a", "name": "A", "group": "tinh", "portal": "http://x/", "services": []}])
        run = runs.start(store, "service", "a-001", "a")
        with pytest.raises(KeyError):
            runs.conclude(store, run, "a-001", {"level": 3}, "v1", outcome="ok")   # no mode: the verdict fails
        assert runs.get(store, run)["outcome"] == "running" and runs.verdict_of(store, run) is None

        # Nested blocks and the write lock inside one join it: one commit at the outermost end.
        with store.db.conn:
            with store.db.conn:
                store.db.execute("update runs set title = ? where id = ?", ["trong", run])
            with store.write_lock() as conn:
                conn.execute("update runs set http_status = ? where id = ?", [200, run])
            with Store(tmp_path, read_only=True) as reader:
                assert runs.get(reader, run)["title"] is None   # nothing committed before the block ends
        with Store(tmp_path) as reader:
            assert (runs.get(reader, run)["title"], runs.get(reader, run)["http_status"]) == ("trong", 200)


def test_a_sealed_run_takes_no_late_step_file_or_ending(tmp_path, store_dialect):
    """A check whose lease ran out goes on writing after recovery closed and sealed its run (stop 21's CI, once the
    worker survived the restart): the sealed record stays as it was sealed, and `evidence verify` finds it whole."""
    from evidence.seal.manifest import seal_run
    from evidence.seal.verify import verify

    with Store(tmp_path) as store:
        agencies.sync(store, [{"id": "a", "name": "A", "group": "tinh", "portal": "http://x/", "services": []}])
        run = runs.start(store, "service", "a-001", "a")
        assert runs.add_step(store, run, {"seq": 1, "name": "open", "action": "goto", "outcome": "ok", "detail": {}})
        store.keep_bytes(run, b"<html>buoc 1</html>", ".html", "html")
        assert runs.finish(store, run, outcome="interrupted", error="lượt thu thập bị dừng đột ngột")
        seal_run(store, run)

        assert not runs.add_step(store, run, {"seq": 2, "name": "submit", "action": "click", "outcome": "ok", "detail": {}})
        late = store.keep_bytes(run, b"<html>buoc 2</html>", ".html", "html")
        assert not runs.finish(store, run, outcome="interrupted", error=runs.LEASE_LOST, duration_ms=61249)
        assert not runs.conclude(store, run, "a-001", {"level": 3, "mode": "online", "outcome": "ok", "reasons": [],
                                                       "rules": []}, "v1", outcome="ok")
        assert [s["seq"] for s in runs.steps(store, run)] == [1]
        assert late.sha256 not in {a["sha256"] for a in runs.artifacts(store, run)}
        assert runs.get(store, run)["error"] == "lượt thu thập bị dừng đột ngột" and runs.verdict_of(store, run) is None
        assert verify(store).errors == []
