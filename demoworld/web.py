"""Shared web plumbing: the Flask app factory, HTML layout helpers and the flaky/slow behaviours."""
from __future__ import annotations

import time
import unicodedata
from typing import TYPE_CHECKING, Iterable

from flask import Flask, Response, request
from markupsafe import Markup, escape

if TYPE_CHECKING:
    from demoworld.model import Service
    from demoworld.state import WorldState

e = escape  # every piece of data goes through e() before it reaches HTML

FAVICON = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f6c2a00000000049454e44ae426082"
)

TIMEOUT_HOLD_S = 60.0
SLOW_S = 8.0


def make_app(site: str, state: "WorldState", delay_ms: int = 0, nfd: bool = False) -> Flask:
    """A Flask app for one site: own session cookie name (all sites share the host), optional
    latency, optional NFD (decomposed Unicode) output for a whole vendor."""
    app = Flask(f"demoworld.{site}")
    app.secret_key = f"demoworld-{site}-secret"
    # Browsers share cookies across ports of one host: each site must use its own cookie name.
    app.config["SESSION_COOKIE_NAME"] = "sess_" + "".join(c if c.isalnum() else "_" for c in site)
    app.config["MAX_CONTENT_LENGTH"] = 8 * 1024 * 1024
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    if delay_ms:
        @app.before_request
        def _latency() -> None:
            time.sleep(delay_ms / 1000.0)

    if nfd:
        @app.after_request
        def _decompose(resp: Response) -> Response:
            if resp.direct_passthrough or resp.is_streamed:
                return resp
            if resp.mimetype in ("text/html", "application/json", "text/javascript", "application/javascript"):
                resp.set_data(unicodedata.normalize("NFD", resp.get_data(as_text=True)).encode("utf-8"))
            return resp

    @app.route("/favicon.ico")
    def _favicon() -> Response:
        return Response(FAVICON, mimetype="image/png")

    app.extensions["demoworld_state"] = state
    return app


def html_page(title: str, body: str | Markup, *, site_name: str, head: str = "", lang: str = "vi",
              css: str = "") -> str:
    """A complete HTML document; `body` and `head` must already be escaped markup."""
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)} - {e(site_name)}</title>
{head}
<style>body{{font-family:Arial,Helvetica,sans-serif;margin:0;color:#222}}header,nav,main,footer{{padding:8px 16px}}
header{{background:#b71c1c;color:#fff}}nav a{{margin-right:12px}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px}}
label{{display:block;margin-top:6px}}.loi{{color:#b71c1c}}.ok{{color:#1b5e20}}{css}</style>
</head>
<body>
{body}
</body>
</html>"""


def notice_modal(closer: str, *, after_ms: int = 0) -> str:
    """A portal's announcement laid over the whole page on arrival, as many DVC portals show one (maintenance,
    a new address, a survey): its backdrop takes every click until the citizen closes it with `closer` (or ×).

    `after_ms` > 0: the script shows it that long after the load (a "document ready" popup with its fade),
    so a visitor may already be reaching for a link. Closed once, it stays closed in this tab (sessionStorage).
    """
    shown = "none" if after_ms else "flex"
    return f"""<div id="thong-bao" class="modal fade in" role="dialog" aria-modal="true" aria-labelledby="tb-tieu-de"
 style="display:{shown};position:fixed;inset:0;z-index:1050;background:rgba(0,0,0,.55);align-items:center;justify-content:center">
<div class="modal-dialog" style="background:#fff;max-width:560px;padding:12px 18px;border-radius:4px">
<div class="modal-header"><button type="button" class="close" aria-label="Close" data-dismiss="modal">&times;</button>
<h4 id="tb-tieu-de">THÔNG BÁO</h4></div>
<div class="modal-body"><p>Hệ thống dịch vụ công trực tuyến sẽ tạm dừng để nâng cấp từ 22h00 đến 23h30 thứ Sáu hằng tuần.
Trong thời gian này tổ chức, công dân vui lòng không nộp hồ sơ trực tuyến. Đường dây nóng hỗ trợ: 1900 1234.</p></div>
<div class="modal-footer"><button type="button" class="btn btn-default" data-dismiss="modal">{e(closer)}</button></div>
</div></div>
<script>(function () {{
  var box = document.getElementById("thong-bao");
  if (sessionStorage.getItem("da-doc-thong-bao")) {{ box.remove(); return; }}
  box.querySelectorAll("[data-dismiss]").forEach(function (b) {{
    b.addEventListener("click", function () {{ sessionStorage.setItem("da-doc-thong-bao", "1"); box.remove(); }});
  }});
  if ({after_ms}) window.addEventListener("load", function () {{ setTimeout(function () {{ box.style.display = "flex"; }}, {after_ms}); }});
}})();</script>"""


def nav(items: Iterable[tuple[str, str]]) -> str:
    return "".join(f'<a href="{e(href)}">{e(text)}</a>' for href, text in items)


def money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def declared_gate(state: "WorldState", svc: "Service") -> Response | None:
    """First-visit failures and slowness of a declared URL.

    Called only from the handler of the declared path itself, so a browser's extra requests
    (favicon, scripts, styles) never count as visits.
    """
    if svc.has("flaky_5xx") or svc.has("flaky_timeout"):
        n = state.hit(svc.id)
        if n <= 1 and svc.has("flaky_5xx"):
            return Response(
                "<html><head><title>503 Service Temporarily Unavailable</title></head><body>"
                "<h1>Service Temporarily Unavailable</h1><p>Hệ thống đang bận, vui lòng thử lại sau.</p>"
                "<hr><address>nginx</address></body></html>", status=503, mimetype="text/html")
        if n <= 1 and svc.has("flaky_timeout"):
            state.hold(TIMEOUT_HOLD_S)
            return Response("<html><body><h1>504 Gateway Time-out</h1></body></html>", status=504,
                            mimetype="text/html")
    if svc.has("slow"):
        state.hold(SLOW_S)
    return None


def not_found(site_name: str) -> Response:
    body = ('<header><strong>' + str(e(site_name)) + '</strong></header><main><h1>404 - Không tìm thấy trang</h1>'
            '<p>Trang bạn yêu cầu không tồn tại hoặc đã bị gỡ bỏ.</p><p><a href="/">Về trang chủ</a></p></main>')
    return Response(html_page("Không tìm thấy trang", body, site_name=site_name), status=404, mimetype="text/html")


def client_ip() -> str:
    return request.remote_addr or ""
