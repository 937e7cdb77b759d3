"""Decree 43/2011 Art.13–15: English version, Dublin Core metadata, and the support functions
(search, links to other state bodies, print and save, questions and feedback)."""

from __future__ import annotations

from urllib.parse import urlsplit

from checks.portal.base import REGISTRY, share, topics_result
from checks.portal.find import EMAIL, external_links, fold, has_any, pages_about
from checks.portal.observation import Page, PortalObservation
from checks.result import Reason, Result, could_not_verify, failed, needs_review, passed

DC_REQUIRED = ("DC.Title", "DC.Creator", "DC.Date", "DC.Description", "DC.Publisher", "DC.Identifier")
ENGLISH_INTRO = ("introduction", "about", "overview", "organization", "organisation", "functions")
ENGLISH_CONTACT = ("contact", "directory", "contacts")


def english_pages(portal: PortalObservation) -> list[Page]:
    """Pages in English: declared by hreflang/lang, or reached through an 'English' link."""
    targets = {url for p in portal.pages for lang, url in p.alternates.items() if lang.lower().startswith("en")}
    targets |= {link.url for p in portal.pages for link in (*p.nav_links, *p.links)
                if fold(link.text) in ("english", "en", "tieng anh")}
    return [p for p in portal.pages if p.status < 400 and
            (p.url in targets or (p.meta_value("lang") or "").lower().startswith("en") or "/en" in urlsplit(p.url).path)]


@REGISTRY.check("P-A13-ENGLISH", rule="NĐ 43/2011 Điều 13", points=4, groups=("bo", "tinh"))
def english(portal: PortalObservation, max_points: float) -> Result:
    """An English version giving at least the introduction and the contacts."""
    pages = english_pages(portal)
    if not pages:
        return failed(Reason("Không thấy phiên bản tiếng Anh (hreflang=en hoặc liên kết “English”)", url=portal.home_url))
    text = " ".join(f"{p.title} {' '.join(p.headings)} {p.text} {' '.join(link.text for link in p.nav_links)}" for p in pages)
    intro, contact = has_any(text, ENGLISH_INTRO), has_any(text, ENGLISH_CONTACT)
    reasons = [Reason(f"Phiên bản tiếng Anh: “{pages[0].title}”", url=pages[0].url, evidence=pages[0].evidence(pages[0].title)),
               Reason(f"Giới thiệu bằng tiếng Anh: {'có' if intro else 'không thấy'}", url=pages[0].url),
               Reason(f"Thông tin liên hệ bằng tiếng Anh: {'có' if contact else 'không thấy'}", url=pages[0].url)]
    return share(max_points, 1 + bool(intro) + bool(contact), 3, reasons)


def _dc_missing(page: Page) -> list[str]:
    return [name for name in DC_REQUIRED if not (page.meta_value(name) or "").strip()]


@REGISTRY.check("P-A14-DUBLINCORE", rule="NĐ 43/2011 Điều 14; TT 24/2011/TT-BTTTT", points=4)
def dublin_core(portal: PortalObservation, max_points: float) -> Result:
    """Dublin Core metadata (title, creator, date, description, publisher, identifier) on home, introduction and articles."""
    # Art.14 names the home page, the introduction and the articles; list and form pages need none.
    home = [portal.home] if portal.home is not None and portal.home.status < 400 else []
    pages = list({p.url: p for p in home + pages_about(portal, ("gioi thieu",)) + articles(portal)}.values())
    if not pages:
        return could_not_verify(Reason("Không có trang nào để xem siêu dữ liệu", url=portal.home_url))
    complete = [p for p in pages if not _dc_missing(p)]
    reasons = [Reason(f"{len(complete)}/{len(pages)} trang có đủ 6 phần tử Dublin Core bắt buộc", url=portal.home_url)]
    for page in [p for p in pages if _dc_missing(p)][:5]:
        reasons.append(Reason(f"Thiếu {', '.join(_dc_missing(page))}", url=page.url, evidence=page.evidence()))
    ratio = len(complete) / len(pages)
    # Nine in ten pages is "everywhere" in practice: error pages and attachments carry no metadata.
    return share(max_points, 10 if ratio >= 0.9 else int(ratio * 10), 10, reasons)


@REGISTRY.check("P-A15-SEARCH", rule="NĐ 43/2011 Điều 15.1.a", points=4)
def search(portal: PortalObservation, max_points: float) -> Result:
    """A search function that really finds content existing on the portal."""
    home = portal.home
    form = next((f for f in home.forms if has_any(f"{f.action} {f.text} {' '.join(n for n, _ in f.inputs)}",
                                                  ("tim kiem", "search", "tu khoa", "keyword", "timkiem", "q"))
                 or any(t == "search" for _, t in f.inputs)), None) if home else None
    browser = portal.browser
    if browser is None or browser.search_results is None:
        if form is None:
            return failed(Reason("Trang chủ không có ô tìm kiếm", url=portal.home_url))
        why = browser.search_error if browser and browser.search_error else "chưa thử tìm kiếm bằng trình duyệt"
        return could_not_verify(Reason(f"Có ô tìm kiếm nhưng {why}", url=portal.home_url))
    evidence = {"sha256": browser.search_screenshot_sha256} if browser.search_screenshot_sha256 else {}
    said = f"tìm “{browser.search_query}”: {browser.search_results} kết quả"
    if browser.search_results and browser.search_found_expected:
        return passed(Reason(f"Tìm kiếm hoạt động — {said}, có bài viết chứa từ khóa", url=browser.search_url, evidence=evidence))
    if browser.search_results:
        return needs_review(Reason(f"Tìm kiếm trả kết quả nhưng không thấy bài viết gốc — {said}",
                                   url=browser.search_url, evidence=evidence))
    return failed(Reason(f"Tìm kiếm không tìm thấy nội dung có trên cổng — {said}", url=browser.search_url, evidence=evidence))


STATE_WORDS = ("bo", "ubnd", "uy ban nhan dan", "so", "cong thong tin", "chinh phu", "cuc", "tong cuc",
               "tinh", "thanh pho", "quoc hoi", "dich vu cong")


@REGISTRY.check("P-A15-LINKS", rule="NĐ 43/2011 Điều 15.1.b", points=2)
def state_links(portal: PortalObservation, max_points: float) -> Result:
    """Links to the portals of subordinate units and other state bodies."""
    found: dict[str, tuple[Page, str]] = {}
    for page, link in external_links(portal):
        host = urlsplit(link.url).netloc.lower()
        if host.split(":")[0].endswith("gov.vn") or has_any(link.text, STATE_WORDS):
            found.setdefault(host, (page, link.text))
    reasons = [Reason(f"Liên kết tới “{text}” ({host})", url=page.url, evidence=page.evidence(text))
               for host, (page, text) in list(found.items())[:6]]
    if not found:
        return failed(Reason("Không thấy liên kết tới cổng của đơn vị trực thuộc hay cơ quan nhà nước khác", url=portal.home_url))
    # Three distinct bodies show a links block; one or two may be chance links in articles.
    return share(max_points, min(len(found), 3), 3, reasons)


def articles(portal: PortalObservation) -> list[Page]:
    """Pages that read as articles: below the home page, a heading, one or two dates (a list shows many)."""
    return [p for p in portal.pages
            if p.status < 400 and p.depth > 0 and p.headings and 1 <= len(p.dates) <= 2 and len(p.text) > 300]


@REGISTRY.check("P-A15-PRINT", rule="NĐ 43/2011 Điều 15.1.c", points=2)
def print_save(portal: PortalObservation, max_points: float) -> Result:
    """Each article can be printed and saved."""
    pages = articles(portal)
    if not pages:
        return needs_review(Reason("Không nhận ra trang bài viết nào để xem chức năng in, lưu", url=portal.home_url))
    printing = [p for p in pages if "print" in p.tools]
    saving = [p for p in pages if "save" in p.tools]
    reasons = [Reason(f"In bài viết: {len(printing)}/{len(pages)} bài", url=pages[0].url),
               Reason(f"Lưu bài viết: {len(saving)}/{len(pages)} bài", url=pages[0].url)]
    half = len(pages) / 2
    return share(max_points, (len(printing) >= half) + (len(saving) >= half), 2, reasons)


@REGISTRY.check("P-A15-FEEDBACK", rule="NĐ 43/2011 Điều 15.2", points=4)
def feedback(portal: PortalObservation, max_points: float) -> Result:
    """Questions and feedback sent directly with their status followed, or an e-mail address to receive them."""
    pages = pages_about(portal, ("hoi dap", "gop y", "phan anh kien nghi", "hoi - dap", "tra loi cau hoi", "lien he"))
    if not pages:
        return topics_result(portal, max_points, (("Hỏi đáp, góp ý", ("hoi dap", "gop y")),))
    with_form = next((p for p in pages if any(any(t == "textarea" for _, t in f.inputs) for f in p.forms)), None)
    status = next((p for p in pages if has_any(p.text, ("da tra loi", "trang thai", "dang xu ly", "tra cuu cau hoi",
                                                        "chua tra loi"))), None)
    email = next((p for p in pages if EMAIL.search(p.text)), None)
    page = with_form or pages[0]
    reasons = [Reason(f"Mục hỏi đáp, góp ý: “{page.title}”", url=page.url, evidence=page.evidence(page.title)),
               Reason("Gửi câu hỏi trực tiếp: " + ("có" if with_form else "không thấy biểu mẫu"), url=page.url),
               Reason("Theo dõi tình trạng câu hỏi: " + ("có" if status else "không thấy"),
                      url=status.url if status else page.url),
               Reason("Địa chỉ thư điện tử nhận góp ý: " + ("có" if email else "không thấy"),
                      url=email.url if email else page.url)]
    if (with_form and status) or email:
        return passed(*reasons)
    return share(max_points, 1 if with_form else 0, 2, reasons)
