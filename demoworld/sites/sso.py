"""The identity provider (VNeID-like SSO): asks for a QR scan or a phone OTP the bot never has."""
from __future__ import annotations

from flask import Flask, request

from demoworld.context import Ctx
from demoworld.web import e, html_page, make_app

SITE = "Hệ thống định danh và xác thực điện tử VNeID"

QR_SVG = ('<svg width="160" height="160" viewBox="0 0 8 8" role="img" aria-label="Mã QR đăng nhập">'
          + "".join(f'<rect x="{x}" y="{y}" width="1" height="1"/>' for x in range(8) for y in range(8) if (x * 3 + y * 5) % 4 == 0)
          + "</svg>")


def build(ctx: Ctx) -> Flask:
    app = make_app("sso", ctx.state, ctx.delay_ms)

    @app.route("/")
    def home() -> str:
        return html_page("Trang chủ", f"<header><h1>{SITE}</h1></header><main><p><a href='/dang-nhap'>Đăng nhập</a></p></main>",
                         site_name=SITE)

    @app.route("/dang-nhap", methods=["GET", "POST"])
    def login():
        redirect_uri = request.values.get("redirect_uri", "")
        client = request.values.get("client_id", "")
        err = ""
        if request.method == "POST":
            err = ("Mã OTP không đúng hoặc đã hết hạn. Vui lòng mở ứng dụng VNeID trên điện thoại để xác thực."
                   if request.form.get("otp") else "Vui lòng quét mã QR bằng ứng dụng VNeID hoặc nhập mã OTP.")
        body = f"""<header><h1>{SITE}</h1></header><main>
<h2>Đăng nhập bằng tài khoản định danh điện tử VNeID</h2>
<p>Ứng dụng: {e(client)}</p>
<div class="qr">{QR_SVG}<p>Quét mã QR bằng ứng dụng VNeID trên điện thoại để đăng nhập.</p></div>
{f'<p class="loi">{e(err)}</p>' if err else ''}
<form method="post" action="/dang-nhap">
<input type="hidden" name="redirect_uri" value="{e(redirect_uri)}"><input type="hidden" name="client_id" value="{e(client)}">
<label>Số định danh cá nhân <input name="so_dinh_danh" maxlength="12"></label>
<label>Mã OTP gửi về điện thoại <input name="otp" maxlength="6"></label>
<button type="submit">Xác thực</button></form></main>"""
        return html_page("Đăng nhập VNeID", body, site_name=SITE)

    return app
