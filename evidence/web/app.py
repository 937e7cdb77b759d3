"""The evidence browser and the inspectors' workspace (Flask): agencies → services → runs → steps, Vietnamese.

Hostile content is the normal case here: titles, URLs and HTML come from crawled sites. So every
template autoescapes; every page carries a Content-Security-Policy without inline script; blobs are
served only by a validated SHA-256 with `nosniff`; stored HTML is shown as text or in a frame whose
response is sandboxed (an opaque origin without script). Who may ask is `evidence/web/auth.py`'s guard:
without users, a token (HTTP Basic password or Bearer) or loopback only (Host 127.0.0.1 or localhost,
against DNS rebinding), read-only; with users, a session (sign-in) and a role per action, CSRF on every
POST; the token then still reads, never writes. The workspace's parts are Blueprints (`blueprints.py`).
Request arguments are parsed into fixed fields (`queries.Filters`) and never handed to `url_for`; one the
app never produces is a 400.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, g, render_template, request, send_file

from evidence import agencies, judgements, recognition
from evidence.clock import local_time
from evidence.seal.bundle import export_bundle, runs_for
from evidence.seal.verify import verify
from evidence.seal.wacz import run_wacz
from evidence.web import auth, blobs, queries
from evidence.web.blueprints import BLUEPRINTS, NAV_LINKS
from kiemtra.errors import BundleError

CSP = ("default-src 'none'; img-src 'self'; media-src 'self'; style-src 'self'; frame-src 'self'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# A run's verdict "fail" is one attempt below the declared level, not the service's conclusion: that is
# its recognition (checks/recognition.py), so a service waiting for its second attempt never reads "không đạt".
OUTCOME_WORDS = {"pass": "đạt", "fail": "dưới mức khai báo (lượt này)", "needs_review": "cần người xem",
                 "could_not_verify": "chưa xem được",
                 "not_applicable": "không áp dụng", "ok": "thành công", "failed": "không xem được",
                 "http_error": "trang báo lỗi", "running": "đang chạy", "error": "sự cố của bot", "blocked": "bị chặn"}
MODE_WORDS = {"direct": "trực tiếp", "by_report": "theo báo cáo (R8)", "none": "không khớp CSDL TTHC",
              "unverified": "chưa xem được"}
GROUP_WORDS = {"bo": "Bộ, cơ quan ngang bộ", "cqtcp": "Cơ quan thuộc Chính phủ", "tinh": "Tỉnh, thành phố"}


def create_app(data_dir: Path, *, token: str | None = None, session_hours: float = 12.0, idle_minutes: float = 60.0,
               secure_cookies: bool = True) -> Flask:
    """The app over the store in `data_dir`; with `token`, a request presenting it reads everything (read-only),
    and with users in the store every other request needs a session (`evidence/web/auth.py`)."""
    app = Flask(__name__)
    app.config.update(DATA_DIR=Path(data_dir), TOKEN=token)
    auth.install(app, session_hours=session_hours, idle_minutes=idle_minutes, secure_cookies=secure_cookies)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.jinja_env.filters["vn_time"] = lambda value: (local_time(value) or "—").replace("T", " ")[:19]
    app.jinja_env.globals.update(OUTCOME_WORDS=OUTCOME_WORDS, MODE_WORDS=MODE_WORDS, GROUP_WORDS=GROUP_WORDS,
                                 LEVEL_FILTERS=queries.LEVEL_FILTERS, NAV_LINKS=NAV_LINKS)

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
        if g.get("user") is not None:   # a signed-in page never stays in a shared cache (or the back button)
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    def _run_page(run_id: str) -> dict[str, Any]:
        """A run's page, or 404 when there is none or it belongs to an agency outside the user's scope."""
        page = queries.run_page(g.store, run_id) or abort(404)
        if not queries.in_scope(auth.agency_scope(), page["run"]["agency_id"]):
            abort(404)
        return page

    def _scoped_sha(sha256: str) -> str:
        if not queries.artifact_in_scope(g.store, sha256, auth.agency_scope()):
            abort(404)
        return sha256

    @app.get("/")
    def home() -> str:
        group = request.args.get("group", "")
        if group and group not in queries.GROUPS:
            abort(400)
        return render_template("agencies.html", agencies=queries.agencies(g.store, group, auth.agency_scope()), group=group)

    @app.get("/co-quan/<agency_id>")
    def agency(agency_id: str) -> str:
        row = agencies.agency(g.store, agency_id) or abort(404)
        if not queries.in_scope(auth.agency_scope(), agency_id):
            abort(404)   # another agency's: not found, never "forbidden" (that would confirm it exists)
        decided = recognition.recognitions(g.store, agency_id)
        return render_template("services.html", agency=row, services=queries.services(g.store, agency_id),
                               recognitions=decided)

    @app.get("/luot")
    def runs() -> str:
        try:
            filters = queries.Filters.from_args(request.args)
        except ValueError:
            abort(400)
        rows, total = queries.runs(g.store, filters, auth.agency_scope())
        pages = max(1, -(-total // queries.PAGE_SIZE))
        agency_rows = queries.agencies(g.store, scope=auth.agency_scope())
        return render_template("runs.html", rows=rows, total=total, filters=filters, pages=pages, agencies=agency_rows)

    @app.get("/dich-vu/<service_id>")
    def service(service_id: str) -> str:
        row = agencies.service(g.store, service_id) or abort(404)
        if not queries.in_scope(auth.agency_scope(), row["agency_id"]):
            abort(404)
        decided = recognition.recognitions(g.store, row["agency_id"]).get(service_id)
        return render_template("service.html", service=row, rows=queries.service_runs(g.store, service_id),
                               recognition=decided, judgement_rows=judgements.judgement_history(g.store, service_id))

    @app.get("/luot/<run_id>")
    def run(run_id: str) -> str:
        page = _run_page(run_id)
        report = verify(g.store, [run_id])
        return render_template("run.html", report=report, **page)

    @app.get("/luot/<run_id>/buoc/<int:seq>")
    def step(run_id: str, seq: int) -> str:
        page = _run_page(run_id)
        chosen = next((s for s in page["steps"] if s["seq"] == seq), None) or abort(404)
        html_text = blobs.html_text(g.store, chosen.get("html_sha256"))
        return render_template("step.html", step=chosen, html_text=html_text, **page)

    for rule, endpoint, serve in (("/blob/<sha256>", "blob", blobs.blob), ("/thumb/<sha256>.jpg", "thumb", blobs.thumb),
                                  ("/html/<sha256>", "sandboxed_html", blobs.sandboxed_html)):
        app.add_url_rule(rule, endpoint, lambda sha256, serve=serve: serve(g.store, _scoped_sha(sha256)))

    @app.get("/xuat/<ident>.zip")
    def export(ident: str) -> Any:
        try:
            run_ids = runs_for(g.store, ident)
        except BundleError:
            abort(404)
        if not queries.runs_in_scope(g.store, run_ids, auth.agency_scope()):
            abort(404)
        spool = tempfile.SpooledTemporaryFile(max_size=64 << 20)
        export_bundle(g.store, run_ids, spool)
        spool.seek(0)
        return send_file(spool, mimetype="application/zip", as_attachment=True,
                         download_name=f"bang-chung-{blobs.safe_name(ident)}.zip")

    @app.errorhandler(400)
    def bad_request(_: Exception) -> tuple[str, int]:
        return render_template("error.html", message="Tham số không hợp lệ."), 400

    @app.get("/luot/<run_id>/wacz")
    def wacz(run_id: str) -> Any:
        """The run's WACZ web archive, byte for byte as sealed, to open in ReplayWeb.page."""
        if not queries.runs_in_scope(g.store, [run_id], auth.agency_scope()):
            abort(404)
        try:
            path = run_wacz(g.store, run_id)
        except BundleError:
            abort(404)
        return send_file(path, mimetype="application/wacz", as_attachment=True,
                         download_name=f"kiemtra-{blobs.safe_name(run_id)}.wacz")

    @app.errorhandler(404)
    def not_found(_: Exception) -> tuple[str, int]:
        return render_template("error.html", message="Không tìm thấy."), 404

    return app
