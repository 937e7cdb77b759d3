"""Benchmark of the crawl: the product's queue runner vs a fresh browser per check, one by one.

    .venv/bin/python bench/bench_crawl.py [--services 40] [--delays 0,300]

The same ≥40 demo-world services are checked, with the same citizen bot, four ways per world delay:
the crawl at its default concurrency with evidence capture on, the baseline (a browser launched per
check, checks one after another) with capture on, and the crawl with capture off (the cost of the
evidence). Each way runs in its own process, so CPU time (user+system of that process and every
browser process it reaped) and peak memory (its process tree) are its own. The world is reset between
ways, so each sees the same first-visit failures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe, tree_rss_mb  # noqa: E402


def _child(config_dir: str, data: str, mode: str, limit: int) -> None:
    """Run one way in this process and print its wall time and checks done, as JSON."""
    from configuration.loader import load_all
    from crawler.browser.launch import chromium
    from crawler.browser.navigate import HostLimiter, host_of
    from crawler.nightly.lock import new_holder
    from crawler.nightly.plan import plan
    from crawler.nightly.runner import Runner, RunOptions
    from crawler.nightly.work import run_target
    from evidence import agencies, queue
    from evidence.store import Store

    capture = mode != "crawl-nocapture"
    overrides = {} if capture else {"capture": {"screenshots": False, "html": False, "video": False, "trace": False}}
    config = load_all(config_dir, {"data": data, **overrides})
    settings = config.settings
    targets = [t for t in plan(config) if t.kind == "service"][:limit]
    store = Store(settings.data)
    agencies.sync(store, config.agency_rows())
    t0 = time.monotonic()
    if mode.startswith("crawl"):
        from evidence.clock import utc_clock
        for target in targets:
            queue.enqueue(store, target.kind, target.target_id, target.agency_id, host_of(target.url), utc_clock())
        holder = new_holder()
        summary = asyncio.run(Runner(store, settings, {(t.kind, t.target_id): t for t in targets},
                                     RunOptions(holder, settings.concurrency), None).run())
        done = len(summary.done)
    else:
        async def baseline() -> int:
            count = 0
            for target in targets:
                async with chromium(settings) as browser:
                    limiter = HostLimiter(settings.politeness.per_host_rps)
                    await run_target(browser, target, store, settings, limiter, attempt=1, job_id=None)
                count += 1
            return count
        done = asyncio.run(baseline())
    print(json.dumps({"wall_s": time.monotonic() - t0, "checks": done}))


def _measure(config_dir: Path, data: Path, mode: str, limit: int) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "KIEMTRA_TIMEOUTS_NAVIGATION_S": "10"}
    process = subprocess.Popen([sys.executable, __file__, "--child", mode, str(config_dir), str(data), str(limit)],
                               stdout=subprocess.PIPE, text=True, env=env)
    peak = [0.0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], tree_rss_mb(process.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = process.communicate()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(out.strip().splitlines()[-1])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result.update(cpu_s=cpu, cpu_pct=100 * cpu / result["wall_s"] / (os.cpu_count() or 1), peak_mb=peak[0],
                  per_min=60 * result["checks"] / result["wall_s"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=40)
    parser.add_argument("--delays", default="0,300", help="World delays in ms, comma separated.")
    parser.add_argument("--modes", default="crawl,baseline,crawl-nocapture")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, config_dir, data, limit = args.child
        _child(config_dir, data, mode, int(limit))
        return
    from demoworld import start_world
    from kiemtra.commands.world import load_world_catalogue, write_world_config

    print(describe())
    root = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    for delay in (int(d) for d in args.delays.split(",")):
        world = start_world(host="127.0.0.1", base_port=0, delay_ms=delay)
        try:
            config_dir = write_world_config(world, root / f"config-{delay}")
            figures = {}
            for mode in args.modes.split(","):
                world.reset()
                data = root / f"var-{delay}-{mode}"
                load_world_catalogue(world, data)
                figures[mode] = _measure(config_dir, data, mode, args.services)
                f = figures[mode]
                print(f"delay {delay:>3} ms  {mode:<16} {f['checks']:>3} checks in {f['wall_s']:6.1f} s = "
                      f"{f['per_min']:5.1f}/min  CPU {f['cpu_pct']:5.1f}% of all cores  peak {f['peak_mb']:6.0f} MiB",
                      flush=True)
            if "crawl" in figures and "baseline" in figures:
                print(f"delay {delay:>3} ms  crawl/baseline throughput ×{figures['crawl']['per_min'] / figures['baseline']['per_min']:.2f}")
            if "crawl" in figures and "crawl-nocapture" in figures:
                overhead = figures["crawl"]["wall_s"] / figures["crawl-nocapture"]["wall_s"] - 1
                print(f"delay {delay:>3} ms  evidence capture overhead {100 * overhead:+.1f}% wall time")
        finally:
            world.stop()


if __name__ == "__main__":
    main()
