"""Circular 32/2017 Art.16–17 and 20: header, menu, footer, site maps, mobile use, HTTPS."""

from __future__ import annotations

import re

from checks.portal.base import REGISTRY, share
from checks.portal.find import EMAIL, PHONE, excerpt_around, fold, has_any, pages_about
from checks.portal.observation import PortalObservation
from checks.result import Reason, Result, could_not_verify, failed, passed

MENU_ITEMS = (
    ("Trang chủ", ("trang chu", "home")),
    ("Giới thiệu", ("gioi thieu",)),
    ("Dịch vụ công trực tuyến", ("dich vu cong truc tuyen", "dich vu cong", "dvctt", "hanh chinh cong")),
    ("Sơ đồ cổng", ("so do cong", "so do trang", "so do website", "so do cong thong tin", "site map", "sitemap")),
)
# A phone's digits can be split by spaces, dots or brackets; a mobile screen may be a pixel off.
MOBILE_SLACK_PX = 2


def _no_page(portal: PortalObservation) -> Result:
    return could_not_verify(Reason("Không có trang chủ nào được thu thập", url=portal.home_url))


@REGISTRY.check("P-T16-HEADER", rule="TT 32/2017/TT-BTTTT Điều 16.2.a", points=2)
def header(portal: PortalObservation, max_points: float) -> Result:
    """A header with the national emblem or the body's logo and its full Vietnamese name."""
    home = portal.home
    if home is None:
        return _no_page(portal)
    named = fold(portal.agency_name) in fold(f"{home.header_text} {home.title}")
    reasons = [Reason(f"Biểu trưng/quốc huy ở đầu trang: {'có' if home.logo else 'không thấy'}", url=home.url),
               Reason(f"Tên đầy đủ “{portal.agency_name}” ở đầu trang: {'có' if named else 'không thấy'}", url=home.url,
                      evidence=home.evidence(home.header_text[:200]))]
    return share(max_points, home.logo + named, 2, reasons)


@REGISTRY.check("P-T16-MENU", rule="TT 32/2017/TT-BTTTT Điều 16.2.b", points=3)
def menu(portal: PortalObservation, max_points: float) -> Result:
    """A main menu with at least Trang chủ, Giới thiệu, Dịch vụ công trực tuyến and Sơ đồ cổng."""
    home = portal.home
    if home is None:
        return _no_page(portal)
    texts = [link.text for link in home.nav_links]
    reasons, got = [], 0
    for label, words in MENU_ITEMS:
        item = next((t for t in texts if has_any(t, words)), None)
        got += item is not None
        reasons.append(Reason(f"Mục “{label}” trong trình đơn: " + (f"có (“{item}”)" if item else "không thấy"),
                              url=home.url))
    return share(max_points, got, len(MENU_ITEMS), reasons)


@REGISTRY.check("P-T16-FOOTER", rule="TT 32/2017/TT-BTTTT Điều 16.2.d", points=3)
def footer(portal: PortalObservation, max_points: float) -> Result:
    """A footer naming the owner and the person responsible, with address, phone and e-mail."""
    home = portal.home
    if home is None:
        return _no_page(portal)
    text = home.footer_text
    folded = fold(text)
    parts = (("cơ quan chủ quản", fold(portal.agency_name) in folded or "chu quan" in folded or "co quan" in folded),
             ("người chịu trách nhiệm", "chiu trach nhiem" in folded),
             ("địa chỉ", bool(re.search(r"dia chi|tru so", folded))),
             ("điện thoại", bool(PHONE.search(text))),
             ("thư điện tử", bool(EMAIL.search(text))))
    reasons = [Reason(f"Chân trang — {label}: {'có' if ok else 'không thấy'}", url=home.url,
                      evidence=home.evidence(excerpt_around(text, "chịu trách nhiệm") or text[:200]))
               for label, ok in parts]
    return share(max_points, sum(ok for _, ok in parts), len(parts), reasons)


@REGISTRY.check("P-T16-SITEMAP", rule="TT 32/2017/TT-BTTTT Điều 16.3", points=3)
def site_maps(portal: PortalObservation, max_points: float) -> Result:
    """A text site map for people and an XML sitemap for search engines."""
    pages = pages_about(portal, MENU_ITEMS[3][1])
    xml = portal.sitemap
    xml_ok = xml is not None and xml.status == 200 and xml.entries > 0
    reasons = [Reason("Sơ đồ cổng dạng văn bản: " + (f"có (“{pages[0].title}”)" if pages else "không thấy"),
                      url=pages[0].url if pages else portal.home_url),
               Reason("Tệp sitemap.xml: " + (f"có, {xml.entries} địa chỉ" if xml is not None and xml_ok else
                                            f"không có (HTTP {xml.status})" if xml else "không thấy"),
                      url=xml.url if xml else portal.home_url, evidence={"excerpt": xml.excerpt[:200]} if xml else {})]
    return share(max_points, bool(pages) + xml_ok, 2, reasons)


@REGISTRY.check("P-T17-MOBILE", rule="TT 32/2017/TT-BTTTT Điều 17", points=4)
def mobile(portal: PortalObservation, max_points: float) -> Result:
    """The portal is usable on a mobile screen 375 px wide without sideways scrolling."""
    browser = portal.browser
    if browser is None or browser.error or browser.mobile_scroll_width is None:
        why = browser.error if browser and browser.error else "chưa mở trang bằng trình duyệt ở khổ di động"
        return could_not_verify(Reason(f"Không kiểm tra được giao diện di động: {why}", url=portal.home_url))
    evidence = {"sha256": browser.mobile_screenshot_sha256} if browser.mobile_screenshot_sha256 else {}
    fits = browser.mobile_scroll_width <= browser.mobile_width + MOBILE_SLACK_PX
    said = f"rộng {browser.mobile_scroll_width}px trên màn hình {browser.mobile_width}px"
    if fits and browser.mobile_viewport_meta:
        return passed(Reason(f"Trang chủ vừa màn hình di động ({said})", url=portal.home_url, evidence=evidence))
    if fits:
        return passed(Reason(f"Trang vừa màn hình ({said}) nhưng thiếu thẻ meta viewport", url=portal.home_url,
                             evidence=evidence), points=max_points / 2)
    return failed(Reason(f"Trang chủ tràn ngang trên di động ({said})", url=portal.home_url, evidence=evidence))


@REGISTRY.check("P-T20-HTTPS", rule="TT 32/2017/TT-BTTTT Điều 20", points=3)
def https(portal: PortalObservation, max_points: float) -> Result:
    """The portal answers over HTTPS."""
    if portal.home_url.startswith("https://") and portal.home is not None and portal.home.status < 400:
        return passed(Reason("Cổng chạy trên HTTPS", url=portal.home_url))
    if portal.https_ok:
        return passed(Reason("Cổng trả lời qua HTTPS", url=portal.https_url or portal.home_url))
    if portal.https_ok is None:
        return could_not_verify(Reason("Chưa thử kết nối HTTPS", url=portal.home_url))
    return failed(Reason("Cổng không trả lời qua HTTPS", url=portal.https_url or portal.home_url))
