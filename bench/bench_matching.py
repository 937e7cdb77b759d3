"""Benchmark: declared names matched through the store's FTS5 index vs a brute-force rapidfuzz scan.

    .venv/bin/python bench/bench_matching.py            # 10,000 procedures, 600 names (under a minute)
    .venv/bin/python bench/bench_matching.py --quick    # 5,000 procedures, 300 names
    .venv/bin/python bench/bench_matching.py --full     # 100,000 procedures, 10,000 names (~5 min)

The catalogue is generated from real CSDL TTHC names (bench/generate.py) and stored through
kiemtra's own import path. The index matcher runs over every declared name; the brute-force
baseline scans the whole catalogue for each name, so it runs on a sample (the same names for both
in the accuracy comparison) and its speed is measured on that sample.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import generate  # noqa: E402
from bench.machine import describe  # noqa: E402
from checks.catalogue import Declared, Match, Matcher, Procedure  # noqa: E402
from checks.catalogue.memory import ScanCatalogue  # noqa: E402
from checks.catalogue.normalize import index_terms, normalize  # noqa: E402
from evidence import catalogue  # noqa: E402
from evidence.clock import utc_now  # noqa: E402
from evidence.store import Store  # noqa: E402
from office.matching import matcher_for  # noqa: E402


def machine() -> str:
    return describe()


def run(matcher: Matcher, names: list[generate.Declared]) -> tuple[list[Match], float]:
    start = time.perf_counter()
    results = [matcher.match(Declared(d.name)) for d in names]
    return results, time.perf_counter() - start


def accuracy(names: list[generate.Declared], results: list[Match]) -> dict[str, float]:
    present = [(d, r) for d, r in zip(names, results, strict=True) if d.truth]
    absent = [(d, r) for d, r in zip(names, results, strict=True) if not d.truth]
    top1 = sum(1 for d, r in present if r.match_class != "none" and r.code == d.truth)
    none_right = sum(1 for _, r in absent if r.match_class == "none")
    wrong_confident = sum(1 for d, r in present if r.match_class in ("exact", "strong") and r.code != d.truth)
    return {"top1": top1 / max(1, len(present)), "none": none_right / max(1, len(absent)),
            "wrong_strong": wrong_confident / max(1, len(present)), "present": len(present), "absent": len(absent)}


def classes(results: list[Match]) -> str:
    return ", ".join(f"{c} {sum(1 for r in results if r.match_class == c)}" for c in ("exact", "strong", "weak", "none"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 procedures, 300 names, 20 brute-force names")
    parser.add_argument("--full", action="store_true", help="100,000 procedures, 10,000 names, 150 brute-force names")
    parser.add_argument("--procedures", type=int, help="catalogue size (default 10000)")
    parser.add_argument("--names", type=int, help="declared names (default 600)")
    parser.add_argument("--brute", type=int, help="names the brute-force scan runs on (default 30)")
    args = parser.parse_args(argv)
    preset = (5_000, 300, 20) if args.quick else (100_000, 10_000, 150) if args.full else (10_000, 600, 30)
    size = args.procedures or preset[0]
    count = args.names or preset[1]
    brute_count = min(count, args.brute or preset[2])
    print(machine())
    if not generate.SOURCES[0].exists():
        print(f"note: {generate.SOURCES[0]} absent; names come from demoworld/data/procedures.csv only")

    t0 = time.perf_counter()
    procedures, held = generate.catalogue(size)
    names = generate.declared(procedures, held, count)
    print(f"generated {len(procedures):,} procedures and {len(names):,} declared names "
          f"({sum(1 for d in names if not d.truth):,} not in the catalogue) in {time.perf_counter() - t0:.1f} s")

    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp)) as store:
        t0 = time.perf_counter()
        rows = [{"code": c, "name": n, "terms": " ".join(index_terms(normalize(n).tokens))} for c, n in procedures]
        catalogue.upsert_procedures(store, rows, source="bench", now=utc_now())
        print(f"stored and indexed in SQLite FTS5 in {time.perf_counter() - t0:.1f} s")
        indexed = matcher_for(store)
        indexed_results, indexed_s = run(indexed, names)
        brute = Matcher(ScanCatalogue(Procedure(c, n) for c, n in procedures), indexed.thresholds)
        sample = names[:brute_count]
        brute_results, brute_s = run(brute, sample)

    idx_rate, brute_rate = len(names) / indexed_s, len(sample) / brute_s
    idx_all, brute_acc = accuracy(names, indexed_results), accuracy(sample, brute_results)
    idx_sample = accuracy(sample, indexed_results[:brute_count])
    print()
    print(f"{'matcher':<28}{'names':>8}{'names/s':>10}{'top-1':>9}{'none ok':>9}{'wrong strong':>14}")
    for label, n, rate, acc in (("index (FTS5), all names", len(names), idx_rate, idx_all),
                                ("index (FTS5), sample", brute_count, idx_rate, idx_sample),
                                ("brute-force scan, sample", brute_count, brute_rate, brute_acc)):
        print(f"{label:<28}{n:>8,}{rate:>10.1f}{acc['top1']:>9.1%}{acc['none']:>9.1%}{acc['wrong_strong']:>14.1%}")
    print()
    print(f"classes (index, all names): {classes(indexed_results)}")
    print(f"speed-up: index is {idx_rate / brute_rate:.1f}x faster than the brute-force scan")
    better = idx_sample["top1"] >= brute_acc["top1"] and idx_sample["none"] >= brute_acc["none"]
    print(f"accuracy on the shared sample: {'equal or better' if better else 'WORSE'} "
          f"(top-1 {idx_sample['top1']:.1%} vs {brute_acc['top1']:.1%}, "
          f"none {idx_sample['none']:.1%} vs {brute_acc['none']:.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
