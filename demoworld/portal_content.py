"""Generated portal content (articles, documents, officials) for one agency, deterministic per agency."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from demoworld.model import Agency

NEWS_TITLES = [
    "Hội nghị tổng kết công tác năm và triển khai nhiệm vụ trọng tâm",
    "Đẩy mạnh chuyển đổi số trong giải quyết thủ tục hành chính",
    "Triển khai Đề án 06 về phát triển ứng dụng dữ liệu dân cư",
    "Tiếp công dân định kỳ tháng này",
    "Kiểm tra công tác cải cách hành chính tại các đơn vị",
    "Tập huấn sử dụng Cổng dịch vụ công trực tuyến cho cán bộ một cửa",
]
SECTION_TITLES = {
    "chi-dao-dieu-hanh": ("Chỉ đạo điều hành", ["Chỉ thị về tăng cường kỷ luật, kỷ cương hành chính", "Công văn chỉ đạo về phòng, chống thiên tai"]),
    "pho-bien-phap-luat": ("Phổ biến, giáo dục pháp luật", ["Hướng dẫn thực hiện Luật Cư trú", "Tuyên truyền Luật Giao dịch điện tử"]),
    "chien-luoc-quy-hoach": ("Chiến lược, định hướng, quy hoạch, kế hoạch", ["Kế hoạch chuyển đổi số giai đoạn 2021-2025", "Quy hoạch phát triển đến năm 2030, tầm nhìn 2050"]),
    "du-an-dau-thau": ("Dự án, đấu thầu, mua sắm công", ["Dự án nâng cấp hệ thống thông tin giải quyết thủ tục hành chính", "Thông báo mời thầu gói thầu mua sắm thiết bị"]),
}


@dataclass(frozen=True)
class Article:
    slug: str
    section: str
    title: str
    date: dt.date
    summary: str


@dataclass(frozen=True)
class LegalDoc:
    number: str
    kind: str
    issued: dt.date
    summary: str
    file: str


def articles(agency: Agency, recent: bool) -> list[Article]:
    """News dated in the last weeks when `recent`, otherwise years old (a portal nobody updates)."""
    base = dt.date.today() if recent else dt.date(2021, 3, 15)
    out = [Article(f"tin-{i + 1}", "tin-tuc", f"{t} tại {agency.name}", base - dt.timedelta(days=3 * i + 1),
                   f"{agency.name} tổ chức {t.lower()}.") for i, t in enumerate(NEWS_TITLES)]
    for sec, (_, titles) in SECTION_TITLES.items():
        out += [Article(f"{sec}-{i + 1}", sec, t, base - dt.timedelta(days=10 * i + 5), t + ".") for i, t in enumerate(titles)]
    return out


def legal_docs(agency: Agency) -> list[LegalDoc]:
    y = dt.date.today().year
    suffix = "QĐ-UBND" if agency.group == "tinh" else ("QĐ-BTP" if agency.id == "bo-tp" else "QĐ-BHXH")
    return [LegalDoc(f"{120 + i * 17}/{y}/{suffix}", kind, dt.date(y, 1, 10) + dt.timedelta(days=11 * i), summary, f"van-ban-{i + 1}.pdf")
            for i, (kind, summary) in enumerate([
                ("Quyết định", "Công bố danh mục thủ tục hành chính được chuẩn hóa"),
                ("Quyết định", "Ban hành Quy chế hoạt động của Cổng thông tin điện tử"),
                ("Kế hoạch", "Kế hoạch cải cách hành chính năm " + str(y)),
                ("Chỉ thị", "Tăng cường cung cấp dịch vụ công trực tuyến toàn trình")])]


def officials(agency: Agency) -> list[tuple[str, str, str, str]]:
    """(name, position, phone, email) of the leaders and contact officials."""
    dom = agency.email.split("@")[1]
    return [("Nguyễn Văn An", "Chủ tịch" if agency.group == "tinh" else "Bộ trưởng" if agency.group == "bo" else "Tổng Giám đốc", "024 3823 0001", "nvan@" + dom),
            ("Lê Thị Bình", "Phó Chủ tịch" if agency.group == "tinh" else "Thứ trưởng" if agency.group == "bo" else "Phó Tổng Giám đốc", "024 3823 0002", "ltbinh@" + dom),
            ("Phạm Quốc Cường", "Chánh Văn phòng", "024 3823 0003", "pqcuong@" + dom)]
