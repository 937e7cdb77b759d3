"""The real pages in ../shared/real/html against the features SOURCES.md lists (skipped when absent)."""

from __future__ import annotations

import pytest

from checks.portal import REGISTRY, PortalObservation
from crawler.spiders.extract import extract_page

BASE = "https://sotttt.hanoi.gov.vn/"


@pytest.fixture()
def hanoi(real_dir) -> PortalObservation:
    folder = real_dir / "html" / "sotttt_hanoi_2022"
    if not folder.is_dir():
        pytest.skip("sotttt_hanoi_2022 is absent")
    pages = tuple(extract_page(p.read_bytes(), BASE + p.name, 200, 0 if p.stem == "index" else 1)
                  for p in sorted(folder.glob("*.html")))
    return PortalObservation("sotttt-hanoi", "tinh", "Sở Thông tin và Truyền thông", BASE + "index.html",
                             "2022-08-27T10:00:00+00:00", pages)


def run(check_id, portal):
    spec = REGISTRY.get(check_id)
    return spec.run(portal, max_points=spec.points)


def test_home_page_features(hanoi):
    home = hanoi.home
    nav = [l.text for l in home.nav_links]
    for item in ("Trang chủ", "Giới thiệu", "Cơ cấu tổ chức", "Lãnh đạo Sở", "Hỏi đáp", "Liên hệ", "Sơ đồ cổng"):
        assert item in nav
    assert any(f.action.startswith(BASE + "tim-kiem") for f in home.forms)
    assert home.alternates.get("en-US", "").endswith("en.html")


def test_menu_lacks_the_dvctt_item(hanoi):
    result = run("P-T16-MENU", hanoi)
    assert result.outcome == "pass" and result.points == pytest.approx(3 * 3 / 4)
    assert any("Dịch vụ công trực tuyến" in r.text and "không thấy" in r.text for r in result.reasons)


@pytest.mark.parametrize("check_id", ["P-A10C-DIRECTION", "P-A10I-CONSULT", "P-A10K-OFFICIALS", "P-A15-FEEDBACK",
                                      "P-A10DD-STRATEGY", "P-T16-SITEMAP"])
def test_sections_listed_in_sources_are_found(hanoi, check_id):
    result = run(check_id, hanoi)
    assert result.outcome in ("pass", "needs_review") and (result.points > 0 or result.outcome == "needs_review"), \
        [r.text for r in result.reasons]


def test_intro_pages_are_seen(hanoi):
    result = run("P-A10A-INTRO", hanoi)
    assert any("Cơ cấu tổ chức: có" in r.text for r in result.reasons)
    assert any("Lãnh đạo" in r.text and ": có" in r.text for r in result.reasons)


def test_bac_ninh_dvc_pages(real_dir):
    folder = real_dir / "html" / "dvc_bacninh_2019"
    if not folder.is_dir():
        pytest.skip("dvc_bacninh_2019 is absent")
    upload = extract_page((folder / "ThanhPhanHoSoView.jsp.html").read_bytes(), "https://dvc.bacninh.gov.vn/hs", 200, 1)
    assert any(t == "file" for f in upload.forms for _, t in f.inputs) or "type=\"file\"" in \
        (folder / "ThanhPhanHoSoView.jsp.html").read_text(encoding="utf-8", errors="replace")
    assert "Nộp hồ sơ" in upload.text + " ".join(f.text for f in upload.forms)
    tracking = extract_page((folder / "QuanLyHoSoView.jsp.html").read_bytes(), "https://dvc.bacninh.gov.vn/ql", 200, 1)
    assert "QUẢN LÝ HỒ SƠ" in tracking.text
