"""Benchmark: importing a CSDL TTHC export into an empty store, then the identical file again.

    .venv/bin/python bench/bench_catalogue_import.py                 # 100,000 rows
    .venv/bin/python bench/bench_catalogue_import.py --rows 20000

The export is a CSV generated from real CSDL TTHC names (bench/generate.py) and read through
kiemtra's own import path (`office.catalogue_import.import_file`). The second import replaces
every row: its time against the first (the ratio) shows whether a re-import stays linear (about
1 or 2) or grows with the catalogue (issue 12: each replaced row once scanned the FTS table).
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import generate  # noqa: E402
from bench.machine import describe  # noqa: E402
from evidence.store import Store  # noqa: E402
from office.catalogue_import import import_file  # noqa: E402


def write_export(path: Path, rows: int) -> None:
    procedures, _ = generate.catalogue(rows)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["ma_thu_tuc", "ten_thu_tuc", "linh_vuc", "cap_thuc_hien"])
        for code, name in procedures:
            writer.writerow([code, name, "Hộ tịch", "Cấp xã"])


def timed_import(store: Store, path: Path) -> float:
    start = time.perf_counter()
    import_file(store, path, source="bench")
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="Procedures in the generated export.")
    args = parser.parse_args(argv)
    print(describe())
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "csdl-tthc.csv"
        write_export(export, args.rows)
        with Store(Path(folder) / "var") as store:
            first = timed_import(store, export)
            second = timed_import(store, export)
            indexed = store.db.execute("select count(*) from procedure_fts").fetchone()[0]
    print(f"rows: {args.rows:,}; indexed after both imports: {indexed:,}")
    print(f"first import (empty store): {first:.2f} s")
    print(f"identical re-import:        {second:.2f} s")
    print(f"ratio re-import / first:    {second / first:.2f}")
    return 0 if indexed == args.rows else 1


if __name__ == "__main__":
    sys.exit(main())
