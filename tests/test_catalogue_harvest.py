"""The harvest spider walks the demo world's CSDL TTHC into the catalogue (in a subprocess: one reactor per process)."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from evidence import catalogue
from evidence.store import Store

REPO = Path(__file__).resolve().parent.parent


def _harvest(world_config: Path, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(Path(sys.executable).parent / "kiemtra"), "--config", str(world_config), "catalogue", "harvest",
                           "--rps", "200", url], capture_output=True, text=True, timeout=180, cwd=REPO)


def test_harvest_reads_every_procedure_and_resumes(world, world_config: Path) -> None:
    result = _harvest(world_config, world.urls["csdl"])
    assert result.returncode == 0, result.stdout + result.stderr
    with (REPO / "demoworld" / "data" / "procedures.csv").open(encoding="utf-8", newline="") as f:
        truth = {r["ma_thu_tuc"]: r for r in csv.DictReader(f)}
    with Store(world_config.parent / "var") as store:
        assert catalogue.procedure_count(store) == len(truth)
        row = catalogue.procedure(store, "2.000986")
    assert row["name"] == truth["2.000986"]["ten_thu_tuc"]
    assert row["decision"] == truth["2.000986"]["so_quyet_dinh"] and row["level"] == truth["2.000986"]["cap_thuc_hien"]
    assert row["source"].startswith("thu thập:127.0.0.1")
    # A second run resumes from the job folder: nothing left to fetch, nothing lost.
    again = _harvest(world_config, world.urls["csdl"])
    assert again.returncode == 0, again.stderr
    with Store(world_config.parent / "var") as store:
        assert catalogue.procedure_count(store) == len(truth)
