"""Seconds per level-3 check and peak memory, with evidence capture on and off (issue 3).

One command, one process: the demo world is started here, the same level-3 services are checked
one by one with capture on (screenshots, HTML, video, trace) and off (none of them), alternating so
both meet the same machine noise; figures and the on/off ratio are printed with the machine.

    .venv/bin/python bench/bench_level_check.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import PeakMemory, describe  # noqa: E402
from configuration.loader import load_all  # noqa: E402
from crawler.browser.launch import chromium  # noqa: E402
from crawler.visits.service import check_service  # noqa: E402
from evidence import agencies  # noqa: E402
from evidence.store import Store  # noqa: E402
from kiemtra.commands.world import write_world_config  # noqa: E402

# Level-3 services of each vendor style (server-rendered, single-page app, iframe), none flaky.
SERVICES = ["bac-ninh-001", "bac-ninh-002", "bo-tp-004", "bo-tp-005", "thua-thien-hue-005", "thua-thien-hue-006"]
CAPTURE_ON = {"screenshots": True, "html": True, "video": True, "trace": True}
CAPTURE_OFF = {"screenshots": False, "html": False, "video": False, "trace": False}


async def run(config_dir: Path, data: Path, capture: dict, ids: list[str]) -> list[float]:
    config = load_all(config_dir, {"data": str(data), "capture": capture})
    seconds = []
    async with chromium(config.settings) as browser:
        with Store(config.settings.data) as store:
            agencies.sync(store, [{**a.model_dump(exclude={"services"}), "services": [s.model_dump() for s in a.services]}
                                 for a in config.agencies])
            for service_id in ids:
                agency, service = config.service(service_id)
                t0 = time.perf_counter()
                done = await check_service(browser, agency, service, store, config.settings)
                seconds.append(time.perf_counter() - t0)
                if done.verdict.level != 3:
                    raise SystemExit(f"{service_id}: expected level 3, got {done.verdict.level} ({done.verdict.mode})")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="rounds of (on, off) over the services")
    args = parser.parse_args()
    from demoworld import start_world

    world = start_world(base_port=0)
    scratch = Path(tempfile.mkdtemp(prefix="kiemtra-bench-"))
    config_dir = write_world_config(world, scratch / "config")
    figures: dict[str, list[float]] = {"on": [], "off": []}
    peaks: dict[str, float] = {"on": 0.0, "off": 0.0}
    try:
        for round_number in range(args.rounds):
            for label, capture in (("on", CAPTURE_ON), ("off", CAPTURE_OFF)):
                with PeakMemory() as memory:
                    figures[label] += asyncio.run(run(config_dir, scratch / f"var-{label}-{round_number}", capture, SERVICES))
                peaks[label] = max(peaks[label], memory.peak)
    finally:
        world.stop()
    print(describe())
    print(f"level-3 checks: {len(SERVICES)} services × {args.rounds} rounds per mode, one at a time, one browser")
    for label in ("on", "off"):
        values = figures[label]
        print(f"capture {label:3}: {statistics.mean(values):6.2f} s/check (median {statistics.median(values):.2f}, "
              f"min {min(values):.2f}, max {max(values):.2f}); peak memory {peaks[label]:.0f} MiB (process + browser)")
    ratio = statistics.mean(figures["on"]) / statistics.mean(figures["off"])
    print(f"capture on / off: time × {ratio:.2f}, memory × {peaks['on'] / max(peaks['off'], 1):.2f}")


if __name__ == "__main__":
    main()
