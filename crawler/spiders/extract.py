"""Reading one portal page's HTML into a `Page` observation: menu, header, footer, meta, forms, dates.

Used by the spider on every response and by the browser on JavaScript-rendered pages, and by the
tests on saved pages, so one reading serves all three. Text is NFC-normalized: portals mix composed
and decomposed Vietnamese.

The HTML is read with lxml directly (`lxml.html`, the parser Scrapy's own selectors stand on): it
repairs the broken markup portals serve, is fast on the thousands of pages of a night, and its
element tree is all this module needs. BeautifulSoup would add a layer over the same parser and
nothing this reading uses, so kiemtra does not depend on it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from urllib.parse import urldefrag, urljoin

import lxml.html
from lxml import etree

from checks.portal.find import fold
from checks.portal.observation import Form, Link, Page

MAX_TEXT = 20000
NAV_HINT = re.compile(r"(^|[\s_-])(nav|navbar|navigation|menu|mainmenu|main-menu|topmenu|top-menu|navi)([\s_-]|$)", re.I)
HEADER_HINT = re.compile(r"(^|[\s_-])(header|banner|masthead|top-header|logo-wrapper)([\s_-]|$)", re.I)
FOOTER_HINT = re.compile(r"(^|[\s_-])(footer|foot|bottom)([\s_-]|$)", re.I)
LOGO_HINT = re.compile(r"logo|quoc-?huy|quochuy|emblem|banner|brand", re.I)
PRINT_WORDS = ("in", "in bai", "in bai viet", "in trang", "ban in", "print")
SAVE_WORDS = ("luu", "luu bai", "luu bai viet", "luu tin", "tai ve", "save", "tai xuong", "xuat pdf", "pdf")
DATE_PATTERNS = (
    re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)"),          # 25/08/2022
    re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"),                      # 2022-08-25
    re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.I),  # ngày 25 tháng 8 năm 2022
)


def _text(node: etree._Element | None) -> str:
    if node is None:
        return ""
    # Join text nodes with a space: block elements written back to back must not glue words together.
    return unicodedata.normalize("NFC", " ".join(" ".join(node.itertext()).split()))


def _attr_hint(node: etree._Element, pattern: re.Pattern[str]) -> bool:
    return bool(pattern.search(f"{node.get('id', '')} {node.get('class', '')}"))


def _first(root: etree._Element, tag: str, pattern: re.Pattern[str]) -> etree._Element | None:
    found = root.find(f".//{tag}")
    if found is not None:
        return found
    return next((n for n in root.iter("div", "section", "table", "td") if _attr_hint(n, pattern)), None)


def _nav_roots(root: etree._Element) -> list[etree._Element]:
    roots = [n for n in root.iter("nav", "ul", "div") if n.tag == "nav" or n.get("role") == "navigation"
             or _attr_hint(n, NAV_HINT)]
    # Keep the outermost containers only, so a link is counted once.
    return [n for n in roots if not any(a in roots for a in n.iterancestors())]


def _dates(text: str) -> tuple[str, ...]:
    found: set[str] = set()
    for index, pattern in enumerate(DATE_PATTERNS):
        for match in pattern.finditer(text):
            a, b, c = (int(x) for x in match.groups())
            year, month, day = (a, b, c) if index == 1 else (c, b, a)
            try:
                found.add(date(year, month, day).isoformat())
            except ValueError:
                continue
    return tuple(sorted(found, reverse=True)[:50])


def _tools(root: etree._Element) -> tuple[str, ...]:
    tools: set[str] = set()
    for node in root.iter("a", "button", "span", "i"):
        words = fold(f"{_text(node)} {node.get('title', '')} {node.get('aria-label', '')}")
        script = f"{node.get('onclick', '')} {node.get('href', '')}".lower()
        if "print" in script or words in PRINT_WORDS:
            tools.add("print")
        if words in SAVE_WORDS or node.get("download") is not None or "pdf" in script:
            tools.add("save")
    return tuple(sorted(tools))


def _links(container: etree._Element | None, base: str) -> list[Link]:
    if container is None:
        return []
    out = []
    for anchor in container.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "tel:", "#")):
            continue
        text = _text(anchor) or anchor.get("title", "") or next((i.get("alt", "") for i in anchor.iter("img")), "")
        out.append(Link(urldefrag(urljoin(base, href))[0], unicodedata.normalize("NFC", text.strip())))
    return out


def _forms(root: etree._Element, base: str) -> tuple[Form, ...]:
    forms = []
    for form in root.iter("form"):
        inputs = tuple((i.get("name") or i.get("id") or "", i.get("type", "text") if i.tag == "input" else i.tag)
                       for i in form.iter("input", "textarea", "select"))
        words = " ".join([_text(form)[:300]] + [i.get("placeholder", "") for i in form.iter("input", "textarea")]
                         + [i.get("value", "") for i in form.iter("input") if i.get("type") in ("submit", "button")])
        forms.append(Form(urljoin(base, form.get("action") or base), (form.get("method") or "get").lower(),
                          inputs, " ".join(words.split())))
    return tuple(forms)


def _decoded(html: str | bytes) -> str | bytes:
    """UTF-8 text where it is UTF-8: lxml guesses Latin-1 for bytes that declare no charset."""
    if isinstance(html, bytes):
        try:
            html = html.decode("utf-8")
        except UnicodeDecodeError:
            return html      # let lxml read the page's own charset declaration
    # lxml refuses str input that carries an XML encoding declaration.
    return re.sub(r"^\s*<\?xml[^>]*\?>", "", html)


def extract_page(html: str | bytes, url: str, status: int = 200, depth: int = 0, *,
                 html_sha256: str | None = None, rendered: bool = False) -> Page:
    """Everything the criteria read from one page."""
    if not html or not str(html).strip():
        return Page(url=url, status=status, depth=depth, html_sha256=html_sha256, rendered=rendered)
    root = lxml.html.fromstring(_decoded(html))
    for junk in root.xpath("//script|//style|//noscript|//template"):
        junk.drop_tree()
    base = urljoin(url, root.xpath("string(//base/@href)") or url)
    meta = {m.get("name") or m.get("property"): unicodedata.normalize("NFC", m.get("content", ""))
            for m in root.iter("meta") if (m.get("name") or m.get("property")) and m.get("content") is not None}
    if root.get("lang"):
        meta["lang"] = root.get("lang", "")
    nav = _nav_roots(root)
    nav_links = [link for container in nav for link in _links(container, base)]
    nav_urls = {(link.url, link.text) for link in nav_links}
    header, footer = _first(root, "header", HEADER_HINT), _first(root, "footer", FOOTER_HINT)
    logo_scope = header if header is not None else root
    logo = any(LOGO_HINT.search(f"{i.get('src', '')} {i.get('alt', '')} {i.get('class', '')} {i.get('id', '')}")
               for i in logo_scope.iter("img")) or (header is not None and header.find(".//img") is not None)
    links = root.xpath("//link[@rel]")
    text = _text(root.find("body") if root.find("body") is not None else root)
    return Page(
        url=url, status=status, depth=depth, title=_text(root.find(".//title")),
        headings=tuple(h for h in (_text(n) for n in root.iter("h1", "h2", "h3")) if h)[:40],
        nav_links=tuple(nav_links)[:200],
        links=tuple(link for link in _links(root, base) if (link.url, link.text) not in nav_urls)[:400],
        header_text=_text(header)[:1000], footer_text=_text(footer)[:2000], text=text[:MAX_TEXT],
        meta=meta, forms=_forms(root, base),
        alternates={tag.get("hreflang", ""): urljoin(base, tag.get("href", "")) for tag in links
                    if "alternate" in tag.get("rel", "") and tag.get("hreflang")},
        feeds=tuple(urljoin(base, tag.get("href", "")) for tag in links
                    if "alternate" in tag.get("rel", "")
                    and "rss" in tag.get("type", "") + tag.get("type", "").replace("atom", "rss")),
        logo=bool(logo), tools=_tools(root), dates=_dates(text),
        html_sha256=html_sha256, rendered=rendered)
