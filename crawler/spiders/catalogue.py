"""The CSDL TTHC harvest: a Scrapy spider over a procedures database's search and detail pages.

It walks the search listing page by page (following "next" links), opens each procedure's
detail page and reads its labelled fields ("Mã thủ tục", "Tên thủ tục", "Lĩnh vực"...), the
way the national site and its copies present a record. Politeness comes from kiemtra's
settings (per-host rate and concurrency, retries); JOBDIR makes an interrupted harvest resume.
Rows reach the store in batches, each one transaction, through `office.catalogue_import`.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.statscollectors import StatsCollector

from checks.catalogue.normalize import fold

CODE = re.compile(r"\b\d\.\d{6}\b")
LABELS = {"ma thu tuc": "code", "ten thu tuc": "name", "linh vuc": "field", "cap thuc hien": "level",
          "co quan thuc hien": "agency", "so quyet dinh": "decision", "loai thu tuc": "kind"}
NEXT_WORDS = ("trang sau", "sau", "tiep", "»", "›", ">")


def _label(text: str) -> str | None:
    key = " ".join(fold(text.strip().strip(":").lower()).split())
    return LABELS.get(key)


def read_detail(response: Response) -> dict[str, str]:
    """The labelled fields of a procedure's page: th/td rows, dt/dd pairs or 'Label: value' lines."""
    record: dict[str, str] = {}
    for row in response.css("tr"):
        head, value = row.css("th ::text, td:first-child ::text").get(""), row.css("td:last-child ::text").getall()
        name = _label(head)
        if name and row.css("th") and value:
            record.setdefault(name, " ".join(" ".join(value).split()))
    for term in response.css("dt"):
        name = _label(" ".join(term.css("::text").getall()))
        if name:
            record.setdefault(name, " ".join(" ".join(term.xpath("following-sibling::dd[1]//text()").getall()).split()))
    if "name" not in record:
        title = response.css("h1.main-title ::text, h1 ::text").getall()
        if title:
            record["name"] = " ".join(title[-1].split())
    if "channels" not in record:
        ways = response.css('td[data-title="Hình thức nộp"] ::text').getall()
        if ways:
            record["channels"] = ";".join(w.strip() for w in ways if w.strip())
    return record


class CatalogueSpider(scrapy.Spider):
    name = "catalogue"

    def __init__(self, start_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_url = start_url
        self.allowed_domains = [urlsplit(start_url).hostname or ""]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.start_url, callback=self.parse)

    def parse(self, response: Response) -> Iterator[Any]:
        if any(_label(t) == "code" for t in response.css("th::text, dt::text").getall()):
            record = read_detail(response)
            if record.get("code"):
                yield {**record, "url": response.url}
                return
        # A home page with a search form: submit it empty to list every procedure.
        form = response.css("form[method=get], form:not([method])")
        if form and not response.css("table a"):
            # css() has already read this response, so it is a text one.
            yield scrapy.FormRequest.from_response(cast(TextResponse, response), formxpath="//form", formdata={},
                                                   method="GET", callback=self.parse, dont_click=True)
        # Detail pages: links in a listing row that shows a procedure code.
        for row in response.css("tr"):
            if CODE.search(" ".join(row.css("::text").getall())):
                for href in row.css("a::attr(href)").getall():
                    yield response.follow(href, callback=self.parse)
        for link in response.css("a"):
            text = " ".join(link.css("::text").getall()).strip().lower()
            if link.attrib.get("rel") == "next" or fold(text) in NEXT_WORDS:
                yield response.follow(link.attrib["href"], callback=self.parse)


class StorePipeline:
    """Writes harvested rows to the store in batches; each batch is one transaction."""

    BATCH = 200
    stats: StatsCollector   # the crawl's, given by from_crawler

    def __init__(self, data_dir: str, source: str) -> None:
        self.data_dir, self.source = Path(data_dir), source
        self.pending: list[dict[str, Any]] = []
        self.stored = 0
        self.rejected: list[str] = []

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        pipeline = cls(crawler.settings.get("KIEMTRA_DATA"), crawler.settings.get("KIEMTRA_SOURCE"))
        pipeline.stats = crawler.stats
        return pipeline

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        self.pending.append(item)
        if len(self.pending) >= self.BATCH:
            self.flush()
        return item

    def close_spider(self) -> None:
        self.flush()

    def flush(self) -> None:
        from evidence.store import Store
        from kiemtra.errors import ConfigError
        from office.catalogue_import import import_records

        if not self.pending:
            return
        batch, self.pending = self.pending, []
        good = []
        for row in batch:
            # One bad page must not cost the batch: it is reported and skipped.
            try:
                import_records_check(row)
                good.append(row)
            except ConfigError as exc:
                self.rejected.append(f"{row.get('url')}: {exc.message}")
        if good:
            with Store(self.data_dir) as store:
                import_records(store, good, source=self.source)
            self.stored += len(good)
        self.stats.set_value("kiemtra/stored", self.stored)
        self.stats.set_value("kiemtra/rejected", len(self.rejected))


def import_records_check(row: dict[str, Any]) -> None:
    from office.catalogue_import import Row, validate

    validate([Row(1, {k: v for k, v in row.items() if k != "url"})], row.get("url", ""))
