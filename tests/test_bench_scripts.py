"""Every benchmark script at least imports: a bench broken by a change elsewhere is found here, not at measuring time."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.mark.parametrize("script", sorted(p.name for p in BENCH.glob("bench_*.py")))
def test_the_benchmark_imports(script: str) -> None:
    spec = importlib.util.spec_from_file_location(f"bench_check_{script[:-3]}", BENCH / script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module   # dataclasses look their module up there
    spec.loader.exec_module(module)   # the scripts run their work under `if __name__ == "__main__"` only
    assert callable(getattr(module, "main", None)), f"{script} has no main()"
