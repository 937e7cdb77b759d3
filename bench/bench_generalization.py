"""How the bot does on vendor styles it was not built against: right/total per style (issue 14).

One command, one process: the demo world is started here, every service of the chosen styles is
checked once, one at a time, in one browser and in the order the agencies declare them (as a
crawl would: the second service of a portal meets the account the first one made), capture off.
A service is right when its level and mode equal the answer key; the Decree 42 class is counted
apart, where the verdict carries one.

    .venv/bin/python bench/bench_generalization.py [--styles D,E,F,G] [--behaviour notice_modal] [--verbose]

`--behaviour` keeps the services whose answer key lists that behaviour (of every style, unless `--styles`
says which): a portal habit added to old styles, such as the announcement laid over a service page.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe  # noqa: E402
from configuration.loader import load_all  # noqa: E402
from crawler.browser.launch import chromium  # noqa: E402
from crawler.visits.service import check_service  # noqa: E402
from evidence import agencies  # noqa: E402
from evidence.store import Store  # noqa: E402
from kiemtra.commands.world import write_world_config  # noqa: E402

CAPTURE_OFF = {"screenshots": False, "html": False, "video": False, "trace": False}


async def run(config_dir: Path, data: Path, key: dict, styles: set[str] | None, behaviour: str | None,
              verbose: bool) -> dict[str, list[tuple]]:
    config = load_all(config_dir, {"data": str(data), "capture": CAPTURE_OFF})
    found: dict[str, list[tuple]] = defaultdict(list)
    async with chromium(config.settings) as browser:
        with Store(config.settings.data) as store:
            agencies.sync(store, [{**a.model_dump(exclude={"services"}), "services": [s.model_dump() for s in a.services]}
                                 for a in config.agencies])
            for agency in config.agencies:
                for service in agency.services:
                    truth = key["services"][service.id]
                    if (styles is not None and truth["vendor"] not in styles) or (
                            behaviour is not None and behaviour not in truth["behaviours"]):
                        continue
                    t0 = time.perf_counter()
                    done = await check_service(browser, agency, service, store, config.settings)
                    verdict = done.verdict
                    decree42 = getattr(verdict, "decree42", None)
                    right = (verdict.level, verdict.mode) == (truth["true_level"], truth["mode"])
                    found[truth["vendor"]].append((service.id, right, decree42 == truth.get("decree42")))
                    if verbose or not right:
                        print(f"  {'ok ' if right else 'BAD'} {service.id}: {verdict.level}/{verdict.mode}/{decree42} "
                              f"(truth {truth['true_level']}/{truth['mode']}/{truth.get('decree42')}) "
                              f"{time.perf_counter() - t0:.1f} s; {verdict.reasons[-1].text if verdict.reasons else ''}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--styles", help="vendor styles to check (A,B,C,P are the old ones); D,E,F,G unless --behaviour")
    parser.add_argument("--behaviour", help="only the services with this behaviour in the answer key")
    parser.add_argument("--verbose", action="store_true", help="one line per service, not only the wrong ones")
    args = parser.parse_args()
    from demoworld import start_world
    from demoworld.answer_key import NEW_STYLES

    chosen = args.styles if args.styles is not None else (None if args.behaviour else ",".join(NEW_STYLES))
    styles = None if chosen is None else {s.strip().upper() for s in chosen.split(",") if s.strip()}
    world = start_world(base_port=0)
    scratch = Path(tempfile.mkdtemp(prefix="kiemtra-bench-"))
    config_dir = write_world_config(world, scratch / "config")
    t0 = time.perf_counter()
    try:
        found = asyncio.run(run(config_dir, scratch / "var", world.answer_key(), styles, args.behaviour,
                                 args.verbose))
    finally:
        world.stop()
    print(describe())
    total_right = total = 0
    for style in sorted(found):
        rows = found[style]
        right = sum(1 for _, ok, _ in rows if ok)
        classes = sum(1 for _, _, ok in rows if ok)
        total_right, total = total_right + right, total + len(rows)
        print(f"style {style}: level and mode right {right}/{len(rows)}; Decree 42 class right {classes}/{len(rows)}")
    print(f"all styles {','.join(sorted(found))}: {total_right}/{total} right in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
