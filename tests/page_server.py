"""A small page server on 127.0.0.1 for the bot's browser tests that need no demo world: each path answers one
fixed body (an HTML fragment is wrapped in a Vietnamese page); and a bot session begun on one of its pages."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from playwright.async_api import Page

from configuration.settings import Settings
from crawler.bot.identity import make_citizen
from crawler.bot.session import Session
from crawler.browser.launch import chromium, context_options

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


@asynccontextmanager
async def session_on(url: str, service_name: str = "") -> AsyncIterator[tuple[Page, Session]]:
    """A session begun as a check begins one, on `url` opened and settled."""
    settings = Settings()
    async with chromium(settings) as browser:
        context = await browser.new_context(**context_options(settings))
        page = await context.new_page()
        session = Session(page=page, service_name=service_name, service_url=url, settings=settings,
                          recorder=None, citizen=make_citizen(settings.identity, "notices"))  # type: ignore[arg-type]
        await session.begin()
        await session.open(url)
        await session.settle()
        try:
            yield page, session
        finally:
            await context.close()
