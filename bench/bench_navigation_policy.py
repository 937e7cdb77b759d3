"""Seconds per level-3 check with the navigation policy's route on every request, and without it (issue 12).

One command, one process: the demo world is started here and the same level-3 services are checked
one by one with the policy as shipped (a route on the context asking the policy about every
request, DNS answers cached per check) and with the route left off, alternating so both meet the
same machine noise; capture is off in both, so the route's share is not hidden behind the video.

    .venv/bin/python bench/bench_navigation_policy.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_level_check import CAPTURE_OFF, SERVICES, run  # noqa: E402
from bench.machine import describe  # noqa: E402
from crawler.browser import policy as policy_module  # noqa: E402
from crawler.visits import service as service_module  # noqa: E402
from kiemtra.commands.world import write_world_config  # noqa: E402


async def _unrouted(context, settings):  # the same policy object, but no route on the context
    return policy_module.for_settings(settings.navigation.allowed_private)


def checks(config_dir: Path, data: Path, routed: bool) -> list[float]:
    service_module.guard = policy_module.guard if routed else _unrouted  # type: ignore[assignment]
    try:
        return asyncio.run(run(config_dir, data, CAPTURE_OFF, SERVICES))
    finally:
        service_module.guard = policy_module.guard  # type: ignore[assignment]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="rounds of (routed, unrouted) over the services")
    args = parser.parse_args()
    from demoworld import start_world

    world = start_world(base_port=0)
    scratch = Path(tempfile.mkdtemp(prefix="kiemtra-bench-"))
    config_dir = write_world_config(world, scratch / "config")
    figures: dict[str, list[float]] = {"routed": [], "unrouted": []}
    try:
        for round_number in range(args.rounds):
            for label in ("routed", "unrouted"):
                figures[label] += checks(config_dir, scratch / f"var-{label}-{round_number}", label == "routed")
    finally:
        world.stop()
    print(describe())
    print(f"level-3 checks: {len(SERVICES)} services × {args.rounds} rounds per mode, one at a time, capture off")
    for label, values in figures.items():
        print(f"{label:8}: {statistics.mean(values):6.2f} s/check (median {statistics.median(values):.2f}, "
              f"min {min(values):.2f}, max {max(values):.2f})")
    ratio = statistics.mean(figures["routed"]) / statistics.mean(figures["unrouted"])
    print(f"policy route on / off: time × {ratio:.2f}")


if __name__ == "__main__":
    main()
