"""Vendor B: a JavaScript single-page app (history routing) over a JSON API; all text in NFD.

The initial HTML of every route is an empty shell; static/spa.js builds pages and forms in the browser.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from flask import Flask, Response, jsonify, redirect, request, session

from demoworld import dvc_common as dc
from demoworld.context import Ctx
from demoworld.files import e_result, form_file
from demoworld.model import Agency, Service
from demoworld.procinfo import fee_text, form_files, payment_text, result_text, ways_rows
from demoworld.web import declared_gate, make_app, money

JS = (Path(__file__).parent.parent / "static" / "spa.js").read_text(encoding="utf-8")
SHELL = """<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cổng dịch vụ công Bộ Tư pháp</title><style>body{font-family:Arial,sans-serif;margin:0}header{background:#0d47a1;color:#fff;padding:8px}
nav a{margin-right:12px}main{padding:8px}label{display:block;margin-top:6px}.loi{color:#b71c1c}.ok{color:#1b5e20}</style></head>
<body><div id="app"><noscript>Vui lòng bật JavaScript để sử dụng Cổng dịch vụ công.</noscript></div><script src="/static/spa.js"></script></body></html>"""


def build(ctx: Ctx, agency: Agency) -> Flask:
    site = f"dvc:{agency.id}"
    app = make_app(site, ctx.state, ctx.delay_ms, nfd=True)
    services = {s.ref: s for s in ctx.data.services_of(agency.id)}

    def live(ref: int) -> Service | None:
        s = services.get(ref)
        return None if s is None or s.dead else s

    def shell(status: int = 200) -> Response:
        return Response(SHELL, status=status, mimetype="text/html")

    @app.route("/")
    @app.route("/tra-cuu")
    @app.route("/ho-so-cua-toi")
    @app.route("/tai-khoan/<path:_p>")
    @app.route("/ho-so/<path:_p>")
    def spa(_p: str = "") -> Response:
        return shell()

    @app.route("/dich-vu-cong/<int:ref>")
    def declared(ref: int) -> Response:
        s = live(ref)
        if s is None:
            return shell(404)
        return declared_gate(ctx.state, s) or shell()

    @app.route("/dich-vu-cong/<int:ref>/<step>")
    def spa_steps(ref: int, step: str) -> Response:
        return shell(200 if live(ref) else 404)

    @app.route("/static/spa.js")
    def js() -> Response:
        return Response(JS, mimetype="application/javascript")

    @app.route("/bieu-mau/<name>")
    def form_download(name: str):
        s = next((x for x in services.values() if name in (fn for fn, _ in form_files(x))), None)
        if s is None:
            return jsonify({"loi": "Không tìm thấy tệp"}), 404
        data, mime = form_file(name, s.name)
        return Response(data, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @app.route("/api/phien")
    def whoami():
        return jsonify({"nguoi_dung": session.get("user")})

    @app.route("/api/thu-tuc")
    def list_services():
        return jsonify({"danh_sach": [{"ma": s.ref, "ten": s.name, "muc_do": s.declared_level, "linh_vuc": s.field}
                                      for s in services.values()]})

    @app.route("/api/thu-tuc/<int:ref>")
    def service(ref: int):
        s = live(ref)
        if s is None:
            return jsonify({"loi": "Không tìm thấy thủ tục"}), 404
        return jsonify({
            "ma": s.ref, "ten": s.name, "ma_thu_tuc": ", ".join(s.codes), "muc_do": s.declared_level, "linh_vuc": s.field,
            "co_quan": s.unit or agency.name, "cach_thuc": ways_rows(s), "phi": fee_text(s), "thanh_toan": payment_text(s),
            "ket_qua": result_text(s), "truc_tuyen": s.online,
            "mau_don": [{"ten": t, "url": "/bieu-mau/" + fn} for fn, t in form_files(s)],
            "xac_thuc_cong_dan": s.has("identity_check"),
            "da_xac_thuc": bool(session.get("citizen")), "nhan_ket_qua": dc.delivery_options(s),
        })

    def fields() -> dict:
        return request.get_json(silent=True) or request.form.to_dict()

    @app.route("/api/tao-tai-khoan", methods=["POST"])
    def register():
        f = fields()
        if not (f.get("ho_ten") and f.get("email") and f.get("mat_khau")):
            return jsonify({"ok": False, "loi": "Vui lòng nhập đầy đủ họ tên, thư điện tử và mật khẩu."}), 400
        if f.get("nhap_lai_mat_khau") not in (None, f["mat_khau"]):
            return jsonify({"ok": False, "loi": "Mật khẩu nhập lại không khớp."}), 400
        if ctx.state.register(site, f["email"], f["mat_khau"], f["ho_ten"], f.get("so_dien_thoai", "")) is None:
            return jsonify({"ok": False, "loi": "Thư điện tử đã được sử dụng."}), 409
        return jsonify({"ok": True, "thong_bao": "Tạo tài khoản thành công."})

    @app.route("/api/dang-nhap", methods=["POST"])
    def login():
        f = fields()
        acc, err = ctx.state.login(site, f.get("email", ""), f.get("mat_khau", ""))
        if acc is None:
            return jsonify({"ok": False, "loi": err}), 401
        session["user"] = acc.email
        return jsonify({"ok": True, "nguoi_dung": acc.email})

    @app.route("/api/dang-xuat", methods=["POST"])
    def logout():
        session.clear()
        return jsonify({"ok": True})

    @app.route("/api/xac-thuc-cong-dan", methods=["POST"])
    def verify_citizen():
        f = fields()
        ok = any(c["cccd"] == f.get("so_cccd", "").strip() and c["ho_ten"].lower() == f.get("ho_ten", "").strip().lower()
                 and c["ngay_sinh"] == f.get("ngay_sinh", "").strip() for c in ctx.data.citizens)
        if not ok:
            return jsonify({"ok": False, "loi": "Thông tin công dân không khớp với CSDL quốc gia về dân cư."}), 400
        session["citizen"] = f["so_cccd"]
        return jsonify({"ok": True})

    @app.route("/api/ho-so", methods=["POST"])
    def submit():
        if not session.get("user"):
            return jsonify({"ok": False, "loi": "Vui lòng đăng nhập."}), 401
        s = live(int(request.form.get("ma", "0") or 0))
        if s is None or not s.online:
            return jsonify({"ok": False, "loi": "Thủ tục không hỗ trợ nộp trực tuyến."}), 400
        if s.has("identity_check") and not session.get("citizen"):
            return jsonify({"ok": False, "loi": "Vui lòng xác thực thông tin công dân trước khi nộp hồ sơ."}), 403
        names = [f.filename for f in request.files.values() if f and f.filename]
        d, err = dc.accept_submission(ctx, site, dc.dossier_prefix(agency.code, s), s, session["user"], request.form.to_dict(), names)
        if d is None:
            return jsonify({"ok": False, "loi": err}), 400
        return jsonify({"ok": True, "ma_ho_so": d.code})

    def dossier_json(code: str) -> dict:
        d = ctx.state.dossier(code, site)
        assert d is not None
        s = next(x for x in services.values() if x.id == d.service_id)
        return {"ma_ho_so": d.code, "thu_tuc": s.name, "trang_thai": d.status, "nhan_ket_qua": dc.DELIVERY_LABELS[d.delivery],
                "phi": money(d.fee) if d.fee else "", "da_thanh_toan": d.paid,
                "ket_qua_url": f"/api/ho-so/{quote(d.code)}/ket-qua.pdf" if d.delivery == "truc-tuyen" and dc.result_ready(d) else ""}

    @app.route("/api/ho-so/<code>")
    def dossier(code: str):
        d = ctx.state.dossier(code, site)
        if d is None or d.owner != session.get("user"):
            return jsonify({"loi": "Không tìm thấy hồ sơ."}), 404
        return jsonify(dossier_json(code))

    @app.route("/api/ho-so-cua-toi")
    def mine():
        return jsonify({"danh_sach": [{"ma_ho_so": d.code, "trang_thai": d.status}
                                      for d in ctx.state.dossiers_of(site, session.get("user", ""))]})

    @app.route("/api/tra-cuu")
    def track():
        d = ctx.state.lookup(request.args.get("ma_ho_so", ""), site)
        if d is None:
            return jsonify({"loi": "Không tìm thấy hồ sơ."}), 404
        return jsonify(dossier_json(d.code))

    @app.route("/api/ho-so/<code>/thanh-toan", methods=["POST"])
    def pay(code: str):
        d = ctx.state.dossier(code, site)
        if d is None or d.owner != session.get("user") or not d.fee:
            return jsonify({"loi": "Không tìm thấy hồ sơ."}), 404
        s = next(x for x in services.values() if x.id == d.service_id)
        return jsonify({"chuyen_huong": dc.start_payment(ctx, d, s, agency.name,
                                                         request.host_url + f"thanh-toan/ve?ma_ho_so={quote(d.code)}")})

    @app.route("/thanh-toan/ve")
    def pay_return():
        ctx.state.settle(request.args.get("ma_giao_dich", ""))
        return redirect("/ho-so/" + quote(request.args.get("ma_ho_so", "")))

    @app.route("/api/ho-so/<code>/ket-qua.pdf")
    def result(code: str):
        d = ctx.state.dossier(code, site)
        if d is None or d.owner != session.get("user") or d.delivery != "truc-tuyen" or not dc.result_ready(d):
            return jsonify({"loi": "Chưa có kết quả."}), 404
        s = next(x for x in services.values() if x.id == d.service_id)
        return Response(e_result(d.code, s.name, d.applicant), mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="ket-qua-{d.code}.pdf"'})

    return app
