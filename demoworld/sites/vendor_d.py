"""Vendor D: an ASP.NET-style "Hệ thống thông tin giải quyết TTHC" with a submission wizard.

Habits of the style: PascalCase routes with query parameters, forms laid out as label/input table
rows, one account per citizen ID ("Số CCCD này đã được đăng ký"), a 12-digit số định danh, dates
typed as dd/mm/yyyy, a terms checkbox, a password confirmation. Submission is a wizard that posts
to itself: Bước 1/3 applicant → Bước 2/3 files + a required delivery <select> → Bước 3/3 a
preview page with no field, only "Xác nhận và nộp hồ sơ". The receipt says "Số biên nhận".
"""
from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote

from flask import Flask, Response, redirect, request, session

from demoworld import dvc_common as dc
from demoworld.context import Ctx
from demoworld.files import e_result, form_file
from demoworld.model import Agency, Service
from demoworld.procinfo import form_files, info_html
from demoworld.web import declared_gate, e, html_page, make_app, money, not_found, notice_modal

# The select's options in the order this vendor lists them: in person first, as most portals do.
SELECT_LABELS = {"truc-tiep": "Nhận trực tiếp tại Trung tâm Phục vụ hành chính công",
                 "buu-chinh": "Nhận qua dịch vụ bưu chính công ích (tại nhà)",
                 "truc-tuyen": "Nhận bản điện tử trực tuyến trên hệ thống"}


def _rows(rows: list[tuple[str, str]]) -> str:
    return "".join(f'<tr><td class="nhan">{label}</td><td>{control}</td></tr>' for label, control in rows)


def _valid_date(text: str) -> bool:
    try:
        datetime.strptime(text.strip(), "%d/%m/%Y")
    except ValueError:
        return False
    return True


def build(ctx: Ctx, agency: Agency) -> Flask:
    site = f"dvc:{agency.id}"
    province = agency.name.replace("UBND tỉnh ", "")
    title = f"Hệ thống thông tin giải quyết thủ tục hành chính tỉnh {province}"
    app = make_app(site, ctx.state, ctx.delay_ms)
    services = {s.ref: s for s in ctx.data.services_of(agency.id)}

    def page(name: str, main: str, status: int = 200):
        user = session.get("user")
        account = (f'<span>{e(user)}</span> | <a href="/HoSo/CuaToi">Hồ sơ của tôi</a> | <a href="/TaiKhoan/DangXuat">Thoát</a>'
                   if user else '<a href="/TaiKhoan/DangKy">Đăng ký</a> | <a href="/TaiKhoan/DangNhap">Đăng nhập</a>')
        body = (f'<header><div class="logo">{e(title.upper())}</div><div class="tk">{account}</div></header>'
                '<nav><a href="/">Trang chủ</a><a href="/TTHC/DanhSach">Thủ tục hành chính</a>'
                '<a href="/TraCuu">Tra cứu hồ sơ</a><a href="/HoiDap">Hỏi đáp</a></nav>'
                f'<main>{main}</main><footer>Cơ quan chủ quản: {e(agency.name)} - {e(agency.address)}</footer>')
        return html_page(name, body, site_name=title, css=".nhan{width:35%;font-weight:bold}.buoc{color:#0d47a1}"), status

    def live(ref: int) -> Service | None:
        s = services.get(ref)
        return None if s is None or s.dead else s

    def ref_arg() -> int:
        try:
            return int(request.args.get("maTTHC", "0"))
        except ValueError:
            return 0

    @app.route("/")
    def home():
        return page("Trang chủ", f"<h1>{e(title)}</h1><p>Tiếp nhận và giải quyết thủ tục hành chính trực tuyến.</p>")

    @app.route("/HoiDap")
    def faq():
        return page("Hỏi đáp", "<h1>Hỏi đáp</h1><p>Chưa có câu hỏi.</p>")

    @app.route("/TTHC/DanhSach")
    def catalogue():
        rows = "".join(f'<tr><td>{i}</td><td><a href="/TTHC/ChiTiet?maTTHC={s.ref}">{e(s.name)}</a></td><td>{e(s.field)}</td></tr>'
                       for i, s in enumerate(services.values(), 1))
        return page("Thủ tục hành chính", f"<h1>Danh sách thủ tục hành chính</h1><table>{rows}</table>")

    @app.route("/TTHC/ChiTiet")
    def detail():
        s = live(ref_arg())
        if s is None:
            return not_found(title)
        gate = declared_gate(ctx.state, s)
        if gate is not None:
            return gate
        if s.online:
            act = (f'<form method="get" action="/NopHoSo"><input type="hidden" name="maTTHC" value="{s.ref}">'
                   '<button type="submit" class="btn-nop">Nộp trực tuyến</button></form>')
        else:
            act = ('<div class="canh-bao">Thủ tục này tiếp nhận hồ sơ tại Trung tâm Phục vụ hành chính công hoặc qua bưu chính. '
                   'Ông/Bà tải mẫu đơn, tờ khai ở trên để chuẩn bị hồ sơ.</div>')
        notice = notice_modal("Tôi đã hiểu", after_ms=150) if s.has("notice_modal") else ""
        return page(s.name, f"<h1>{e(s.name)}</h1>{info_html(s, agency.name, '/TaiLieu/')}{act}{notice}")

    @app.route("/TaiLieu/<fname>")
    def download(fname: str):
        s = next((x for x in services.values() if fname in (fn for fn, _ in form_files(x))), None)
        if s is None:
            return not_found(title)
        data, mime = form_file(fname, s.name)
        return Response(data, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{fname}"'})

    # --- accounts ------------------------------------------------------------------------------
    def register_form(msg: str = "", f: dict | None = None) -> str:
        f = f or {}

        def box(name: str, kind: str = "text", extra: str = "") -> str:
            value = "" if kind == "password" else f' value="{e(f.get(name, ""))}"'
            return f'<input type="{kind}" name="{name}" id="{name}"{value}{extra}>'
        rows = _rows([("Họ và tên (*)", box("txtHoTen")),
                      ("Số định danh cá nhân (*)", box("txtSoDinhDanh", extra=' maxlength="12"')),
                      ("Ngày sinh (*)", box("txtNgaySinh", extra=' placeholder="dd/mm/yyyy"')),
                      ("Số điện thoại di động (*)", box("txtDienThoai")),
                      ("Thư điện tử (*)", box("txtEmail")),
                      ("Mật khẩu (*)", box("txtMatKhau", "password")),
                      ("Nhập lại mật khẩu (*)", box("txtNhapLaiMatKhau", "password"))])
        return f"""<h1>Đăng ký tài khoản công dân</h1>{msg}<form method="post" action="/TaiKhoan/DangKy">
<table class="bang-dang-ky">{rows}</table>
<p><input type="checkbox" name="chkDieuKhoan" id="chkDieuKhoan" value="1"> Tôi đã đọc và đồng ý với điều khoản sử dụng của hệ thống</p>
<input type="submit" value="Đăng ký"></form>"""

    @app.route("/TaiKhoan/DangKy", methods=["GET", "POST"])
    def register():
        if request.method == "GET":
            return page("Đăng ký tài khoản", register_form())
        f = request.form.to_dict()
        error = ""
        if not all(f.get(k, "").strip() for k in ("txtHoTen", "txtSoDinhDanh", "txtNgaySinh", "txtDienThoai", "txtEmail", "txtMatKhau")):
            error = "Vui lòng nhập đầy đủ các trường bắt buộc (*)."
        elif not re.fullmatch(r"\d{12}", f["txtSoDinhDanh"].strip()):
            error = "Số định danh cá nhân phải gồm đúng 12 chữ số."
        elif not _valid_date(f["txtNgaySinh"]):
            error = "Ngày sinh không đúng định dạng dd/mm/yyyy."
        elif f["txtMatKhau"] != f.get("txtNhapLaiMatKhau"):
            error = "Mật khẩu nhập lại không khớp."
        elif not f.get("chkDieuKhoan"):
            error = "Ông/Bà phải đồng ý với điều khoản sử dụng."
        elif ctx.state.id_taken(site, f["txtSoDinhDanh"]):
            error = "Số CCCD này đã được đăng ký. Mỗi công dân chỉ được đăng ký một tài khoản."
        elif ctx.state.register(site, f["txtEmail"], f["txtMatKhau"], f["txtHoTen"], f["txtDienThoai"],
                                id_number=f["txtSoDinhDanh"]) is None:
            error = "Thư điện tử đã được sử dụng."
        if error:
            return page("Đăng ký tài khoản", register_form(f'<p class="loi">{e(error)}</p>', f), 400)
        return page("Đăng ký thành công", '<p class="ok">Đăng ký tài khoản thành công. Mời Ông/Bà đăng nhập để sử dụng dịch vụ.</p>'
                                         '<p><a href="/TaiKhoan/DangNhap">Đăng nhập</a></p>')

    def login_form(back: str, msg: str = "") -> str:
        rows = _rows([("Tên đăng nhập (số định danh hoặc thư điện tử)", '<input name="txtTenDangNhap" id="txtTenDangNhap">'),
                      ("Mật khẩu", '<input type="password" name="txtMatKhau" id="txtMatKhauDN">')])
        return (f'<h1>Đăng nhập hệ thống</h1>{msg}<form method="post" action="/TaiKhoan/DangNhap">'
                f'<input type="hidden" name="ReturnUrl" value="{e(back)}"><table>{rows}</table>'
                '<input type="submit" value="Đăng nhập"></form><p>Chưa có tài khoản? <a href="/TaiKhoan/DangKy">Đăng ký</a></p>')

    @app.route("/TaiKhoan/DangNhap", methods=["GET", "POST"])
    def login():
        back = request.values.get("ReturnUrl", "/")
        if request.method == "POST":
            name = request.form.get("txtTenDangNhap", "")
            by_id = ctx.state.account_by_id(site, name)
            acc, err = ctx.state.login(site, by_id.email if by_id else name, request.form.get("txtMatKhau", ""))
            if acc is not None:
                session["user"] = acc.email
                return redirect(back if back.startswith("/") else "/")
            return page("Đăng nhập", login_form(back, f'<p class="loi">{e(err)}</p>'), 401)
        return page("Đăng nhập", login_form(back))

    @app.route("/TaiKhoan/DangXuat")
    def logout():
        session.clear()
        return redirect("/")

    # --- the wizard ----------------------------------------------------------------------------
    def header(s: Service, step: int, name: str) -> str:
        marks = "".join(f'<li class="{"hien-tai" if i == step else ""}">Bước {i}</li>' for i in (1, 2, 3))
        return f'<h1>{e(s.name)}</h1><ol class="cac-buoc">{marks}</ol><h2 class="buoc">Bước {step}/3: {e(name)}</h2>'

    def step1(s: Service, msg: str = "") -> str:
        kept = session.get(f"nhap_{s.ref}", {})

        def box(name: str, extra: str = "") -> str:
            return f'<input name="{name}" value="{e(kept.get(name, ""))}"{extra}>'
        rows = _rows([("Họ và tên người nộp (*)", box("HoTenNguoiNop")),
                      ("Số định danh cá nhân (*)", box("SoDinhDanh", ' maxlength="12"')),
                      ("Ngày sinh", box("NgaySinh", ' placeholder="dd/mm/yyyy"')),
                      ("Địa chỉ thường trú", box("DiaChi")),
                      ("Số điện thoại liên hệ", box("DienThoai")),
                      ("Nội dung đề nghị", '<textarea name="NoiDung"></textarea>')])
        return (header(s, 1, "Thông tin người nộp hồ sơ") + msg +
                f'<form method="post" action="/NopHoSo?maTTHC={s.ref}&amp;buoc=2"><table>{rows}</table>'
                '<input type="submit" value="Tiếp tục"></form>')

    def step2(s: Service, msg: str = "") -> str:
        allowed = {k for k, _ in dc.delivery_options(s)}
        options = "".join(f'<option value="{k}">{e(v)}</option>' for k, v in SELECT_LABELS.items() if k in allowed)
        rows = _rows([("Tờ khai theo mẫu (*)", '<input type="file" name="TepToKhai">'),
                      ("Bản sao giấy tờ tùy thân", '<input type="file" name="TepGiayTo">'),
                      ("Hình thức nhận kết quả (*)",
                       f'<select name="HinhThucNhanKQ"><option value="">-- Chọn hình thức nhận kết quả --</option>{options}</select>')])
        return (header(s, 2, "Thành phần hồ sơ") + msg +
                f'<form method="post" enctype="multipart/form-data" action="/NopHoSo?maTTHC={s.ref}&amp;buoc=3"><table>{rows}</table>'
                '<p><input type="checkbox" name="CamKet" value="1"> Tôi xin cam đoan các thông tin và giấy tờ trên là đúng sự thật.</p>'
                '<a href="/NopHoSo?maTTHC=' + str(s.ref) + '">Quay lại</a> <input type="submit" value="Tiếp tục"></form>')

    def step3(s: Service) -> str:
        kept, files = session.get(f"nhap_{s.ref}", {}), session.get(f"tep_{s.ref}", {})
        rows = _rows([("Người nộp", e(kept.get("HoTenNguoiNop", ""))), ("Số định danh", e(kept.get("SoDinhDanh", ""))),
                      ("Tệp đính kèm", e(", ".join(files.get("names", [])))),
                      ("Hình thức nhận kết quả", e(SELECT_LABELS.get(files.get("delivery", ""), "")))])
        return (header(s, 3, "Xác nhận thông tin hồ sơ") + "<p>Vui lòng kiểm tra lại thông tin trước khi nộp.</p>"
                f'<table class="xem-truoc">{rows}</table>'
                f'<form method="post" action="/NopHoSo?maTTHC={s.ref}&amp;buoc=4">'
                f'<a href="/NopHoSo?maTTHC={s.ref}&amp;buoc=2">Quay lại</a> <button type="submit">Xác nhận và nộp hồ sơ</button></form>')

    @app.route("/NopHoSo", methods=["GET", "POST"])
    def wizard():
        s = live(ref_arg())
        if s is None or not s.online:
            return not_found(title)
        if not session.get("user"):
            return redirect("/TaiKhoan/DangNhap?ReturnUrl=" + quote(f"/NopHoSo?maTTHC={s.ref}"))
        step = request.args.get("buoc", "1")
        if request.method == "GET" or step == "1":
            return page("Nộp hồ sơ - Bước 1", step1(s))
        if step == "2":
            f = request.form.to_dict()
            if not f.get("HoTenNguoiNop", "").strip() or not re.fullmatch(r"\d{12}", f.get("SoDinhDanh", "").strip()):
                return page("Nộp hồ sơ - Bước 1", step1(s, '<p class="loi">Vui lòng nhập họ tên và số định danh cá nhân (12 chữ số).</p>'), 400)
            if f.get("NgaySinh") and not _valid_date(f["NgaySinh"]):
                return page("Nộp hồ sơ - Bước 1", step1(s, '<p class="loi">Ngày sinh không đúng định dạng dd/mm/yyyy.</p>'), 400)
            session[f"nhap_{s.ref}"] = f
            return page("Nộp hồ sơ - Bước 2", step2(s))
        if f"nhap_{s.ref}" not in session:
            return redirect(f"/NopHoSo?maTTHC={s.ref}")
        if step == "3":
            names = [f.filename for key, f in request.files.items() if key == "TepToKhai" and f and f.filename]
            names += [f.filename for key, f in request.files.items() if key != "TepToKhai" and f and f.filename]
            delivery = request.form.get("HinhThucNhanKQ", "")
            if "TepToKhai" not in request.files or not request.files["TepToKhai"].filename:
                return page("Nộp hồ sơ - Bước 2", step2(s, '<p class="loi">Vui lòng đính kèm tờ khai.</p>'), 400)
            if delivery not in {k for k, _ in dc.delivery_options(s)}:
                return page("Nộp hồ sơ - Bước 2", step2(s, '<p class="loi">Vui lòng chọn hình thức nhận kết quả.</p>'), 400)
            if not request.form.get("CamKet"):
                return page("Nộp hồ sơ - Bước 2", step2(s, '<p class="loi">Vui lòng đánh dấu ô cam đoan.</p>'), 400)
            session[f"tep_{s.ref}"] = {"names": names, "delivery": delivery}
            return page("Nộp hồ sơ - Bước 3", step3(s))
        files = session.get(f"tep_{s.ref}")
        if step != "4" or not files:
            return redirect(f"/NopHoSo?maTTHC={s.ref}")
        kept = session.pop(f"nhap_{s.ref}")
        session.pop(f"tep_{s.ref}", None)
        form = {"ho_ten": kept.get("HoTenNguoiNop", ""), "so_cccd": kept.get("SoDinhDanh", ""),
                "ngay_sinh": kept.get("NgaySinh", ""), "dia_chi": kept.get("DiaChi", ""),
                "so_dien_thoai": kept.get("DienThoai", ""), "noi_dung": kept.get("NoiDung", ""), "cam_ket": "1",
                "hinh_thuc_nhan_ket_qua": files["delivery"]}
        d, err = dc.accept_submission(ctx, site, dc.dossier_prefix(agency.code, s), s, session["user"], form, files["names"])
        if d is None:
            return page("Nộp hồ sơ", step1(s, f'<p class="loi">{e(err)}</p>'), 400)
        return redirect(f"/HoSo/ChiTiet?soBienNhan={quote(d.code)}")

    # --- the dossier ---------------------------------------------------------------------------
    def summary(code: str) -> str:
        d = ctx.state.dossier(code, site)
        assert d is not None
        s = next(x for x in services.values() if x.id == d.service_id)
        rows = [("Số biên nhận", f"<b>{e(d.code)}</b>"), ("Tên thủ tục", e(s.name)), ("Trạng thái", e(d.status)),
                ("Hình thức nhận kết quả", e(SELECT_LABELS[d.delivery]))]
        if d.fee:
            rows.append(("Lệ phí", e(money(d.fee)) + (" - Đã thanh toán" if d.paid else " - Chưa thanh toán")))
        else:
            rows.append(("Phí, lệ phí", "Không thu phí, lệ phí"))
        out = f"<table>{_rows(rows)}</table>"
        if d.fee and not d.paid and s.has("pay_online"):
            out += (f'<form method="post" action="/HoSo/ThanhToan"><input type="hidden" name="soBienNhan" value="{e(d.code)}">'
                    '<button type="submit">Thanh toán trực tuyến</button></form>')
        if d.delivery == "truc-tuyen" and dc.result_ready(d):
            out += f'<p><a href="/HoSo/KetQua?soBienNhan={quote(d.code)}">Tải kết quả điện tử</a></p>'
        return out

    def mine(code: str):
        d = ctx.state.dossier(code, site)
        return d if d is not None and d.owner == session.get("user") else None

    @app.route("/HoSo/ChiTiet")
    def dossier():
        code = request.args.get("soBienNhan", "")
        if mine(code) is None:
            return not_found(title)
        return page("Thông tin hồ sơ", "<h1>Hồ sơ đã được gửi</h1><p class='ok'>Hệ thống đã tiếp nhận hồ sơ của Ông/Bà.</p>"
                                      + summary(code))

    @app.route("/HoSo/ThanhToan", methods=["POST"])
    def pay():
        d = mine(request.form.get("soBienNhan", ""))
        if d is None or not d.fee:
            return not_found(title)
        s = next(x for x in services.values() if x.id == d.service_id)
        back = request.host_url + "HoSo/KetQuaThanhToan?soBienNhan=" + quote(d.code)
        return redirect(dc.start_payment(ctx, d, s, agency.name, back))

    @app.route("/HoSo/KetQuaThanhToan")
    def pay_return():
        ctx.state.settle(request.args.get("ma_giao_dich", ""))
        return redirect("/HoSo/ChiTiet?soBienNhan=" + quote(request.args.get("soBienNhan", "")))

    @app.route("/HoSo/KetQua")
    def e_copy():
        d = mine(request.args.get("soBienNhan", ""))
        if d is None or d.delivery != "truc-tuyen" or not dc.result_ready(d):
            return not_found(title)
        s = next(x for x in services.values() if x.id == d.service_id)
        return Response(e_result(d.code, s.name, d.applicant), mimetype="application/pdf")

    @app.route("/HoSo/CuaToi")
    def my_dossiers():
        if not session.get("user"):
            return redirect("/TaiKhoan/DangNhap?ReturnUrl=/HoSo/CuaToi")
        rows = "".join(f'<tr><td><a href="/HoSo/ChiTiet?soBienNhan={quote(d.code)}">{e(d.code)}</a></td><td>{e(d.status)}</td></tr>'
                       for d in ctx.state.dossiers_of(site, session["user"]))
        return page("Hồ sơ của tôi", f"<h1>Hồ sơ của tôi</h1><table>{rows}</table>")

    @app.route("/TraCuu")
    def track():
        code = request.args.get("soBienNhan", "").strip()
        out = ""
        if code:
            out = summary(code) if ctx.state.lookup(code, site) else '<p class="loi">Không tìm thấy hồ sơ có số biên nhận này.</p>'
        rows = _rows([("Số biên nhận hồ sơ", f'<input name="soBienNhan" value="{e(code)}">')])
        return page("Tra cứu hồ sơ", f'<h1>Tra cứu tình trạng hồ sơ</h1><form method="get" action="/TraCuu"><table>{rows}</table>'
                                    f'<input type="submit" value="Tìm kiếm"></form>{out}')

    return app
