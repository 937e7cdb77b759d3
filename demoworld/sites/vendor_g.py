"""Vendor G: a portal built from a component kit (Bootstrap and its plug-ins), as many provinces run.

Habits of the style: the account menu is a dropdown that opens on a click ("Tài khoản"), not on a
hover; the citizen signs in with the personal identification number and lands on "Trang cá nhân"
whatever page sent them; dates are chosen in a calendar that opens on the field, which cannot be
typed into (read-only); choices are drop-down lists drawn by a script (`role=combobox`, the
options laid in a list at the end of the page, the value kept in a hidden field), among them the
required "Hình thức nhận kết quả"; ticks are styled boxes whose real checkbox is invisible under
its label, and the label of the terms carries a link; a form is sent by a link or a plain button
whose script checks it first ("javascript:void(0)"); the receipt is "Số biên nhận" in a table,
with a "Nộp hồ sơ thành công" dialog over it; the search button of the tracking page is an icon.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime
from urllib.parse import quote

from flask import Flask, Response, jsonify, redirect, request, session

from demoworld import dvc_common as dc
from demoworld.context import Ctx
from demoworld.files import form_file
from demoworld.model import Agency, Service
from demoworld.procinfo import form_files, info_html
from demoworld.web import declared_gate, e, html_page, make_app, money, not_found

CSS = (".navbar{background:#0d47a1;padding:6px 16px;color:#fff}.navbar a{color:#fff}.dropdown{position:relative;display:inline-block;"
       "float:right}.dropdown-menu{display:none;position:absolute;right:0;background:#fff;border:1px solid #ccc;min-width:170px;"
       "z-index:10}.dropdown-menu.show{display:block}.dropdown-menu a{display:block;color:#222;padding:5px 10px}"
       ".form-group{margin:8px 0}.form-group>label{display:block;font-weight:bold}.text-danger{color:#c62828}"
       ".btn{display:inline-block;padding:6px 14px;border:1px solid #0d47a1;border-radius:3px;text-decoration:none;cursor:pointer}"
       ".btn-primary{background:#1565c0;color:#fff}.custom-control{position:relative;padding-left:26px;margin:8px 0}"
       ".custom-control-input{position:absolute;left:0;top:2px;z-index:-1;width:16px;height:16px;opacity:0}"
       ".custom-control-label{display:inline;font-weight:normal}.custom-control-label::before{content:'';position:absolute;left:0;"
       "top:2px;width:16px;height:16px;border:1px solid #555;background:#fff}.custom-control-input:checked~.custom-control-label::before"
       "{background:#1565c0}.chon-o{border:1px solid #999;padding:5px 8px;min-width:320px;display:inline-block;cursor:pointer;"
       "background:#fff}.chon-ds{position:absolute;list-style:none;margin:0;padding:0;background:#fff;border:1px solid #999;z-index:20}"
       ".chon-ds li{padding:5px 8px;cursor:pointer}.chon-ds li:hover{background:#e3f2fd}.datepicker-dropdown{position:absolute;"
       "background:#fff;border:1px solid #999;padding:6px;z-index:20}.datepicker-dropdown td{cursor:pointer;text-align:center}"
       ".modal{position:fixed;inset:0;background:rgba(0,0,0,.5);display:flex;align-items:center;justify-content:center;z-index:30}"
       ".modal-content{background:#fff;padding:14px 20px;max-width:520px}.nhan-gan{background:#e8f5e9;padding:2px 8px}")

# The kit's plug-ins: the dropdown menu, the calendar, the script-drawn lists, the checked send, the dialog.
KIT_JS = """
document.querySelectorAll('[data-toggle=dropdown]').forEach(function (t) {
  t.addEventListener('click', function (ev) { ev.preventDefault(); t.nextElementSibling.classList.toggle('show');
    t.setAttribute('aria-expanded', t.nextElementSibling.classList.contains('show')); });
});
function dongLop() { document.querySelectorAll('.chon-ds, .datepicker-dropdown').forEach(function (x) { x.remove(); }); }
function duoi(el, box) { var r = el.getBoundingClientRect(); box.style.left = (r.left + scrollX) + 'px';
  box.style.top = (r.bottom + scrollY) + 'px'; document.body.appendChild(box); }
document.querySelectorAll('input.ngay').forEach(function (input) {
  input.addEventListener('click', function () {
    dongLop(); var now = new Date(), y = now.getFullYear(), m = now.getMonth();
    var box = document.createElement('div'); box.className = 'datepicker-dropdown';
    var html = '<div class="datepicker-title">Tháng ' + (m + 1) + '/' + y + '</div><table><tr><th>T2</th><th>T3</th><th>T4</th>' +
      '<th>T5</th><th>T6</th><th>T7</th><th>CN</th></tr><tr>';
    var first = (new Date(y, m, 1).getDay() + 6) % 7, days = new Date(y, m + 1, 0).getDate();
    for (var k = 0; k < first; k++) html += '<td></td>';
    for (var d = 1; d <= days; d++) { html += '<td class="day">' + d + '</td>'; if ((first + d) % 7 === 0) html += '</tr><tr>'; }
    box.innerHTML = html + '</tr></table>';
    box.querySelectorAll('td.day').forEach(function (td) { td.addEventListener('click', function () {
      var dd = ('0' + td.textContent).slice(-2), mm = ('0' + (m + 1)).slice(-2);
      input.value = dd + '/' + mm + '/' + y; input.dispatchEvent(new Event('change', {bubbles: true})); box.remove(); }); });
    duoi(input, box);
  });
});
document.querySelectorAll('.chon').forEach(function (wrap) {
  var shown = wrap.querySelector('[role=combobox]'), kept = wrap.querySelector('input[type=hidden]');
  var options = JSON.parse(wrap.getAttribute('data-options'));
  shown.addEventListener('click', function () {
    dongLop(); var list = document.createElement('ul'); list.className = 'chon-ds'; list.setAttribute('role', 'listbox');
    options.forEach(function (o) { var li = document.createElement('li'); li.setAttribute('role', 'option'); li.textContent = o[1];
      li.addEventListener('click', function () { kept.value = o[0]; shown.textContent = o[1];
        shown.setAttribute('aria-expanded', 'false'); list.remove(); }); list.appendChild(li); });
    shown.setAttribute('aria-expanded', 'true'); duoi(shown, list);
  });
});
document.querySelectorAll('[data-gui]').forEach(function (b) {
  b.addEventListener('click', function (ev) {
    ev.preventDefault(); var form = document.getElementById(b.getAttribute('data-gui')), missing = [];
    form.querySelectorAll('[data-bat-buoc]').forEach(function (f) {
      var empty = f.type === 'checkbox' ? !f.checked : !f.value.trim(); if (empty) missing.push(f.getAttribute('data-bat-buoc'));
    });
    var out = form.querySelector('.thong-bao-loi');
    if (missing.length) { out.textContent = 'Vui lòng nhập/chọn: ' + missing.join(', ') + '.'; return; }
    form.submit();
  });
});
document.querySelectorAll('[data-dong]').forEach(function (b) {
  b.addEventListener('click', function () { document.getElementById(b.getAttribute('data-dong')).remove(); });
});
"""

# The address lists of a submission: each list's options are fetched once the one above it is chosen.
PLACES = {"Tỉnh Lâm Đồng": {"Thành phố Đà Lạt": ["Phường 1", "Phường 2", "Phường 3"], "Thành phố Bảo Lộc": ["Phường 1", "Phường Lộc Phát"],
                             "Huyện Đức Trọng": ["Thị trấn Liên Nghĩa", "Xã Hiệp Thạnh"]},
          "Tỉnh Khánh Hòa": {"Thành phố Nha Trang": ["Phường Lộc Thọ", "Phường Vĩnh Hải"], "Thành phố Cam Ranh": ["Phường Cam Nghĩa"]}}

PLACES_JS = """
document.querySelectorAll('select[data-con]').forEach(function (upper) {
  upper.addEventListener('change', function () {
    var lower = document.getElementById(upper.getAttribute('data-con')), path = [];
    document.querySelectorAll('select[data-cap]').forEach(function (s) { if (+s.getAttribute('data-cap') <= +upper.getAttribute('data-cap'))
      path.push(s.value); });
    lower.innerHTML = '<option value="">' + lower.getAttribute('data-moi') + '</option>';
    lower.dispatchEvent(new Event('change'));
    if (!upper.value) return;
    fetch('/api/dia-ban?duong=' + encodeURIComponent(path.join('|'))).then(function (r) { return r.json(); }).then(function (names) {
      setTimeout(function () { names.forEach(function (n) { lower.add(new Option(n, n)); }); }, 200);
    });
  });
});
"""

TRACK_JS = """
function traCuu() {
  var code = document.getElementById('so-bien-nhan').value.trim(), out = document.getElementById('ket-qua');
  fetch('/api/ho-so?so=' + encodeURIComponent(code)).then(function (r) { return r.json(); }).then(function (j) {
    if (!j.ok) { out.innerHTML = '<p class="text-danger">Không tìm thấy hồ sơ có số biên nhận này.</p>'; return; }
    out.innerHTML = '<table><tr><th>Số biên nhận</th><td></td></tr><tr><th>Trạng thái</th><td></td></tr>' +
      '<tr><th>Hình thức nhận kết quả</th><td></td></tr></table>';
    var c = out.querySelectorAll('td'); c[0].textContent = j.so; c[1].textContent = j.trang_thai; c[2].textContent = j.nhan;
  });
}
document.getElementById('nut-tim').addEventListener('click', traCuu);
document.getElementById('so-bien-nhan').addEventListener('keydown', function (ev) { if (ev.key === 'Enter') traCuu(); });
"""


def receipt_prefix(agency_code: str, svc: Service) -> str:
    """This vendor's dossier code: the national pattern with the province's unit code (000.21.34.H42)."""
    return f"000.{svc.ref % 5 + 20:02d}.{svc.ref % 41 + 10:02d}.{agency_code}"


def combobox(name: str, label: str, options: list[tuple[str, str]], prompt: str) -> str:
    """A script-drawn choice: the shown box, the hidden field that is sent, the options as data."""
    return (f'<div class="form-group"><label>{e(label)} <span class="text-danger">*</span></label>'
            f'<div class="chon" data-options="{e(json.dumps(options, ensure_ascii=False))}">'
            f'<input type="hidden" name="{name}" data-bat-buoc="{e(label)}">'
            f'<div class="chon-o" role="combobox" aria-haspopup="listbox" aria-expanded="false" tabindex="0">{e(prompt)}</div>'
            '</div></div>')


def group(label: str, name: str, *, kind: str = "text", required: bool = True, value: str = "", extra: str = "",
          cls: str = "form-control") -> str:
    """A Bootstrap form group: the label above, not bound to the field by `for`."""
    star = ' <span class="text-danger">*</span>' if required else ""
    need = f' data-bat-buoc="{e(label)}"' if required else ""
    return (f'<div class="form-group"><label>{e(label)}{star}</label>'
            f'<input class="{cls}" type="{kind}" name="{name}" value="{e(value)}"{need}{extra}></div>')


def date_group(label: str, name: str) -> str:
    return group(label, name, cls="form-control ngay", extra=' readonly placeholder="dd/mm/yyyy" autocomplete="off"')


def tick(name: str, text_html: str) -> str:
    return (f'<div class="custom-control custom-checkbox"><input type="checkbox" class="custom-control-input" id="{name}" name="{name}"'
            f' value="1" data-bat-buoc="{e(re.sub("<[^>]+>", "", text_html))}"><label class="custom-control-label" for="{name}">'
            f'{text_html}</label></div>')


def send(form_id: str, text: str, *, as_link: bool) -> str:
    if as_link:
        return f'<a href="javascript:void(0)" class="btn btn-primary" data-gui="{form_id}">{e(text)}</a>'
    return f'<button type="button" class="btn btn-primary" data-gui="{form_id}">{e(text)}</button>'


def build(ctx: Ctx, agency: Agency) -> Flask:
    site = f"dvc:{agency.id}"
    province = agency.name.replace("UBND tỉnh ", "")
    title = f"Cổng Dịch vụ công tỉnh {province}"
    app = make_app(site, ctx.state, ctx.delay_ms)
    services = {s.ref: s for s in ctx.data.services_of(agency.id)}

    def page(name: str, main: str, status: int = 200, script: str = ""):
        user = session.get("user")
        items = ('<a href="/ca-nhan">Trang cá nhân</a><a href="/ca-nhan/ho-so">Hồ sơ đã nộp</a><a href="/tai-khoan/thoat">Thoát</a>'
                 if user else '<a href="/tai-khoan/dang-ky">Đăng ký</a><a href="/tai-khoan/dang-nhap">Đăng nhập</a>')
        body = (f'<div class="navbar"><b>{e(title.upper())}</b> <a href="/">Trang chủ</a> <a href="/dvc">Thủ tục hành chính</a> '
                '<a href="/tra-cuu">Tra cứu hồ sơ</a><div class="dropdown"><a href="#" class="dropdown-toggle" data-toggle="dropdown" '
                f'aria-haspopup="true" aria-expanded="false">{e(user) if user else "Tài khoản"}</a><div class="dropdown-menu">{items}'
                '</div></div></div><form class="tim" action="/dvc" method="get"><input name="q" placeholder="Tìm thủ tục hành chính">'
                f'</form><main>{main}</main><footer>Cơ quan chủ quản: {e(agency.name)} · {e(agency.address)}</footer>'
                f"<script>{KIT_JS}{script}</script>")
        return html_page(name, body, site_name=title, css=CSS), status

    def live(ref: int) -> Service | None:
        s = services.get(ref)
        return None if s is None or s.dead else s

    @app.route("/")
    def home():
        return page("Trang chủ", f"<h1>{e(title)}</h1><p>Tra cứu thủ tục, nộp hồ sơ và theo dõi kết quả giải quyết.</p>")

    @app.route("/dvc")
    def catalogue():
        q = request.args.get("q", "").strip().lower()
        rows = "".join(f'<li><a href="/dvc/thu-tuc/{s.ref}">{e(s.name)}</a></li>' for s in services.values()
                       if not q or q in s.name.lower())
        return page("Thủ tục hành chính", f"<h1>Danh sách thủ tục hành chính</h1><ul>{rows}</ul>")

    @app.route("/dvc/thu-tuc/<int:ref>")
    def detail(ref: int):
        s = live(ref)
        if s is None:
            return not_found(title)
        gate = declared_gate(ctx.state, s)
        if gate is not None:
            return gate
        kind = "Dịch vụ công trực tuyến toàn trình" if s.declared_level >= 4 else "Dịch vụ công trực tuyến một phần"
        act = (f'<p><a class="btn btn-primary" href="/dvc/nop-ho-so/{ref}">Nộp hồ sơ trực tuyến</a></p>' if s.online else
               "<p>Thủ tục này tiếp nhận hồ sơ tại Trung tâm Phục vụ hành chính công tỉnh; tải mẫu đơn ở trên.</p>")
        return page(s.name, f'<h1>{e(s.name)}</h1><p><span class="nhan-gan">{e(kind)}</span></p>'
                            f"{info_html(s, agency.name, '/tai-lieu/')}{act}")

    @app.route("/tai-lieu/<fname>")
    def download(fname: str):
        s = next((x for x in services.values() if fname in (fn for fn, _ in form_files(x))), None)
        if s is None:
            return not_found(title)
        data, mime = form_file(fname, s.name)
        return Response(data, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{fname}"'})

    @app.route("/dieu-khoan")
    def terms():
        return page("Điều khoản sử dụng", "<h1>Điều khoản sử dụng</h1><p>Người dùng chịu trách nhiệm về thông tin đã khai.</p>")

    # --- accounts ------------------------------------------------------------------------------
    def register_form(msg: str = "") -> str:
        sexes = [("nam", "Nam"), ("nu", "Nữ")]
        return (f'<h1>Đăng ký tài khoản công dân</h1><form id="f-dang-ky" method="post" action="/tai-khoan/dang-ky">'
                f'<p class="thong-bao-loi text-danger">{msg}</p>'
                + group("Họ và tên", "HoTen") + group("Số định danh cá nhân", "SoDinhDanh", extra=' maxlength="12"')
                + date_group("Ngày sinh", "NgaySinh") + combobox("GioiTinh", "Giới tính", sexes, "-- Chọn giới tính --")
                + group("Email", "Email", kind="email") + group("Số điện thoại", "DienThoai")
                + group("Mật khẩu", "MatKhau", kind="password") + group("Nhập lại mật khẩu", "NhapLaiMatKhau", kind="password")
                + tick("DongY", 'Tôi đã đọc và đồng ý với <a href="/dieu-khoan" target="_blank">Điều khoản sử dụng</a>')
                + send("f-dang-ky", "Đăng ký", as_link=False) + "</form>")

    @app.route("/tai-khoan/dang-ky", methods=["GET", "POST"])
    def register():
        if request.method == "GET":
            return page("Đăng ký tài khoản", register_form())
        f = request.form
        error = ""
        if not all(f.get(k, "").strip() for k in ("HoTen", "SoDinhDanh", "NgaySinh", "GioiTinh", "Email", "MatKhau")):
            error = "Vui lòng nhập đầy đủ các trường bắt buộc."
        elif not re.fullmatch(r"\d{12}", f["SoDinhDanh"].strip()):
            error = "Số định danh cá nhân phải gồm 12 chữ số."
        elif not _adult(f["NgaySinh"]):
            error = "Ngày sinh không hợp lệ: công dân phải đủ 14 tuổi."
        elif f["MatKhau"] != f.get("NhapLaiMatKhau"):
            error = "Mật khẩu nhập lại không khớp."
        elif not f.get("DongY"):
            error = "Vui lòng đồng ý với Điều khoản sử dụng."
        elif ctx.state.id_taken(site, f["SoDinhDanh"]):
            error = "Số định danh cá nhân này đã có tài khoản. Vui lòng đăng nhập."
        elif ctx.state.register(site, f["Email"], f["MatKhau"], f["HoTen"], f.get("DienThoai", ""),
                                id_number=f["SoDinhDanh"]) is None:
            error = "Email đã được sử dụng cho một tài khoản khác."
        if error:
            return page("Đăng ký tài khoản", register_form(e(error)), 400)
        return redirect("/tai-khoan/dang-nhap?dang-ky=1")

    def login_form(msg: str = "") -> str:
        return ('<h1>Đăng nhập</h1><form method="post" action="/tai-khoan/dang-nhap">' + msg
                + group("Số định danh cá nhân", "TenDangNhap") + group("Mật khẩu", "MatKhau", kind="password")
                + '<button type="submit" class="btn btn-primary">Đăng nhập</button></form>')

    @app.route("/tai-khoan/dang-nhap", methods=["GET", "POST"])
    def login():
        if request.method == "POST":
            by_id = ctx.state.account_by_id(site, request.form.get("TenDangNhap", ""))
            acc, _ = ctx.state.login(site, by_id.email, request.form.get("MatKhau", "")) if by_id else (None, "")
            if acc is None:
                return page("Đăng nhập", login_form('<p class="text-danger">Số định danh hoặc mật khẩu không đúng.</p>'), 401)
            session["user"] = acc.email
            return redirect("/ca-nhan")  # wherever the citizen came from
        note = '<p class="ok">Đăng ký thành công. Mời ông/bà đăng nhập.</p>' if request.args.get("dang-ky") else ""
        return page("Đăng nhập", login_form(note))

    @app.route("/tai-khoan/thoat")
    def logout():
        session.clear()
        return redirect("/")

    # --- submission and dossier ----------------------------------------------------------------
    @app.route("/dvc/nop-ho-so/<int:ref>", methods=["GET", "POST"])
    def submit(ref: int):
        s = live(ref)
        if s is None or not s.online:
            return not_found(title)
        if not session.get("user"):
            return redirect("/tai-khoan/dang-nhap")
        msg = ""
        if request.method == "POST":
            f = request.form.to_dict()
            names = [x.filename for x in request.files.values() if x and x.filename]
            if not _place_ok(f.get("Tinh", ""), f.get("Huyen", ""), f.get("Xa", "")):
                msg = "Vui lòng chọn đầy đủ địa bàn: tỉnh/thành phố, quận/huyện, phường/xã."
            elif not _date_ok(f.get("NgayCap", "")):
                msg = "Ngày cấp phải chọn theo dạng dd/mm/yyyy."
            elif not f.get("hinh_thuc_nhan_ket_qua"):
                msg = "Vui lòng chọn hình thức nhận kết quả."
            else:
                fields = {**f, "ho_ten": f.get("HoTenNguoiNop", ""), "so_cccd": f.get("SoGiayTo", ""), "cam_ket": f.get("CamDoan")}
                d, err = dc.accept_submission(ctx, site, receipt_prefix(agency.code, s), s, session["user"], fields, names)
                if d is not None:
                    return redirect(f"/ca-nhan/ho-so/{quote(d.code)}?moi=1")
                msg = err
        acc = ctx.state.accounts.get((site, session["user"]))
        return page("Nộp hồ sơ", f'<h1>{e(s.name)}</h1><form id="f-nop" method="post" enctype="multipart/form-data" '
                    f'action="/dvc/nop-ho-so/{ref}"><p class="thong-bao-loi text-danger">{e(msg)}</p>'
                    + group("Họ tên người nộp", "HoTenNguoiNop", value=acc.full_name if acc else "")
                    + group("Số giấy tờ tùy thân", "SoGiayTo", value=acc.id_number if acc else "")
                    + date_group("Ngày cấp", "NgayCap") + group("Địa chỉ liên hệ", "DiaChi") + places()
                    + '<div class="form-group"><label>Thành phần hồ sơ: Tờ khai <span class="text-danger">*</span></label>'
                      '<input type="file" name="ToKhai" id="to-khai" style="display:none">'
                      '<button type="button" class="btn" onclick="document.getElementById(\'to-khai\').click()">Chọn tệp</button></div>'
                    + combobox("hinh_thuc_nhan_ket_qua", "Hình thức nhận kết quả", dc.delivery_options(s), "-- Chọn hình thức --")
                    + tick("CamDoan", "Tôi xin cam đoan những thông tin đã khai là đúng sự thật")
                    + send("f-nop", "Nộp hồ sơ", as_link=True) + "</form>", script=PLACES_JS)

    def mine(code: str):
        return dc.owned_dossier(ctx, site, code)

    @app.route("/ca-nhan/ho-so/<code>")
    def dossier(code: str):
        d = mine(code)
        if d is None:
            return not_found(title)
        s = dc.service_of(d, services)
        rows = (f"<tr><th>Số biên nhận</th><td>{e(d.code)}</td></tr><tr><th>Thủ tục</th><td>{e(s.name)}</td></tr>"
                f"<tr><th>Trạng thái</th><td>{e(d.status)}</td></tr><tr><th>Hình thức nhận kết quả</th>"
                f"<td>{e(dc.DELIVERY_LABELS[d.delivery])}</td></tr>")
        if d.fee:
            rows += (f"<tr><th>Lệ phí</th><td>{e(money(d.fee))} (đã thanh toán)</td></tr>" if d.paid else
                     f'<tr><th>Lệ phí</th><td>{e(money(d.fee))} (chưa thanh toán) <a class="btn" '
                     f'href="/ca-nhan/ho-so/{quote(d.code)}/thanh-toan">Thanh toán trực tuyến</a></td></tr>')
        out = f"<h1>Thông tin hồ sơ</h1><table>{rows}</table>"
        if d.delivery == "truc-tuyen" and dc.result_ready(d):
            out += f'<p><a class="btn" href="/ca-nhan/ho-so/{quote(d.code)}/ket-qua">Tải kết quả giải quyết</a></p>'
        if request.args.get("moi"):
            out += ('<div class="modal" id="hop-thoai" role="dialog"><div class="modal-content"><h4>Nộp hồ sơ thành công</h4>'
                    f"<p>Hồ sơ của ông/bà đã được gửi đến {e(s.unit or agency.name)}. Số biên nhận: <b>{e(d.code)}</b>.</p>"
                    '<button type="button" class="btn" data-dong="hop-thoai">Đóng</button></div></div>')
        return page("Hồ sơ " + d.code, out)

    @app.route("/ca-nhan/ho-so/<code>/thanh-toan", methods=["GET", "POST"])
    def pay(code: str):
        d = mine(code)
        if d is None or not d.fee:
            return not_found(title)
        s = dc.service_of(d, services)
        if request.method == "POST":
            back = request.host_url + f"ca-nhan/ho-so/{quote(code)}/da-thanh-toan"
            return redirect(dc.start_payment(ctx, d, s, agency.name, back))
        return page("Thanh toán", f"<h1>Thanh toán lệ phí hồ sơ {e(d.code)}</h1><p>Số tiền: {e(money(d.fee))}</p>"
                    '<form method="post"><p>Chọn kênh thanh toán:</p>'
                    '<label><input type="radio" name="kenh" value="paygov" checked> Cổng thanh toán quốc gia (PayGov)</label>'
                    '<label><input type="radio" name="kenh" value="vnptpay"> Ví VNPT Pay</label>'
                    '<button type="submit" class="btn btn-primary">Tiếp tục</button></form>')

    @app.route("/ca-nhan/ho-so/<code>/da-thanh-toan")
    def pay_return(code: str):
        ctx.state.settle(request.args.get("ma_giao_dich", ""))
        return redirect(f"/ca-nhan/ho-so/{quote(code)}")

    @app.route("/ca-nhan/ho-so/<code>/ket-qua")
    def e_copy(code: str):
        return dc.e_copy(mine(code), services) or not_found(title)

    @app.route("/ca-nhan")
    def me():
        if not session.get("user"):
            return redirect("/tai-khoan/dang-nhap")
        return page("Trang cá nhân", f"<h1>Trang cá nhân</h1><p>Xin chào {e(session['user'])}.</p>"
                                    '<p><a href="/ca-nhan/ho-so">Hồ sơ đã nộp</a> · <a href="/dvc">Nộp hồ sơ mới</a></p>')

    @app.route("/ca-nhan/ho-so")
    def my_dossiers():
        if not session.get("user"):
            return redirect("/tai-khoan/dang-nhap")
        rows = "".join(f'<tr><td><a href="/ca-nhan/ho-so/{quote(d.code)}">{e(d.code)}</a></td><td>{e(d.status)}</td></tr>'
                       for d in ctx.state.dossiers_of(site, session["user"]))
        return page("Hồ sơ đã nộp", f"<h1>Hồ sơ đã nộp</h1><table><tr><th>Số biên nhận</th><th>Trạng thái</th></tr>{rows}</table>")

    @app.route("/tra-cuu")
    def track():
        return page("Tra cứu hồ sơ", '<h1>Tra cứu tình trạng hồ sơ</h1><p><input id="so-bien-nhan" '
                    'placeholder="Nhập số biên nhận hồ sơ"> <button type="button" class="btn" id="nut-tim" title="Tra cứu">'
                    '<span class="icon-search">&#128269;</span></button></p><div id="ket-qua"></div>', script=TRACK_JS)

    @app.route("/api/dia-ban")
    def places_api() -> Response:
        level: dict | list = PLACES
        for name in request.args.get("duong", "").split("|"):
            level = level.get(name, {}) if isinstance(level, dict) else []
        return jsonify(sorted(level) if isinstance(level, dict) else level)

    @app.route("/api/ho-so")
    def track_api():
        d = ctx.state.lookup(request.args.get("so", ""), site)
        if d is None:
            return jsonify({"ok": False})
        return jsonify({"ok": True, "so": d.code, "trang_thai": d.status, "nhan": dc.DELIVERY_LABELS[d.delivery]})

    return app


def places() -> str:
    """Province, district, commune: native lists, the lower ones empty until the one above is chosen."""
    rows = [("Tỉnh/Thành phố", "Tinh", "-- Chọn tỉnh/thành phố --"), ("Quận/Huyện", "Huyen", "-- Chọn quận/huyện --"),
            ("Phường/Xã", "Xa", "-- Chọn phường/xã --")]
    out = ""
    for depth, (label, name, prompt) in enumerate(rows):
        options = "".join(f'<option value="{e(p)}">{e(p)}</option>' for p in PLACES) if depth == 0 else ""
        below = f' data-con="{rows[depth + 1][1]}"' if depth + 1 < len(rows) else ""
        out += (f'<div class="form-group"><label>{e(label)} <span class="text-danger">*</span></label><select class="form-control" '
                f'id="{name}" name="{name}" data-cap="{depth}" data-moi="{e(prompt)}" data-bat-buoc="{e(label)}"{below}>'
                f'<option value="">{e(prompt)}</option>{options}</select></div>')
    return out


def _place_ok(province: str, district: str, commune: str) -> bool:
    return commune in PLACES.get(province, {}).get(district, [])


def _date_ok(text: str) -> bool:
    try:
        datetime.strptime(text.strip(), "%d/%m/%Y")
    except ValueError:
        return False
    return True


def _adult(text: str) -> bool:
    if not _date_ok(text):
        return False
    born = datetime.strptime(text.strip(), "%d/%m/%Y").date()
    return (date.today() - born).days >= 14 * 365
