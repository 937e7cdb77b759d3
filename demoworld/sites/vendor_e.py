"""Vendor E: a province portal that embeds a vendor's e-government system from another host.

The declared page (/thu-tuc-hanh-chinh/<ref>) only frames the vendor host; the vendor's page is
itself a shell that frames the content (frames nested in frames). Logging in happens on the vendor
host as a whole page reached by a link with target=_top, and it returns to the vendor's home page,
not to the service: the citizen must find the service again. Payment leaves for the gateway on a
third host and comes back to the vendor host. The receipt says "Mã hồ sơ".
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Flask, Response, redirect, request, session

from demoworld import dvc_common as dc
from demoworld.context import Ctx
from demoworld.files import form_file
from demoworld.model import Agency, Service
from demoworld.procinfo import form_files, info_html
from demoworld.web import declared_gate, e, html_page, make_app, money, not_found


def build(ctx: Ctx, agency: Agency) -> tuple[Flask, Flask]:
    return _province(ctx, agency), _vendor(ctx, agency)


def _province(ctx: Ctx, agency: Agency) -> Flask:
    site = f"dvc:{agency.id}"
    vendor = ctx.urls[f"egov:{agency.id}"]
    province = agency.name.replace("UBND tỉnh ", "")
    title = f"Cổng Dịch vụ công tỉnh {province}"
    app = make_app(site, ctx.state, ctx.delay_ms)
    services = {s.ref: s for s in ctx.data.services_of(agency.id)}

    def page(name: str, main: str):
        body = (f'<header><b>{e(title)}</b></header><nav><a href="/">Trang chủ</a> <a href="/tra-cuu">Tra cứu hồ sơ</a> '
                f'<a href="/huong-dan">Hướng dẫn</a></nav><main>{main}</main><footer>{e(agency.name)} - {e(agency.phone)}</footer>')
        return html_page(name, body, site_name=title)

    def embed(path: str, name: str) -> str:
        return (f'<iframe name="khung-he-thong" title="{e(name)}" src="{e(vendor + path)}" width="100%" height="1100" '
                'style="border:0"></iframe>')

    @app.route("/")
    def home():
        return page("Trang chủ", f"<h1>{e(title)}</h1>" + embed("nhung/trang-chu", "Hệ thống một cửa điện tử"))

    @app.route("/huong-dan")
    def guide():
        return page("Hướng dẫn", "<h1>Hướng dẫn sử dụng</h1><p>Đăng nhập, chọn thủ tục, nộp hồ sơ và theo dõi kết quả.</p>")

    @app.route("/thu-tuc-hanh-chinh/<int:ref>")
    def declared(ref: int):
        s = services.get(ref)
        if s is None or s.dead:
            return not_found(title)
        gate = declared_gate(ctx.state, s)
        if gate is not None:
            return gate
        return page(s.name, f"<h1>{e(s.name)}</h1>" + embed(f"nhung/dich-vu/{ref}", s.name))

    @app.route("/tra-cuu")
    def track():
        return page("Tra cứu hồ sơ", "<h1>Tra cứu hồ sơ</h1>" + embed("nhung/tra-cuu", "Tra cứu hồ sơ"))

    return app


def _vendor(ctx: Ctx, agency: Agency) -> Flask:
    site = f"egov:{agency.id}"
    title = "Hệ thống một cửa điện tử iGate"
    app = make_app(site, ctx.state, ctx.delay_ms)
    services = {s.ref: s for s in ctx.data.services_of(agency.id)}

    def whole(name: str, main: str, status: int = 200):
        user = session.get("user")
        bar = (f'<p>Xin chào {e(user)} · <a href="/dang-xuat">Đăng xuất</a></p>' if user else
               '<p><a href="/dang-nhap">Đăng nhập</a> · <a href="/dang-ky">Đăng ký tài khoản</a></p>')
        return html_page(name, f"<header><b>{e(title)}</b>{bar}</header><main>{main}</main>", site_name=title), status

    def inner(name: str, main: str, status: int = 200):
        return html_page(name, main, site_name=title, css="body{padding:6px;font-size:14px}"), status

    def live(ref: int) -> Service | None:
        s = services.get(ref)
        return None if s is None or s.dead else s

    @app.route("/")
    def home():
        items = "".join(f"<li>{e(s.name)}</li>" for s in list(services.values())[:3])
        return whole("Trang chủ", f"<h1>Chào mừng đến với {e(title)}</h1><p>Thủ tục được quan tâm:</p><ul>{items}</ul>")

    @app.route("/nhung/trang-chu")
    def embedded_home():
        return inner("Trang chủ", "<p>Chọn thủ tục trong danh mục của Cổng để nộp hồ sơ.</p>")

    @app.route("/nhung/dich-vu/<int:ref>")
    def shell(ref: int):
        s = live(ref)
        if s is None:
            return not_found(title)
        return inner(s.name, f'<div class="thanh-cong-cu">{e(title)}</div>'
                             f'<iframe name="noi-dung" title="Nội dung thủ tục" src="/nhung/noi-dung/{ref}" width="100%" height="1000" '
                             'style="border:0"></iframe>')

    @app.route("/nhung/noi-dung/<int:ref>")
    def content(ref: int):
        s = live(ref)
        if s is None:
            return not_found(title)
        if not s.online:
            act = "<p><i>Thủ tục chưa được cung cấp trực tuyến. Vui lòng nộp hồ sơ tại Bộ phận tiếp nhận và trả kết quả.</i></p>"
        elif session.get("user"):
            act = f'<p><a class="nut" href="/nhung/nop/{ref}">Nộp hồ sơ</a></p>'
        else:
            act = ('<p>Quý khách vui lòng <a href="/dang-nhap" target="_top">đăng nhập</a> để nộp hồ sơ trực tuyến. '
                   'Chưa có tài khoản? <a href="/dang-ky" target="_top">Đăng ký</a></p>')
        return inner(s.name, f"<h2>{e(s.name)}</h2>{info_html(s, agency.name, '/tai-lieu/')}{act}")

    @app.route("/tai-lieu/<fname>")
    def download(fname: str):
        s = next((x for x in services.values() if fname in (fn for fn, _ in form_files(x))), None)
        if s is None:
            return not_found(title)
        data, mime = form_file(fname, s.name)
        return Response(data, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{fname}"'})

    def login_form(msg: str = "") -> str:
        return (f'<h1>Đăng nhập</h1>{msg}<form method="post" action="/dang-nhap">'
                '<div><span>Tài khoản</span> <input name="username" placeholder="Email"></div>'
                '<div><span>Mật khẩu</span> <input name="password" type="password"></div>'
                '<button type="submit">Đăng nhập</button></form><p><a href="/dang-ky">Đăng ký tài khoản mới</a></p>')

    @app.route("/dang-nhap", methods=["GET", "POST"])
    def login():
        if request.method == "POST":
            acc, err = ctx.state.login(site, request.form.get("username", ""), request.form.get("password", ""))
            if acc is None:
                return whole("Đăng nhập", login_form(f'<p class="loi">{e(err)}</p>'), 401)
            session["user"] = acc.email
            return redirect("/")  # this vendor always lands on its home page
        return whole("Đăng nhập", login_form())

    @app.route("/dang-ky", methods=["GET", "POST"])
    def register():
        msg = ""
        if request.method == "POST":
            f = request.form
            if not all(f.get(k, "").strip() for k in ("fullname", "email", "password")):
                msg = '<p class="loi">Vui lòng điền đủ thông tin.</p>'
            elif f.get("password") != f.get("repassword"):
                msg = '<p class="loi">Xác nhận mật khẩu không đúng.</p>'
            elif ctx.state.register(site, f["email"], f["password"], f["fullname"], f.get("mobile", ""),
                                    id_number=f.get("identity", "")) is None:
                msg = '<p class="loi">Email đã tồn tại trong hệ thống.</p>'
            else:
                return whole("Đăng ký", '<p class="ok">Tạo tài khoản thành công. Vui lòng đăng nhập để tiếp tục.</p>'
                                        '<p><a href="/dang-nhap">Đăng nhập</a></p>')
        return whole("Đăng ký tài khoản", f"""<h1>Đăng ký tài khoản</h1>{msg}<form method="post" action="/dang-ky">
<div><span>Họ tên</span> <input name="fullname"></div><div><span>Số CMND/CCCD</span> <input name="identity"></div>
<div><span>Email</span> <input name="email"></div><div><span>Di động</span> <input name="mobile"></div>
<div><span>Mật khẩu</span> <input name="password" type="password"></div>
<div><span>Xác nhận mật khẩu</span> <input name="repassword" type="password"></div>
<button type="submit">Tạo tài khoản</button></form>""")

    @app.route("/dang-xuat")
    def logout():
        session.clear()
        return redirect("/")

    @app.route("/nhung/nop/<int:ref>", methods=["GET", "POST"])
    def submit(ref: int):
        s = live(ref)
        if s is None or not s.online:
            return not_found(title)
        if not session.get("user"):
            return redirect(f"/nhung/noi-dung/{ref}")
        msg = ""
        if request.method == "POST":
            names = [f.filename for f in request.files.values() if f and f.filename]
            form = request.form.to_dict()
            form = {"ho_ten": form.get("applicant", ""), "so_cccd": form.get("identity", ""), "ngay_sinh": form.get("dob", ""),
                    "dia_chi": form.get("address", ""), "so_dien_thoai": form.get("mobile", ""), "noi_dung": form.get("note", ""),
                    "cam_ket": form.get("agree", ""), "hinh_thuc_nhan_ket_qua": form.get("delivery", "")}
            d, err = dc.accept_submission(ctx, site, dc.dossier_prefix(agency.code, s), s, session["user"], form, names)
            if d is not None:
                return redirect(f"/nhung/ho-so/{quote(d.code)}")
            msg = f'<p class="loi">{e(err)}</p>'
        radios = "".join(f'<label><input type="radio" name="delivery" value="{k}"> {e(v)}</label>'
                         for k, v in reversed(dc.delivery_options(s)))
        return inner("Nộp hồ sơ", f"""<h2>{e(s.name)}</h2>{msg}<form method="post" enctype="multipart/form-data" action="/nhung/nop/{ref}">
<div><span>Người nộp hồ sơ</span> <input name="applicant"></div><div><span>Số CMND/CCCD</span> <input name="identity"></div>
<div><span>Ngày sinh</span> <input name="dob" placeholder="dd/mm/yyyy"></div><div><span>Địa chỉ</span> <input name="address"></div>
<div><span>Di động</span> <input name="mobile"></div><div><span>Ghi chú</span> <textarea name="note"></textarea></div>
<div><span>Đơn đề nghị</span> <input type="file" name="doc1"></div>
<div><span>Phương thức nhận kết quả</span> {radios}</div>
<label><input type="checkbox" name="agree" value="1"> Tôi cam kết chịu trách nhiệm về tính chính xác của hồ sơ</label>
<button type="submit">Gửi hồ sơ</button></form>""")

    def block(d_code: str) -> str:
        d = ctx.state.dossier(d_code, site)
        assert d is not None
        s = dc.service_of(d, services)
        out = (f'<p>Mã hồ sơ: <b>{e(d.code)}</b></p><p>Thủ tục: {e(s.name)}</p><p>Tình trạng: {e(d.status)}</p>'
               f'<p>{e(dc.DELIVERY_LABELS[d.delivery])}</p>')
        if d.fee:
            out += (f'<p class="ok">Đã thanh toán lệ phí {e(money(d.fee))}</p>' if d.paid else
                    f'<p>Lệ phí: {e(money(d.fee))} <a href="/thanh-toan/{quote(d.code)}" target="_top">Thanh toán lệ phí</a></p>')
        if d.delivery == "truc-tuyen" and dc.result_ready(d):
            out += f'<p><a href="/ket-qua/{quote(d.code)}">Tải kết quả điện tử</a></p>'
        return out

    def mine(code: str):
        return dc.owned_dossier(ctx, site, code)

    @app.route("/nhung/ho-so/<code>")
    def dossier(code: str):
        if mine(code) is None:
            return not_found(title)
        return inner("Hồ sơ", "<h2>Nộp hồ sơ thành công!</h2>" + block(code))

    @app.route("/thanh-toan/<code>")
    def pay(code: str):
        d = mine(code)
        if d is None or not d.fee:
            return not_found(title)
        s = dc.service_of(d, services)
        return redirect(dc.start_payment(ctx, d, s, agency.name, request.host_url + f"thanh-toan/{quote(code)}/ket-qua"))

    @app.route("/thanh-toan/<code>/ket-qua")
    def pay_return(code: str):
        ctx.state.settle(request.args.get("ma_giao_dich", ""))
        if mine(code) is None:
            return not_found(title)
        return whole("Kết quả thanh toán", "<h1>Kết quả giao dịch</h1>" + block(code))

    @app.route("/ket-qua/<code>")
    def e_copy(code: str):
        return dc.e_copy(mine(code), services) or not_found(title)

    @app.route("/nhung/tra-cuu")
    def track():
        code = request.args.get("code", "").strip()
        out = ""
        if code:
            out = block(code) if ctx.state.lookup(code, site) else "<p class='loi'>Không tìm thấy hồ sơ.</p>"
        return inner("Tra cứu", f'<form method="get" action="/nhung/tra-cuu"><div><span>Mã hồ sơ</span> '
                                f'<input name="code" value="{e(code)}"></div><button type="submit">Tra cứu</button></form>{out}')

    return app
