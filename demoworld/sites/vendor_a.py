"""Vendor A: server-rendered DVC portal (OpenCPS / Bắc Ninh style), NFC text, email-confirmed accounts.

Flow: /thu-tuc/<ref> -> "Nộp hồ sơ trực tuyến" -> /dang-nhap (or "Đăng ký" + mailed activation link)
-> /thu-tuc/<ref>/nop-ho-so (multipart form) -> /ho-so/<code> ("Mã hồ sơ: ...") -> "Thanh toán trực tuyến"
-> pay site -> back to /ho-so/<code> ("Đã thanh toán"); tracking at /tra-cuu-ho-so?ma_ho_so=CODE.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Flask, Response, redirect, request, session

from demoworld import dvc_common as dc
from demoworld.context import Ctx
from demoworld.files import e_result, form_file
from demoworld.model import Agency, Service
from demoworld.procinfo import form_files, info_html, level2_notice
from demoworld.sites import hostile
from demoworld.web import declared_gate, e, html_page, make_app, money, nav, not_found, notice_modal


def build(ctx: Ctx, agency: Agency) -> Flask:
    site = f"dvc:{agency.id}"
    site_name = f"Cổng dịch vụ công tỉnh {agency.name.replace('UBND tỉnh ', '')}"
    app = make_app(site, ctx.state, ctx.delay_ms)
    services = {s.ref: s for s in ctx.data.services_of(agency.id)}
    hostile.register(app, ctx)

    def frame(title: str, main: str, status: int = 200):
        user = session.get("user")
        acct = (f'<span>Xin chào {e(user)}</span> <a href="/quan-ly-ho-so">Quản lý hồ sơ</a> <a href="/dang-xuat">Đăng xuất</a>'
                if user else '<a href="/dang-ky">Đăng ký</a> <a href="/dang-nhap">Đăng nhập</a>')
        menu = nav([("/", "TRANG CHỦ"), ("/thutuchanhchinh", "DANH MỤC DỊCH VỤ CÔNG"), ("/quan-ly-ho-so", "QUẢN LÝ HỒ SƠ"),
                    ("/danh-gia", "ĐÁNH GIÁ"), ("/tra-cuu-ho-so", "TRA CỨU HỒ SƠ")])
        body = (f'<header><img src="/favicon.ico" alt="Quốc huy" width="40"> <strong>CHÍNH QUYỀN ĐIỆN TỬ {e(agency.name.upper())}</strong>'
                f'<div class="tai-khoan">{acct}</div></header><nav>{menu}</nav><main>{main}</main>'
                f'<footer>{e(site_name)} - {e(agency.address)} - Điện thoại: {e(agency.phone)}</footer>')
        return html_page(title, body, site_name=site_name), status

    def svc_or_404(ref: int) -> Service | None:
        s = services.get(ref)
        return None if s is None or s.has("dead_404") or s.has("dead_refused") else s

    @app.route("/")
    def home():
        return frame("Trang chủ", f"<h1>{e(site_name)}</h1><p>Tra cứu, nộp hồ sơ trực tuyến và theo dõi kết quả giải quyết.</p>"
                                  '<form action="/tra-cuu-ho-so"><input name="ma_ho_so" placeholder="Nhập mã hồ sơ">'
                                  '<button type="submit">Tra cứu</button></form>')

    @app.route("/thutuchanhchinh")
    def catalogue():
        rows = ""
        for i, s in enumerate(services.values(), 1):
            act = f'<a href="/thu-tuc/{s.ref}">Thực hiện</a>' if s.online else f'<a href="/thu-tuc/{s.ref}">Xem chi tiết</a>'
            rows += f"<tr><td>{i}</td><td>{e(s.name)}</td><td>Mức độ {s.declared_level}</td><td>{e(s.field)}</td><td>{act}</td></tr>"
        return frame("Danh mục dịch vụ công", "<h1>DANH MỤC DỊCH VỤ CÔNG</h1><table><tr><th>STT</th><th>Tên thủ tục hành chính</th>"
                                             f"<th>Mức độ</th><th>Lĩnh vực</th><th>Đăng ký</th></tr>{rows}</table>")

    @app.route("/thu-tuc/<int:ref>")
    def service_page(ref: int):
        s = svc_or_404(ref)
        if s is None:
            return not_found(site_name)
        gate = declared_gate(ctx.state, s)
        if gate is not None:
            return gate
        action = (f'<p><a class="btn" href="/thu-tuc/{s.ref}/nop-ho-so">Nộp hồ sơ trực tuyến</a></p>' if s.online else level2_notice())
        notice = notice_modal("Đóng") if s.has("notice_modal") else ""
        return frame(s.name, f"<h1>{e(s.name)}</h1>{info_html(s, agency.name, '/bieu-mau/')}{action}{notice}")

    @app.route("/bieu-mau/<name>")
    def form_download(name: str):
        s = next((x for x in services.values() if name in (fn for fn, _ in form_files(x))), None)
        if s is None:
            return not_found(site_name)
        data, mime = form_file(name, s.name)
        return Response(data, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @app.route("/dang-ky", methods=["GET", "POST"])
    def register():
        msg = ""
        if request.method == "POST":
            f = request.form
            if not (f.get("ho_ten") and f.get("email") and f.get("mat_khau")):
                msg = '<p class="loi">Vui lòng nhập đầy đủ thông tin bắt buộc.</p>'
            elif f.get("mat_khau") != f.get("nhap_lai_mat_khau"):
                msg = '<p class="loi">Mật khẩu nhập lại không khớp.</p>'
            else:
                acc = ctx.state.register(site, f["email"], f["mat_khau"], f["ho_ten"], f.get("so_dien_thoai", ""),
                                         needs_activation=True)
                if acc is None:
                    msg = '<p class="loi">Địa chỉ thư điện tử đã được đăng ký.</p>'
                else:
                    link = request.host_url + "kich-hoat?ma=" + quote(acc.token)
                    ctx.state.send_mail(acc.email, f"[{site_name}] Kích hoạt tài khoản",
                                        f"Kính gửi {acc.full_name},\nCảm ơn Ông/Bà đã đăng ký tài khoản. "
                                        f"Vui lòng bấm vào liên kết sau để kích hoạt tài khoản:\n{link}\n", [link])
                    return frame("Đăng ký thành công", '<p class="ok">Đăng ký tài khoản thành công. Vui lòng kiểm tra hộp thư '
                                 f'{e(acc.email)} và bấm vào liên kết kích hoạt tài khoản.</p>')
        return frame("Đăng ký tài khoản", f"""<h1>Đăng ký tài khoản</h1>{msg}
<form method="post" action="/dang-ky">
<label>Họ và tên (*) <input name="ho_ten" required></label>
<label>Số CCCD/định danh cá nhân <input name="so_cccd"></label>
<label>Số điện thoại <input name="so_dien_thoai" type="tel"></label>
<label>Thư điện tử (*) <input name="email" type="email" required></label>
<label>Mật khẩu (*) <input name="mat_khau" type="password" required></label>
<label>Nhập lại mật khẩu (*) <input name="nhap_lai_mat_khau" type="password" required></label>
<button type="submit">Đăng ký</button></form>""")

    @app.route("/kich-hoat")
    def activate():
        acc = ctx.state.activate(site, request.args.get("ma", ""))
        if acc is None:
            return frame("Kích hoạt", '<p class="loi">Liên kết kích hoạt không hợp lệ hoặc đã hết hạn.</p>', 400)
        return frame("Kích hoạt", '<p class="ok">Tài khoản đã được kích hoạt thành công.</p><p><a href="/dang-nhap">Đăng nhập</a></p>')

    @app.route("/dang-nhap", methods=["GET", "POST"])
    def login():
        nxt = request.values.get("next", "/")
        msg = ""
        if request.method == "POST":
            acc, err = ctx.state.login(site, request.form.get("ten_dang_nhap", ""), request.form.get("mat_khau", ""))
            if acc is not None:
                session["user"] = acc.email
                return redirect(nxt if nxt.startswith("/") else "/")
            msg = f'<p class="loi">{e(err)}</p>'
        return frame("Đăng nhập", f"""<h1>Đăng nhập</h1>{msg}
<form method="post" action="/dang-nhap"><input type="hidden" name="next" value="{e(nxt)}">
<label>Tên đăng nhập (thư điện tử) <input name="ten_dang_nhap" required></label>
<label>Mật khẩu <input name="mat_khau" type="password" required></label>
<button type="submit">Đăng nhập</button></form><p>Chưa có tài khoản? <a href="/dang-ky">Đăng ký</a></p>""")

    @app.route("/dang-xuat")
    def logout():
        session.clear()
        return redirect("/")

    @app.route("/thu-tuc/<int:ref>/nop-ho-so", methods=["GET", "POST"])
    def submit(ref: int):
        s = svc_or_404(ref)
        if s is None or not s.online:
            return not_found(site_name)
        if not session.get("user"):
            return redirect(f"/dang-nhap?next=/thu-tuc/{ref}/nop-ho-so")
        msg = ""
        if request.method == "POST":
            names = [f.filename for f in request.files.values() if f and f.filename]
            d, err = dc.accept_submission(ctx, site, dc.dossier_prefix(agency.code, s), s, session["user"],
                                          request.form.to_dict(), names)
            if d is not None:
                return redirect(f"/ho-so/{quote(d.code)}")
            msg = f'<p class="loi">{e(err)}</p>'
        opts = dc.delivery_options(s)
        delivery = "".join(f'<label><input type="radio" name="hinh_thuc_nhan_ket_qua" value="{k}"{" checked" if i == 0 else ""}> {e(v)}</label>'
                           for i, (k, v) in enumerate(opts))
        return frame("Nộp hồ sơ trực tuyến", f"""<h1>Nộp hồ sơ trực tuyến</h1><h2>{e(s.name)}</h2>{msg}
<form method="post" enctype="multipart/form-data" action="/thu-tuc/{ref}/nop-ho-so">
<fieldset><legend>Bước 1: Nhập đơn đăng ký</legend>
<label>Họ và tên người nộp (*) <input name="ho_ten" required></label>
<label>Số CCCD/định danh cá nhân (*) <input name="so_cccd" required></label>
<label>Ngày sinh <input name="ngay_sinh" type="date"></label>
<label>Địa chỉ thường trú <input name="dia_chi"></label>
<label>Số điện thoại <input name="so_dien_thoai" type="tel"></label>
<label>Nội dung yêu cầu giải quyết <textarea name="noi_dung"></textarea></label></fieldset>
<fieldset><legend>Bước 2: Tải thành phần hồ sơ (dung lượng tối đa 5 MB/tệp)</legend>
<label>Tờ khai (*) <input type="file" name="tep_to_khai" accept=".pdf,.doc,.docx,.jpg,.png,.txt"></label>
<label>Giấy tờ kèm theo <input type="file" name="tep_giay_to" accept=".pdf,.doc,.docx,.jpg,.png,.txt"></label></fieldset>
<fieldset><legend>Hình thức nhận kết quả</legend>{delivery}</fieldset>
<label><input type="checkbox" name="cam_ket" value="1"> Tôi xin cam đoan những thông tin khai trên là đúng sự thật.</label>
<button type="submit" name="hanh_dong" value="luu">Lưu lại &amp; nộp sau</button>
<button type="submit" name="hanh_dong" value="nop">Nộp hồ sơ</button></form>""")

    def dossier_block(code: str) -> str:
        d = ctx.state.dossier(code, site)
        assert d is not None
        s = next(x for x in services.values() if x.id == d.service_id)
        pay = ""
        if s.level >= 4 and d.fee:
            pay = (f'<p class="ok">Trạng thái thanh toán: Đã thanh toán ({e(money(d.fee))}, mã giao dịch {e(d.payment_id)})</p>' if d.paid else
                   f'<p>Phí, lệ phí: {e(money(d.fee))} - Chưa thanh toán. <a href="/ho-so/{quote(d.code)}/thanh-toan">Thanh toán trực tuyến</a></p>')
        elif s.level == 3:
            pay = "<p>Phí, lệ phí và nhận kết quả: tại Bộ phận một cửa.</p>"
        res = ""
        if d.delivery == "truc-tuyen" and dc.result_ready(d):
            res = f'<p><a href="/ho-so/{quote(d.code)}/ket-qua.pdf">Tải kết quả điện tử</a></p>'
        return (f'<p class="ma-ho-so">Mã hồ sơ: <strong>{e(d.code)}</strong></p><p>Thủ tục: {e(s.name)}</p>'
                f'<p>Trạng thái: <span class="trang-thai">{e(d.status)}</span></p>'
                f'<p>Hình thức nhận kết quả: {e(dc.DELIVERY_LABELS[d.delivery])}</p>{pay}{res}')

    @app.route("/ho-so/<code>")
    def dossier(code: str):
        d = ctx.state.dossier(code, site)
        if d is None or d.owner != session.get("user"):
            return not_found(site_name)
        return frame("Hồ sơ " + d.code, '<h1>Nộp hồ sơ thành công</h1><p class="ok">Hồ sơ của Ông/Bà đã được gửi thành công.</p>'
                     + dossier_block(code) + '<p><a href="/tra-cuu-ho-so">Tra cứu hồ sơ</a></p>')

    @app.route("/ho-so/<code>/thanh-toan")
    def pay(code: str):
        d = ctx.state.dossier(code, site)
        if d is None or d.owner != session.get("user") or not d.fee:
            return not_found(site_name)
        s = next(x for x in services.values() if x.id == d.service_id)
        back = request.host_url + f"ho-so/{quote(d.code)}/ket-qua-thanh-toan"
        return redirect(dc.start_payment(ctx, d, s, agency.name, back))

    @app.route("/ho-so/<code>/ket-qua-thanh-toan")
    def pay_return(code: str):
        ctx.state.settle(request.args.get("ma_giao_dich", ""))
        return redirect(f"/ho-so/{quote(code)}")

    @app.route("/ho-so/<code>/ket-qua.pdf")
    def result(code: str):
        d = ctx.state.dossier(code, site)
        if d is None or d.owner != session.get("user") or not dc.result_ready(d) or d.delivery != "truc-tuyen":
            return not_found(site_name)
        s = next(x for x in services.values() if x.id == d.service_id)
        return Response(e_result(d.code, s.name, d.applicant), mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="ket-qua-{d.code}.pdf"'})

    @app.route("/tra-cuu-ho-so")
    def track():
        code = request.args.get("ma_ho_so", "").strip()
        out = ""
        if code:
            d = ctx.state.lookup(code, site)
            out = dossier_block(code) if d else '<p class="loi">Không tìm thấy hồ sơ.</p>'
        return frame("Tra cứu hồ sơ", f'<h1>Tra cứu hồ sơ</h1><form action="/tra-cuu-ho-so"><label>Mã hồ sơ '
                                      f'<input name="ma_ho_so" value="{e(code)}"></label><button type="submit">Tra cứu</button></form>{out}')

    @app.route("/quan-ly-ho-so")
    def my_dossiers():
        if not session.get("user"):
            return redirect("/dang-nhap?next=/quan-ly-ho-so")
        rows = "".join(f'<tr><td><a href="/ho-so/{quote(d.code)}">{e(d.code)}</a></td><td>{e(d.status)}</td></tr>'
                       for d in ctx.state.dossiers_of(site, session["user"]))
        return frame("Quản lý hồ sơ", f"<h1>QUẢN LÝ HỒ SƠ</h1><table><tr><th>Mã hồ sơ</th><th>Trạng thái</th></tr>{rows}</table>")

    @app.route("/danh-gia")
    def rating():
        return frame("Đánh giá", "<h1>Đánh giá mức độ hài lòng</h1><p>Rất hài lòng / Hài lòng / Chưa hài lòng</p>")

    return app
