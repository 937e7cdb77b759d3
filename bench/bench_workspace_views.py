"""Benchmark: the workspace's pictures over one agency with 2,000 services and 10,000 runs.

    .venv/bin/python bench/bench_workspace_views.py            # 2,000 services, 10,000 runs per agency
    .venv/bin/python bench/bench_workspace_views.py --services 500 --runs 2000

The store of bench_evidence_browser.py (the real schema, synthetic rows, two agencies), plus a score table
for the ranking and three steps per run of the compared service. Each page is rendered through the Flask
app in-process (query + template), best and median of several renders, as a visitor on loopback with no
users (the guard's read-only mode). The baseline, in the same run, is the evidence browser's own services
page of the same agency (`/co-quan/tinh-0`), which asks `evidence/recognition.py` for every service's
recognition as the board does: the board passes when it costs at most BOARD_RATIO × that page (the
recognitions themselves are the shared cost of both), every other page when it renders under LIMIT_S.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_evidence_browser import fill, measure  # noqa: E402
from bench.machine import describe as machine  # noqa: E402
from evidence.store import Store  # noqa: E402
from evidence.web import create_app  # noqa: E402

LIMIT_S = 1.0          # every page but the board
BOARD_RATIO = 1.5      # the board, against the services page: both ask every service's recognition
BASELINE = ("services of the agency (baseline)", "/co-quan/tinh-0")


def add_scores_and_steps(store: Store, agencies: int) -> str:
    """A year's totals for `agencies` provinces, and three steps for each run of the busiest service."""
    db = store.db
    busiest = db.execute("select target_id from runs where agency_id = 'tinh-0' group by target_id "
                         "order by count(*) desc limit 1").fetchone()[0]
    with db.conn:
        db.conn.executemany(
            "insert into score_totals (year, agency_id, agency_group, category, points, max_points, idx, rank, exempt,"
            " computed_at) values (2025, ?, 'tinh', 'total', ?, 1000, ?, ?, 0, '2026-01-01T00:00:00Z')",
            [(f"tinh-{i}", 1000 - i * 7, (1000 - i * 7) / 1000, i + 1) for i in range(agencies)])
        steps = []
        for (run_id,) in db.execute("select id from runs where target_id = ?", [busiest]).fetchall():
            for seq, name in enumerate(("open", "start_submission", "submit"), 1):
                steps.append((run_id, seq, name, "open", "", "http://127.0.0.1:1/", f"2025-01-01T00:00:0{seq}.000Z",
                              f"2025-01-01T00:00:0{seq}.500Z", "ok", "{}"))
        db.conn.executemany("insert into steps (run_id, seq, name, action, target, url, started_at, finished_at, outcome,"
                            " detail) values (?,?,?,?,?,?,?,?,?,?)", steps)
    return str(busiest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=2000, help="services per agency")
    parser.add_argument("--runs", type=int, default=10000, help="runs per agency")
    parser.add_argument("--repeat", type=int, default=5, help="renders per page")
    args = parser.parse_args(argv)
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        with Store(Path(tmp)) as store:
            fill(store, args.services, args.runs)
            busiest = add_scores_and_steps(store, 63)
            run_id = store.db.execute("select id from runs where target_id = ? order by started_at desc limit 1",
                                      [busiest]).fetchone()[0]
            runs_of_busiest = store.db.execute("select count(*) from runs where target_id = ?", [busiest]).fetchone()[0]
        pages = {f"recognition board ({args.services:,} services)": "/co-quan/tinh-0/cong-nhan",
                 "run timeline": f"/luot/{run_id}/dong-thoi-gian",
                 f"side by side ({runs_of_busiest} runs to choose from)": f"/dich-vu/{busiest}/so-sanh",
                 "ranking chart (63 provinces)": "/xep-hang/tinh?nam=2025"}
        client = create_app(Path(tmp)).test_client()
        for path in (BASELINE[1], *pages.values()):   # warm: templates compiled, pages of the file in the cache
            client.get(path)
        base = measure(client, BASELINE[1], args.repeat)
        timed = {label: measure(client, path, args.repeat) for label, path in pages.items()}
    print()
    print(f"{'page':<46}{'best':>10}{'median':>10}{'× baseline':>12}  passes")
    print(f"{BASELINE[0]:<46}{base[0] * 1000:>7.1f} ms{base[1] * 1000:>7.1f} ms{1.0:>11.1f}×")
    failed = 0
    for label, (best, median) in timed.items():
        ratio = median / base[1]
        ok = ratio <= BOARD_RATIO if label.startswith("recognition board") else median < LIMIT_S
        failed += not ok
        rule = f"≤ {BOARD_RATIO}× baseline" if label.startswith("recognition board") else f"< {LIMIT_S} s"
        print(f"{label:<46}{best * 1000:>7.1f} ms{median * 1000:>7.1f} ms{ratio:>11.2f}×  {'yes' if ok else 'NO'} ({rule})")
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main())
