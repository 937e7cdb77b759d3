"""End to end: inspector A crawls the demo world's portals; its verdicts are compared with the
world's answer key (which lives only in tests), and the review commands run over the stored scores."""

from __future__ import annotations

import json

import pytest

from configuration.criteria import load_criteria
from configuration.loader import load_all as load_config
from crawler.portal.look import inspect_portal, score_portal
from evidence import runs
from evidence.store import Store
from kiemtra.cli import run_cli

pytestmark = pytest.mark.e2e

# answer-key feature -> the criterion that must pass exactly when the feature is there
FEATURE_CRITERION = {"english": "c3-english", "dublin_core": "c3-metadata", "dvctt_section": "c3-dvctt",
                     "news_recent": "c3-fresh", "gazette": "c3-gazette", "sitemap_xml": "c3-sitemap"}
# features every portal has -> criteria that must then earn full points
ALWAYS = {"news": "c3-news", "direction": "c3-direction", "law_dissemination": "c3-law", "strategy": "c3-strategy",
          "projects": "c3-projects", "consultation": "c3-consult", "directory": "c3-officials", "contact": "c3-contact",
          "search": "c3-search", "print_save": "c3-print", "feedback": "c3-feedback", "links_other_bodies": "c3-links",
          "viewport": "c3-mobile", "footer_info": "c3-footer", "emblem_header": "c3-header", "documents": "c3-documents"}


@pytest.fixture(scope="module")
def inspected(world, tmp_path_factory):
    from kiemtra.commands.world import write_world_config

    root = write_world_config(world, tmp_path_factory.mktemp("cfg") / "config")
    data = tmp_path_factory.mktemp("var")
    # No politeness delay against our own loopback world: the machine is shared, the test must stay short.
    config = load_config(root, {"data": str(data), "portal": {"download_delay_s": 0, "max_pages": 40}})
    criteria = load_criteria(root)
    results = {}
    with Store(config.settings.data) as store:
        for agency in config.agencies:
            run_id, observation = inspect_portal(agency, config.settings, store)
            results[agency.id] = (observation, {r.criterion_id: r.result for r in
                                                score_portal(store, observation, criteria, role="A",
                                                             inspector="kiemtra", run_id=run_id)})
    return root, data, config, results


def test_every_portal_was_crawled_with_evidence(inspected):
    root, data, config, results = inspected
    for agency_id, (observation, _) in results.items():
        assert observation.error is None, agency_id
        assert len(observation.pages) >= 10
        assert observation.browser is not None and observation.browser.mobile_screenshot_sha256
    with Store(config.settings.data) as store:
        roles = {a["role"] for r in runs.find(store, kind="portal") for a in runs.artifacts(store, r["id"])}
    assert {"portal_page", "portal_observation", "portal_mobile"} <= roles


def test_verdicts_match_the_answer_key(inspected, answer_key):
    _, _, config, results = inspected
    wrong = []
    for agency in config.agencies:
        truth = answer_key["portals"][agency.id]
        _, verdicts = results[agency.id]
        for feature, criterion in FEATURE_CRITERION.items():
            verdict = verdicts[criterion]
            if verdict.outcome == "not_applicable":
                continue
            full = verdict.outcome == "pass" and verdict.points == verdict.max_points
            if full != truth[feature]:
                wrong.append(f"{agency.id} {feature}={truth[feature]} {criterion}: {verdict.outcome} {verdict.points}")
        for feature, criterion in ALWAYS.items():
            verdict = verdicts[criterion]
            if truth.get(feature) and verdict.outcome != "pass":
                wrong.append(f"{agency.id} {feature} {criterion}: {verdict.outcome} "
                             f"{[r.text for r in verdict.reasons][:3]}")
    assert not wrong, "\n".join(wrong)


def test_review_flow_through_the_cli(inspected, tmp_path):
    root, data, config, results = inspected
    agency = "bac-ninh"
    a_scores = {cid: r.points for cid, r in results[agency][1].items() if r.outcome in ("pass", "fail")}
    lines = ["agency_id,criterion_id,score,note"]
    for cid, points in a_scores.items():
        lines.append(f"{agency},{cid},{0 if cid == 'c3-search' else points},")
    scores_file = tmp_path / "b.csv"
    scores_file.write_text("\n".join(lines), encoding="utf-8")
    base = ["--config", str(root), "--data", str(data)]
    assert run_cli(base + ["review", "import", str(scores_file), "--inspector", "can-bo-b"]) == 0
    assert run_cli(base + ["review", "appraise", agency, "c3-search", "4", "--appraiser", "tham-dinh",
                           "--reason", "Tìm kiếm chạy đúng khi thử lại"]) == 0
    from office.review import statuses

    with Store(data) as store:
        rows = {s.scores.criterion_id: s for s in statuses(store, config, agency)}
    search = rows["c3-search"]
    assert search.rescore and search.final == 4
    assert all(not s.rescore for cid, s in rows.items() if cid in a_scores and cid != "c3-search")
    assert run_cli(base + ["review", "status", "--agency", agency, "--json"]) == 0
