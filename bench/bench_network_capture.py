"""Which way of recording a check's network exchange costs least (issue 16): none, Playwright's HAR
recorder (in the driver, bodies attached, written when the context closes), a Python
`context.on("response")` listener that fetches every body, and the trace with DOM snapshots (which
also records the network).

One command, one process: the demo world is started here; every portal and DVC home page of the
world is opened in a fresh context per round, each mode in turn within a round so all meet the same
machine noise. Wall seconds and CPU seconds of the whole process tree (Python, driver, Chromium) are
printed per round and as ratios against "none" of the same run.

    .venv/bin/python bench/bench_network_capture.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe, tree_cpu_s  # noqa: E402
from configuration.settings import Settings  # noqa: E402
from crawler.browser.launch import chromium, context_options  # noqa: E402
from crawler.browser.network import har_options, read_har  # noqa: E402

MODES = ("none", "har", "listener", "trace_snapshots")


async def visit(browser, settings: Settings, urls: list[str], mode: str, scratch: Path) -> int:
    """Open every URL in one fresh context recorded as `mode`; return the exchanges kept."""
    har = scratch / f"{mode}.zip" if mode == "har" else None
    context = await browser.new_context(**context_options(settings), **har_options(har))
    kept: list[bytes] = []
    if mode == "listener":
        async def keep(response) -> None:  # type: ignore[no-untyped-def]
            try:
                kept.append(await response.body())
            except Exception:  # noqa: BLE001 - a redirect or an evicted body has none
                kept.append(b"")
        context.on("response", lambda response: asyncio.ensure_future(keep(response)))
    if mode == "trace_snapshots":
        await context.tracing.start(screenshots=False, snapshots=True, sources=False)
    page = await context.new_page()
    for url in urls:
        await page.goto(url, wait_until="load")
    if mode == "listener":
        await asyncio.sleep(0.5)  # let the last body fetches finish before the context closes
    if mode == "trace_snapshots":
        await context.tracing.stop(path=scratch / "trace.zip")
    await context.close()
    if har is not None:
        return len(read_har(har))
    return len(kept)


async def main_async(rounds: int) -> dict[str, dict[str, list[float]]]:
    from demoworld import start_world

    world = start_world(base_port=0)
    urls = [u for k, u in world.urls.items() if k.startswith(("portal:", "dvc:"))]
    settings = Settings()
    figures: dict[str, dict[str, list[float]]] = {m: {"wall": [], "cpu": [], "kept": []} for m in MODES}
    try:
        with tempfile.TemporaryDirectory(prefix="kiemtra-bench-net-") as scratch:
            async with chromium(settings) as browser:
                await visit(browser, settings, urls, "none", Path(scratch))  # warm the browser and the sites
                for _ in range(rounds):
                    for mode in MODES:
                        cpu0, wall0 = tree_cpu_s(os.getpid()), time.perf_counter()
                        figures[mode]["kept"].append(await visit(browser, settings, urls, mode, Path(scratch)))
                        figures[mode]["wall"].append(time.perf_counter() - wall0)
                        figures[mode]["cpu"].append(tree_cpu_s(os.getpid()) - cpu0)
    finally:
        world.stop()
    print(f"{len(urls)} pages per round (every portal and DVC home page of the demo world), {rounds} rounds")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    figures = asyncio.run(main_async(args.rounds))
    print(describe())
    base = {k: statistics.mean(figures["none"][k]) for k in ("wall", "cpu")}
    for mode in MODES:
        wall, cpu = statistics.mean(figures[mode]["wall"]), statistics.mean(figures[mode]["cpu"])
        print(f"{mode:16}: {wall:5.2f} s wall (× {wall / base['wall']:.2f}), {cpu:5.2f} s cpu (× {cpu / base['cpu']:.2f}) "
              f"per round; {statistics.mean(figures[mode]['kept']):.0f} bodies kept")


if __name__ == "__main__":
    main()
