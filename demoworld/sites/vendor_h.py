"""Vendor H: a single-page portal routed by the address's hash (#/thu-tuc/5206), every view drawn from JSON.

Habits of the style: the declared link is a hash route of one page; fields carry no label, only a
placeholder; a signed-out citizen meets a login dialog over the submission, with a link to register;
registration answers with the browser's own alert; the submission is a wizard of tabs on one view
("Thông tin người nộp", "Thành phần hồ sơ", "Xác nhận và nộp") whose delivery is a row of cards
(radios hidden inside their labels) and whose file goes in a drop zone; the last button asks the
browser's own confirm ("Ông/Bà có chắc chắn muốn nộp hồ sơ?") before sending; a toast says it went;
the fee is paid in a window the portal opens (`window.open`) on the gateway, which returns to the
portal; tracking is a search view.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Flask, Response, jsonify, redirect, request, session

from demoworld import dvc_common as dc
from demoworld.context import Ctx
from demoworld.files import form_file
from demoworld.model import Agency, Service
from demoworld.procinfo import form_files, payment_text, result_text
from demoworld.web import e, html_page, make_app, money

CSS = (".top{background:#00695c;color:#fff;padding:8px 16px}.top a{color:#fff;margin-right:12px}.the{display:inline-block;"
       "border:1px solid #00695c;border-radius:6px;padding:10px;margin:4px;cursor:pointer;min-width:170px}.the input{display:none}"
       ".the.chon{background:#e0f2f1}.tabs{list-style:none;padding:0;display:flex;gap:8px}.tabs li{padding:6px 10px;"
       "border-bottom:3px solid #ccc}.tabs li.active{border-color:#00695c;font-weight:bold}.pane{display:none}.pane.active{display:block}"
       ".dropzone{border:2px dashed #00695c;padding:24px;text-align:center;cursor:pointer}.lop{position:fixed;inset:0;"
       "background:rgba(0,0,0,.5);display:flex;align-items:center;justify-content:center}.hop{background:#fff;padding:16px 22px;"
       "min-width:360px}.toast{position:fixed;right:16px;bottom:16px;background:#2e7d32;color:#fff;padding:10px 14px}"
       "input{display:block;margin:6px 0;padding:5px;min-width:300px}")

APP_JS = r"""
const app = document.getElementById('app');
const api = (path, body) => fetch('/api/' + path, body === undefined ? {} : (body instanceof FormData ?
  {method: 'POST', body} : {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)}))
  .then(r => r.json());
const esc = (t) => String(t).replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]));
const val = (root, ph) => root.querySelector('[placeholder="' + ph + '"]').value.trim();
function toast(text) { const t = document.createElement('div'); t.className = 'toast'; t.textContent = text;
  document.body.appendChild(t); setTimeout(() => t.remove(), 3000); }
function header(me) {
  document.getElementById('tk').innerHTML = me.user ? 'Xin chào ' + esc(me.user) +
    ' | <a href="#/ho-so-cua-toi">Hồ sơ của tôi</a> | <a href="#/" id="thoat">Đăng xuất</a>' :
    '<a href="#/dang-nhap">Đăng nhập</a> <a href="#/dang-ky">Đăng ký</a>';
  const out = document.getElementById('thoat'); if (out) out.onclick = () => api('dang-xuat', {}).then(route);
}
function loginDialog(then) {
  const lop = document.createElement('div'); lop.className = 'lop';
  lop.innerHTML = '<div class="hop" role="dialog"><h3>Đăng nhập để nộp hồ sơ</h3><p class="loi"></p>' +
    '<input placeholder="Email đăng nhập"><input type="password" placeholder="Mật khẩu">' +
    '<button type="button" id="vao">Đăng nhập</button> <a href="#/dang-ky?tiep=' + encodeURIComponent(location.hash.slice(1)) +
    '">Chưa có tài khoản? Đăng ký ngay</a></div>';
  document.body.appendChild(lop);
  window.addEventListener('hashchange', () => lop.remove(), {once: true});
  lop.querySelector('#vao').onclick = () => api('dang-nhap', {email: val(lop, 'Email đăng nhập'), mat_khau: val(lop, 'Mật khẩu')})
    .then(j => { if (!j.ok) { lop.querySelector('.loi').textContent = j.loi; return; } lop.remove(); then(); });
}
const views = {
  '/': () => api('thu-tuc').then(list => { app.innerHTML = '<h1>Dịch vụ công trực tuyến</h1><ul>' +
    list.map(s => '<li><a href="#/thu-tuc/' + s.ref + '">' + esc(s.ten) + '</a></li>').join('') + '</ul>'; }),
  '/thu-tuc/:ref': (ref) => api('thu-tuc/' + ref).then(s => {
    if (!s.ten) { app.innerHTML = '<h1>Không tìm thấy thủ tục</h1>'; return; }
    app.innerHTML = '<h1>' + esc(s.ten) + '</h1><table>' + s.thong_tin.map(r => '<tr><th>' + esc(r[0]) + '</th><td>' +
      esc(r[1]) + '</td></tr>').join('') + '</table><h3>Mẫu đơn, tờ khai</h3><ul>' + s.mau.map(m => '<li><a href="/tep/' +
      m[0] + '" download>' + esc(m[1]) + '</a></li>').join('') + '</ul>' + (s.truc_tuyen ?
      '<p><button type="button" id="nop">Nộp hồ sơ trực tuyến</button></p>' :
      '<p>Thủ tục này chỉ tiếp nhận hồ sơ trực tiếp hoặc qua bưu chính.</p>');
    const b = document.getElementById('nop'); if (b) b.onclick = () => { location.hash = '#/nop-ho-so/' + ref; };
  }),
  '/dang-ky': () => {
    app.innerHTML = '<h1>Đăng ký tài khoản</h1><p class="loi"></p><input placeholder="Họ và tên"><input placeholder="Số CCCD (12 số)">' +
      '<input type="email" placeholder="Email"><input type="password" placeholder="Mật khẩu">' +
      '<input type="password" placeholder="Nhập lại mật khẩu"><button type="button" id="dk">Đăng ký</button>';
    document.getElementById('dk').onclick = () => {
      const body = {ho_ten: val(app, 'Họ và tên'), cccd: val(app, 'Số CCCD (12 số)'), email: val(app, 'Email'),
                    mat_khau: val(app, 'Mật khẩu'), nhap_lai: val(app, 'Nhập lại mật khẩu')};
      api('dang-ky', body).then(j => { if (!j.ok) { app.querySelector('.loi').textContent = j.loi; return; }
        alert('Đăng ký tài khoản thành công! Mời ông/bà đăng nhập.');
        const next = new URLSearchParams(location.hash.split('?')[1] || '').get('tiep');
        location.hash = '#/dang-nhap' + (next ? '?tiep=' + encodeURIComponent(next) : ''); });
    };
  },
  '/dang-nhap': () => {
    app.innerHTML = '<h1>Đăng nhập</h1><p class="loi"></p><input placeholder="Email đăng nhập"><input type="password" ' +
      'placeholder="Mật khẩu"><button type="button" id="vao">Đăng nhập</button>';
    document.getElementById('vao').onclick = () => api('dang-nhap', {email: val(app, 'Email đăng nhập'), mat_khau: val(app, 'Mật khẩu')})
      .then(j => { if (!j.ok) { app.querySelector('.loi').textContent = j.loi; return; }
        const next = new URLSearchParams(location.hash.split('?')[1] || '').get('tiep'); location.hash = '#' + (next || '/'); });
  },
  '/nop-ho-so/:ref': (ref) => api('toi').then(me => me.user ? Promise.all([api('thu-tuc/' + ref), me]).then(([s]) => wizard(s)) :
    api('thu-tuc/' + ref).then(s => { app.innerHTML = '<h1>' + esc(s.ten) + '</h1>'; loginDialog(route); })),
  '/ho-so/:code': (code) => api('ho-so/' + encodeURIComponent(code)).then(d => {
    if (!d.ma) { app.innerHTML = '<h1>Không tìm thấy hồ sơ</h1>'; return; }
    app.innerHTML = '<h1>Chi tiết hồ sơ</h1><table><tr><th>Mã hồ sơ</th><td>' + esc(d.ma) + '</td></tr><tr><th>Thủ tục</th><td>' +
      esc(d.thu_tuc) + '</td></tr><tr><th>Trạng thái</th><td>' + esc(d.trang_thai) + '</td></tr><tr><th>Nhận kết quả</th><td>' +
      esc(d.nhan) + '</td></tr>' + (d.le_phi ? '<tr><th>Lệ phí</th><td>' + esc(d.le_phi) + (d.da_tra ? ' — Đã thanh toán' :
      ' — Chưa thanh toán <button type="button" id="tra">Thanh toán</button>') + '</td></tr>' : '') + '</table>' +
      (d.ket_qua ? '<p><a href="' + d.ket_qua + '">Tải kết quả điện tử</a></p>' : '') + '<p id="cho"></p>';
    const pay = document.getElementById('tra');
    if (pay) pay.onclick = () => api('thanh-toan/' + encodeURIComponent(code), {}).then(j => {
      window.open(j.url, 'thanh_toan', 'width=900,height=700');
      document.getElementById('cho').textContent = 'Đang chờ thanh toán trong cửa sổ mới...'; });
  }),
  '/ho-so-cua-toi': () => api('ho-so-cua-toi').then(list => { app.innerHTML = '<h1>Hồ sơ của tôi</h1><table><tr><th>Mã hồ sơ</th>' +
    '<th>Trạng thái</th></tr>' + list.map(d => '<tr><td><a href="#/ho-so/' + encodeURIComponent(d.ma) + '">' + esc(d.ma) +
    '</a></td><td>' + esc(d.trang_thai) + '</td></tr>').join('') + '</table>'; }),
  '/tra-cuu': () => {
    app.innerHTML = '<h1>Tra cứu hồ sơ</h1><input placeholder="Nhập mã hồ sơ"><button type="button" id="tim">Tìm kiếm</button>' +
      '<div id="kq"></div>';
    document.getElementById('tim').onclick = () => api('tra-cuu?ma=' + encodeURIComponent(val(app, 'Nhập mã hồ sơ'))).then(d => {
      document.getElementById('kq').innerHTML = d.ma ? '<p>Mã hồ sơ: ' + esc(d.ma) + '</p><p>Trạng thái: ' + esc(d.trang_thai) +
        '</p>' : '<p class="loi">Không tìm thấy hồ sơ.</p>'; });
  },
};
function wizard(s) {
  const cards = s.nhan.map((o, k) => '<label class="the' + (k ? '' : ' chon') + '"><input type="radio" name="nhan" value="' + o[0] +
    '"' + (k ? '' : ' checked') + '> ' + esc(o[1]) + '</label>').join('');
  app.innerHTML = '<h1>' + esc(s.ten) + '</h1><ul class="tabs"><li class="active">1. Thông tin người nộp</li><li>2. Thành phần hồ sơ' +
    '</li><li>3. Xác nhận và nộp</li></ul><p class="loi"></p>' +
    '<div class="pane active"><input placeholder="Họ và tên người nộp"><input placeholder="Số CCCD"><input type="date" ' +
    'placeholder="Ngày sinh"><input placeholder="Số điện thoại"><input placeholder="Địa chỉ thường trú"><p>Hình thức nhận kết quả:</p>' +
    cards + '<p><button type="button" class="tiep">Tiếp theo</button></p></div>' +
    '<div class="pane"><p>Tờ khai (bắt buộc):</p><div class="dropzone">Kéo thả tệp vào đây hoặc bấm để chọn tệp<input type="file" ' +
    'style="display:none"></div><p class="ten-tep"></p><p><button type="button" class="lui">Quay lại</button> ' +
    '<button type="button" class="tiep">Tiếp theo</button></p></div>' +
    '<div class="pane"><p>Kiểm tra lại thông tin trước khi nộp.</p><table class="tom-tat"></table><label><input type="checkbox" ' +
    'class="cam-doan"> Tôi cam đoan nội dung khai là đúng sự thật</label><p><button type="button" class="lui">Quay lại</button> ' +
    '<button type="button" id="gui">Nộp hồ sơ</button></p></div>';
  const panes = app.querySelectorAll('.pane'), tabs = app.querySelectorAll('.tabs li'), err = app.querySelector('.loi');
  const file = app.querySelector('input[type=file]');
  let at = 0;
  const show = (k) => { at = k; panes.forEach((p, i) => p.classList.toggle('active', i === k));
    tabs.forEach((t, i) => t.classList.toggle('active', i === k)); err.textContent = ''; };
  app.querySelectorAll('.the').forEach(c => c.onclick = () => { app.querySelectorAll('.the').forEach(x => x.classList.remove('chon'));
    c.classList.add('chon'); });
  app.querySelector('.dropzone').onclick = () => file.click();
  file.onchange = () => { app.querySelector('.ten-tep').textContent = file.files.length ? 'Đã chọn: ' + file.files[0].name : ''; };
  app.querySelectorAll('.lui').forEach(b => b.onclick = () => show(at - 1));
  app.querySelectorAll('.tiep').forEach(b => b.onclick = () => {
    if (at === 0 && (!val(app, 'Họ và tên người nộp') || !val(app, 'Số CCCD'))) { err.textContent = 'Vui lòng nhập họ tên và số CCCD.'; return; }
    if (at === 1 && !file.files.length) { err.textContent = 'Vui lòng đính kèm tờ khai.'; return; }
    if (at === 1) app.querySelector('.tom-tat').innerHTML = '<tr><th>Người nộp</th><td>' + esc(val(app, 'Họ và tên người nộp')) +
      '</td></tr><tr><th>Nhận kết quả</th><td>' + esc(app.querySelector('.the.chon').textContent.trim()) + '</td></tr>';
    show(at + 1);
  });
  document.getElementById('gui').onclick = () => {
    if (!app.querySelector('.cam-doan').checked) { err.textContent = 'Vui lòng đánh dấu ô cam đoan.'; return; }
    if (!confirm('Ông/Bà có chắc chắn muốn nộp hồ sơ?')) return;
    const form = new FormData();
    form.append('ho_ten', val(app, 'Họ và tên người nộp')); form.append('so_cccd', val(app, 'Số CCCD'));
    form.append('dia_chi', val(app, 'Địa chỉ thường trú')); form.append('cam_ket', '1'); form.append('to_khai', file.files[0]);
    form.append('hinh_thuc_nhan_ket_qua', app.querySelector('input[name=nhan]:checked').value);
    api('nop-ho-so/' + s.ref, form).then(j => { if (!j.ok) { err.textContent = j.loi; return; }
      toast('Nộp hồ sơ thành công'); location.hash = '#/ho-so/' + encodeURIComponent(j.ma); });
  };
}
function route() {
  const path = location.hash.slice(1).split('?')[0] || '/';
  api('toi').then(header);
  for (const [pattern, view] of Object.entries(views)) {
    const m = path.match(new RegExp('^' + pattern.replace(/:[a-z]+/g, '([^/]+)') + '$'));
    if (m) { view(...m.slice(1).map(decodeURIComponent)); return; }
  }
  app.innerHTML = '<h1>Không tìm thấy trang</h1>';
}
window.addEventListener('hashchange', route);
route();
"""


def build(ctx: Ctx, agency: Agency) -> Flask:
    site = f"dvc:{agency.id}"
    province = agency.name.replace("UBND tỉnh ", "")
    title = f"Dịch vụ công trực tuyến tỉnh {province}"
    app = make_app(site, ctx.state, ctx.delay_ms)
    services = {s.ref: s for s in ctx.data.services_of(agency.id)}

    def live(ref: int) -> Service | None:
        s = services.get(ref)
        return None if s is None or s.dead else s

    def mine(code: str):
        return dc.owned_dossier(ctx, site, code)

    @app.route("/")
    def shell():
        body = (f'<div class="top"><b>{e(title.upper())}</b> <a href="#/">Trang chủ</a> <a href="#/tra-cuu">Tra cứu hồ sơ</a>'
                f'<span id="tk"></span></div><main id="app"><p>Đang tải...</p></main><footer>{e(agency.name)} · '
                f"{e(agency.address)}</footer><script>{APP_JS}</script>")
        return html_page(title, body, site_name=title, css=CSS)

    @app.route("/api/thu-tuc")
    def catalogue():
        return jsonify([{"ref": s.ref, "ten": s.name} for s in services.values() if not s.dead])

    @app.route("/api/thu-tuc/<int:ref>")
    def detail(ref: int):
        s = live(ref)
        if s is None:
            return jsonify({})
        facts = [("Mã thủ tục", ", ".join(s.codes) or "—"), ("Cơ quan thực hiện", s.unit or agency.name), ("Lĩnh vực", s.field),
                 ("Phí, lệ phí", money(s.fee) if s.fee else "Không"), ("Thanh toán", payment_text(s)),
                 ("Kết quả", result_text(s)), ("Mức độ", f"Dịch vụ công trực tuyến mức độ {s.declared_level}")]
        return jsonify({"ref": s.ref, "ten": s.name, "thong_tin": facts, "mau": form_files(s), "truc_tuyen": s.online,
                        "nhan": [[k, v] for k, v in sorted(dc.delivery_options(s), key=lambda kv: kv[0] != "truc-tiep")]})

    @app.route("/tep/<fname>")
    def download(fname: str):
        s = next((x for x in services.values() if fname in (fn for fn, _ in form_files(x))), None)
        if s is None:
            return Response("Không tìm thấy tệp", status=404)
        data, mime = form_file(fname, s.name)
        return Response(data, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{fname}"'})

    @app.route("/api/toi")
    def me():
        return jsonify({"user": session.get("user")})

    @app.route("/api/dang-ky", methods=["POST"])
    def register():
        f = request.get_json(silent=True) or {}
        if not all(str(f.get(k, "")).strip() for k in ("ho_ten", "cccd", "email", "mat_khau")):
            return jsonify({"ok": False, "loi": "Vui lòng nhập đầy đủ thông tin."})
        if f["mat_khau"] != f.get("nhap_lai"):
            return jsonify({"ok": False, "loi": "Mật khẩu nhập lại không khớp."})
        if ctx.state.register(site, f["email"], f["mat_khau"], f["ho_ten"], id_number=str(f["cccd"])) is None:
            return jsonify({"ok": False, "loi": "Email đã được đăng ký."})
        return jsonify({"ok": True})

    @app.route("/api/dang-nhap", methods=["POST"])
    def login():
        f = request.get_json(silent=True) or {}
        acc, err = ctx.state.login(site, str(f.get("email", "")), str(f.get("mat_khau", "")))
        if acc is None:
            return jsonify({"ok": False, "loi": err})
        session["user"] = acc.email
        return jsonify({"ok": True})

    @app.route("/api/dang-xuat", methods=["POST"])
    def logout():
        session.clear()
        return jsonify({"ok": True})

    @app.route("/api/nop-ho-so/<int:ref>", methods=["POST"])
    def submit(ref: int):
        s = live(ref)
        if s is None or not s.online or not session.get("user"):
            return jsonify({"ok": False, "loi": "Phiên đăng nhập đã hết hạn."})
        names = [x.filename for x in request.files.values() if x and x.filename]
        d, err = dc.accept_submission(ctx, site, dc.dossier_prefix(agency.code, s), s, session["user"], request.form.to_dict(), names)
        return jsonify({"ok": True, "ma": d.code}) if d is not None else jsonify({"ok": False, "loi": err})

    @app.route("/api/ho-so/<code>")
    def dossier(code: str):
        d = mine(code)
        if d is None:
            return jsonify({})
        s = dc.service_of(d, services)
        ready = d.delivery == "truc-tuyen" and dc.result_ready(d)
        return jsonify({"ma": d.code, "thu_tuc": s.name, "trang_thai": d.status, "nhan": dc.DELIVERY_LABELS[d.delivery],
                        "le_phi": money(d.fee) if d.fee else "", "da_tra": d.paid,
                        "ket_qua": f"/ket-qua/{quote(d.code)}" if ready else ""})

    @app.route("/api/thanh-toan/<code>", methods=["POST"])
    def pay(code: str):
        d = mine(code)
        if d is None or not d.fee:
            return jsonify({})
        s = dc.service_of(d, services)
        back = request.host_url + f"thanh-toan-xong/{quote(code)}"
        return jsonify({"url": dc.start_payment(ctx, d, s, agency.name, back)})

    @app.route("/thanh-toan-xong/<code>")
    def pay_return(code: str):
        ctx.state.settle(request.args.get("ma_giao_dich", ""))
        return redirect(f"/#/ho-so/{quote(code)}")

    @app.route("/ket-qua/<code>")
    def e_copy(code: str):
        return dc.e_copy(mine(code), services) or Response("Không tìm thấy", status=404)

    @app.route("/api/ho-so-cua-toi")
    def my_dossiers():
        return jsonify([{"ma": d.code, "trang_thai": d.status} for d in ctx.state.dossiers_of(site, session.get("user") or "")])

    @app.route("/api/tra-cuu")
    def track():
        d = ctx.state.lookup(request.args.get("ma", ""), site)
        return jsonify({} if d is None else {"ma": d.code, "trang_thai": d.status})

    return app

