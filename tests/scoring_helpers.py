"""Shared by the scoring and report tests: a config folder copied from the shipped one, the CLI, filling forms."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kiemtra.cli import run_cli

REPO = Path(__file__).resolve().parent.parent
FILLED = {  # bac-ninh's form 3A; everything else is left empty (R10: those criteria score 0)
    "c1_cbccvc": 1000, "c1_cbccvc_may_tinh": 950, "c1_may_tinh": 1200, "c1_may_tinh_diet_virus": 900,
    "c1_bang_thong": 500, "c1_don_vi": 20, "c1_don_vi_wan": 16, "c1_ung_dung_wan": 7, "c1_co_ttdl": "có", "c1_ttdl_chung_nhan": "không",
    "c1_ttdl_dat_chuan": "không", "c1_sao_luu": "có", "c1_giai_phap_attt": 3,
    "c4_tong_tthc": 10, "c4_tong_ho_so": 1000, "c4_ho_so_truc_tuyen": 400,
}


@pytest.fixture()
def config_dir(tmp_path: Path) -> Path:
    root = tmp_path / "config"
    for part in ("agencies", "criteria"):
        shutil.copytree(REPO / "config" / part, root / part)
    shutil.copy(REPO / "config" / "scoring.yaml", root / "scoring.yaml")
    (root / "settings.yaml").write_text(f"data: {tmp_path / 'var'}\n", encoding="utf-8")
    return root


def cli(config_dir: Path, *args: str) -> int:
    return run_cli(["--config", str(config_dir), *args])


def fill(path: Path, values: dict, *, agency: str, year: int | str) -> None:
    book = load_workbook(path)
    sheet = book.worksheets[0]
    sheet["C3"], sheet["C4"] = agency, year
    for row in range(7, sheet.max_row + 1):
        code = sheet.cell(row, 1).value
        if code in values:
            sheet.cell(row, 6, values[code])
    book.save(path)
