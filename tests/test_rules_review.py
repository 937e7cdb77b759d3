"""R1/R2 as written, by hand: a criterion whose two scores differ beyond the threshold has no final
score until it is checked again or the appraiser scores it; B must be independent, and a second
kiemtra crawl serves as B only when `review.crawl_as_b` says so; the status names which B it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from configuration.loader import load_all as load_config
from evidence import agencies
from evidence import portal as portal_store
from evidence.store import Store
from office.review import statuses
from office.scoring import portal_figure
from tests.scoring_helpers import config_dir  # noqa: F401  (config_dir is a fixture)

pytestmark = pytest.mark.usefixtures("store_dialect")   # every test on SQLite and on PostgreSQL


def score(store: Store, criterion: str, role: str, value: float, max_points: float, source: str) -> None:
    portal_store.record_score(store, agency_id="bac-ninh", criterion_id=criterion, role=role, inspector=role.lower(),
                              score=value, max_points=max_points, outcome="scored", source=source)


def test_a_disagreement_has_no_final_score_until_checked_again_or_appraised(config_dir: Path):
    config = load_config(config_dir)
    criterion = next(c for c in config.criteria if c.points.get("tinh", 0) >= 4)
    points = criterion.points["tinh"]
    with Store(config.settings.data) as store:
        agencies.sync(store, config.agency_rows())
        # threshold 0.25 × points: A = points, B = points/2 differ by points/2 > points/4 → sent back.
        score(store, criterion.id, "A", points, points, "crawl")
        score(store, criterion.id, "B", points / 2, points, "import:b.csv")
        (status,) = [s for s in statuses(store, config, "bac-ninh") if s.scores.criterion_id == criterion.id]
        assert status.rescore and status.final is None and status.mean == 0.75 * points
        assert "cần chấm lại" in status.flags and "B: cán bộ độc lập (nhập điểm)" in status.flags
        figure = portal_figure(store, config, config.agency("bac-ninh"))
        assert criterion.id in figure.source and figure.value == 0       # not the mean: nothing final yet
        # Checked again: B now gives points × 0.8 → differ by 0.2 × points ≤ 0.25 × points → the mean stands.
        score(store, criterion.id, "B", 0.8 * points, points, "import:b2.csv")
        (status,) = [s for s in statuses(store, config, "bac-ninh") if s.scores.criterion_id == criterion.id]
        assert not status.rescore and status.final == 0.9 * points
        # Disagreeing again, the appraiser's score stands.
        score(store, criterion.id, "B", 0, points, "import:b3.csv")
        portal_store.appraise(store, agency_id="bac-ninh", criterion_id=criterion.id, appraiser="tham-dinh",
                              score=1, reason="xem lại trên cổng")
        (status,) = [s for s in statuses(store, config, "bac-ninh") if s.scores.criterion_id == criterion.id]
        assert status.rescore and status.final == 1 and "kiểm tra lại" in status.flags


def test_a_second_crawl_is_inspector_b_only_when_the_settings_say_so(config_dir: Path):
    config = load_config(config_dir)
    criterion = next(c for c in config.criteria if "tinh" in c.points)
    points = criterion.points["tinh"]
    with Store(config.settings.data) as store:
        agencies.sync(store, config.agency_rows())
        score(store, criterion.id, "A", points, points, "crawl")
        score(store, criterion.id, "B", points, points, "crawl")
        (refused,) = [s for s in statuses(store, config, "bac-ninh") if s.scores.criterion_id == criterion.id]
        allowed_config = load_config(config_dir, {"review": {"crawl_as_b": True}})
        (allowed,) = [s for s in statuses(store, allowed_config, "bac-ninh") if s.scores.criterion_id == criterion.id]
    assert refused.missing == ("B",) and refused.final is None
    assert any("không dùng làm B" in f for f in refused.flags)
    assert allowed.final == points and "B: lần thu thập thứ hai của kiemtra (khác thời điểm, khung nhìn)" in allowed.flags
