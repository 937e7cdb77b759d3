"""Vendor F: a city portal whose account links live in a hover menu ("Tài khoản ▾").

Habits of the style: every service page wears a badge "Dịch vụ công trực tuyến mức độ N" (the
declared level, true or not); registration and login are only in the account menu, shown while
the pointer is over it; the submission page of a signed-out citizen says to log in, with no link;
the receipt says "Mã số hồ sơ" with a short code (H92.33-261201-0001); tracking is a search box
whose result a script draws from a JSON answer, or the "Hồ sơ của tôi" list after login.
"""
from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote

from flask import Flask, Response, jsonify, redirect, request, session

from demoworld import dvc_common as dc
from demoworld.context import Ctx
from demoworld.files import form_file
from demoworld.model import Agency, Service
from demoworld.procinfo import form_files, info_html
from demoworld.web import declared_gate, e, html_page, make_app, money, not_found

CSS = (".tk{position:relative;display:inline-block;float:right;cursor:pointer}.tk .menu{display:none;position:absolute;right:0;"
       "background:#fff;border:1px solid #999;min-width:180px;z-index:5}.tk:hover .menu{display:block}.tk .menu a{display:block;"
       "color:#222;padding:4px 8px}.huy-hieu{background:#2e7d32;color:#fff;padding:2px 8px;border-radius:8px}")

TRACK_JS = """
document.getElementById('nut-tra-cuu').addEventListener('click', function () {
  var code = document.getElementById('o-ma-ho-so').value.trim();
  var out = document.getElementById('ket-qua-tra-cuu');
  out.textContent = 'Đang tìm...';
  fetch('/api/tra-cuu?ma=' + encodeURIComponent(code)).then(function (r) { return r.json(); }).then(function (j) {
    if (!j.tim_thay) { out.innerHTML = '<p class="loi">Không tìm thấy hồ sơ.</p>'; return; }
    setTimeout(function () {
      out.innerHTML = '<table><tr><th>Mã số hồ sơ</th><td></td></tr><tr><th>Tình trạng</th><td></td></tr>' +
        '<tr><th>Nhận kết quả</th><td></td></tr></table>';
      var cells = out.querySelectorAll('td');
      cells[0].textContent = j.ma; cells[1].textContent = j.tinh_trang; cells[2].textContent = j.nhan_ket_qua;
    }, 150);
  });
});
"""


def receipt_prefix(agency_code: str, svc: Service) -> str:
    """This vendor's short variant of the national dossier code: H92.33-261201-0001."""
    return f"{agency_code}.{svc.ref % 89 + 10:02d}"


def build(ctx: Ctx, agency: Agency) -> Flask:
    site = f"dvc:{agency.id}"
    city = agency.name.replace("UBND thành phố ", "")
    title = f"Cổng dịch vụ công thành phố {city}"
    app = make_app(site, ctx.state, ctx.delay_ms)
    services = {s.ref: s for s in ctx.data.services_of(agency.id)}

    def page(name: str, main: str, status: int = 200, script: str = ""):
        user = session.get("user")
        items = ('<a href="/tai-khoan/ho-so-cua-toi">Hồ sơ của tôi</a><a href="/tai-khoan/dang-xuat">Đăng xuất</a>' if user else
                 '<a href="/tai-khoan/dang-ky">Đăng ký</a><a href="/tai-khoan/dang-nhap">Đăng nhập</a>')
        who = f"Xin chào, {e(user)} ▾" if user else "Tài khoản ▾"
        body = (f'<header><b>{e(title.upper())}</b><div class="tk"><span>{who}</span><div class="menu">{items}</div></div></header>'
                '<nav><a href="/">Trang chủ</a> <a href="/dichvucong">Dịch vụ công</a> <a href="/tra-cuu-ho-so">Tra cứu hồ sơ</a></nav>'
                f'<main>{main}</main><footer>{e(agency.name)} · {e(agency.address)}</footer>'
                + (f"<script>{script}</script>" if script else ""))
        return html_page(name, body, site_name=title, css=CSS), status

    def live(ref: int) -> Service | None:
        s = services.get(ref)
        return None if s is None or s.dead else s

    @app.route("/")
    def home():
        return page("Trang chủ", f"<h1>{e(title)}</h1><p>Nộp hồ sơ, theo dõi và nhận kết quả trực tuyến.</p>")

    @app.route("/dichvucong")
    def catalogue():
        rows = "".join(f'<li><a href="/dichvucong/chi-tiet/{s.ref}">{e(s.name)}</a> '
                       f'<span class="huy-hieu">Mức độ {s.declared_level}</span></li>' for s in services.values())
        return page("Dịch vụ công", f"<h1>Danh mục dịch vụ công</h1><ul>{rows}</ul>")

    @app.route("/dichvucong/chi-tiet/<int:ref>")
    def detail(ref: int):
        s = live(ref)
        if s is None:
            return not_found(title)
        gate = declared_gate(ctx.state, s)
        if gate is not None:
            return gate
        badge = f'<p><span class="huy-hieu">Dịch vụ công trực tuyến mức độ {s.declared_level}</span></p>'
        act = (f'<p><a class="nut" href="/dichvucong/nop/{ref}">Nộp hồ sơ</a></p>' if s.online else
               "<p>Hồ sơ nộp tại Bộ phận Một cửa; xem mẫu đơn ở mục trên.</p>")
        return page(s.name, f"<h1>{e(s.name)}</h1>{badge}{info_html(s, agency.name, '/tep/')}{act}")

    @app.route("/tep/<fname>")
    def download(fname: str):
        s = next((x for x in services.values() if fname in (fn for fn, _ in form_files(x))), None)
        if s is None:
            return not_found(title)
        data, mime = form_file(fname, s.name)
        return Response(data, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{fname}"'})

    # --- accounts ------------------------------------------------------------------------------
    def register_form(msg: str = "") -> str:
        return f"""<h1>Đăng ký tài khoản</h1>{msg}<form method="post" action="/tai-khoan/dang-ky">
<p><label for="hoten">Họ và tên</label><input id="hoten" name="hoten"></p>
<p><label for="sodinhdanh">Số định danh cá nhân</label><input id="sodinhdanh" name="sodinhdanh" maxlength="12"></p>
<p><label for="ngaysinh">Ngày sinh</label><input id="ngaysinh" name="ngaysinh" placeholder="dd/mm/yyyy"></p>
<p><label for="thudientu">Thư điện tử</label><input id="thudientu" name="thudientu"></p>
<p><label for="dienthoai">Điện thoại</label><input id="dienthoai" name="dienthoai"></p>
<p><label for="matkhau">Mật khẩu</label><input id="matkhau" name="matkhau" type="password"></p>
<p><label for="matkhau2">Xác nhận mật khẩu</label><input id="matkhau2" name="matkhau2" type="password"></p>
<p><label><input type="checkbox" name="dongy" value="1"> Tôi đồng ý với Điều khoản sử dụng</label></p>
<button type="submit">Đăng ký</button></form>"""

    @app.route("/tai-khoan/dang-ky", methods=["GET", "POST"])
    def register():
        if request.method == "GET":
            return page("Đăng ký", register_form())
        f = request.form
        error = ""
        if not all(f.get(k, "").strip() for k in ("hoten", "sodinhdanh", "ngaysinh", "thudientu", "matkhau")):
            error = "Vui lòng nhập đầy đủ thông tin."
        elif not re.fullmatch(r"\d{12}", f["sodinhdanh"].strip()):
            error = "Số định danh cá nhân gồm 12 chữ số."
        elif not re.fullmatch(r"\d{2}/\d{2}/\d{4}", f["ngaysinh"].strip()):
            error = "Ngày sinh phải có dạng dd/mm/yyyy."
        elif f["matkhau"] != f.get("matkhau2"):
            error = "Hai mật khẩu không giống nhau."
        elif not f.get("dongy"):
            error = "Bạn chưa đồng ý với Điều khoản sử dụng."
        elif ctx.state.register(site, f["thudientu"], f["matkhau"], f["hoten"], f.get("dienthoai", ""),
                                id_number=f["sodinhdanh"]) is None:
            error = "Thư điện tử đã được đăng ký."
        if error:
            return page("Đăng ký", register_form(f'<p class="loi">{e(error)}</p>'), 400)
        return redirect("/tai-khoan/dang-nhap?moi=1")

    def login_form(back: str, msg: str = "") -> str:
        return (f'<h1>Đăng nhập</h1>{msg}<form method="post" action="/tai-khoan/dang-nhap"><input type="hidden" name="next" value="{e(back)}">'
                '<p><label for="tdn">Thư điện tử</label><input id="tdn" name="tdn"></p>'
                '<p><label for="mk">Mật khẩu</label><input id="mk" name="mk" type="password"></p><button type="submit">Đăng nhập</button></form>')

    @app.route("/tai-khoan/dang-nhap", methods=["GET", "POST"])
    def login():
        back = request.values.get("next", "/")
        if request.method == "POST":
            acc, err = ctx.state.login(site, request.form.get("tdn", ""), request.form.get("mk", ""))
            if acc is None:
                return page("Đăng nhập", login_form(back, f'<p class="loi">{e(err)}</p>'), 401)
            session["user"] = acc.email
            return redirect(back if back.startswith("/") else "/")
        note = '<p class="ok">Đăng ký thành công. Vui lòng đăng nhập.</p>' if request.args.get("moi") else ""
        return page("Đăng nhập", login_form(back, note))

    @app.route("/tai-khoan/dang-xuat")
    def logout():
        session.clear()
        return redirect("/")

    # --- submission and dossier ----------------------------------------------------------------
    @app.route("/dichvucong/nop/<int:ref>", methods=["GET", "POST"])
    def submit(ref: int):
        s = live(ref)
        if s is None or not s.online:
            return not_found(title)
        if not session.get("user"):
            return page("Nộp hồ sơ", f"<h1>{e(s.name)}</h1><p>Bạn cần đăng nhập để nộp hồ sơ trực tuyến "
                                     "(chọn mục Tài khoản ở góc trên bên phải).</p>")
        msg = ""
        if request.method == "POST":
            f = request.form.to_dict()
            names = [x.filename for x in request.files.values() if x and x.filename]
            if f.get("ngay_cap") and not _date_ok(f["ngay_cap"]):
                msg = '<p class="loi">Ngày cấp phải có dạng dd/mm/yyyy.</p>'
            else:
                d, err = dc.accept_submission(ctx, site, receipt_prefix(agency.code, s), s, session["user"], f, names)
                if d is not None:
                    return redirect(f"/dichvucong/ho-so/{quote(d.code)}")
                msg = f'<p class="loi">{e(err)}</p>'
        radios = "".join(f'<label><input type="radio" name="hinh_thuc_nhan_ket_qua" value="{k}"{" checked" if k == "truc-tiep" else ""}>'
                         f' {e(v)}</label>' for k, v in dc.delivery_options(s))
        return page("Nộp hồ sơ", f"""<h1>{e(s.name)}</h1>{msg}<form method="post" enctype="multipart/form-data" action="/dichvucong/nop/{ref}">
<p><label for="ho_ten">Họ tên người đề nghị</label><input id="ho_ten" name="ho_ten"></p>
<p><label for="so_cccd">Số CCCD</label><input id="so_cccd" name="so_cccd"></p>
<p><label for="ngay_cap">Ngày cấp CCCD</label><input id="ngay_cap" name="ngay_cap" placeholder="dd/mm/yyyy"></p>
<p><label for="dia_chi">Nơi cư trú</label><input id="dia_chi" name="dia_chi"></p>
<p><label for="tep">Tệp đơn đề nghị</label><input id="tep" type="file" name="tep"></p>
<p>Nhận kết quả: {radios}</p>
<p><label><input type="checkbox" name="cam_ket" value="1"> Tôi cam đoan lời khai là đúng sự thật</label></p>
<button type="submit">Nộp hồ sơ</button></form>""")

    def mine(code: str):
        return dc.owned_dossier(ctx, site, code)

    @app.route("/dichvucong/ho-so/<code>")
    def dossier(code: str):
        d = mine(code)
        if d is None:
            return not_found(title)
        s = dc.service_of(d, services)
        out = (f"<h1>Đã gửi hồ sơ</h1><p>Mã số hồ sơ: <b>{e(d.code)}</b></p><p>Tình trạng: {e(d.status)}</p>"
               f"<p>{e(dc.DELIVERY_LABELS[d.delivery])}</p>")
        if d.fee:
            out += (f'<p class="ok">Đã thanh toán {e(money(d.fee))}</p>' if d.paid else
                    f'<p>Lệ phí {e(money(d.fee))}: <a href="/dichvucong/ho-so/{quote(d.code)}/thanh-toan">Thanh toán</a></p>')
        if d.delivery == "truc-tuyen" and dc.result_ready(d):
            out += f'<p><a href="/dichvucong/ho-so/{quote(d.code)}/ket-qua">Tải kết quả điện tử</a></p>'
        return page("Hồ sơ " + s.name, out)

    @app.route("/dichvucong/ho-so/<code>/thanh-toan")
    def pay(code: str):
        d = mine(code)
        if d is None or not d.fee:
            return not_found(title)
        s = dc.service_of(d, services)
        return redirect(dc.start_payment(ctx, d, s, agency.name, request.host_url + f"dichvucong/ho-so/{quote(code)}/da-thanh-toan"))

    @app.route("/dichvucong/ho-so/<code>/da-thanh-toan")
    def pay_return(code: str):
        ctx.state.settle(request.args.get("ma_giao_dich", ""))
        return redirect(f"/dichvucong/ho-so/{quote(code)}")

    @app.route("/dichvucong/ho-so/<code>/ket-qua")
    def e_copy(code: str):
        return dc.e_copy(mine(code), services) or not_found(title)

    @app.route("/tai-khoan/ho-so-cua-toi")
    def my_dossiers():
        if not session.get("user"):
            return redirect("/tai-khoan/dang-nhap?next=/tai-khoan/ho-so-cua-toi")
        rows = "".join(f'<tr><td><a href="/dichvucong/ho-so/{quote(d.code)}">{e(d.code)}</a></td><td>{e(d.status)}</td></tr>'
                       for d in ctx.state.dossiers_of(site, session["user"]))
        return page("Hồ sơ của tôi", f"<h1>Hồ sơ của tôi</h1><table><tr><th>Mã số hồ sơ</th><th>Tình trạng</th></tr>{rows}</table>")

    @app.route("/tra-cuu-ho-so")
    def track():
        return page("Tra cứu hồ sơ", '<h1>Tra cứu hồ sơ</h1><div class="o-tim"><input id="o-ma-ho-so" placeholder="Nhập mã số hồ sơ">'
                                    '<button type="button" id="nut-tra-cuu">Tra cứu</button></div><div id="ket-qua-tra-cuu"></div>',
                    script=TRACK_JS)

    @app.route("/api/tra-cuu")
    def track_api():
        d = ctx.state.lookup(request.args.get("ma", ""), site)
        if d is None:
            return jsonify({"tim_thay": False})
        return jsonify({"tim_thay": True, "ma": d.code, "tinh_trang": d.status, "nhan_ket_qua": dc.DELIVERY_LABELS[d.delivery]})

    return app


def _date_ok(text: str) -> bool:
    try:
        datetime.strptime(text.strip(), "%d/%m/%Y")
    except ValueError:
        return False
    return True
