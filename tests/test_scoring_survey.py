"""Survey forms: the template per group, per-cell validation (sheet, cell, what is wrong), empty required
figures kept as missing (R10); the scoring table's validation; `kiemtra plan` stores its draw (R6)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from configuration.loader import load_all as load_config
from configuration.scoring import load_scoring
from evidence.plans import latest_plan
from evidence.store import Store
from kiemtra.errors import ConfigInvalid
from office.survey import read_form, write_template
from tests.scoring_helpers import cli, config_dir, fill  # noqa: F401  (config_dir is a fixture)

pytestmark = pytest.mark.usefixtures("store_dialect")   # every test on SQLite and on PostgreSQL


def test_templates_ask_each_group_its_categories(tmp_path: Path):
    scoring = load_scoring()
    for group, sheet_name, has_c4 in (("bo", "Phiếu 1A", True), ("cqtcp", "Phiếu 2A", False), ("tinh", "Phiếu 3A", True)):
        path = write_template(tmp_path / f"{group}.xlsx", group, scoring)
        sheet = load_workbook(path)[sheet_name]
        codes = [sheet.cell(r, 1).value for r in range(7, sheet.max_row + 1)]
        assert ("c4_tong_tthc" in codes) is has_c4
        assert not any(code.startswith("kt_") for code in codes)      # measured figures are not asked


def test_each_bad_cell_is_named_with_its_sheet_and_fix(config_dir: Path, tmp_path: Path):
    config, scoring = load_config(config_dir), load_scoring(config_dir)
    path = write_template(tmp_path / "f.xlsx", "tinh", scoring)
    fill(path, {"c1_cbccvc": "nhiều", "c1_may_tinh": -3, "c1_co_ttdl": "có lẽ", "c1_cbccvc_may_tinh": 10,
                "c1_don_vi": 5, "c1_don_vi_wan": 9}, agency="bac-ninh", year=2024)
    with pytest.raises(ConfigInvalid) as raised:
        read_form(path, config)
    lines = [str(p) for p in raised.value.problems]
    assert any("Phiếu 3A!F7: 'nhiều' không phải số" in line for line in lines)
    assert any("Phiếu 3A!F9: -3 là số âm" in line for line in lines)
    assert any("'có lẽ' không phải có/không — ghi 'có' hoặc 'không'" in line for line in lines)
    assert any("c1_don_vi_wan = 9 lớn hơn c1_don_vi = 5" in line for line in lines)
    assert len(lines) == 4


def test_wrong_group_and_empty_required_figures(config_dir: Path, tmp_path: Path):
    config, scoring = load_config(config_dir), load_scoring(config_dir)
    path = write_template(tmp_path / "f.xlsx", "bo", scoring)
    fill(path, {}, agency="bac-ninh", year=2024)
    with pytest.raises(ConfigInvalid) as raised:
        read_form(path, config)
    assert "Phiếu 1A!C3: cơ quan bac-ninh thuộc nhóm tinh, không dùng Phiếu 1A — dùng Phiếu 3A" in str(raised.value)
    fill(path, {"c1_cbccvc": 10}, agency="bo-tp", year=2024)
    form = read_form(path, config)
    assert form.values["c1_cbccvc"] == 10 and form.values["c1_may_tinh"] is None
    assert "c1_may_tinh" in form.empty and "c1_cbccvc" not in form.empty


def test_scoring_table_errors_are_one_line_with_file_line_and_fix(config_dir: Path):
    path = config_dir / "scoring.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("max: 20, kind: ratio, numerator: c1_cbccvc_may_tinh", "max: 25, kind: ratio, numerator: c1_nope"),
                    encoding="utf-8")
    with pytest.raises(ConfigInvalid) as raised:
        load_scoring(config_dir)
    lines = [str(p) for p in raised.value.problems]
    assert any("criteria[0].numerator: không có số liệu 'c1_nope'" in line and "scoring.yaml:" in line for line in lines)
    assert any("tổng điểm tối đa hạng mục c1 nhóm bo là 205, phải là 200" in line for line in lines)


def test_plan_is_drawn_from_the_configured_seed_and_stored(config_dir: Path, capsys):
    scoring = config_dir / "scoring.yaml"
    scoring.write_text(scoring.read_text(encoding="utf-8").replace("min_services: 30", "min_services: 5")
                       .replace("k: 2 ", "k: 1 "), encoding="utf-8")
    assert cli(config_dir, "plan", "--agency", "bac-ninh") == 0
    assert cli(config_dir, "plan", "--agency", "bac-ninh") == 0
    shown = capsys.readouterr().out
    assert "đại diện chính" in shown and "hạt giống 2342" in shown
    with Store(load_config(config_dir).settings.data) as store:
        rows = list(store.db["sample_plans"].rows_where("agency_id = ?", ["bac-ninh"]))
        plan = latest_plan(store, "bac-ninh")
    assert len(rows) == 2 and rows[0]["plan"] == rows[1]["plan"]          # the same seed draws the same plan
    assert plan["seed"] == 2342 and plan["k"] == 1 and plan["plan"]["sampled"]
    assert plan["plan"]["skipped"]
