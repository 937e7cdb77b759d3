"""Writing every report of a year into one folder: workbook, CSV, HTML, confirmation sheets."""

from __future__ import annotations

from pathlib import Path

from configuration.loader import Config
from evidence import confirmations, runs
from evidence.recognition import recognitions
from evidence.store import Store
from kiemtra.errors import ConfigError
from office.reports.confirmation import sheet_keys, write_sheet
from office.reports.data import load_report
from office.reports.html import write_html
from office.reports.tables import write_csv, write_workbook
from office.scoring import run_scoring


def write_reports(store: Store, config: Config, year: int, folder: Path, *,
                  evidence_url: str, rescore: bool = True) -> list[Path]:
    """Score (unless told not to), then write the reports; return the files written."""
    try:  # before scoring: a bad --output is refused before any work
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"không tạo được thư mục báo cáo ({type(exc).__name__})", file=str(folder), field="--output",
                          fix="chọn một thư mục ghi được (không nằm dưới một tệp)") from None
    if rescore:
        run_scoring(store, config, year)
    data = load_report(store, config, year)
    written = [write_workbook(data, folder / f"ket-qua-{year}.xlsx"), write_csv(data, folder / f"ket-qua-{year}.csv"),
               write_html(data, folder / f"bao-cao-{year}.html", evidence_url=evidence_url)]
    sheets = folder / "xac-nhan"
    sheets.mkdir(exist_ok=True)
    for report in data.agencies:
        decided = recognitions(store, report.agency_id)
        services = [{**row, "recognition": decided.get(row["id"])}
                    for row in runs.latest_service_results(store, report.agency_id)]
        path = sheets / f"xac-nhan-{report.agency_id}-{year}.xlsx"
        sheet_id = confirmations.issue_sheet(store, year, report.agency_id, sheet_keys(report, services), path.name)
        written.append(write_sheet(data, report, services, path, evidence_url=evidence_url, sheet_id=sheet_id))
    return written
