"""Benchmark: real-shaped declared names against the real catalogue — kiemtra's matcher vs rapidfuzz.extractOne.

    .venv/bin/python bench/bench_matching_real.py

The catalogue is the 2,849 real procedures in ../shared/real/, stored through kiemtra's own import
path (SQLite FTS5). The names are the labelled sets in tests/data/ (declared_names.csv and the
held-out declared_names_heldout.csv), each with its gold code or none. The baseline is what a user
would write: `rapidfuzz.process.extractOne(name, catalogue_names, scorer=...)` over the whole
catalogue, with each of the two scorers a user would try (token_set_ratio, WRatio); its best one for
this data is named. Both run on the same names in the same process; speed is names per second.
A baseline answer is counted confident at ≥ 90 and a match at ≥ its cutoff (80), like kiemtra's
strong and weak thresholds.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rapidfuzz import fuzz, process, utils  # noqa: E402

from bench.machine import describe  # noqa: E402
from checks.catalogue import Declared  # noqa: E402
from checks.catalogue.normalize import index_terms, normalize  # noqa: E402
from evidence import catalogue  # noqa: E402
from evidence.clock import utc_now  # noqa: E402
from evidence.store import Store  # noqa: E402
from office.matching import matcher_for  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
REAL = REPO.parent / "shared" / "real"
SETS = {"labelled": REPO / "tests" / "data" / "declared_names.csv",
        "held out": REPO / "tests" / "data" / "declared_names_heldout.csv"}
CONFIDENT, CUTOFF = 90.0, 80.0


@dataclass(frozen=True)
class Answer:
    code: str | None
    confident: bool


@dataclass(frozen=True)
class Figures:
    names: int
    top1: float
    none_ok: float
    wrong_confident: int
    rate: float


def procedures() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for name in ("tthc_dvcqg_procedures.csv", "tthc_bqp_procedures.csv"):
        with (REAL / name).open(encoding="utf-8-sig", newline="") as f:
            rows += list(csv.DictReader(f))
    return list({r["ma_thu_tuc"]: r for r in rows}.values())


def labelled(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def figures(rows: list[dict[str, str]], answers: list[Answer], seconds: float) -> Figures:
    present = [(r, a) for r, a in zip(rows, answers, strict=True) if r["code"]]
    absent = [(r, a) for r, a in zip(rows, answers, strict=True) if not r["code"]]
    top1 = sum(1 for r, a in present if a.code == r["code"])
    none_ok = sum(1 for _, a in absent if a.code is None)
    wrong = sum(1 for r, a in zip(rows, answers, strict=True) if a.confident and a.code != (r["code"] or None))
    return Figures(len(rows), top1 / max(1, len(present)), none_ok / max(1, len(absent)), wrong,
                   len(rows) / seconds if seconds else 0.0)


def timed(run: Callable[[dict[str, str]], Answer], rows: list[dict[str, str]]) -> tuple[list[Answer], float]:
    start = time.perf_counter()
    answers = [run(r) for r in rows]
    return answers, time.perf_counter() - start


def baseline(names: list[str], codes: list[str], scorer: Any) -> Callable[[dict[str, str]], Answer]:
    def run(row: dict[str, str]) -> Answer:
        found = process.extractOne(row["declared_name"], names, scorer=scorer, processor=utils.default_process)
        if found is None or found[1] < CUTOFF:
            return Answer(None, False)
        return Answer(codes[found[2]], found[1] >= CONFIDENT)
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="accepted for bench/run_all.py; the sets are small")
    parser.parse_args(argv)
    print(describe())
    if not REAL.is_dir():
        print(f"note: {REAL} absent; this benchmark needs the real catalogue")
        return 0
    rows = procedures()
    names, codes = [r["ten_thu_tuc"] for r in rows], [r["ma_thu_tuc"] for r in rows]
    print(f"catalogue: {len(rows):,} real procedures; names: "
          + ", ".join(f"{label} {len(labelled(path))}" for label, path in SETS.items()))
    results: dict[str, dict[str, Figures]] = {}
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp)) as store:
        catalogue.upsert_procedures(store, [{"code": r["ma_thu_tuc"], "name": r["ten_thu_tuc"],
                                             "field": r["linh_vuc"], "level": r["cap_thuc_hien"],
                                             "terms": " ".join(index_terms(normalize(r["ten_thu_tuc"]).tokens))}
                                            for r in rows], source="bench", now=utc_now())
        matcher = matcher_for(store)

        def kiemtra(row: dict[str, str]) -> Answer:
            found = matcher.match(Declared(row["declared_name"], None, row["agency_group"] or None,
                                           row["unit"] or None))
            return Answer(found.code if found.match_class != "none" else None,
                          found.match_class in ("exact", "strong"))

        runners = {"kiemtra (parts + FTS5)": kiemtra,
                   "extractOne token_set_ratio": baseline(names, codes, fuzz.token_set_ratio),
                   "extractOne WRatio": baseline(names, codes, fuzz.WRatio)}
        for label, path in SETS.items():
            sample = labelled(path)
            results[label] = {who: figures(sample, *timed(run, sample)) for who, run in runners.items()}
    print()
    print(f"{'set':<10}{'matcher':<30}{'names':>7}{'names/s':>10}{'top-1':>8}{'none ok':>9}{'confident wrong':>17}")
    for label, by_matcher in results.items():
        for who, f in by_matcher.items():
            print(f"{label:<10}{who:<30}{f.names:>7}{f.rate:>10.1f}{f.top1:>8.1%}{f.none_ok:>9.1%}{f.wrong_confident:>17}")
    print()
    for label, by_matcher in results.items():
        base = {k: v for k, v in by_matcher.items() if k.startswith("extractOne")}
        best_label, best = max(base.items(), key=lambda kv: (kv[1].top1, kv[1].none_ok))
        ours = by_matcher["kiemtra (parts + FTS5)"]
        print(f"{label}: best baseline scorer {best_label.split()[-1]}; kiemtra top-1 {ours.top1:.1%} vs {best.top1:.1%}, "
              f"none {ours.none_ok:.1%} vs {best.none_ok:.1%}, confident wrong {ours.wrong_confident} vs "
              f"{best.wrong_confident}, speed {ours.rate / best.rate:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
