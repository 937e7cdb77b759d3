"""Benchmark of a crawl of hostile pages on one host: no page may hold a browser slot for long (issue 14).

    .venv/bin/python bench/bench_hostile_crawl.py [--copies 2]

Sixteen hostile pages of the demo world on one host (the hostile tour — a redirect loop, popups, a
download, a 6 MiB page, a page that never finishes loading, a frame of a local file, a frozen page —
each twice, and two pages that send the bot to this machine), queued and crawled by the product's
runner with the default settings (time-outs, concurrency, per-host limit 2) and capture on. It
prints the wall time, each page's run and how long it held its slot, and checks that every page has a
result row and none was judged at level 3 or more. The baseline, in the same command, is what the
crawl would take if each page held its slot for the whole step time-out twice (the issue's bound
for a page making no progress): the crawl's wall time is given as a ratio of it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=2, help="How many times each page of the tour is queued.")
    args = parser.parse_args()

    from configuration.loader import AgencyConfig, ServiceConfig
    from configuration.settings import Settings
    from crawler.browser.navigate import host_of
    from crawler.nightly.lock import new_holder
    from crawler.nightly.plan import Target
    from crawler.nightly.runner import Runner, RunOptions
    from demoworld import start_world
    from demoworld.sites.hostile import LINK_AWAY, REDIRECT_AWAY
    from evidence import agencies, queue, runs
    from evidence.clock import utc_clock
    from evidence.store import Store

    print(describe())
    world = start_world(host="127.0.0.1", base_port=0)
    try:
        tour = world.answer_key()["hostile"]   # where the hostile pages are; nothing of the key judges
        base = tour["frozen"].rsplit("thu-nghiem/", 1)[0]
        pages = {f"{name}-{copy}": f"{url}?lan={copy}" for copy in range(1, args.copies + 1) for name, url in tour.items()}
        pages["away-link"] = f"{base}{LINK_AWAY}?den=http://127.0.0.1:1/"
        pages["away-redirect"] = f"{base}{REDIRECT_AWAY}?den=http://127.0.0.1:1/"
        data = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
        settings = Settings(data=data, navigation={"allowed_private": world.allowed_private()})
        agency = AgencyConfig(id="thu-nghiem", name="Cơ quan thử nghiệm", group="tinh", portal="http://127.0.0.1:1/",
                              services=[ServiceConfig(id=f"thu-nghiem-{name}", name="Thủ tục thử nghiệm", url=url,
                                                      declared_level=3) for name, url in pages.items()])
        targets = {("service", s.id): Target("service", s.id, agency.id, s.url, s.name, agency, s)
                   for s in agency.services}
        with Store(data) as store:
            agencies.sync(store, [agency.model_dump()])
            for target in targets.values():
                queue.enqueue(store, "service", target.target_id, agency.id, host_of(target.url), utc_clock())
            t0 = time.monotonic()
            summary = asyncio.run(Runner(store, settings, targets, RunOptions(new_holder(), settings.concurrency),
                                         None).run())
            wall = time.monotonic() - t0
            rows = [(result.target.target_id, runs.get(store, result.run_id), result.verdict) for result in summary.results]
    finally:
        world.stop()

    step_s, per_host = settings.timeouts.step_s, settings.politeness.per_host_concurrency
    bound = len(pages) * 2 * step_s / per_host
    for target_id, run, verdict in sorted(rows, key=lambda r: r[0]):
        level = verdict.level if verdict is not None else None
        print(f"  {target_id:<34} {run['outcome']:<12} {run['error_kind'] or '':<14} level {level}  "
              f"held {(run['duration_ms'] or 0) / 1000:6.1f} s")
    judged_high = [t for t, _, v in rows if v is not None and (v.level or 0) >= 3]
    print(f"{len(pages)} hostile pages on one host, per-host limit {per_host}, step time-out {step_s:.0f} s: "
          f"{len(rows)} with a result row, {len(judged_high)} judged level ≥ 3")
    print(f"crawl wall {wall:6.1f} s = {wall / 60:4.1f} min; baseline (each page held 2 × step time-out) "
          f"{bound:6.1f} s; crawl/baseline ×{wall / bound:.2f}; aim: under 7 min")
    if len(rows) != len(pages) or judged_high:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
