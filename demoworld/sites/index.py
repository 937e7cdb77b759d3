"""The index site (base port): links every site; POST /__world/reset resets the world."""
from __future__ import annotations

from typing import Callable

from flask import Flask, jsonify

from demoworld.context import Ctx
from demoworld.web import e, html_page, make_app

LABELS = {"index": "Mục lục thế giới mô phỏng", "csdl": "CSDL thủ tục hành chính (mô phỏng)",
          "mail": "Hộp thư điện tử (mô phỏng)", "pay": "Cổng thanh toán (mô phỏng)", "sso": "Hệ thống định danh VNeID (mô phỏng)"}


def build(ctx: Ctx, reset: Callable[[], None]) -> Flask:
    app = make_app("index", ctx.state, ctx.delay_ms)

    @app.route("/")
    def home() -> str:
        rows = ""
        for name, url in ctx.urls.items():
            label = LABELS.get(name)
            if label is None:
                kind, agency_id = name.split(":", 1)
                ag = ctx.data.agency(agency_id)
                label = {"portal": "Cổng thông tin điện tử", "dvc": "Cổng dịch vụ công",
                         "form": "Máy chủ biểu mẫu", "egov": "Hệ thống một cửa điện tử (nhúng)"}[kind] + " - " + ag.name
            rows += f'<li><a href="{e(url)}">{e(label)}</a> <code>{e(name)}</code></li>'
        body = (f"<header><h1>Thế giới mô phỏng kiemtra</h1></header><main><ul>{rows}</ul>"
                '<form method="post" action="/__world/reset"><button type="submit">Đặt lại trạng thái</button></form></main>')
        return html_page("Mục lục", body, site_name="kiemtra demo")

    @app.route("/__world/reset", methods=["POST"])
    def do_reset():
        reset()
        return jsonify({"ok": True})

    @app.route("/__world/urls")
    def urls():
        return jsonify(ctx.urls)

    return app
