"""Finding things on an inventoried portal by its Vietnamese words.

Portals write the same words composed or decomposed, with or without diacritics, in any case;
`fold` reduces them to one form before any comparison. A section counts as *seen* only when a
crawled page (status < 400) carries its words in the title or headings; a link to it that the
crawl did not follow is weaker evidence (a person must look).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from checks.portal.observation import Link, Page, PortalObservation
from checks.result import Reason

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Hotlines (1900/1800 …) are an agency's phone too.
PHONE = re.compile(r"(?:\+84|\b0|\(0\d{1,3}\))[\d .()-]{7,14}\d|\b1[89]00[ .]?\d{3,4}(?:[ .]?\d{1,4})?\b")


def fold(text: str) -> str:
    """Lower case, no diacritics, đ → d, spaces collapsed: 'Giới  Thiệu' → 'gioi thieu'."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def has_any(text: str, keywords: Iterable[str]) -> str | None:
    """The first keyword (already folded) found in `text`, else None."""
    folded = fold(text)
    return next((k for k in keywords if re.search(rf"(?<!\w){re.escape(k)}(?!\w)", folded)), None)


def path_words(url: str) -> str:
    """A URL's path as words: '/gioi-thieu/co-cau_to-chuc.html' → 'gioi thieu co cau to chuc'."""
    return " ".join(re.split(r"[/_.\-?=&]+", urlsplit(url).path.lower()))


@dataclass(frozen=True)
class Found:
    """Where a topic was found: a crawled page (strong) or only a link to it (weak)."""

    keyword: str
    page: Page | None = None
    link: Link | None = None
    on: Page | None = None     # the page that carried the link

    @property
    def seen(self) -> bool:
        return self.page is not None and self.page.status < 400

    def reason(self, label: str) -> Reason:
        if self.page is not None:
            state = "có" if self.seen else f"trả về HTTP {self.page.status}"
            return Reason(f"{label}: {state} — trang “{self.page.title or self.page.url}”", url=self.page.url,
                          evidence=self.page.evidence(self.keyword))
        assert self.link is not None and self.on is not None
        return Reason(f"{label}: có liên kết “{self.link.text}” nhưng trang chưa được thu thập", url=self.link.url,
                      evidence=self.on.evidence(self.link.text))


def page_topic(page: Page, keywords: Iterable[str]) -> str | None:
    """The keyword naming this page's topic, if any: a title part or heading that starts with it, or the URL path.

    Starting with, not containing: "Lịch công tác lãnh đạo" is a schedule, not the leaders' page.
    """
    keywords = tuple(keywords)
    names = [fold(part) for part in re.split(r"\s[-|–]\s", page.title)] + [fold(h) for h in page.headings[:4]]
    for name in names:
        hit = next((k for k in keywords if re.match(rf"{re.escape(k)}(?!\w)", name)), None)
        if hit:
            return hit
    return has_any(path_words(page.url), keywords)


def find_topic(portal: PortalObservation, keywords: Iterable[str]) -> Found | None:
    """A crawled page about the topic, else a link that names it, else None."""
    keywords = tuple(keywords)
    pages = sorted(portal.pages, key=lambda p: (p.status >= 400, p.depth))
    for page in pages:
        keyword = page_topic(page, keywords)
        if keyword:
            return Found(keyword, page=page)
    by_url = {p.url: p for p in portal.pages}
    for page in pages:
        for link in (*page.nav_links, *page.links):
            keyword = has_any(link.text, keywords)
            if keyword:
                return Found(keyword, page=by_url.get(link.url), link=link, on=page)
    return None


def pages_about(portal: PortalObservation, keywords: Iterable[str]) -> list[Page]:
    """Every crawled page (status < 400) whose title, headings or path names the topic."""
    keywords = tuple(keywords)
    return [p for p in portal.pages if p.status < 400 and page_topic(p, keywords)]


def external_links(portal: PortalObservation) -> list[tuple[Page, Link]]:
    """Links that leave the portal's own host, with the page that carries each."""
    own = urlsplit(portal.home_url).netloc.lower()
    out = []
    for page in portal.pages:
        for link in (*page.nav_links, *page.links):
            host = urlsplit(link.url).netloc.lower()
            if host and host != own and urlsplit(link.url).scheme in ("http", "https"):
                out.append((page, link))
    return out


def excerpt_around(text: str, pattern: re.Pattern[str] | str, width: int = 60) -> str:
    """A short piece of `text` around the first match, for a reason's evidence."""
    match = re.search(pattern, text, flags=re.IGNORECASE) if isinstance(pattern, str) else pattern.search(text)
    if not match:
        return ""
    return text[max(0, match.start() - width): match.end() + width].strip()
