"""Vendor C: the province's DVC portal embeds each service form in an <iframe> served by the
vendor's form host on another port. Both apps are built here.

Outer: /dichvucong/chitiet?id=<ref> (declared URL) -> <iframe src=FORM/bieu-mau/<ref>>.
Form host: login / "Đăng ký tài khoản" / form / receipt "Mã hồ sơ" / "Thanh toán" (target=_top) / tra cứu.
"""
from __future__ import annotations

import secrets
from urllib.parse import quote

from flask import Flask, Response, redirect, request, session

from demoworld import captcha
from demoworld import dvc_common as dc
from demoworld.context import Ctx
from demoworld.files import e_result, form_file
from demoworld.model import Agency, Service
from demoworld.procinfo import form_files, info_html, level2_notice
from demoworld.web import declared_gate, e, html_page, make_app, money, nav, not_found


def build(ctx: Ctx, agency: Agency) -> tuple[Flask, Flask]:
    return _outer(ctx, agency), _form_host(ctx, agency)


def _services(ctx: Ctx, agency: Agency) -> dict[int, Service]:
    return {s.ref: s for s in ctx.data.services_of(agency.id)}


def _outer(ctx: Ctx, agency: Agency) -> Flask:
    site = f"dvc:{agency.id}"
    form = ctx.urls[f"form:{agency.id}"]
    name = f"Cổng dịch vụ công trực tuyến tỉnh {agency.name.replace('UBND tỉnh ', '')}"
    app = make_app(site, ctx.state, ctx.delay_ms)
    services = _services(ctx, agency)

    def frame(title: str, main: str) -> str:
        menu = nav([("/", "Trang chủ"), ("/dichvucong/donvi?iMucDo=3", "Dịch vụ công mức độ 3"),
                    ("/dichvucong/donvi?iMucDo=4", "Dịch vụ công mức độ 4"), ("/tra-cuu-ho-so", "Tra cứu hồ sơ"),
                    ("/tai-khoan", "Đăng ký tài khoản / Đăng nhập")])
        return html_page(title, f"<header><strong>{e(name.upper())}</strong></header><nav>{menu}</nav><main>{main}</main>"
                                f"<footer>{e(agency.name)} - {e(agency.address)} - {e(agency.phone)}</footer>", site_name=name)

    def embed(path: str, title: str) -> str:
        return f'<iframe id="khung-bieu-mau" title="{e(title)}" src="{e(form + path)}" width="100%" height="900" style="border:1px solid #ccc"></iframe>'

    @app.route("/")
    def home():
        return frame("Trang chủ", f"<h1>{e(name)}</h1><p><a href='/dichvucong/donvi?iMucDo=3'>Danh sách dịch vụ công</a></p>")

    @app.route("/dichvucong/donvi")
    def by_level():
        lvl = request.args.get("iMucDo", "")
        rows = ""
        chosen = [s for s in services.values() if not lvl or str(s.declared_level) == lvl or (lvl == "3" and s.declared_level == 2)]
        for i, s in enumerate(chosen, 1):
            rows += (f"<tr><td>{i}</td><td>{e(s.name)}</td><td>05 ngày làm việc</td>"
                     f'<td><a href="/dichvucong/chitiet?id={s.ref}">Đăng ký</a></td></tr>')
        return frame("Danh sách thủ tục", f"<h1>Các thủ tục mức độ {e(lvl or 'tất cả')} thuộc {e(agency.name)}</h1>"
                                          f"<table><tr><th>STT</th><th>Tên thủ tục</th><th>Ngày thụ lý</th><th>Đăng ký</th></tr>{rows}</table>")

    @app.route("/dichvucong/chitiet")
    def detail():
        try:
            s = services.get(int(request.args.get("id", "0")))
        except ValueError:
            s = None
        if s is None or s.dead:
            return not_found(name)
        gate = declared_gate(ctx.state, s)
        if gate is not None:
            return gate
        action = embed(f"bieu-mau/{s.ref}", "Biểu mẫu nộp hồ sơ trực tuyến") if s.online else level2_notice()
        return frame(s.name, f"<h1>{e(s.name)}</h1>{info_html(s, agency.name, '/tai-ve/')}<h2>Nộp hồ sơ trực tuyến</h2>{action}")

    @app.route("/tai-ve/<fname>")
    def download(fname: str):
        s = next((x for x in services.values() if fname in (fn for fn, _ in form_files(x))), None)
        if s is None:
            return not_found(name)
        data, mime = form_file(fname, s.name)
        return Response(data, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{fname}"'})

    @app.route("/tra-cuu-ho-so")
    def track():
        q = request.args.get("ma_ho_so", "")
        return frame("Tra cứu hồ sơ", "<h1>Tra cứu hồ sơ</h1>" + embed("tra-cuu" + (f"?ma_ho_so={quote(q)}" if q else ""), "Tra cứu hồ sơ"))

    @app.route("/tai-khoan")
    def account():
        return frame("Tài khoản", "<h1>Tài khoản công dân</h1>" + embed("tai-khoan/dang-nhap", "Đăng nhập"))

    @app.route("/thanh-toan/ve")
    def pay_return():
        ctx.state.settle(request.args.get("ma_giao_dich", ""))
        code = request.args.get("ma_ho_so", "")
        return frame("Kết quả thanh toán", "<h1>Kết quả thanh toán</h1>" + embed(f"ho-so/{quote(code)}", "Thông tin hồ sơ"))

    return app


def _form_host(ctx: Ctx, agency: Agency) -> Flask:
    site = f"form:{agency.id}"
    dvc_site = f"dvc:{agency.id}"  # accounts and dossiers belong to the DVC system
    app = make_app(site, ctx.state, ctx.delay_ms)
    services = _services(ctx, agency)
    title = "Hệ thống một cửa điện tử - Biểu mẫu trực tuyến"

    def frame(t: str, main: str, status: int = 200):
        user = session.get("user")
        bar = f'<p>Tài khoản: {e(user)} | <a href="/tai-khoan/dang-xuat">Đăng xuất</a></p>' if user else ""
        return html_page(t, f"{bar}{main}", site_name=title, css="body{padding:8px}"), status

    def svc(ref: int) -> Service | None:
        s = services.get(ref)
        return None if s is None or s.dead or not s.online else s

    def login_form(nxt: str, msg: str = "") -> str:
        return f"""<h2>Đăng nhập</h2>{msg}<form method="post" action="/tai-khoan/dang-nhap"><input type="hidden" name="next" value="{e(nxt)}">
<label>Tên đăng nhập <input name="ten_dang_nhap"></label><label>Mật khẩu <input type="password" name="mat_khau"></label>
<button type="submit">Đăng nhập</button></form><p><a href="/tai-khoan/dang-ky?next={quote(nxt)}">Đăng ký tài khoản</a></p>"""

    # CAPTCHA answers stay on the server (a signed Flask cookie is readable by the client).
    answers: dict[str, str] = {}

    def new_captcha() -> None:
        cid = session.get("cid") or secrets.token_hex(8)
        session["cid"] = cid
        with ctx.state.lock:
            answers[cid] = captcha.new_text()

    def captcha_form(ref: int, msg: str = "") -> str:
        new_captcha()
        return f"""<h2>Đăng ký tài khoản hệ thống chuyên ngành</h2>{msg}<form method="post" action="/bieu-mau/{ref}/dang-ky">
<label>Họ và tên <input name="ho_ten"></label><label>Thư điện tử <input name="email" type="email"></label>
<label>Mật khẩu <input type="password" name="mat_khau"></label>
<p><img src="/captcha.png" alt="Mã xác nhận" width="160" height="60"></p><label>Mã xác nhận (nhập các ký tự trong ảnh) <input name="ma_xac_nhan"></label>
<button type="submit">Đăng ký</button></form>"""

    @app.route("/")
    def home():
        return frame(title, f"<h1>{e(title)}</h1><p>Máy chủ biểu mẫu của {e(agency.name)}.</p>")

    @app.route("/captcha.png")
    def captcha_png():
        if session.get("cid") not in answers:
            new_captcha()
        with ctx.state.lock:
            text = answers[session["cid"]]
        return Response(captcha.render(text), mimetype="image/png", headers={"Cache-Control": "no-store"})

    @app.route("/bieu-mau/<int:ref>/dang-ky", methods=["POST"])
    def captcha_register(ref: int):
        s = svc(ref)
        if s is None:
            return not_found(title)
        with ctx.state.lock:
            expected = answers.pop(session.get("cid", ""), None)
        if not expected or request.form.get("ma_xac_nhan", "").strip().upper() != expected:
            return frame("Đăng ký", captcha_form(ref, '<p class="loi">Mã xác nhận không đúng.</p>'), 400)
        session[f"verified_{ref}"] = True
        return redirect(f"/bieu-mau/{ref}")

    @app.route("/bieu-mau/<int:ref>", methods=["GET", "POST"])
    def service_form(ref: int):
        s = svc(ref)
        if s is None:
            return not_found(title)
        if s.has("captcha") and not session.get(f"verified_{ref}"):
            return frame("Đăng ký", captcha_form(ref))
        if not session.get("user"):
            return frame("Đăng nhập", f"<h1>{e(s.name)}</h1><p>Vui lòng đăng nhập để nộp hồ sơ trực tuyến.</p>" + login_form(f"/bieu-mau/{ref}"))
        msg = ""
        if request.method == "POST":
            names = [f.filename for f in request.files.values() if f and f.filename]
            d, err = dc.accept_submission(ctx, dvc_site, dc.dossier_prefix(agency.code, s), s, session["user"], request.form.to_dict(), names)
            if d is not None:
                return redirect(f"/ho-so/{quote(d.code)}")
            msg = f'<p class="loi">{e(err)}</p>'
        opts = "".join(f'<label><input type="radio" name="hinh_thuc_nhan_ket_qua" value="{k}"{" checked" if i == 0 else ""}> {e(v)}</label>'
                       for i, (k, v) in enumerate(dc.delivery_options(s)))
        return frame("Biểu mẫu", f"""<h1>{e(s.name)}</h1>{msg}<form method="post" enctype="multipart/form-data" action="/bieu-mau/{ref}">
<label>Họ và tên (*) <input name="ho_ten"></label><label>Số CCCD (*) <input name="so_cccd"></label>
<label>Ngày sinh <input name="ngay_sinh" type="date"></label><label>Địa chỉ liên hệ <input name="dia_chi"></label>
<label>Điện thoại <input name="so_dien_thoai"></label><label>Nội dung <textarea name="noi_dung"></textarea></label>
<label>Đơn đề nghị (*) <input type="file" name="tep_to_khai"></label><label>Tài liệu khác <input type="file" name="tep_giay_to"></label>
<fieldset><legend>Hình thức nhận kết quả</legend>{opts}</fieldset>
<label><input type="checkbox" name="cam_ket" value="1"> Tôi cam đoan nội dung khai là đúng sự thật.</label>
<button type="submit">Nộp hồ sơ</button></form>""")

    @app.route("/tai-khoan/dang-nhap", methods=["GET", "POST"])
    def login():
        nxt = request.values.get("next", "/tai-khoan/dang-nhap")
        if request.method == "POST":
            acc, err = ctx.state.login(dvc_site, request.form.get("ten_dang_nhap", ""), request.form.get("mat_khau", ""))
            if acc is not None:
                session["user"] = acc.email
                return redirect(nxt if nxt.startswith("/") else "/")
            return frame("Đăng nhập", login_form(nxt, f'<p class="loi">{e(err)}</p>'), 401)
        if session.get("user"):
            return frame("Tài khoản", f"<p class='ok'>Đã đăng nhập: {e(session['user'])}</p>")
        return frame("Đăng nhập", login_form(nxt))

    @app.route("/tai-khoan/dang-ky", methods=["GET", "POST"])
    def register():
        nxt = request.values.get("next", "/tai-khoan/dang-nhap")
        msg = ""
        if request.method == "POST":
            f = request.form
            if not (f.get("ho_ten") and f.get("ten_dang_nhap") and f.get("mat_khau")):
                msg = '<p class="loi">Vui lòng nhập đầy đủ thông tin.</p>'
            elif ctx.state.register(dvc_site, f["ten_dang_nhap"], f["mat_khau"], f["ho_ten"], f.get("so_dien_thoai", "")) is None:
                msg = '<p class="loi">Tên đăng nhập đã tồn tại.</p>'
            else:
                return frame("Đăng ký", '<p class="ok">Đăng ký tài khoản thành công.</p>' + login_form(nxt))
        return frame("Đăng ký tài khoản", f"""<h2>Đăng ký tài khoản</h2>{msg}<form method="post" action="/tai-khoan/dang-ky">
<input type="hidden" name="next" value="{e(nxt)}"><label>Họ và tên <input name="ho_ten"></label>
<label>Tên đăng nhập (thư điện tử) <input name="ten_dang_nhap" type="email"></label><label>Số điện thoại <input name="so_dien_thoai"></label>
<label>Mật khẩu <input type="password" name="mat_khau"></label><button type="submit">Đăng ký tài khoản</button></form>""")

    @app.route("/tai-khoan/dang-xuat")
    def logout():
        session.pop("user", None)
        return redirect("/tai-khoan/dang-nhap")

    def block(code: str) -> str:
        d = ctx.state.dossier(code, dvc_site)
        assert d is not None
        s = next(x for x in services.values() if x.id == d.service_id)
        out = (f'<p class="ma-ho-so">Mã hồ sơ: <strong>{e(d.code)}</strong></p><p>Thủ tục: {e(s.name)}</p>'
               f'<p>Tình trạng: <span class="trang-thai">{e(d.status)}</span></p><p>{e(dc.DELIVERY_LABELS[d.delivery])}</p>')
        if d.fee:
            out += (f'<p class="ok">Đã thanh toán {e(money(d.fee))}</p>' if d.paid else
                    f'<p>Lệ phí: {e(money(d.fee))} <a href="/ho-so/{quote(d.code)}/thanh-toan" target="_top">Thanh toán</a></p>')
        if d.delivery == "truc-tuyen" and dc.result_ready(d):
            out += f'<p><a href="/ho-so/{quote(d.code)}/ket-qua.pdf" target="_blank">Nhận kết quả trực tuyến</a></p>'
        return out

    @app.route("/ho-so/<code>")
    def dossier(code: str):
        d = ctx.state.dossier(code, dvc_site)
        if d is None or d.owner != session.get("user"):
            return not_found(title)
        return frame("Hồ sơ", '<h2>Nộp hồ sơ thành công</h2>' + block(code))

    @app.route("/ho-so/<code>/thanh-toan")
    def pay(code: str):
        d = ctx.state.dossier(code, dvc_site)
        if d is None or d.owner != session.get("user") or not d.fee:
            return not_found(title)
        s = next(x for x in services.values() if x.id == d.service_id)
        back = ctx.url(dvc_site, "thanh-toan/ve") + f"?ma_ho_so={quote(d.code)}"
        return redirect(dc.start_payment(ctx, d, s, agency.name, back))

    @app.route("/ho-so/<code>/ket-qua.pdf")
    def result(code: str):
        d = ctx.state.dossier(code, dvc_site)
        if d is None or d.owner != session.get("user") or not dc.result_ready(d) or d.delivery != "truc-tuyen":
            return not_found(title)
        s = next(x for x in services.values() if x.id == d.service_id)
        return Response(e_result(d.code, s.name, d.applicant), mimetype="application/pdf")

    @app.route("/tra-cuu")
    def track():
        code = request.args.get("ma_ho_so", "").strip()
        out = ""
        if code:
            out = block(code) if ctx.state.lookup(code, dvc_site) else '<p class="loi">Không tìm thấy hồ sơ.</p>'
        return frame("Tra cứu", f'<h2>Tra cứu hồ sơ</h2><form action="/tra-cuu"><label>Mã hồ sơ <input name="ma_ho_so" value="{e(code)}"></label>'
                                f'<button type="submit">Tra cứu</button></form>{out}')

    return app
