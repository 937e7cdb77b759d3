"""One inspector's look at one agency portal: crawl it, use the browser where needed, keep the
evidence, judge every criterion, store the scores.

Inspector A is this crawl; inspector B may be a second crawl at another time with another viewport
(`role="B"`), or a person's imported scores (`office/review.py`).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from checks.portal import Criterion, CriterionResult, PortalObservation, evaluate
from checks.portal.observation import Fetched, Page
from checks.portal.support import articles
from configuration.loader import AgencyConfig
from configuration.settings import Settings
from crawler.portal.rendered import needs_rendering, observe, same_host
from evidence import portal as portal_store
from evidence import runs
from evidence.clock import utc_now_seconds
from evidence.store import Store
from kiemtra import __version__

# Scores count only where the check could decide; the rest wait for a person or a re-run.
SCORED_OUTCOMES = ("pass", "fail", "not_applicable")


def crawl_portal(url: str, settings: Settings, workdir: Path) -> dict[str, Any]:
    """Run the spider in its own process (Scrapy's reactor cannot restart) and read its inventory."""
    out, html_dir = workdir / "inventory.json", workdir / "html"
    bounds = settings.portal
    command = [sys.executable, "-m", "crawler.spiders.portal", "--url", url, "--out", str(out),
               "--html-dir", str(html_dir), "--max-pages", str(bounds.max_pages), "--max-depth", str(bounds.max_depth),
               "--max-seconds", str(bounds.max_seconds), "--delay", str(bounds.download_delay_s),
               "--timeout", str(settings.timeouts.navigation_s), "--user-agent", settings.user_agent,
               "--allowed-private", ",".join(settings.navigation.allowed_private)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=bounds.max_seconds + 60,
                              cwd=Path(__file__).resolve().parents[2])
    except subprocess.TimeoutExpired:
        return {"pages": [], "error": "trình thu thập quá thời gian cho phép"}
    if not out.exists():
        return {"pages": [], "error": f"trình thu thập dừng lỗi (mã {done.returncode}): {done.stderr.strip()[-300:]}"}
    return json.loads(out.read_text(encoding="utf-8"))


def _search_target(pages: list[Page]) -> tuple[str, str]:
    """A query the search must answer: the first words of an article's heading, and that article's URL."""
    for page in sorted(articles_of(pages), key=lambda p: p.depth):
        # The title's first part is the article's own name; the site's name follows a dash.
        words = page.title.split(" - ")[0].split()
        if len(words) >= 3:
            return " ".join(words[:4]), page.url
    return "", ""


def articles_of(pages: list[Page]) -> list[Page]:
    probe = PortalObservation("", "", "", "", "", pages=tuple(pages))
    return articles(probe)


def build_observation(agency: AgencyConfig, inventory: dict[str, Any], observed_at: str) -> PortalObservation:
    pages = tuple(PortalObservation.from_dict({"agency_id": "", "group": "", "agency_name": "", "home_url": "",
                                               "observed_at": "", "pages": inventory.get("pages", [])}).pages)
    home_ok = any(p.depth == 0 and p.status < 500 for p in pages)
    error = inventory.get("error") or (None if home_ok else inventory.get("home_error") or "không mở được trang chủ")
    return PortalObservation(
        agency_id=agency.id, group=agency.group, agency_name=agency.name, home_url=agency.portal,
        observed_at=observed_at, pages=pages,
        robots=Fetched(**inventory["robots"]) if inventory.get("robots") else None,
        sitemap=Fetched(**inventory["sitemap"]) if inventory.get("sitemap") else None,
        feeds=tuple(Fetched(**f) for f in inventory.get("feeds", [])),
        https_url=inventory.get("https_url"),
        https_ok=True if agency.portal.startswith("https://") else inventory.get("https_ok"),
        error=error, stats={**inventory.get("stats", {}), "errors": inventory.get("errors", [])[:10]})


def inspect_portal(agency: AgencyConfig, settings: Settings, store: Store, *, role: str = "A",
                   inspector: str = "kiemtra", use_browser: bool = True) -> tuple[str, PortalObservation]:
    """Crawl and look at one portal; keep the inventory and its pages as evidence of one run."""
    run_id = runs.start(store, "portal", agency.id, agency.id, bot_version=__version__)
    observed_at = utc_now_seconds()
    with tempfile.TemporaryDirectory(prefix="kiemtra-portal-") as tmp:
        inventory = crawl_portal(agency.portal, settings, Path(tmp))
        for html in sorted((Path(tmp) / "html").glob("*.html")):
            store.keep_file(run_id, html, "portal_page")
    observation = build_observation(agency, inventory, observed_at)
    if use_browser and observation.error is None:
        observation = _with_browser(observation, settings, store, run_id)
    portal_store.save_observation(store, run_id, agency.id, role, inspector, observation.as_dict())
    home = observation.home
    runs.finish(store, run_id, outcome="failed" if observation.error else "ok", error=observation.error,
                error_kind="portal_crawl" if observation.error else None,
                http_status=home.status if home else None, final_url=home.url if home else agency.portal,
                title=home.title if home else "")
    return run_id, observation


def _with_browser(observation: PortalObservation, settings: Settings, store: Store, run_id: str) -> PortalObservation:
    pages = list(observation.pages)
    render: list[tuple[str, int]] = []
    home = observation.home
    if home is not None and needs_rendering(home):
        render = [(home.url, 0)] + [(link.url, 1) for link in home.nav_links if same_host(link.url, home.url)][:15]
    query, expected = _search_target(pages)
    browser, rendered = asyncio.run(observe(observation.home_url, settings, store, run_id, query=query,
                                            expected_url=expected, render=render))
    if rendered:
        by_url = {p.url: p for p in rendered}
        pages = [by_url.pop(p.url, p) for p in pages] + list(by_url.values())
        if not query:
            observation = replace(observation, pages=tuple(pages))
            query, expected = _search_target(pages)
            if query:
                browser, _ = asyncio.run(observe(observation.home_url, settings, store, run_id, query=query,
                                                 expected_url=expected))
    return replace(observation, pages=tuple(pages), browser=browser)


def score_portal(store: Store, observation: PortalObservation, criteria: list[Criterion], *, role: str,
                 inspector: str, run_id: str) -> list[CriterionResult]:
    """Judge every criterion and store this inspector's scores (undecided ones without a score)."""
    results = evaluate(observation, criteria)
    for item in results:
        result = item.result
        score = result.points if result.outcome in SCORED_OUTCOMES else None
        portal_store.record_score(store, agency_id=observation.agency_id, criterion_id=item.criterion_id, role=role,
                                  inspector=inspector, score=score, max_points=result.max_points,
                                  outcome=result.outcome, reasons=[r.as_dict() for r in result.reasons],
                                  source="crawl", run_id=run_id, why=f"lượt thu thập {run_id}")
    return results

