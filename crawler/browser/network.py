"""Recording the network exchange of a check: every request and response of every page, frame and host.

Playwright records it in the driver as a HAR archive (`record_har_path` ending in `.zip`, bodies
attached as files), written when the context closes. That costs the event loop nothing during the
check: no Python callback per response, no body fetched through the pipe while the bot waits. The
archive is blanked like the trace (`crawler.bot.identity.redact_zip`, by the caller) and read back here
as `Exchange`s, which `evidence.seal.wacz` writes as WARC records into the run's WACZ.
"""

from __future__ import annotations

import base64
import json
import re
import zipfile
from collections.abc import Callable
from html import unescape
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext
from playwright.async_api import Error as PlaywrightError

from evidence.seal.wacz import Exchange, Page

HAR_MEMBER = "har.har"


def har_options(path: Path | None) -> dict[str, Any]:
    """Context options that record the whole network exchange into `path` (a .zip); none when None."""
    if path is None:
        return {}
    return {"record_har_path": str(path), "record_har_content": "attach", "record_har_mode": "full"}


async def end_in_flight(context: BrowserContext) -> None:
    """Close the context's pages before the context: requests still in flight (a page that streams
    for ever) end as aborted, so the HAR recorder does not wait for their bodies when the context closes."""
    for page in list(context.pages):
        try:
            await page.close()
        except PlaywrightError:
            continue  # already gone with a crashed renderer


def _headers(items: list[dict[str, Any]] | None) -> list[tuple[str, str]]:
    return [(str(h.get("name", "")), str(h.get("value", ""))) for h in items or [] if h.get("name")]


def _body(archive: zipfile.ZipFile, names: set[str], part: dict[str, Any] | None) -> bytes:
    """A request's postData or a response's content: an attached file, or inline text (maybe base64)."""
    if not part:
        return b""
    attached = part.get("_file")
    if attached:
        return archive.read(attached) if attached in names else b""
    text = part.get("text")
    if text is None:
        return b""
    if part.get("encoding") == "base64":
        try:
            return base64.b64decode(text)
        except ValueError:
            return b""
    return str(text).encode("utf-8")


def read_har(path: Path) -> list[Exchange]:
    """The exchanges of a HAR zip as Playwright writes it, in the order they started."""
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if HAR_MEMBER not in names:
            return []
        entries = json.loads(archive.read(HAR_MEMBER)).get("log", {}).get("entries", [])
        exchanges = []
        for entry in entries:
            request, response = entry.get("request") or {}, entry.get("response") or {}
            exchanges.append(Exchange(
                url=str(request.get("url", "")), method=str(request.get("method", "GET")),
                started_at=str(entry.get("startedDateTime", "")), status=int(response.get("status") or 0),
                status_text=str(response.get("statusText") or ""), request_headers=_headers(request.get("headers")),
                request_body=_body(archive, names, request.get("postData")),
                response_headers=_headers(response.get("headers")),
                response_body=_body(archive, names, response.get("content"))))
    return sorted(exchanges, key=lambda e: e.started_at)


_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def html_title(html: bytes | None) -> str | None:
    """The <title> of kept HTML, unescaped and on one line; None when it has none."""
    found = _TITLE.search(html or b"")
    if not found:
        return None
    title = " ".join(unescape(found.group(1).decode("utf-8", "replace")).split())
    return title[:300] or None


def step_pages(steps: list[dict[str, Any]], html_of: Callable[[str], bytes | None] = lambda sha: None) -> list[Page]:
    """pages.jsonl: each step that ended on a web page, titled with the step and its page's <title>.

    `html_of` gives the bytes of a kept HTML artifact by hash (the title is read there, off the loop,
    rather than asked of the browser at every step).
    """
    pages = []
    for step in steps:
        url = step.get("url") or ""
        if not url.startswith(("http://", "https://")):
            continue
        detail = step.get("detail")
        detail = json.loads(detail) if isinstance(detail, str) and detail else detail or {}
        title = html_title(html_of(step["html_sha256"])) if step.get("html_sha256") else None
        if title is None and isinstance(detail, dict):
            title = detail.get("title")
        pages.append(Page(url=url, ts=step.get("finished_at") or step.get("started_at") or "",
                          title=f"Bước {step['seq']}: {step['name']}" + (f" — {title}" if title else ""),
                          id=f"buoc-{step['seq']}"))
        frame = detail.get("dossier_url") if isinstance(detail, dict) else None
        if isinstance(frame, str) and frame.startswith(("http://", "https://")) and frame != url:
            # The (i)frame that showed the receipt: replayable on its own.
            pages.append(Page(url=frame, ts=pages[-1].ts, title=f"Bước {step['seq']}: {step['name']} — hồ sơ",
                              id=f"buoc-{step['seq']}-ho-so"))
    return pages
