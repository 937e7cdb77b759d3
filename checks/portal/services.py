"""Circular 32/2017 Art.6 and 11, Decree 43/2011 Art.17: the DVCTT section, three clicks, freshness."""

from __future__ import annotations

from datetime import date, datetime

from checks.portal.base import REGISTRY, topics_result
from checks.portal.find import has_any, pages_about
from checks.portal.observation import PortalObservation
from checks.result import Reason, Result, failed, needs_review, passed

SECTION = ("dich vu cong truc tuyen", "dich vu cong", "dvctt", "thu tuc hanh chinh")
LEVELS = ("muc do 3", "muc do 4", "muc do 2", "muc 3", "muc 4", "toan trinh", "mot phan")
SUBMIT = ("nop ho so", "nop truc tuyen", "thuc hien", "dang ky truc tuyen", "nop ho so truc tuyen", "dang ky")
MAX_CLICKS = 3
# Decree 43 Art.17 wants news "regularly"; the department reads that as a new item within a month,
# and one untouched for a quarter as stale. Between the two a person looks.
FRESH_DAYS, STALE_DAYS = 30, 90


@REGISTRY.check("P-T06-DVCTT", rule="TT 32/2017/TT-BTTTT Điều 6; NĐ 43/2011 Điều 19", points=5, groups=("bo", "tinh"))
def dvctt_section(portal: PortalObservation, max_points: float) -> Result:
    """A "Dịch vụ công trực tuyến" section listing the services with each one's level."""
    pages = pages_about(portal, SECTION)
    if not pages:
        return topics_result(portal, max_points, (("Mục Dịch vụ công trực tuyến", SECTION),))
    listed = [p for p in pages if has_any(p.text, LEVELS)]
    if listed:
        page = listed[0]
        return passed(Reason(f"Mục DVCTT “{page.title}” liệt kê dịch vụ kèm mức độ", url=page.url,
                             evidence=page.evidence(has_any(page.text, LEVELS) or "")))
    page = pages[0]
    return passed(Reason(f"Có mục DVCTT “{page.title}” nhưng không ghi mức độ của dịch vụ", url=page.url,
                         evidence=page.evidence(page.title)), points=max_points / 2)


@REGISTRY.check("P-T11-3CLICKS", rule="TT 32/2017/TT-BTTTT Điều 11.2", points=3, groups=("bo", "tinh"))
def three_clicks(portal: PortalObservation, max_points: float) -> Result:
    """An online service can be reached within three clicks from the home page."""
    best: tuple[int, str, str] | None = None
    for page in portal.pages:
        if page.status >= 400:
            continue
        for link in (*page.nav_links, *page.links):
            if has_any(link.text, SUBMIT) and (best is None or page.depth + 1 < best[0]):
                best = (page.depth + 1, link.url, page.url)
    if best is None:
        return failed(Reason("Không thấy liên kết nộp hồ sơ trực tuyến nào trong phạm vi đã thu thập", url=portal.home_url))
    clicks, target, on = best
    reason = Reason(f"Liên kết thực hiện dịch vụ cách trang chủ {clicks} lần nhấp", url=target, evidence={"excerpt": on})
    return passed(reason) if clicks <= MAX_CLICKS else failed(reason)


def _age_days(newest: str, observed_at: str) -> int:
    seen = datetime.fromisoformat(observed_at.replace("Z", "+00:00")).date()
    return (seen - date.fromisoformat(newest)).days


@REGISTRY.check("P-A17-FRESH", rule="NĐ 43/2011 Điều 17", points=3)
def freshness(portal: PortalObservation, max_points: float) -> Result:
    """News and documents are updated regularly, judged by the newest date shown."""
    pages = pages_about(portal, ("tin tuc", "su kien", "van ban", "thong bao")) or [p for p in portal.pages if p.status < 400]
    dated = [(d, p) for p in pages for d in p.dates if d <= portal.observed_at[:10]]
    if not dated:
        return needs_review(Reason("Không thấy ngày đăng trên các trang tin, văn bản", url=portal.home_url))
    newest, page = max(dated, key=lambda item: item[0])
    age = _age_days(newest, portal.observed_at)
    reason = Reason(f"Tin/văn bản mới nhất ngày {newest}, cách ngày kiểm tra {age} ngày", url=page.url,
                    evidence=page.evidence(newest))
    if age <= FRESH_DAYS:
        return passed(reason)
    if age <= STALE_DAYS:
        return needs_review(reason)
    return failed(reason)
