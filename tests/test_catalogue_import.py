"""Importing CSDL TTHC exports into the store: formats, history, bad input; and the catalogue CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from evidence import catalogue, matches
from evidence.store import Store
from kiemtra.cli import run_cli
from kiemtra.errors import ConfigError
from office.catalogue_import import import_file

REPO = Path(__file__).resolve().parent.parent
HEADER = "ma_thu_tuc,ten_thu_tuc,linh_vuc,cap_thuc_hien\n"


def _csv(path: Path, body: str, header: str = HEADER) -> Path:
    path.write_text(header + body, encoding="utf-8")
    return path


def test_csv_json_xlsx_read_alike(tmp_path: Path) -> None:
    _csv(tmp_path / "a.csv", "1.001193,Thủ tục đăng ký khai sinh,Hộ tịch,Cấp xã\n")
    (tmp_path / "b.json").write_text(json.dumps({"thu_tuc": [{"Mã thủ tục": "1.000894", "Tên thủ tục": "Đăng ký kết hôn"}]},
                                                ensure_ascii=False), encoding="utf-8")
    book = Workbook()
    sheet = book.active
    sheet.append(["DANH MỤC THỦ TỤC HÀNH CHÍNH"])           # a title row above the table, as exports have
    sheet.append(["STT", "Mã TTHC", "Tên thủ tục hành chính", "Lĩnh vực"])
    sheet.append([1, "1.004222", "Đăng ký thường trú", "Cư trú"])
    book.save(tmp_path / "c.xlsx")
    with Store(tmp_path / "var") as store:
        for name in ("a.csv", "b.json", "c.xlsx"):
            assert import_file(store, tmp_path / name).added == 1
        assert catalogue.procedure(store, "1.004222")["field"] == "Cư trú"
        assert catalogue.procedure_count(store) == 3


def test_reimport_updates_in_place_and_keeps_history(tmp_path: Path) -> None:
    with Store(tmp_path / "var") as store:
        import_file(store, _csv(tmp_path / "v1.csv", "1.000001,Cấp giấy phép A,X,Cấp tỉnh\n1.000002,Cấp giấy phép B,X,Cấp tỉnh\n"),
                    source="csdl")
        report = import_file(store, _csv(tmp_path / "v2.csv", "1.000001,Cấp giấy phép A mới,X,Cấp tỉnh\n"),
                             source="csdl", full=True)
        assert (report.renamed, report.withdrawn) == (1, 1)
        assert [h["change"] for h in catalogue.history(store, "1.000001")] == ["added", "renamed"]
        assert catalogue.procedure(store, "1.000002")["status"] == "withdrawn"
        assert catalogue.search(store, ["b"], 10) == []             # withdrawn leaves the index
        import_file(store, _csv(tmp_path / "v3.csv", "1.000002,Cấp giấy phép B,X,Cấp tỉnh\n"), source="csdl")
        assert catalogue.history(store, "1.000002")[-1]["change"] == "restored"


@pytest.mark.parametrize("body, header, row, words", [
    ("1.001193,Đăng ký khai sinh,,\n1.0011,Đăng ký kết hôn,,\n", HEADER, 3, "d.dddddd"),
    ("1.001193,   ,,\n", HEADER, 2, "trống"),
    ("1.001193,A b,,\n1.001193,C d,,\n", HEADER, 3, "lặp lại"),
    ("1.001193,A b\n", "code_x,ten\n", 1, "cột mã"),
    ("1.001193,A b,,,extra\n", HEADER, 2, "nhiều ô"),
])
def test_bad_input_names_the_row_and_loses_nothing(tmp_path: Path, body: str, header: str, row: int, words: str) -> None:
    with Store(tmp_path / "var") as store:
        import_file(store, _csv(tmp_path / "good.csv", "1.000001,Cấp giấy phép A,X,Cấp tỉnh\n"))
        bad = _csv(tmp_path / "bad.csv", body, header)
        with pytest.raises(ConfigError) as caught:
            import_file(store, bad, source="tệp:good.csv", full=True)
        message = str(caught.value)
        assert f"bad.csv:{row}" in message and words in message and "\n" not in message
        assert catalogue.procedure(store, "1.000001")["status"] == "active"
        assert catalogue.procedure_count(store) == 1


def test_broken_json_and_unknown_format(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("[{", encoding="utf-8")
    (tmp_path / "x.pdf").write_text("", encoding="utf-8")
    with Store(tmp_path / "var") as store:
        with pytest.raises(ConfigError, match="x.json:1"):
            import_file(store, tmp_path / "x.json")
        with pytest.raises(ConfigError, match=".csv, .json hoặc .xlsx"):
            import_file(store, tmp_path / "x.pdf")


def test_cli_import_lookup_match_and_count(world_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Against the demo world's declared services: R4 merges and splits, R5 none, decisions win."""
    base = ["--config", str(world_config)]
    assert run_cli(base + ["catalogue", "import", str(REPO / "demoworld" / "data" / "procedures.csv")]) == 0
    assert run_cli(base + ["lookup", "Cap GCN tho han (mức độ 3)", "--json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out.splitlines()[-1])["codes"] == ["1.000300"]
    assert run_cli(base + ["services", "counted", "--agency", "bac-ninh", "--json"]) == 0
    counted = json.loads(capsys.readouterr().out.splitlines()[-1])
    by_code = {c["code"]: c for c in counted["counted"]}
    assert set(by_code["1.099101"]["services"]) == {"bac-ninh-014", "bac-ninh-015", "bac-ninh-016"}
    assert "bac-ninh-012" in by_code["2.000986"]["services"] and "bac-ninh-012" in by_code["1.004222"]["services"]
    assert "bac-ninh-013" in {n["service"] for n in counted["not_counted"]}
    data = world_config.parent / "var"
    with Store(data) as store:
        assert not matches.match_of(store, "bac-ninh-013").level_check_allowed
    assert run_cli(base + ["match", "correct", "bac-ninh-013", "1.001612", "--by", "Nguyễn Văn A"]) == 0
    assert run_cli(base + ["match", "run", "--agency", "bac-ninh"]) == 0      # a later run keeps the decision
    with Store(data) as store:
        decided = matches.match_of(store, "bac-ninh-013")
    assert decided.codes == ("1.001612",) and decided.decided_by == "Nguyễn Văn A"
    assert run_cli(base + ["match", "correct", "bac-ninh-013", "1.00161", "--by", "A"]) == 2
