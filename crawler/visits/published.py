"""The portal route of R3/R5: capture the page of the competent authority's portal that publishes a procedure.

A procedure missing from CSDL TTHC still counts when the competent authority publishes it on its
portal. The inspector names that page (`kiemtra match confirm SERVICE --published-url URL`); this
module opens it through the one navigation choke point and keeps it as any evidence: a run of kind
`published` with one recorded step (screenshot, HTML, URL, time, HTTP status), sealed.
"""

from __future__ import annotations

from dataclasses import dataclass

from configuration.settings import Settings
from crawler.browser.launch import chromium, context_options
from crawler.browser.navigate import goto
from crawler.browser.recorder import StepRecorder
from crawler.visits.sealing import seal_in_background
from evidence import runs
from evidence.store import Store
from kiemtra import __version__
from kiemtra.errors import VisitError

PUBLISHED = "published"   # the run kind of a portal-route capture


@dataclass(frozen=True)
class PublishedPage:
    run_id: str
    url: str
    http_status: int | None
    html_sha256: str | None
    screenshot_sha256: str | None
    error: str = ""           # why the page could not be seen; empty when it opened


async def capture_published(store: Store, settings: Settings, agency_id: str, service_id: str, url: str) -> PublishedPage:
    """Open `url` once and keep what it showed; a page that cannot be seen is kept too, with its error."""
    settings = settings.model_copy(update={"capture": settings.capture.model_copy(update={"video": False})})
    async with chromium(settings) as browser:
        run_id = runs.start(store, PUBLISHED, service_id, agency_id, bot_version=__version__,
                            browser_version=browser.version)
        context = await browser.new_context(**context_options(settings))
        page = await context.new_page()
        recorder = StepRecorder(store, run_id, settings.capture)
        started = recorder.begin()
        status, error = None, ""
        try:
            response = await goto(page, url, timeout_s=settings.timeouts.navigation_s)
            status = response.status if response is not None else None
        except VisitError as exc:
            error = str(exc)
        seen = not error and (status or 0) < 400
        row = await recorder.record(page, "open", "open", target=url, outcome="ok" if seen else "failed",
                                    started=started, detail={"http_status": status, "error": error})
        await context.close()
    runs.finish(store, run_id, outcome="ok" if seen else "failed", http_status=status)
    await seal_in_background(store, run_id, settings)
    return PublishedPage(run_id, url, status, row.get("html_sha256"), row.get("screenshot_sha256"),
                         "" if seen else (error or f"HTTP {status}"))
