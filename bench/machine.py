"""What a benchmark ran on, printed with its figures; and the memory and CPU of a process tree."""

from __future__ import annotations

import os
import platform
import threading
from collections.abc import Callable
from pathlib import Path


def describe() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        total_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {total_kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return (f"machine: {os.cpu_count()} cpu ({model or platform.machine()}){memory}, "
            f"python {platform.python_version()}, {platform.system()} {platform.release()}")


def tree_sum(root: int, value: Callable[[list[str]], float]) -> float:
    """`value` of the fields of /proc/PID/stat (after the command name) summed over `root` and all its
    live descendants (the browser's processes too)."""
    parents: dict[int, int] = {}
    values: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parents[int(entry.name)] = int(fields[1])
            values[int(entry.name)] = value(fields)
        except (OSError, ValueError, IndexError):
            continue
    family, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in family:
                family.add(pid)
                frontier.append(pid)
    return sum(values.get(pid, 0.0) for pid in family)


def tree_rss_mb(root: int) -> float:
    """Resident memory of `root` and all its descendants (the browser's processes too), in MiB."""
    page = os.sysconf("SC_PAGE_SIZE")
    return tree_sum(root, lambda fields: int(fields[21]) * page) / 1024 / 1024


def tree_cpu_s(root: int) -> float:
    """User + system CPU seconds of `root` and its live descendants, with the children each has reaped
    (a renderer that ended with its context counts in its zygote's)."""
    ticks = os.sysconf("SC_CLK_TCK")
    return tree_sum(root, lambda fields: sum(int(f) for f in fields[11:15]) / ticks)


class PeakMemory:
    """Samples the process tree's memory in the background; `.peak` is the largest sum seen."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval, self.peak = interval, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_mb(os.getpid()))
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
