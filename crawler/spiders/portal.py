"""The portal spider: an inventory of one agency portal within bounds (pages, depth, time, politeness).

It records every page it fetched (status, title, headings, menu, text, meta incl. Dublin Core,
forms, dates), plus robots.txt, sitemap.xml, RSS feeds, the English version and whether HTTPS
answers. It never judges: the criteria in `checks/portal/` do, from what it wrote.

Scrapy's reactor cannot restart inside one process, so each crawl runs as its own process:

    python -m crawler.spiders.portal --url URL --out inventory.json --html-dir pages/ [bounds...]

`crawl_portal` (in `crawler/portal/look.py`) starts it and reads the JSON back. robots.txt is
recorded, not obeyed: Circular 32 Art.22 mandates this inspection, and a disallowed section is still
one the agency publishes to citizens; politeness comes from the delay and one request at a time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawler.browser.policy import NavigationPolicy
from crawler.spiders.extract import extract_page

SKIP_EXTENSIONS = re.compile(r"\.(pdf|docx?|xlsx?|pptx?|zip|rar|7z|jpe?g|png|gif|svg|mp4|mp3|avi|exe|iso|css|js)(\?|$)", re.I)
LOGIN_OR_LOGOUT = re.compile(r"logout|dang-xuat|signout", re.I)
SITEMAP_LOC = re.compile(rb"<loc>", re.I)
FEED_ITEM = re.compile(rb"<(item|entry)[\s>]", re.I)


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, url: str, out: str, html_dir: str, max_depth: int = 3, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_url = url
        self.host = urlsplit(url).netloc.lower()
        self.out, self.html_dir, self.max_depth = Path(out), Path(html_dir), int(max_depth)
        self.html_dir.mkdir(parents=True, exist_ok=True)
        self.pages: list[dict[str, Any]] = []
        self.side: dict[str, Any] = {"feeds": []}
        self.errors: list[str] = []
        self.english_hosts: set[str] = set()

    async def start(self) -> Any:
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[scrapy.Request]:
        yield scrapy.Request(self.start_url, callback=self.parse, errback=self.failed, priority=100,
                             meta={"depth": 0, "home": True})
        root = urlunsplit((urlsplit(self.start_url).scheme, self.host, "", "", ""))
        yield scrapy.Request(root + "/robots.txt", callback=self.robots, errback=self.side_failed,
                             meta={"side": "robots"}, dont_filter=True, priority=90)
        yield scrapy.Request(root + "/sitemap.xml", callback=self.sitemap, errback=self.side_failed,
                             meta={"side": "sitemap"}, dont_filter=True, priority=90)
        if self.start_url.startswith("http://"):
            yield scrapy.Request(urlunsplit(("https", self.host, "/", "", "")), callback=self.https,
                                 errback=self.https_failed, dont_filter=True, priority=80, meta={"dont_retry": True})

    # -- pages -----------------------------------------------------------------------------------
    def parse(self, response: Response) -> Iterator[scrapy.Request]:
        depth = response.meta.get("depth", 0)
        if not isinstance(response, scrapy.http.TextResponse):
            return
        sha = hashlib.sha256(response.body).hexdigest()
        (self.html_dir / f"{sha}.html").write_bytes(response.body)
        page = extract_page(response.body, response.url, response.status, depth, html_sha256=sha)
        record = _as_dict(page)
        if response.meta.get("home"):
            record["depth"] = 0
        self.pages.append(record)
        for lang, target in page.alternates.items():
            if lang.lower().startswith("en"):
                self.english_hosts.add(urlsplit(target).netloc.lower())
                if (request := self._follow(target, depth, priority=100 * (self.max_depth - depth) + 50)) is not None:
                    yield request
        for feed in page.feeds[:3]:
            if feed not in {f["url"] for f in self.side["feeds"]}:
                yield scrapy.Request(feed, callback=self.feed, errback=self.side_failed, priority=50,
                                     meta={"side": "feed"})
        if depth >= self.max_depth or response.status >= 400:
            return
        # Shallow pages first, and a menu's links before the body's: a bounded crawl sees the sections.
        for link in page.nav_links:
            if (request := self._follow(link.url, depth, priority=100 * (self.max_depth - depth) + 10)) is not None:
                yield request
        for link in page.links:
            if (request := self._follow(link.url, depth, priority=100 * (self.max_depth - depth))) is not None:
                yield request

    def _follow(self, url: str, depth: int, priority: int) -> scrapy.Request | None:
        parts = urlsplit(url)
        host = parts.netloc.lower()
        if parts.scheme not in ("http", "https") or (host != self.host and host not in self.english_hosts):
            return None
        if SKIP_EXTENSIONS.search(parts.path) or LOGIN_OR_LOGOUT.search(url):
            return None
        return scrapy.Request(url, callback=self.parse, errback=self.failed, priority=priority,
                              meta={"depth": depth + 1})

    def failed(self, failure: Any) -> None:
        request = failure.request
        response = getattr(failure.value, "response", None)
        if response is not None:         # an HTTP error status: the site answered badly
            self.pages.append(_as_dict(extract_page(b"", request.url, response.status, request.meta.get("depth", 0))))
            return
        message = f"{type(failure.value).__name__}: {failure.getErrorMessage()}"
        if request.meta.get("home"):
            self.side["home_error"] = message
        self.errors.append(f"{request.url} — {message}")

    # -- side files ------------------------------------------------------------------------------
    def robots(self, response: Response) -> Iterator[scrapy.Request]:
        self.side["robots"] = _fetched(response, 0)
        for line in response.text.splitlines() if response.status == 200 and hasattr(response, "text") else ():
            if line.lower().startswith("sitemap:"):
                target = urljoin(response.url, line.split(":", 1)[1].strip())
                if not target.endswith("/sitemap.xml"):
                    yield scrapy.Request(target, callback=self.sitemap, errback=self.side_failed, meta={"side": "sitemap"})

    def sitemap(self, response: Response) -> None:
        entries = len(SITEMAP_LOC.findall(response.body)) if response.status == 200 else 0
        current = self.side.get("sitemap")
        if current is None or entries > current["entries"]:
            self.side["sitemap"] = _fetched(response, entries)

    def feed(self, response: Response) -> None:
        self.side["feeds"].append(_fetched(response, len(FEED_ITEM.findall(response.body))))

    def side_failed(self, failure: Any) -> None:
        response = getattr(failure.value, "response", None)
        kind = failure.request.meta.get("side")
        record = {"url": failure.request.url, "status": response.status if response is not None else 0,
                  "content_type": "", "excerpt": failure.getErrorMessage()[:200], "entries": 0}
        if kind == "feed":
            self.side["feeds"].append(record)
        else:
            self.side.setdefault(kind, record)

    def https(self, response: Response) -> None:
        self.side["https_url"], self.side["https_ok"] = response.url, response.status < 400

    def https_failed(self, failure: Any) -> None:
        self.side["https_url"], self.side["https_ok"] = failure.request.url, False

    def closed(self, reason: str) -> None:
        stats = self.crawler.stats.get_stats() if self.crawler and self.crawler.stats else {}
        self.out.write_text(json.dumps({
            "pages": self.pages, **self.side, "errors": self.errors[:50],
            "stats": {"closed": reason, "pages": len(self.pages),
                      "requests": stats.get("downloader/request_count", 0),
                      "retries": stats.get("retry/count", 0)},
        }, ensure_ascii=False, default=str), encoding="utf-8")


def _fetched(response: Response, entries: int) -> dict[str, Any]:
    return {"url": response.url, "status": response.status,
            "content_type": (response.headers.get(b"Content-Type") or b"").decode("latin-1"),
            "excerpt": response.body[:300].decode("utf-8", "replace"), "entries": entries}


class PolicyMiddleware:
    """The navigation policy for every request the spider sends, a redirect's included (a page names feeds
    and English versions on any host): a refused address is dropped and noted, never fetched."""

    def __init__(self, allowed_private: str) -> None:
        self.policy = NavigationPolicy(allowed_private=[e for e in allowed_private.split(",") if e.strip()])

    @classmethod
    def from_crawler(cls, crawler: Any) -> PolicyMiddleware:
        return cls(crawler.settings.get("KIEMTRA_ALLOWED_PRIVATE", ""))

    def process_request(self, request: scrapy.Request, spider: Any = None) -> None:
        why = self.policy.refusal_sync(request.url)
        if why is not None:
            if spider is not None and hasattr(spider, "errors"):
                spider.errors.append(f"{request.url[:200]}: {why}")
            raise IgnoreRequest(why)


def _as_dict(page: Any) -> dict[str, Any]:
    return asdict(page)


def scrapy_settings(args: argparse.Namespace) -> dict[str, Any]:
    """Bounds and politeness as Scrapy settings; breadth-first so a bounded crawl sees the shallow pages."""
    return {
        "USER_AGENT": args.user_agent, "ROBOTSTXT_OBEY": False, "LOG_LEVEL": "WARNING",
        "CLOSESPIDER_PAGECOUNT": args.max_pages, "CLOSESPIDER_TIMEOUT": args.max_seconds,
        "DEPTH_LIMIT": args.max_depth + 1, "DEPTH_PRIORITY": 1,
        "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
        "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
        "DOWNLOAD_DELAY": args.delay, "CONCURRENT_REQUESTS": 2, "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
        "DOWNLOAD_TIMEOUT": args.timeout, "RETRY_TIMES": 1, "HTTPERROR_ALLOW_ALL": True,
        "COOKIES_ENABLED": True, "TELNETCONSOLE_ENABLED": False, "REDIRECT_MAX_TIMES": 10,
        "DOWNLOAD_MAXSIZE": 10 * 1024 * 1024, "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        "DOWNLOADER_MIDDLEWARES": {"crawler.spiders.portal.PolicyMiddleware": 50},
        "KIEMTRA_ALLOWED_PRIVATE": args.allowed_private,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Inventory one portal (run by kiemtra, one process per crawl).")
    parser.add_argument("--url", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--html-dir", required=True)
    parser.add_argument("--max-pages", type=int, default=60)
    parser.add_argument("--max-depth", type=int, default=3)
    parser.add_argument("--max-seconds", type=float, default=120)
    parser.add_argument("--delay", type=float, default=0.25)
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--user-agent", default="kiemtra")
    parser.add_argument("--allowed-private", default="", help="navigation.allowed_private, comma-separated")
    args = parser.parse_args(argv)
    process = CrawlerProcess(scrapy_settings(args))
    process.crawl(PortalSpider, url=args.url, out=args.out, html_dir=args.html_dir, max_depth=args.max_depth)
    process.start()


if __name__ == "__main__":
    main()
