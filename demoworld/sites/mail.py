"""The mailbox site: every address @hopthu.demo (and any other) is delivered here.

HTML inbox per address at /hop-thu/<address>; JSON at GET /api/messages?to=ADDR.
"""
from __future__ import annotations

import time

from flask import Flask, jsonify, request

from demoworld.context import MAIL_DOMAIN, Ctx
from demoworld.web import e, html_page, make_app

SITE = "Hộp thư điện tử"


def build(ctx: Ctx) -> Flask:
    app = make_app("mail", ctx.state, ctx.delay_ms)

    @app.route("/")
    def home() -> str:
        body = (f"<header><h1>{SITE}</h1></header><main><p>Mọi địa chỉ thư @{MAIL_DOMAIN} đều được nhận tại đây.</p>"
                '<form action="/hop-thu" method="get"><label>Địa chỉ thư <input name="dia_chi"></label>'
                '<button type="submit">Mở hộp thư</button></form></main>')
        return html_page("Hộp thư", body, site_name=SITE)

    @app.route("/hop-thu")
    @app.route("/hop-thu/<addr>")
    def inbox(addr: str = "") -> str:
        addr = addr or request.args.get("dia_chi", "")
        items = ""
        for m in reversed(ctx.state.messages(addr)):
            links = "".join(f'<p><a href="{e(u)}">{e(u)}</a></p>' for u in m.links)
            items += (f'<article class="thu"><h3>{e(m.subject)}</h3><p><small>{e(time.strftime("%d/%m/%Y %H:%M:%S", time.localtime(m.sent_at)))}</small></p>'
                      f'<pre>{e(m.body)}</pre>{links}</article>')
        body = f"<header><h1>{SITE}</h1></header><main><h2>Hộp thư đến: {e(addr)}</h2>{items or '<p>Chưa có thư.</p>'}</main>"
        return html_page("Hộp thư " + addr, body, site_name=SITE)

    @app.route("/api/messages")
    def api():
        to = request.args.get("to")
        return jsonify([{"id": m.id, "to": m.to, "subject": m.subject, "body": m.body, "links": m.links,
                         "sent_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(m.sent_at))}
                        for m in ctx.state.messages(to)])

    return app
