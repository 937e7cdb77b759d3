"""Running the catalogue harvest: Scrapy settings from kiemtra's, one process, a summary back.

Scrapy's reactor cannot start twice in one process, so this runs once per `kiemtra catalogue
harvest` (tests call the CLI in a subprocess).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from configuration.settings import Settings


@dataclass(frozen=True)
class HarvestSummary:
    pages: int
    stored: int
    rejected: int
    failed_requests: int
    finish_reason: str


def scrapy_settings(settings: Settings, url: str, resume: bool) -> dict[str, object]:
    """Politeness and retries from kiemtra's settings; JOBDIR per start URL so a re-run resumes."""
    key = hashlib.sha256(url.encode()).hexdigest()[:12]
    values: dict[str, object] = {
        "USER_AGENT": settings.user_agent,
        "ROBOTSTXT_OBEY": True,
        "DOWNLOAD_DELAY": 1.0 / settings.politeness.per_host_rps,
        "RANDOMIZE_DOWNLOAD_DELAY": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": settings.politeness.per_host_concurrency,
        "DOWNLOAD_TIMEOUT": settings.timeouts.navigation_s,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": settings.retry.max_attempts,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "ITEM_PIPELINES": {"crawler.spiders.catalogue.StorePipeline": 100},
        "KIEMTRA_DATA": str(settings.data),
        "KIEMTRA_SOURCE": f"thu thập:{urlsplit(url).netloc}",
    }
    if resume:
        values["JOBDIR"] = str(settings.data / "harvest" / key)
    return values


def harvest(settings: Settings, url: str, *, resume: bool = True) -> HarvestSummary:
    """Walk the site at `url` into the catalogue; return what happened."""
    from scrapy.crawler import CrawlerProcess

    from crawler.spiders.catalogue import CatalogueSpider

    process = CrawlerProcess({**scrapy_settings(settings, url, resume), "LOG_INSTALL_ROOT_HANDLER": False})
    crawler = process.create_crawler(CatalogueSpider)
    process.crawl(crawler, start_url=url)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return HarvestSummary(
        pages=int(stats.get("response_received_count", 0)),
        stored=int(stats.get("kiemtra/stored", 0)),
        rejected=int(stats.get("kiemtra/rejected", 0)),
        failed_requests=int(stats.get("retry/max_reached", 0)) + int(stats.get("downloader/exception_count", 0)),
        finish_reason=str(stats.get("finish_reason", "")),
    )
