"""Run every benchmark in bench/ (each prints its own figures and the machine it ran on)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

if __name__ == "__main__":
    here = Path(__file__).parent
    scripts = sorted(p for p in here.glob("bench_*.py"))
    if not scripts:
        print("no benchmarks yet")
    failed = 0
    for script in scripts:
        print(f"== {script.name}", flush=True)
        failed |= subprocess.call([sys.executable, str(script), *sys.argv[1:]])
    sys.exit(failed)
