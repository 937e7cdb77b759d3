"""The payment gateway (PayGov-like): /thanh-toan?ma_giao_dich=ID shows the amount and
"Xác nhận thanh toán"; confirming redirects back to the merchant's return_url."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, redirect, request

from demoworld.context import Ctx
from demoworld.web import e, html_page, make_app, money

SITE = "Nền tảng thanh toán trực tuyến PayGov"


def build(ctx: Ctx) -> Flask:
    app = make_app("pay", ctx.state, ctx.delay_ms)

    @app.route("/")
    def home() -> str:
        return html_page("Trang chủ", f"<header><h1>{SITE}</h1></header><main><p>Kết nối thanh toán cho dịch vụ công.</p></main>",
                         site_name=SITE)

    @app.route("/thanh-toan", methods=["GET", "POST"])
    def pay():
        pid = request.values.get("ma_giao_dich", "")
        p = ctx.state.payment(pid)
        if p is None:
            return html_page("Lỗi", f"<header><h1>{SITE}</h1></header><main><p class='loi'>Giao dịch không tồn tại hoặc đã hết hạn.</p></main>",
                             site_name=SITE), 404
        if request.method == "POST":
            ctx.state.confirm_payment(pid)
            sep = "&" if "?" in p.return_url else "?"
            return redirect(p.return_url + sep + urlencode({"ma_giao_dich": pid, "ket_qua": "00",
                                                             "thong_bao": "Giao dịch thành công"}))
        done = p.status == "da-thanh-toan"
        body = f"""<header><h1>{SITE}</h1></header><main>
<h2>Thông tin thanh toán</h2>
<table><tr><th>Mã giao dịch</th><td id="ma-giao-dich">{e(p.id)}</td></tr>
<tr><th>Đơn vị thụ hưởng</th><td>{e(p.merchant)}</td></tr>
<tr><th>Nội dung</th><td>{e(p.description)}</td></tr>
<tr><th>Mã hồ sơ</th><td>{e(p.dossier_code)}</td></tr>
<tr><th>Số tiền</th><td class="so-tien">{e(money(p.amount))}</td></tr></table>
{'<p class="ok">Giao dịch đã được thanh toán.</p>' if done else ''}
<form method="post" action="/thanh-toan">
<input type="hidden" name="ma_giao_dich" value="{e(p.id)}">
<fieldset><legend>Chọn ngân hàng / ví điện tử</legend>
<label><input type="radio" name="ngan_hang" value="vietcombank" checked> Vietcombank</label>
<label><input type="radio" name="ngan_hang" value="vietinbank"> VietinBank</label>
<label><input type="radio" name="ngan_hang" value="vnpay"> Ví VNPAY</label></fieldset>
<button type="submit" id="xac-nhan">Xác nhận thanh toán</button>
<a href="{e(p.return_url)}">Hủy giao dịch</a>
</form></main>"""
        return html_page("Thanh toán", body, site_name=SITE)

    return app
