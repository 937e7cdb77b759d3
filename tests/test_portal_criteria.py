"""Every portal criterion on its pass and fail fixtures (tests/fixtures/portal/good and bad), and
the outcomes that keep the bot's own failure apart from the site's."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from checks.portal import REGISTRY, Criterion, PortalObservation, evaluate
from checks.portal.observation import BrowserObservation, Fetched
from configuration.criteria import load_criteria
from crawler.spiders.extract import extract_page

FIXTURES = Path(__file__).parent / "fixtures" / "portal"
OBSERVED = "2026-11-26T08:00:00+00:00"


def observe(folder: str, group: str = "bo", skip: tuple[str, ...] = ()) -> PortalObservation:
    pages = []
    for path in sorted((FIXTURES / folder).glob("*.html")):
        if path.stem in skip:
            continue
        url = "https://portal.test/" + path.name
        pages.append(extract_page(path.read_bytes(), url, 200, 0 if path.stem == "index" else 1))
    return PortalObservation("demo", group, "Bộ Tư pháp", "https://portal.test/index.html", OBSERVED, tuple(pages))


@pytest.fixture(scope="module")
def good() -> PortalObservation:
    return replace(observe("good", skip=("cong-bao",)), https_ok=True,
                   sitemap=Fetched("https://portal.test/sitemap.xml", 200, "application/xml", "<urlset>", 23),
                   browser=BrowserObservation(mobile_scroll_width=375, mobile_viewport_meta=True,
                                              search_query="Hội nghị tổng kết", search_results=3,
                                              search_found_expected=True, search_url="https://portal.test/tim-kiem"))


@pytest.fixture(scope="module")
def bad() -> PortalObservation:
    return replace(observe("bad"), home_url="http://portal.test/index.html", https_ok=False,
                   sitemap=Fetched("http://portal.test/sitemap.xml", 404),
                   browser=BrowserObservation(mobile_scroll_width=980, mobile_viewport_meta=False,
                                              search_query="Khai trương cổng", search_results=0))


def run(check_id: str, portal: PortalObservation):
    spec = REGISTRY.get(check_id)
    return spec.run(portal, max_points=spec.points)


AUTOMATED = [spec.id for spec in REGISTRY if spec.id != "P-A10G-GAZETTE"]


@pytest.mark.parametrize("check_id", AUTOMATED)
def test_pass_fixture_earns_full_points(check_id, good):
    result = run(check_id, good)
    assert result.outcome == "pass", [r.text for r in result.reasons]
    assert result.points == result.max_points > 0
    assert all(r.url for r in result.reasons)


@pytest.mark.parametrize("check_id", AUTOMATED)
def test_fail_fixture_fails(check_id, bad):
    result = run(check_id, bad)
    assert result.outcome == "fail", [r.text for r in result.reasons]
    assert result.points == 0


def test_gazette_pass_and_fail():
    assert run("P-A10G-GAZETTE", observe("good", group="tinh")).outcome == "pass"
    assert run("P-A10G-GAZETTE", observe("good", group="tinh", skip=("cong-bao",))).outcome == "fail"


def test_partial_sections_earn_points_in_proportion(good):
    without_leaders = replace(good, pages=tuple(p for p in good.pages if "lanh-dao" not in p.url and "gioi-thieu" not in p.url))
    result = run("P-A10A-INTRO", without_leaders)
    assert result.outcome == "pass" and result.points == pytest.approx(6 * 2 / 3, abs=0.01)


def test_link_not_crawled_needs_a_person(good):
    result = run("P-A10I-CONSULT", replace(good, pages=tuple(p for p in good.pages if "lay-y-kien" not in p.url)))
    assert result.outcome == "needs_review"


def test_server_error_is_not_held_against_the_agency(good):
    pages = tuple(replace(p, status=503) if "lay-y-kien" in p.url else p for p in good.pages)
    assert run("P-A10I-CONSULT", replace(good, pages=pages)).outcome == "could_not_verify"


def test_browser_failures_are_the_bots(good):
    broken = replace(good, browser=BrowserObservation(error="timeout: hết thời gian", search_error="không thấy ô tìm kiếm"))
    assert run("P-T17-MOBILE", broken).outcome == "could_not_verify"
    assert run("P-A15-SEARCH", broken).outcome == "could_not_verify"
    assert run("P-T20-HTTPS", replace(good, home_url="http://portal.test/", https_ok=None)).outcome == "could_not_verify"


def test_vietnamese_in_decomposed_form_is_recognized(good):
    import unicodedata

    pages = tuple(replace(p, title=unicodedata.normalize("NFD", p.title),
                          headings=tuple(unicodedata.normalize("NFD", h) for h in p.headings)) for p in good.pages)
    assert run("P-A10K-OFFICIALS", replace(good, pages=pages)).outcome == "pass"


def test_evaluate_applies_groups_manual_and_crawl_failure(good):
    criteria = load_criteria()
    by_id = {r.criterion_id: r.result for r in evaluate(replace(good, group="cqtcp"), criteria)}
    assert by_id["c3-english"].outcome == "not_applicable" and by_id["c3-gazette"].outcome == "not_applicable"
    assert by_id["c3-access"].outcome == "needs_review"
    full = sum(r.points for r in by_id.values())
    assert 0 < full <= 100
    failed_crawl = evaluate(replace(good, error="ConnectionRefusedError"), [c for c in criteria if "bo" in c.points])
    assert {r.result.outcome for r in failed_crawl} == {"could_not_verify"}


def test_observation_round_trips_through_json(good):
    import json

    again = PortalObservation.from_dict(json.loads(json.dumps(good.as_dict())))
    assert again == good


def test_every_check_is_documented_and_referenced():
    for spec in REGISTRY:
        assert spec.summary and spec.rule.startswith(("NĐ", "TT")), spec.id
        assert spec.function.__module__.startswith("checks.portal.")
