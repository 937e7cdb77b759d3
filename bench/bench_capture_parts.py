"""What each part of evidence capture costs per level-3 check, in CPU seconds (issue 16).

One command, one process: the demo world is started here; the same level-3 services are checked with
capture off, then with one part on at a time (video; screenshots with HTML; network as WACZ; trace),
then all of them and all but the video (the parts share the browser, so they do not simply add up), in
turn within each round. CPU seconds of this process and its ended children (driver, Chromium,
ffmpeg) are counted per mode: on a shared machine they move far less than wall time; the wall time of
the checks is printed beside them. Each part's cost is printed as seconds above "off" of the same run,
with the machine.

    .venv/bin/python bench/bench_capture_parts.py [--rounds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_level_check import CAPTURE_OFF, cpu_seconds, run  # noqa: E402
from bench.machine import describe  # noqa: E402
from kiemtra.commands.world import write_world_config  # noqa: E402

# One service per vendor style: server-rendered, single-page app, iframe across hosts.
SERVICES = ["bac-ninh-001", "bo-tp-004", "thua-thien-hue-005"]
PARTS = {"off": {}, "video": {"video": True}, "screenshots+html": {"screenshots": True, "html": True},
         "network (WACZ)": {"network": True}, "trace": {"trace": True},
         "all": {"video": True, "screenshots": True, "html": True, "network": True, "trace": True},
         "all but video": {"screenshots": True, "html": True, "network": True, "trace": True}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    from demoworld import start_world

    world = start_world(base_port=0)
    scratch = Path(tempfile.mkdtemp(prefix="kiemtra-bench-parts-"))
    config_dir = write_world_config(world, scratch / "config")
    used = dict.fromkeys(PARTS, 0.0)
    wall = dict.fromkeys(PARTS, 0.0)
    try:
        for round_number in range(args.rounds):
            for part, switches in PARTS.items():
                before = cpu_seconds()
                seconds = asyncio.run(run(config_dir, scratch / f"var-{len(used)}-{round_number}-{part[:5]}",
                                          {**CAPTURE_OFF, **switches}, SERVICES))
                used[part] += cpu_seconds() - before
                wall[part] += sum(seconds)
    finally:
        world.stop()
    checks = len(SERVICES) * args.rounds
    print(describe())
    print(f"level-3 checks: {len(SERVICES)} services × {args.rounds} rounds per part, one at a time, one browser")
    for part in PARTS:
        print(f"{part:18}: {used[part] / checks:5.2f} s cpu/check (+{(used[part] - used['off']) / checks:.2f} over off),"
              f" {wall[part] / checks:5.2f} s wall/check (+{(wall[part] - wall['off']) / checks:.2f})")


if __name__ == "__main__":
    main()
