"""The evidence browser (Flask): agencies → services → runs → steps, read-only, Vietnamese.

Hostile content is the normal case here: titles, URLs and HTML come from crawled sites. So every
template autoescapes; every page carries a Content-Security-Policy without inline script; blobs are
served only by a validated SHA-256 with `nosniff`; stored HTML is shown as text or in a frame whose
response is sandboxed (an opaque origin without script). Bound beyond 127.0.0.1 the app requires a
token (HTTP Basic password or Bearer) taken from the environment by the caller.
"""

from __future__ import annotations

import base64
import hmac
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, g, render_template, request, send_file

from evidence import agencies
from evidence.clock import local_time
from evidence.seal.bundle import export_bundle, runs_for
from evidence.seal.verify import verify
from evidence.web import blobs, queries
from kiemtra.errors import BundleError

CSP = ("default-src 'none'; img-src 'self'; media-src 'self'; style-src 'self'; frame-src 'self'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
OUTCOME_WORDS = {"pass": "đạt", "fail": "không đạt", "needs_review": "cần người xem", "could_not_verify": "chưa xem được",
                 "not_applicable": "không áp dụng", "ok": "thành công", "failed": "không xem được",
                 "http_error": "trang báo lỗi", "running": "đang chạy", "error": "sự cố của bot", "blocked": "bị chặn"}
MODE_WORDS = {"direct": "trực tiếp", "by_report": "theo báo cáo (R8)", "none": "không khớp CSDL TTHC",
              "unverified": "chưa xem được"}
GROUP_WORDS = {"bo": "Bộ, cơ quan ngang bộ", "cqtcp": "Cơ quan thuộc Chính phủ", "tinh": "Tỉnh, thành phố"}


def _authorized(token: str) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        offered = value.strip()
    elif scheme.lower() == "basic":
        try:
            offered = base64.b64decode(value.strip()).decode("utf-8").partition(":")[2]
        except (ValueError, UnicodeDecodeError):
            return False
    else:
        return False
    return hmac.compare_digest(offered.encode("utf-8"), token.encode("utf-8"))


def create_app(data_dir: Path, *, token: str | None = None) -> Flask:
    """The app over the store in `data_dir`; with `token`, every request must present it."""
    app = Flask(__name__)
    app.config.update(DATA_DIR=Path(data_dir), TOKEN=token)
    app.jinja_env.filters["vn_time"] = lambda value: (local_time(value) or "—").replace("T", " ")[:19]
    app.jinja_env.globals.update(OUTCOME_WORDS=OUTCOME_WORDS, MODE_WORDS=MODE_WORDS, GROUP_WORDS=GROUP_WORDS,
                                 LEVEL_FILTERS=queries.LEVEL_FILTERS)

    @app.before_request
    def guard() -> Response | None:
        if token and not _authorized(token):
            return Response("Cần mật khẩu để xem bằng chứng.", 401,
                            {"WWW-Authenticate": 'Basic realm="kiemtra", charset="UTF-8"'})
        if request.method not in ("GET", "HEAD"):
            abort(405)  # read-only: nothing here changes the store
        g.store = queries.ReadOnlyStore(app.config["DATA_DIR"])
        return None

    @app.teardown_request
    def close(_: BaseException | None) -> None:
        store = g.pop("store", None)
        if store is not None:
            store.close()

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    @app.get("/")
    def home() -> str:
        group = request.args.get("group", "")
        return render_template("agencies.html", agencies=queries.agencies(g.store, group), group=group)

    @app.get("/co-quan/<agency_id>")
    def agency(agency_id: str) -> str:
        row = agencies.agency(g.store, agency_id) or abort(404)
        return render_template("services.html", agency=row, services=queries.services(g.store, agency_id))

    @app.get("/luot")
    def runs() -> str:
        filters = queries.Filters.from_args(request.args)
        rows, total = queries.runs(g.store, filters)
        pages = max(1, -(-total // queries.PAGE_SIZE))
        agency_rows = queries.agencies(g.store)
        return render_template("runs.html", rows=rows, total=total, filters=filters, pages=pages, agencies=agency_rows)

    @app.get("/dich-vu/<service_id>")
    def service(service_id: str) -> str:
        row = agencies.service(g.store, service_id) or abort(404)
        return render_template("service.html", service=row, rows=queries.service_runs(g.store, service_id))

    @app.get("/luot/<run_id>")
    def run(run_id: str) -> str:
        page = queries.run_page(g.store, run_id) or abort(404)
        report = verify(g.store, [run_id])
        return render_template("run.html", report=report, **page)

    @app.get("/luot/<run_id>/buoc/<int:seq>")
    def step(run_id: str, seq: int) -> str:
        page = queries.run_page(g.store, run_id) or abort(404)
        chosen = next((s for s in page["steps"] if s["seq"] == seq), None) or abort(404)
        html_text = blobs.html_text(g.store, chosen.get("html_sha256"))
        return render_template("step.html", step=chosen, html_text=html_text, **page)

    for rule, endpoint, serve in (("/blob/<sha256>", "blob", blobs.blob), ("/thumb/<sha256>.jpg", "thumb", blobs.thumb),
                                  ("/html/<sha256>", "sandboxed_html", blobs.sandboxed_html)):
        app.add_url_rule(rule, endpoint, lambda sha256, serve=serve: serve(g.store, sha256))

    @app.get("/xuat/<ident>.zip")
    def export(ident: str) -> Any:
        try:
            run_ids = runs_for(g.store, ident)
        except BundleError:
            abort(404)
        spool = tempfile.SpooledTemporaryFile(max_size=64 << 20)
        export_bundle(g.store, run_ids, spool)
        spool.seek(0)
        return send_file(spool, mimetype="application/zip", as_attachment=True,
                         download_name=f"bang-chung-{blobs.safe_name(ident)}.zip")

    @app.errorhandler(404)
    def not_found(_: Exception) -> tuple[str, int]:
        return render_template("error.html", message="Không tìm thấy."), 404

    return app
