"""The HTML report in Vietnamese: rankings per group, each agency's category profile and its items,
every figure linked to its evidence in the evidence browser, and which figures are still disputed.

One self-contained file: inline CSS and SVG, no script, no internet.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from checks.scoring import TOTAL
from office.reports.data import GROUP_NAMES, AgencyReport, ReportData, category_cell
from office.reports.svg import bars, profile

STYLE = ("body{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em}table{border-collapse:collapse;"
         "margin:.5em 0}td,th{border:1px solid #bbb;padding:3px 6px;font-size:13px;vertical-align:top}"
         ".tranh-chap{background:#fde2e2}.chinh-thuc{background:#e2f5e2}")


def _link(base: str, path: str | None, text: str) -> str:
    return f'<a href="{escape(base + path)}">{escape(text)}</a>' if path else escape(text)


def _ranking(data: ReportData, group: str, base: str) -> str:
    members = data.group(group)
    if not members:
        return ""
    rows = [(f"{a.totals[TOTAL]['rank']}. {a.name}", a.totals[TOTAL]["idx"], base + f"/co-quan/{a.agency_id}")
            for a in members]
    head = "".join(f"<th>{escape(c.upper())}<br>{escape(name)}</th>" for c, name in data.categories.items())
    body = []
    for a in members:
        cells = "".join("<td>{}<br>chỉ số {}<br>hạng {}</td>".format(*map(escape, category_cell(a, c)))
                        for c in data.categories)
        state = ('<td class="chinh-thuc">chính thức</td>' if a.final
                 else f'<td class="tranh-chap">đang khiếu nại ({len(a.disputed)})</td>')
        total = category_cell(a, TOTAL)
        body.append(f"<tr><td>{total[2]}</td><td>{_link(base, f'/co-quan/{a.agency_id}', a.name)}</td>{cells}"
                    f"<td><b>{total[0]}</b><br>chỉ số {total[1]}</td>{state}</tr>")
    return (f"<h2>Nhóm {escape(GROUP_NAMES[group])}</h2>"
            + bars(rows, title=f"Xếp hạng chỉ số chung — {GROUP_NAMES[group]}")
            + f"<table><tr><th>Hạng</th><th>Cơ quan</th>{head}<th>Tổng</th><th>Số liệu</th></tr>{''.join(body)}</table>")


def _agency(data: ReportData, report: AgencyReport, base: str) -> str:
    values = [(c.upper(), None if report.totals.get(c, {"exempt": 1})["exempt"] else report.totals[c]["idx"])
              for c in data.categories]
    links = {f["figure_id"]: f.get("link") for f in report.figures}
    rows = []
    for item in report.items:
        key = f"criterion:{item['criterion_id']}"
        figure_links = " ".join(_link(base, links.get(f), f) for f in json.loads(item["figures"] or "[]"))
        css = "tranh-chap" if key in report.disputed else ""
        rows.append(f'<tr class="{css}"><td>{escape(item["criterion_id"])}</td><td>{item["points"]:g}/{item["max_points"]:g}'
                    f'</td><td>{escape("; ".join(item["reasons"]))}</td><td>{figure_links}</td>'
                    f"<td>{escape(report.status(key))}</td></tr>")
    disputed = "".join(f"<li>{escape(key)}: {escape(d['reason'])}</li>" for key, d in sorted(report.disputed.items()))
    return (f'<h3 id="{escape(report.agency_id)}">{_link(base, f"/co-quan/{report.agency_id}", report.name)}</h3>'
            + profile(values, title=f"Chỉ số theo hạng mục — {report.name}")
            + (f"<p>Số liệu đang khiếu nại:</p><ul>{disputed}</ul>" if disputed else "<p>Số liệu chính thức.</p>")
            + "<table><tr><th>Tiêu chí</th><th>Điểm</th><th>Cách tính</th><th>Số liệu, bằng chứng</th>"
            + f"<th>Tình trạng</th></tr>{''.join(rows)}</table>")


def write_html(data: ReportData, path: Path, *, evidence_url: str) -> Path:
    base = evidence_url.rstrip("/")
    disputed = sum(1 for a in data.agencies if not a.final)
    parts = [f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Báo cáo đánh giá mức độ ứng dụng CNTT '
             f"năm {data.year}</title><style>{STYLE}</style></head><body>",
             f"<h1>Báo cáo đánh giá mức độ ứng dụng công nghệ thông tin của cơ quan nhà nước năm {data.year}</h1>",
             "<p>Theo Quyết định 2342/QĐ-BTTTT. Chỉ số = điểm ÷ điểm tối đa (0–1). Xếp hạng trong từng nhóm, "
             "cùng điểm cùng hạng. Mỗi tên cơ quan và số liệu dẫn tới bằng chứng trong trình xem bằng chứng.</p>",
             f"<p>{len(data.agencies) - disputed} cơ quan có số liệu chính thức; {disputed} cơ quan còn số liệu "
             "đang khiếu nại.</p>"]
    parts += [_ranking(data, group, base) for group in data.maxima]
    parts.append("<h2>Chi tiết từng cơ quan</h2>")
    parts += [_agency(data, report, base) for report in data.agencies if report.totals]
    parts.append("</body></html>")
    path.write_text("".join(parts), encoding="utf-8")
    return path
