"""Decree 43/2011 Art.10.1 items a–l: the information every state portal must carry.

Each item is a set of sections found by their Vietnamese words (`checks.portal.find`); an item
made of several sections earns its points in proportion to the sections seen.
"""

from __future__ import annotations

import re

from checks.portal.base import REGISTRY, Topic, share, topics_result
from checks.portal.find import EMAIL, PHONE, excerpt_around, fold, pages_about
from checks.portal.observation import Page, PortalObservation
from checks.result import Reason, Result

INTRO: tuple[Topic, ...] = (
    ("Cơ cấu tổ chức", ("co cau to chuc", "so do to chuc", "to chuc bo may")),
    ("Chức năng, nhiệm vụ, quyền hạn", ("chuc nang nhiem vu", "chuc nang, nhiem vu", "chuc nang")),
    ("Lãnh đạo và tiểu sử", ("lanh dao", "tieu su")),
)
PROVINCE_INTRO: tuple[Topic, ...] = (
    ("Bản đồ địa giới hành chính", ("ban do hanh chinh", "ban do", "dia gioi hanh chinh")),
    ("Điều kiện tự nhiên", ("dieu kien tu nhien", "dia ly tu nhien", "vi tri dia ly")),
    ("Lịch sử, văn hóa", ("lich su", "van hoa", "di tich")),
)


@REGISTRY.check("P-A10A-INTRO", rule="NĐ 43/2011 Điều 10.1.a", points=6)
def introduction(portal: PortalObservation, max_points: float) -> Result:
    """The portal introduces the body: organisation, functions, leaders (provinces: also map, nature, history)."""
    return topics_result(portal, max_points, INTRO + (PROVINCE_INTRO if portal.group == "tinh" else ()))


@REGISTRY.check("P-A10B-NEWS", rule="NĐ 43/2011 Điều 10.1.b", points=4)
def news(portal: PortalObservation, max_points: float) -> Result:
    """A news and events section about the body's work."""
    return topics_result(portal, max_points, (("Tin tức, sự kiện", ("tin tuc", "su kien", "tin hoat dong")),))


@REGISTRY.check("P-A10C-DIRECTION", rule="NĐ 43/2011 Điều 10.1.c", points=5)
def direction(portal: PortalObservation, max_points: float) -> Result:
    """Direction and administration: directive documents, answers to petitions, leaders' schedule."""
    return topics_result(portal, max_points, (
        ("Chỉ đạo, điều hành", ("chi dao dieu hanh", "chi dao, dieu hanh", "van ban chi dao")),
        ("Trả lời kiến nghị", ("tra loi kien nghi", "kien nghi", "phan anh kien nghi", "tra loi cong dan")),
        ("Lịch công tác của lãnh đạo", ("lich cong tac", "lich lam viec")),
    ))


@REGISTRY.check("P-A10D-LAW", rule="NĐ 43/2011 Điều 10.1.d", points=4)
def law_dissemination(portal: PortalObservation, max_points: float) -> Result:
    """Dissemination of and guidance on law, regimes and policies."""
    return topics_result(portal, max_points, (("Phổ biến, hướng dẫn pháp luật", (
        "pho bien phap luat", "pho bien giao duc phap luat", "tuyen truyen", "pho bien", "huong dan thuc hien")),))


@REGISTRY.check("P-A10DD-STRATEGY", rule="NĐ 43/2011 Điều 10.1.đ", points=4)
def strategy(portal: PortalObservation, max_points: float) -> Result:
    """Strategies, orientations, master plans and development plans."""
    return topics_result(portal, max_points, (
        ("Chiến lược, quy hoạch", ("chien luoc", "quy hoach", "dinh huong")),
        ("Kế hoạch phát triển", ("ke hoach",)),
    ))


DOCUMENT_FIELDS = (("số/ký hiệu", ("so ky hieu", "so/ky hieu", "so hieu", "ky hieu")),
                   ("ngày ban hành", ("ngay ban hanh",)),
                   ("trích yếu", ("trich yeu",)))
DOWNLOAD = re.compile(r"\.(pdf|docx?|xlsx?|zip|rar)(\?|$)|tai-?ve|download", re.IGNORECASE)


@REGISTRY.check("P-A10E-DOCUMENTS", rule="NĐ 43/2011 Điều 10.1.e", points=6)
def documents(portal: PortalObservation, max_points: float) -> Result:
    """Legal and administrative documents with their details, a download and a document search."""
    pages = pages_about(portal, ("van ban", "van ban phap luat", "van ban quy pham", "he thong van ban"))
    if not pages:
        return topics_result(portal, max_points, (("Hệ thống văn bản", ("van ban",)),))

    def fields(page: Page) -> int:
        return sum(any(w in fold(page.text) for w in words) for _, words in DOCUMENT_FIELDS)

    page = max(pages, key=fields)
    text = fold(page.text)
    reasons = [Reason(f"Mục văn bản: “{page.title}”", url=page.url, evidence=page.evidence(page.title))]
    got = 1
    for label, words in DOCUMENT_FIELDS:
        ok = any(w in text for w in words)
        got += ok
        reasons.append(Reason(f"Thuộc tính {label}: {'có' if ok else 'không thấy'}", url=page.url))
    download = next((link for p in pages for link in p.links
                     if DOWNLOAD.search(link.url) or "tai ve" in fold(link.text)), None)
    got += download is not None
    reasons.append(Reason("Tệp văn bản tải về: " + ("có" if download else "không thấy"),
                          url=download.url if download else page.url))
    # The site-wide search box sits on every page; a document search is a form of its own.
    site_wide = {f.action for f in portal.home.forms} if portal.home else set()
    search = any(f.action not in site_wide for p in pages for f in p.forms)
    got += search
    reasons.append(Reason("Công cụ tìm kiếm văn bản: " + ("có" if search else "không thấy"), url=page.url))
    return share(max_points, got, 2 + len(DOCUMENT_FIELDS) + 1, reasons)


@REGISTRY.check("P-A10G-GAZETTE", rule="NĐ 43/2011 Điều 10.1.g", points=3, groups=("tinh",))
def gazette(portal: PortalObservation, max_points: float) -> Result:
    """The official electronic gazette (Government and provincial portals only)."""
    return topics_result(portal, max_points, (("Công báo điện tử", ("cong bao",)),))


@REGISTRY.check("P-A10H-PROJECTS", rule="NĐ 43/2011 Điều 10.1.h", points=4)
def projects(portal: PortalObservation, max_points: float) -> Result:
    """Investment projects, bidding and public procurement."""
    return topics_result(portal, max_points, (
        ("Dự án, hạng mục đầu tư", ("du an", "thong tin du an", "dau tu")),
        ("Đấu thầu, mua sắm công", ("dau thau", "mua sam cong")),
    ))


@REGISTRY.check("P-A10I-CONSULT", rule="NĐ 43/2011 Điều 10.1.i", points=4)
def consultation(portal: PortalObservation, max_points: float) -> Result:
    """Public consultation on drafts of legal documents and policies."""
    return topics_result(portal, max_points, (("Lấy ý kiến dự thảo", (
        "lay y kien", "du thao", "gop y du thao", "xin y kien")),))


def _contacts(page_text: str) -> tuple[str | None, str | None]:
    email = EMAIL.search(page_text)
    phone = PHONE.search(page_text)
    return (email.group(0) if email else None, phone.group(0) if phone else None)


@REGISTRY.check("P-A10K-OFFICIALS", rule="NĐ 43/2011 Điều 10.1.k", points=3)
def officials(portal: PortalObservation, max_points: float) -> Result:
    """Contacts of competent officials: name, position, unit, phone, official e-mail."""
    pages = pages_about(portal, ("danh ba", "danh ba dien thoai", "thong tin lien he can bo", "danh ba can bo"))
    if not pages:
        return topics_result(portal, max_points, (("Danh bạ cán bộ", ("danh ba",)),))
    page = pages[0]
    email, phone = _contacts(page.text)
    reasons = [Reason(f"Danh bạ: “{page.title}”", url=page.url, evidence=page.evidence(email or phone or page.title)),
               Reason(f"Thư điện tử công vụ: {email or 'không thấy'}", url=page.url),
               Reason(f"Số điện thoại: {phone or 'không thấy'}", url=page.url)]
    return share(max_points, 1 + bool(email) + bool(phone), 3, reasons)


@REGISTRY.check("P-A10L-CONTACT", rule="NĐ 43/2011 Điều 10.1.l", points=3)
def portal_contact(portal: PortalObservation, max_points: float) -> Result:
    """The portal's own contact details: address, phone, e-mail."""
    home = portal.home
    pages = ([home] if home else []) + pages_about(portal, ("lien he",))
    text = " \n ".join(f"{p.footer_text} {p.text}" for p in pages)
    address = excerpt_around(text, r"(Địa chỉ|Dia chi|Trụ sở)\s*:?", 50)
    email, phone = _contacts(text)
    url = pages[0].url if pages else portal.home_url
    reasons = [Reason(f"Địa chỉ: {'có' if address else 'không thấy'}", url=url, evidence={"excerpt": address} if address else {}),
               Reason(f"Điện thoại: {phone or 'không thấy'}", url=url),
               Reason(f"Thư điện tử: {email or 'không thấy'}", url=url)]
    return share(max_points, bool(address) + bool(phone) + bool(email), 3, reasons)
