"""The portal checks that need a real browser: the mobile layout at 375 px, a search that really
returns results, and rendering pages the spider saw empty because they are built by JavaScript.

Launches through `crawler.browser.launch` and navigates only through `crawler.browser.navigate.goto`. What it sees is
an observation, never a verdict; a failure of the bot itself lands in `error` / `search_error`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from urllib.parse import urlsplit

from playwright.async_api import Browser, Page

from checks.portal.find import fold
from checks.portal.observation import BrowserObservation
from checks.portal.observation import Page as PageObservation
from configuration.settings import Settings
from crawler.browser.launch import chromium, context_options
from crawler.browser.navigate import HostLimiter, goto, host_of
from crawler.browser.policy import guard
from crawler.spiders.extract import extract_page
from evidence.store import Store
from kiemtra.errors import VisitError

MOBILE = (375, 812)
SEARCH_INPUTS = ("input[type=search]", "input[name*=search i]", "input[name*=timkiem i]", "input[name*=keyword i]",
                 "input[name*=tukhoa i]", "input[name=q]", "input[placeholder*='tìm' i]", "input[placeholder*='Tìm' i]",
                 "input[name*=TimKiem i]", "input[id*=search i]")
# A page of under this much text with scripts on it was most likely built in the browser.
JS_TEXT_MIN = 200


def needs_rendering(page: PageObservation) -> bool:
    return page.status < 400 and len(page.text) < JS_TEXT_MIN


async def _mobile(browser: Browser, url: str, settings: Settings, store: Store, run_id: str,
                  limiter: HostLimiter) -> dict:
    context = await browser.new_context(**context_options(settings, viewport=MOBILE), is_mobile=True)
    policy = await guard(context, settings)
    try:
        page = await context.new_page()
        await goto(page, url, timeout_s=settings.timeouts.navigation_s, limiter=limiter, policy=policy)
        width = await page.evaluate("() => Math.max(document.documentElement.scrollWidth, "
                                    "document.body ? document.body.scrollWidth : 0)")
        meta = await page.evaluate("() => !!document.querySelector('meta[name=viewport]')")
        png = await page.screenshot(full_page=False, timeout=15000)
        shot = store.keep_bytes(run_id, png, ".png", "portal_mobile").sha256
        return {"mobile_scroll_width": int(width), "mobile_viewport_meta": bool(meta), "mobile_screenshot_sha256": shot}
    finally:
        await context.close()


async def _search(browser: Browser, url: str, query: str, expected: str, settings: Settings, store: Store,
                  run_id: str, limiter: HostLimiter) -> dict:
    context = await browser.new_context(**context_options(settings))
    policy = await guard(context, settings)
    try:
        page = await context.new_page()
        await goto(page, url, timeout_s=settings.timeouts.navigation_s, limiter=limiter, policy=policy)
        box = None
        for selector in SEARCH_INPUTS:
            candidate = page.locator(selector).first
            if await candidate.count() and await candidate.is_visible():
                box = candidate
                break
        if box is None:
            return {"search_query": query, "search_error": "không tìm thấy ô tìm kiếm hiển thị trên trang chủ"}
        await box.fill(query, timeout=settings.timeouts.step_s * 1000)
        async with page.expect_navigation(timeout=settings.timeouts.navigation_s * 1000, wait_until="load"):
            await box.press("Enter")
        links = await page.eval_on_selector_all("a", "els => els.map(a => [a.href, a.innerText || ''])")
        wanted = fold(query)
        hits = [(href, text) for href, text in links if wanted in fold(text)]
        png = await page.screenshot(full_page=False, timeout=15000)
        return {"search_query": query, "search_url": page.url, "search_results": len(hits),
                "search_found_expected": any(href.split("#")[0] == expected for href, _ in hits) or
                                         any(fold(text) == fold(query) for _, text in hits),
                "search_screenshot_sha256": store.keep_bytes(run_id, png, ".png", "portal_search").sha256}
    finally:
        await context.close()


async def _render(browser: Browser, urls: Sequence[tuple[str, int]], settings: Settings,
                  limiter: HostLimiter) -> list[PageObservation]:
    context = await browser.new_context(**context_options(settings))
    policy = await guard(context, settings)
    out = []
    try:
        page: Page = await context.new_page()
        for url, depth in urls:
            try:
                response = await goto(page, url, timeout_s=settings.timeouts.navigation_s, limiter=limiter, policy=policy,
                                      wait_until="networkidle")
            except VisitError:
                continue
            out.append(extract_page(await page.content(), page.url, response.status if response else 200, depth,
                                    rendered=True))
    finally:
        await context.close()
    return out


async def observe(home_url: str, settings: Settings, store: Store, run_id: str, *, query: str = "", expected_url: str = "",
                  render: Sequence[tuple[str, int]] = ()) -> tuple[BrowserObservation, list[PageObservation]]:
    """Mobile layout, search and rendering of JavaScript pages, in one browser."""
    limiter = HostLimiter(settings.politeness.per_host_rps)
    fields: dict = {"mobile_width": MOBILE[0]}
    rendered: list[PageObservation] = []
    async with chromium(settings) as browser:
        if render:
            rendered = await _render(browser, render, settings, limiter)
        try:
            fields.update(await _mobile(browser, home_url, settings, store, run_id, limiter))
        except (VisitError, asyncio.TimeoutError) as error:
            fields["error"] = f"{getattr(error, 'kind', 'timeout')}: {error}"
        if query:
            try:
                fields.update(await _search(browser, home_url, query, expected_url, settings, store, run_id, limiter))
            except Exception as error:  # noqa: BLE001 - any failure of the bot's search is "could not verify"
                fields["search_query"] = query
                fields["search_error"] = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    return BrowserObservation(**fields), rendered


def same_host(url: str, home: str) -> bool:
    return host_of(url) == host_of(home) and urlsplit(url).scheme in ("http", "https")
