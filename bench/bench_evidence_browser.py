"""Benchmark: the evidence browser's runs list of one agency with 2,000 services and 10,000 runs.

    .venv/bin/python bench/bench_evidence_browser.py            # 2,000 services, 10,000 runs (+ as many elsewhere)
    .venv/bin/python bench/bench_evidence_browser.py --runs 50000

Synthetic rows in a temporary store (the real schema, through kiemtra's migrations): the measured
agency plus a second agency of the same size, so the agency filter has something to skip. Each page
is rendered through the Flask app in-process (query + template), best and median of several
renders. The baseline is the same pages with the runs indexes dropped (an unindexed scan and sort).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe as machine  # noqa: E402
from evidence.store import Store  # noqa: E402
from evidence.web import create_app  # noqa: E402

LIMIT_S = 0.5
PAGES = {"runs list of the agency": "/luot?agency=tinh-0",
         "runs list, failed only": "/luot?agency=tinh-0&failed=1",
         "runs list, level below declared, page 20": "/luot?agency=tinh-0&level=thap-hon&page=20",
         "services of the agency (2,000)": "/co-quan/tinh-0"}


def fill(store: Store, services: int, runs: int) -> None:
    rng = random.Random(7)
    db = store.db
    with db.conn:
        for a in range(2):
            agency = f"tinh-{a}"
            db["agencies"].insert({"id": agency, "name": f"UBND tỉnh Thử {a}", "agency_group": "tinh",
                                   "portal": "http://127.0.0.1:1/", "updated_at": "2025-01-01T00:00:00Z"})
            db["services"].insert_all({"id": f"{agency}-{i:05d}", "agency_id": agency, "name": f"Thủ tục số {i} <b>x</b>",
                                       "url": f"http://127.0.0.1:1/{i}", "declared_level": rng.choice((2, 3, 4)),
                                       "updated_at": "2025-01-01T00:00:00Z"} for i in range(services))
            run_rows, verdict_rows, manifest_rows = [], [], []
            for n in range(runs):
                run_id = f"2025{n:08d}-{agency}"
                service = f"{agency}-{rng.randrange(services):05d}"
                started = f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:{(n * 7) % 60:02d}.000Z"
                run_rows.append((run_id, "service", service, agency, 1 + n % 3, started, started, rng.choice(("ok", "ok", "failed")),
                                 200, f"Trang {n}", "0.1.0", "140.0"))
                verdict_rows.append((run_id, service, rng.choice((1, 2, 3, 4)), rng.choice(("direct", "by_report")),
                                     rng.choice(("pass", "fail", "needs_review")), json.dumps([{"text": "lý do", "step": 1}])))
                manifest_rows.append((len(manifest_rows) + 1 + a * runs, run_id, f"{a}{n:063d}", f"p{a}{n:062d}", None, None, started))
            db.conn.executemany("insert into runs (id, kind, target_id, agency_id, attempt, started_at, finished_at, outcome, "
                                "http_status, title, bot_version, browser_version) values (?,?,?,?,?,?,?,?,?,?,?,?)", run_rows)
            db.conn.executemany("insert into verdicts (run_id, target_id, level, mode, outcome, reasons) values (?,?,?,?,?,?)",
                                verdict_rows)
            db.conn.executemany("insert into manifests (seq, run_id, sha256, prev_sha256, key_id, signature, sealed_at) "
                                "values (?,?,?,?,?,?,?)", manifest_rows)
    db.execute("analyze")


def measure(client, path: str, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - t0)
        assert response.status_code == 200, (path, response.status_code)
    return min(times), statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=2000, help="services per agency")
    parser.add_argument("--runs", type=int, default=10000, help="runs per agency")
    parser.add_argument("--repeat", type=int, default=7, help="renders per page")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        with Store(Path(tmp)) as store:
            t0 = time.perf_counter()
            fill(store, args.services, args.runs)
            print(f"stored 2 agencies × {args.services:,} services × {args.runs:,} runs (+ verdicts, manifests) "
                  f"in {time.perf_counter() - t0:.1f} s")
        client = create_app(Path(tmp)).test_client()
        indexed = {label: measure(client, path, args.repeat) for label, path in PAGES.items()}
        with Store(Path(tmp)) as store:
            for name in [r[0] for r in store.db.execute("select name from sqlite_master where type = 'index' "
                                                        "and tbl_name = 'runs' and sql is not null")]:
                store.db.execute(f"drop index {name}")
        baseline = {label: measure(client, path, max(3, args.repeat // 2)) for label, path in PAGES.items()}
    print()
    print(f"{'page':<42}{'indexed best':>14}{'median':>10}{'unindexed':>12}{'ratio':>8}  under {LIMIT_S} s")
    worst = 0.0
    for label in PAGES:
        best, median = indexed[label]
        base = baseline[label][1]
        worst = max(worst, median)
        print(f"{label:<42}{best * 1000:>11.1f} ms{median * 1000:>7.1f} ms{base * 1000:>9.1f} ms{base / median:>7.1f}×  "
              f"{'yes' if median < LIMIT_S else 'NO'}")
    return 0 if worst < LIMIT_S else 1


if __name__ == "__main__":
    sys.exit(main())
