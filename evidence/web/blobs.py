"""Serving stored files to the browser: by validated hash only, never by a path from the request.

A request names a file by its SHA-256 (64 lowercase hex digits, checked before anything else); the
file's place is derived from that hash and the stored suffix, resolved, and must lie inside the
evidence folder; no part of the way from the evidence (or thumbnail cache) folder to the file may be
a symbolic link (one planted there could point at any file of the machine). Stored HTML is never
served as a page of the app: as text on the step page, or from `/html/<sha>` under a CSP `sandbox`
(no script, an opaque origin of its own).
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path

from flask import Response, abort, request, send_file

from evidence.seal.banner import thumbnail
from evidence.store import Store
from evidence.web.queries import artifact_row

SHA256 = re.compile(r"[0-9a-f]{64}")
SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")
# Never let a stored file be read as something the browser would run.
SAFE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".webm": "video/webm", ".zip": "application/zip",
              ".json": "application/json", ".pdf": "application/pdf"}
TEXT = "text/plain"  # werkzeug adds "; charset=utf-8" to text types itself: naming it here gave two
HTML_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
MAX_HTML_TEXT = 2_000_000


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)[:80]


def unlinked(root: Path, *parts: str) -> Path | None:
    """`root/parts...` when no part below `root` is a symbolic link and the last is a regular file, else None."""
    path = root
    try:
        for part in parts:
            path = path / part
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                return None
    except OSError:
        return None
    return path if stat.S_ISREG(mode) else None


def no_link_below(root: Path, *parts: str) -> bool:
    """Whether none of the folders `root/parts...` that exist is a symbolic link (a cache about to be written)."""
    path = root
    for part in parts:
        path = path / part
        if path.is_symlink():
            return False
    return True


def evidence_file(store: Store, sha256: str) -> tuple[Path, str]:
    """The stored file of a hash and its suffix; 404 for anything malformed, unknown or outside the folder."""
    if not SHA256.fullmatch(sha256):
        abort(404)
    row = artifact_row(store, sha256) or abort(404)
    suffix = Path(row["path"]).suffix
    if not SUFFIX.fullmatch(suffix):
        abort(404)
    root = (store.data_dir / "evidence").resolve()
    # The place comes from the hash, not from the stored path column: an edited row cannot point elsewhere.
    path = unlinked(root, sha256[:2], f"{sha256}{suffix}")
    if path is None:
        abort(404)
    return path, suffix


def blob(store: Store, sha256: str) -> Response:
    path, suffix = evidence_file(store, sha256)
    download = request.args.get("tai") == "1" or suffix == ".zip"
    mimetype = SAFE_TYPES.get(suffix, TEXT)
    response = send_file(path, mimetype=mimetype, as_attachment=download, download_name=f"{sha256}{suffix}",
                         conditional=True, max_age=31536000)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"  # named by content: never changes
    return response


def thumb(store: Store, sha256: str) -> Response:
    """A cached thumbnail of a stored screenshot, made on first request (outside the evidence folder)."""
    path, suffix = evidence_file(store, sha256)
    if suffix != ".png":
        abort(404)
    parts = ("cache", "thumbs", sha256[:2], f"{sha256}.jpg")
    cache = store.data_dir.joinpath(*parts)
    if unlinked(store.data_dir, *parts) is None:
        data = thumbnail(path)
        if not no_link_below(store.data_dir, *parts):
            return Response(data, mimetype="image/jpeg")  # a planted link in the cache: never write or read through it
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=cache.parent, suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, cache)  # two requests racing both end with one whole file
        except OSError:
            return Response(data, mimetype="image/jpeg")  # a read-only data folder: serve without caching
    response = send_file(cache, mimetype="image/jpeg", max_age=31536000)
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response


def sandboxed_html(store: Store, sha256: str) -> Response:
    path, suffix = evidence_file(store, sha256)
    if suffix != ".html":
        abort(404)
    response = Response(path.read_bytes(), mimetype="text/html")
    response.headers["Content-Security-Policy"] = HTML_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def html_text(store: Store, sha256: str | None) -> str | None:
    """The stored HTML of a step as text, for an escaped <pre> (cut at 2 MB)."""
    if not sha256 or not SHA256.fullmatch(sha256):
        return None
    row = artifact_row(store, sha256)
    if row is None:
        return None
    path = unlinked((store.data_dir / "evidence").resolve(), sha256[:2], f"{sha256}.html")
    if path is None:
        return None
    return path.read_bytes()[:MAX_HTML_TEXT].decode("utf-8", "replace")
