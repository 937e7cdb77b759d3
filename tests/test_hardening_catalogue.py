"""Issue 12 item 7: re-importing the catalogue touches only the index rows that changed, and stays right."""

from __future__ import annotations

import csv
from pathlib import Path

from evidence import catalogue
from evidence.store import Store
from office.catalogue_import import import_file


def export(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["ma_thu_tuc", "ten_thu_tuc", "trang_thai"])
        writer.writerows(rows)
    return path


def indexed(store: Store) -> dict[str, str]:
    return {code: terms for code, terms in store.db.execute("select code, terms from procedure_fts")}


def test_a_reimport_reindexes_only_what_changed(tmp_path):
    rows = [(f"1.{i:06d}", f"Thủ tục cấp giấy phép số {i} loại {'abcdefghij'[i % 10]}", "") for i in range(300)]
    with Store(tmp_path / "var") as store:
        import_file(store, export(tmp_path / "a.csv", rows))
        first = store.db.execute("select rowid, code from procedure_fts order by rowid").fetchall()
        import_file(store, export(tmp_path / "a.csv", rows))
        # Identical: not one index row rewritten (each would get a new rowid).
        assert store.db.execute("select rowid, code from procedure_fts order by rowid").fetchall() == first
        changed = list(rows)
        changed[5] = (rows[5][0], "Đăng ký khai sinh lưu động", "")
        changed[7] = (rows[7][0], rows[7][1], "Đã bãi bỏ")
        report = import_file(store, export(tmp_path / "b.csv", changed))
        assert (report.renamed, report.withdrawn, report.unchanged) == (1, 1, 298)
        words = indexed(store)
        assert len(words) == catalogue.procedure_count(store) == 299
        assert rows[7][0] not in words and "giay" not in words[rows[5][0]]
        assert [p["code"] for p in catalogue.search(store, ["sinh"], 5)] == [rows[5][0]]
        import_file(store, export(tmp_path / "c.csv", rows))  # restored and renamed back
        assert len(indexed(store)) == 300 and catalogue.search(store, ["sinh"], 5) == []
