"""What a portal inventory recorded: the observations the portal criteria read.

The spider (`crawler/spiders/portal.py`) and the browser checks (`crawler/portal/rendered.py`)
fill these; every criterion is a pure function of a `PortalObservation`, so a verdict can be
recomputed from what was stored. Everything here round-trips through JSON (`as_dict`/`from_dict`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Link:
    url: str
    text: str


@dataclass(frozen=True)
class Form:
    action: str
    method: str
    inputs: tuple[tuple[str, str], ...] = ()     # (name, type)
    text: str = ""                                # the form's visible words (buttons, labels)


@dataclass(frozen=True)
class Page:
    """One page as the spider saw it."""

    url: str
    status: int
    title: str = ""
    depth: int = 0
    headings: tuple[str, ...] = ()
    nav_links: tuple[Link, ...] = ()     # links inside nav / menu containers
    links: tuple[Link, ...] = ()         # every other link
    header_text: str = ""
    footer_text: str = ""
    text: str = ""                       # visible text, whitespace-collapsed, truncated
    meta: dict[str, str] = field(default_factory=dict)    # name/property (as written) -> content
    forms: tuple[Form, ...] = ()
    alternates: dict[str, str] = field(default_factory=dict)   # hreflang -> url
    feeds: tuple[str, ...] = ()          # RSS/Atom links announced by the page
    logo: bool = False                   # an image/logo in the header (emblem or logo)
    tools: tuple[str, ...] = ()          # article tools offered: "print", "save"
    dates: tuple[str, ...] = ()          # ISO dates (YYYY-MM-DD) written in the page
    html_sha256: str | None = None       # the stored HTML, evidence for reasons
    rendered: bool = False               # True when a browser rendered it (JavaScript pages)

    def meta_value(self, name: str) -> str | None:
        """A meta value by case-insensitive name (`DC.Title`, `dc.title`)."""
        lowered = name.lower()
        return next((v for k, v in self.meta.items() if k.lower() == lowered), None)

    def evidence(self, excerpt: str = "") -> dict[str, Any]:
        out: dict[str, Any] = {}
        if excerpt:
            out["excerpt"] = excerpt[:300]
        if self.html_sha256:
            out["sha256"] = self.html_sha256
        return out


@dataclass(frozen=True)
class Fetched:
    """A side file: robots.txt, sitemap.xml, an RSS feed."""

    url: str
    status: int
    content_type: str = ""
    excerpt: str = ""
    entries: int = 0                     # URLs in a sitemap, items in a feed


@dataclass(frozen=True)
class BrowserObservation:
    """What the browser checks saw; `error` is the bot's own failure (could not verify)."""

    mobile_width: int = 375
    mobile_scroll_width: int | None = None
    mobile_viewport_meta: bool | None = None
    mobile_screenshot_sha256: str | None = None
    search_query: str = ""
    search_url: str = ""
    search_results: int | None = None    # result links that mention the query
    search_found_expected: bool | None = None   # the article the query came from was among them
    search_screenshot_sha256: str | None = None
    error: str | None = None
    search_error: str | None = None


@dataclass(frozen=True)
class PortalObservation:
    """One inspector's inventory of one agency's portal."""

    agency_id: str
    group: str                            # bo | cqtcp | tinh
    agency_name: str
    home_url: str
    observed_at: str                      # ISO date-time; freshness is judged against it
    pages: tuple[Page, ...] = ()
    robots: Fetched | None = None
    sitemap: Fetched | None = None
    feeds: tuple[Fetched, ...] = ()
    https_url: str | None = None          # the https:// address that answered, if any
    https_ok: bool | None = None          # None: not tried
    browser: BrowserObservation | None = None
    error: str | None = None              # the crawl itself failed: nothing can be judged
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def home(self) -> Page | None:
        return next((p for p in self.pages if p.depth == 0), self.pages[0] if self.pages else None)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PortalObservation:
        return cls(**{**data,
                      "pages": tuple(_page(p) for p in data.get("pages", ())),
                      "robots": Fetched(**data["robots"]) if data.get("robots") else None,
                      "sitemap": Fetched(**data["sitemap"]) if data.get("sitemap") else None,
                      "feeds": tuple(Fetched(**f) for f in data.get("feeds", ())),
                      "browser": BrowserObservation(**data["browser"]) if data.get("browser") else None})


def _page(data: dict[str, Any]) -> Page:
    return Page(**{**data,
                   "headings": tuple(data.get("headings", ())),
                   "nav_links": tuple(Link(**link) for link in data.get("nav_links", ())),
                   "links": tuple(Link(**link) for link in data.get("links", ())),
                   "forms": tuple(Form(f["action"], f["method"], tuple(tuple(i) for i in f.get("inputs", ())),
                                       f.get("text", "")) for f in data.get("forms", ())),
                   "feeds": tuple(data.get("feeds", ())),
                   "tools": tuple(data.get("tools", ())),
                   "dates": tuple(data.get("dates", ()))})
