"""The demo world's filled survey forms: they import through the real form path and agree with its services."""

from __future__ import annotations

from pathlib import Path

from configuration.loader import load_all as load_config
from demoworld.model import load_survey_figures, load_world_data
from evidence import surveys
from evidence.store import Store
from kiemtra.commands.world import DEMO_RETRY, DEMO_REVIEW, load_world_surveys
from tests.scoring_helpers import REPO, config_dir  # noqa: F401  (config_dir is a fixture)


def test_every_demo_agency_has_a_form_that_imports_and_agrees_with_its_declared_services(config_dir: Path, tmp_path):
    config = load_config(config_dir)
    written = load_world_surveys(config, 2025, tmp_path / "phieu")
    world = load_world_data()
    assert len(written) == len(world.agencies)
    with Store(config.settings.data) as store:
        stored = surveys.survey_figures(store, 2025)
    for agency in world.agencies:
        figures = {k: v["value"] for k, v in stored[agency.id].items()}
        assert None not in figures.values(), agency.id        # a complete form: no criterion zeroed for a blank
        if agency.group == "cqtcp":
            assert "c4_tong_tthc" not in figures               # form 2A has no category 4
            continue
        codes = {c for s in world.services if s.agency == agency.id for c in s.codes}
        assert figures["c4_tong_tthc"] >= len(codes), agency.id   # at least the procedures it offers online
        assert figures["c4_ho_so_truc_tuyen"] <= figures["c4_tong_ho_so"]


def test_the_demo_retry_delay_is_the_demos_own_and_production_keeps_hours():
    production = load_config(REPO / "config").settings.retry
    assert production.min_delay_minutes >= 60 and production.other_window_hours >= 4
    assert not load_config(REPO / "config").settings.review.crawl_as_b and DEMO_REVIEW == {"crawl_as_b": True}
    assert DEMO_RETRY["other_window_hours"] * 3600 < 60 and set(DEMO_RETRY) <= set(type(production).model_fields)
    assert set(load_survey_figures()) == {a.id for a in load_world_data().agencies}
