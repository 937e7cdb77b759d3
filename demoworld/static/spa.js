// Vendor B single-page app: every page and form is built here from the JSON API (history routing).
(function () {
  "use strict";
  var app = document.getElementById("app");
  var state = { user: null };

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function api(method, url, body) {
    var opts = { method: method, credentials: "same-origin", headers: {} };
    if (body instanceof FormData) { opts.body = body; }
    else if (body) { opts.body = JSON.stringify(body); opts.headers["Content-Type"] = "application/json"; }
    return fetch(url, opts).then(function (r) { return r.json().then(function (j) { j._status = r.status; return j; }); });
  }
  function go(path) { history.pushState({}, "", path); route(); }
  function shell(title, html) {
    document.title = title + " - Cổng dịch vụ công Bộ Tư pháp";
    var acct = state.user
      ? '<span>Xin chào ' + esc(state.user) + '</span> <a href="/ho-so-cua-toi" data-link>Hồ sơ của tôi</a> <a href="#" id="dang-xuat">Đăng xuất</a>'
      : '<a href="/tai-khoan/tao-tai-khoan" data-link>Tạo tài khoản</a> <a href="/tai-khoan/dang-nhap" data-link>Đăng nhập</a>';
    app.innerHTML = '<header><strong>CỔNG DỊCH VỤ CÔNG BỘ TƯ PHÁP</strong><div class="tai-khoan">' + acct + '</div></header>' +
      '<nav><a href="/" data-link>Trang chủ</a><a href="/" data-link>Thủ tục hành chính</a>' +
      '<a href="/tra-cuu" data-link>Tra cứu tình trạng hồ sơ</a></nav><main>' + html + '</main>' +
      '<footer>Cổng dịch vụ công Bộ Tư pháp - 60 Trần Phú, Ba Đình, Hà Nội</footer>';
    var out = document.getElementById("dang-xuat");
    if (out) out.onclick = function (ev) { ev.preventDefault(); api("POST", "/api/dang-xuat").then(function () { state.user = null; go("/"); }); };
  }
  function fail(msg) { var p = document.getElementById("thong-bao"); if (p) { p.className = "loi"; p.textContent = msg; } }

  function pageList() {
    api("GET", "/api/thu-tuc").then(function (j) {
      var rows = j.danh_sach.map(function (s, i) {
        return "<tr><td>" + (i + 1) + '</td><td><a href="/dich-vu-cong/' + s.ma + '" data-link>' + esc(s.ten) + "</a></td><td>Mức độ " +
          s.muc_do + "</td><td>" + esc(s.linh_vuc) + "</td></tr>";
      }).join("");
      shell("Trang chủ", "<h1>Danh sách thủ tục hành chính</h1><table><tr><th>STT</th><th>Tên thủ tục</th><th>Mức độ</th><th>Lĩnh vực</th></tr>" + rows + "</table>");
    });
  }
  function pageService(ref) {
    api("GET", "/api/thu-tuc/" + ref).then(function (s) {
      if (s._status !== 200) { shell("Không tìm thấy", "<h1>Không tìm thấy thủ tục</h1>"); return; }
      var ways = s.cach_thuc.map(function (w) { return "<tr><td>" + esc(w[0]) + "</td><td>" + esc(w[1]) + "</td><td>" + esc(s.phi) + "</td><td>" + esc(w[2]) + "</td></tr>"; }).join("");
      var forms = s.mau_don.map(function (f) { return '<li><a href="' + esc(f.url) + '" download>' + esc(f.ten) + "</a></li>"; }).join("");
      var act = s.truc_tuyen ? '<p><button type="button" id="nop-truc-tuyen">Nộp trực tuyến</button></p>'
        : '<p class="huong-dan">Tải mẫu đơn, tờ khai về máy và nộp hồ sơ trực tiếp tại Bộ phận một cửa hoặc qua đường bưu điện. Thủ tục này chưa hỗ trợ nộp hồ sơ trực tuyến.</p>';
      shell(s.ten, "<h1>" + esc(s.ten) + "</h1><table><tr><th>Tên thủ tục</th><td>" + esc(s.ten) + "</td></tr><tr><th>Mã thủ tục</th><td>" + esc(s.ma_thu_tuc) +
        "</td></tr><tr><th>Mức độ</th><td>Mức độ " + s.muc_do + "</td></tr><tr><th>Lĩnh vực</th><td>" + esc(s.linh_vuc) + "</td></tr><tr><th>Cơ quan thực hiện</th><td>" +
        esc(s.co_quan) + "</td></tr></table><h3>Cách thức thực hiện</h3><table><tr><th>Hình thức nộp</th><th>Thời hạn giải quyết</th><th>Phí, lệ phí</th><th>Mô tả</th></tr>" + ways +
        "</table><p><strong>Phí, lệ phí:</strong> " + esc(s.phi) + ". " + esc(s.thanh_toan) + "</p><p><strong>Kết quả thực hiện:</strong> " + esc(s.ket_qua) +
        "</p><h3>Mẫu đơn, tờ khai</h3><ul>" + forms + "</ul>" + act);
      var b = document.getElementById("nop-truc-tuyen");
      if (b) b.onclick = function () {
        if (s.xac_thuc_cong_dan && !s.da_xac_thuc) go("/dich-vu-cong/" + ref + "/xac-thuc");
        else if (!state.user) go("/tai-khoan/dang-nhap?next=" + encodeURIComponent("/dich-vu-cong/" + ref + "/nop-ho-so"));
        else go("/dich-vu-cong/" + ref + "/nop-ho-so");
      };
    });
  }
  function formPage(title, fields, button, onsubmit, extra) {
    var html = "<h1>" + esc(title) + '</h1><p id="thong-bao"></p><form id="bieu-mau">' + fields.map(function (f) {
      return "<label>" + esc(f[1]) + ' <input name="' + f[0] + '" type="' + (f[2] || "text") + '"></label>';
    }).join("") + '<button type="submit">' + esc(button) + "</button></form>" + (extra || "");
    shell(title, html);
    document.getElementById("bieu-mau").onsubmit = function (ev) { ev.preventDefault(); onsubmit(new FormData(ev.target)); };
  }
  function nextParam() { return new URLSearchParams(location.search).get("next") || "/"; }
  function pageLogin() {
    formPage("Đăng nhập", [["email", "Thư điện tử"], ["mat_khau", "Mật khẩu", "password"]], "Đăng nhập", function (fd) {
      api("POST", "/api/dang-nhap", fd).then(function (j) { if (j.ok) { state.user = j.nguoi_dung; go(nextParam()); } else fail(j.loi); });
    }, '<p>Chưa có tài khoản? <a href="/tai-khoan/tao-tai-khoan?next=' + encodeURIComponent(nextParam()) + '" data-link>Tạo tài khoản</a></p>');
  }
  function pageRegister() {
    formPage("Tạo tài khoản", [["ho_ten", "Họ và tên"], ["email", "Thư điện tử", "email"], ["so_dien_thoai", "Số điện thoại", "tel"],
      ["mat_khau", "Mật khẩu", "password"], ["nhap_lai_mat_khau", "Nhập lại mật khẩu", "password"]], "Tạo tài khoản", function (fd) {
      api("POST", "/api/tao-tai-khoan", fd).then(function (j) {
        if (j.ok) go("/tai-khoan/dang-nhap?next=" + encodeURIComponent(nextParam())); else fail(j.loi);
      });
    });
  }
  function pageVerify(ref) {
    formPage("Xác thực thông tin công dân", [["so_cccd", "Số CCCD/định danh cá nhân"], ["ho_ten", "Họ và tên"], ["ngay_sinh", "Ngày sinh", "date"]],
      "Xác thực", function (fd) {
        api("POST", "/api/xac-thuc-cong-dan", fd).then(function (j) { if (j.ok) go("/dich-vu-cong/" + ref); else fail(j.loi); });
      }, "<p>Thông tin được đối chiếu với Cơ sở dữ liệu quốc gia về dân cư.</p>");
  }
  function pageSubmit(ref) {
    if (!state.user) { go("/tai-khoan/dang-nhap?next=" + encodeURIComponent(location.pathname)); return; }
    api("GET", "/api/thu-tuc/" + ref).then(function (s) {
      var opts = s.nhan_ket_qua.map(function (o, i) {
        return '<label><input type="radio" name="hinh_thuc_nhan_ket_qua" value="' + o[0] + '"' + (i === 0 ? " checked" : "") + "> " + esc(o[1]) + "</label>";
      }).join("");
      shell("Nộp hồ sơ", "<h1>Nộp hồ sơ trực tuyến</h1><h2>" + esc(s.ten) + '</h2><p id="thong-bao"></p><form id="bieu-mau">' +
        '<label>Họ và tên (*) <input name="ho_ten"></label><label>Số CCCD/định danh cá nhân (*) <input name="so_cccd"></label>' +
        '<label>Ngày sinh <input name="ngay_sinh" type="date"></label><label>Địa chỉ <input name="dia_chi"></label>' +
        '<label>Số điện thoại <input name="so_dien_thoai" type="tel"></label><label>Nội dung đề nghị <textarea name="noi_dung"></textarea></label>' +
        '<label>Tờ khai (*) <input type="file" name="tep_to_khai"></label><label>Giấy tờ kèm theo <input type="file" name="tep_giay_to"></label>' +
        "<fieldset><legend>Hình thức nhận kết quả</legend>" + opts + "</fieldset>" +
        '<label><input type="checkbox" name="cam_ket" value="1"> Tôi xin cam đoan những thông tin khai trên là đúng sự thật.</label>' +
        '<button type="submit">Nộp hồ sơ</button></form>');
      document.getElementById("bieu-mau").onsubmit = function (ev) {
        ev.preventDefault();
        var fd = new FormData(ev.target); fd.append("ma", ref);
        api("POST", "/api/ho-so", fd).then(function (j) { if (j.ok) go("/ho-so/" + encodeURIComponent(j.ma_ho_so)); else fail(j.loi); });
      };
    });
  }
  function dossierHtml(d) {
    var h = '<p class="ma-ho-so">Mã hồ sơ: <strong>' + esc(d.ma_ho_so) + "</strong></p><p>Thủ tục: " + esc(d.thu_tuc) +
      '</p><p>Trạng thái: <span class="trang-thai">' + esc(d.trang_thai) + "</span></p><p>Hình thức nhận kết quả: " + esc(d.nhan_ket_qua) + "</p>";
    if (d.phi) h += d.da_thanh_toan ? '<p class="ok">Đã thanh toán phí, lệ phí: ' + esc(d.phi) + "</p>"
      : "<p>Phí, lệ phí: " + esc(d.phi) + ' - chưa thanh toán. <button type="button" id="nop-phi">Nộp phí trực tuyến</button></p>';
    if (d.ket_qua_url) h += '<p><a href="' + esc(d.ket_qua_url) + '">Nhận kết quả trực tuyến</a></p>';
    return h;
  }
  function pageDossier(code) {
    api("GET", "/api/ho-so/" + encodeURIComponent(code)).then(function (d) {
      if (d._status !== 200) { shell("Không tìm thấy", "<h1>Không tìm thấy hồ sơ</h1>"); return; }
      shell("Hồ sơ " + d.ma_ho_so, '<h1>Nộp hồ sơ thành công</h1>' + dossierHtml(d) + '<p><a href="/tra-cuu" data-link>Tra cứu tình trạng hồ sơ</a></p>');
      var b = document.getElementById("nop-phi");
      if (b) b.onclick = function () { api("POST", "/api/ho-so/" + encodeURIComponent(code) + "/thanh-toan").then(function (j) { location.href = j.chuyen_huong; }); };
    });
  }
  function pageTrack() {
    var q = new URLSearchParams(location.search).get("ma_ho_so") || "";
    shell("Tra cứu tình trạng hồ sơ", '<h1>Tra cứu tình trạng hồ sơ</h1><form id="tra-cuu"><label>Mã hồ sơ <input name="ma_ho_so" value="' + esc(q) +
      '"></label><button type="submit">Tra cứu</button></form><div id="ket-qua"></div>');
    document.getElementById("tra-cuu").onsubmit = function (ev) {
      ev.preventDefault();
      var code = new FormData(ev.target).get("ma_ho_so");
      api("GET", "/api/tra-cuu?ma_ho_so=" + encodeURIComponent(code)).then(function (d) {
        document.getElementById("ket-qua").innerHTML = d._status === 200 ? dossierHtml(d) : '<p class="loi">' + esc(d.loi) + "</p>";
      });
    };
  }
  function pageMine() {
    api("GET", "/api/ho-so-cua-toi").then(function (j) {
      shell("Hồ sơ của tôi", "<h1>Quản lý hồ sơ</h1><ul>" + (j.danh_sach || []).map(function (d) {
        return '<li><a href="/ho-so/' + encodeURIComponent(d.ma_ho_so) + '" data-link>' + esc(d.ma_ho_so) + "</a> - " + esc(d.trang_thai) + "</li>"; }).join("") + "</ul>");
    });
  }
  function route() {
    var p = location.pathname, m;
    if ((m = p.match(/^\/dich-vu-cong\/(\d+)\/nop-ho-so$/))) return pageSubmit(m[1]);
    if ((m = p.match(/^\/dich-vu-cong\/(\d+)\/xac-thuc$/))) return pageVerify(m[1]);
    if ((m = p.match(/^\/dich-vu-cong\/(\d+)$/))) return pageService(m[1]);
    if ((m = p.match(/^\/ho-so\/(.+)$/))) return pageDossier(decodeURIComponent(m[1]));
    if (p === "/tai-khoan/dang-nhap") return pageLogin();
    if (p === "/tai-khoan/tao-tai-khoan") return pageRegister();
    if (p === "/tra-cuu") return pageTrack();
    if (p === "/ho-so-cua-toi") return pageMine();
    return pageList();
  }
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest("a[data-link]");
    if (a) { ev.preventDefault(); go(a.getAttribute("href")); }
  });
  window.addEventListener("popstate", route);
  api("GET", "/api/phien").then(function (j) { state.user = j.nguoi_dung; route(); });
})();
