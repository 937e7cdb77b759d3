"""Simulated CSDL TTHC (national procedures database): search, detail pages and exports."""
from __future__ import annotations

import csv
import io
import unicodedata

from flask import Flask, Response, jsonify, request

from demoworld.context import Ctx
from demoworld.model import Procedure, load_procedures
from demoworld.web import e, html_page, make_app, nav, not_found

SITE = "Cơ sở dữ liệu quốc gia về thủ tục hành chính"
PER_PAGE = 20
MENU = [("/", "Trang chủ"), ("/thu-tuc-hanh-chinh", "Tra cứu thủ tục hành chính"), ("/xuat-du-lieu.csv", "Xuất dữ liệu (CSV)"),
        ("/xuat-du-lieu.json", "Xuất dữ liệu (JSON)")]
FIELDS = ["ma_thu_tuc", "ten_thu_tuc", "so_quyet_dinh", "cap_thuc_hien", "loai_thu_tuc", "linh_vuc", "co_quan_thuc_hien", "cach_thuc_thuc_hien"]


def _fold(s: str) -> str:
    """Case- and accent-insensitive search key, as real search boxes behave."""
    s = unicodedata.normalize("NFD", s.lower().replace("đ", "d"))
    return "".join(c for c in s if not unicodedata.combining(c))


def _row(p: Procedure) -> dict:
    return {"ma_thu_tuc": p.code, "ten_thu_tuc": p.name, "so_quyet_dinh": p.decision, "cap_thuc_hien": p.levels,
            "loai_thu_tuc": p.kind, "linh_vuc": p.field, "co_quan_thuc_hien": p.authority,
            "cach_thuc_thuc_hien": p.channels}


def _frame(title: str, main: str) -> str:
    return html_page(title, f"<header><h1>{SITE}</h1><nav>{nav(MENU)}</nav></header><main>{main}</main>"
                            "<footer>Cơ quan chủ quản: Văn phòng Chính phủ</footer>", site_name=SITE)


def build(ctx: Ctx) -> Flask:
    app = make_app("csdl", ctx.state, ctx.delay_ms)
    procs = load_procedures()
    by_code = {p.code: p for p in procs}

    @app.route("/")
    def home() -> str:
        return _frame("Trang chủ", f"""<h2>Tra cứu thủ tục hành chính</h2>
<form action="/thu-tuc-hanh-chinh" method="get"><input name="tu-khoa" placeholder="Nhập tên hoặc mã thủ tục">
<button type="submit">Tìm kiếm</button></form><p>Tổng số thủ tục: {len(procs)}</p>""")

    @app.route("/thu-tuc-hanh-chinh")
    def search() -> str:
        q = request.args.get("tu-khoa", "").strip()
        try:
            page = max(1, int(request.args.get("trang", "1")))
        except ValueError:
            page = 1
        key = _fold(q)
        hits = [p for p in procs if not key or key in _fold(p.name) or key in p.code]
        pages = max(1, (len(hits) + PER_PAGE - 1) // PER_PAGE)
        chunk = hits[(page - 1) * PER_PAGE: page * PER_PAGE]
        rows = "".join(f'<tr><td>{(page - 1) * PER_PAGE + i + 1}</td><td>{e(p.code)}</td>'
                       f'<td><a href="/thu-tuc-hanh-chinh/{e(p.code)}">{e(p.name)}</a></td><td>{e(p.levels)}</td><td>{e(p.field)}</td></tr>'
                       for i, p in enumerate(chunk))
        from urllib.parse import quote
        links = ""
        if page > 1:
            links += f'<a rel="prev" href="/thu-tuc-hanh-chinh?tu-khoa={quote(q)}&trang={page - 1}">Trang trước</a> '
        if page < pages:
            links += f'<a rel="next" href="/thu-tuc-hanh-chinh?tu-khoa={quote(q)}&trang={page + 1}">Trang sau</a>'
        return _frame("Tra cứu thủ tục hành chính", f"""<form action="/thu-tuc-hanh-chinh" method="get">
<input name="tu-khoa" value="{e(q)}"><button type="submit">Tìm kiếm</button></form>
<p class="tong-so">Tìm thấy {len(hits)} thủ tục - Trang {page}/{pages}</p>
<table class="danh-sach-thu-tuc"><tr><th>STT</th><th>Mã thủ tục</th><th>Tên thủ tục</th><th>Cấp thực hiện</th><th>Lĩnh vực</th></tr>{rows}</table>
<p class="phan-trang">{links}</p>""")

    @app.route("/thu-tuc-hanh-chinh/<code>")
    def detail(code: str):
        p = by_code.get(code)
        if p is None:
            return not_found(SITE)
        ways = "".join(f"<tr><td data-title=\"Hình thức nộp\">{e(w)}</td><td data-title=\"Thời hạn giải quyết\">05 ngày làm việc</td>"
                       f"<td data-title=\"Phí, lệ phí\">Theo quy định</td><td data-title=\"Mô tả\"></td></tr>"
                       for w in p.channels.split(";") if w)
        head = f'<meta name="DC.Title" content="{e(p.name)}"><meta name="DC.Identifier" content="{e(p.code)}">'
        main = f"""<h1 class="main-title">{e(p.name)}</h1>
<table class="chi-tiet-thu-tuc">
<tr><th>Tên thủ tục</th><td>{e(p.name)}</td></tr><tr><th>Mã thủ tục</th><td id="ma-thu-tuc">{e(p.code)}</td></tr>
<tr><th>Số quyết định</th><td>{e(p.decision)}</td></tr><tr><th>Cấp thực hiện</th><td>{e(p.levels)}</td></tr>
<tr><th>Loại thủ tục</th><td>{e(p.kind)}</td></tr><tr><th>Lĩnh vực</th><td>{e(p.field)}</td></tr>
<tr><th>Cơ quan thực hiện</th><td>{e(p.authority)}</td></tr></table>
<h2 class="main-title-sub">Cách thức thực hiện</h2>
<table class="table-result-tthc"><tr><th>Hình thức nộp</th><th>Thời hạn giải quyết</th><th>Phí, lệ phí</th><th>Mô tả</th></tr>{ways}</table>"""
        return html_page(p.name, f"<header><h1>{SITE}</h1><nav>{nav(MENU)}</nav></header><main>{main}</main>",
                         site_name=SITE, head=head)

    @app.route("/xuat-du-lieu.csv")
    def export_csv() -> Response:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(_row(p) for p in procs)
        return Response(buf.getvalue().encode("utf-8-sig"), mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="thu-tuc-hanh-chinh.csv"'})

    @app.route("/xuat-du-lieu.json")
    def export_json():
        return jsonify({"tong_so": len(procs), "thu_tuc": [_row(p) for p in procs]})

    return app
