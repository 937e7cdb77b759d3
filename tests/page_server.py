"""A small page server on 127.0.0.1 for the bot's browser tests that need no demo world: each path answers one
fixed body (an HTML fragment is wrapped in a Vietnamese page)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HTML = "text/html; charset=utf-8"


@contextmanager
def serve(pages: dict[str, str], texts: dict[str, str] | None = None) -> Iterator[str]:
    """Serve `pages` (path → HTML body fragment) and `texts` (path → plain text); yields the base URL."""
    texts = texts or {}

    class Pages(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            if self.path in texts:
                body, kind = texts[self.path], "text/plain; charset=utf-8"
            elif self.path in pages:
                body, kind = f"<!doctype html><html lang=vi><meta charset=utf-8><body>{pages[self.path]}</body></html>", HTML
            else:
                self.send_error(404)
                return
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
