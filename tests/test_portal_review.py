"""R1/R2 arithmetic, the criteria table's validation, the store's audit trail and the import."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.review import Scores, differs, final_score, mean, review, spot_sample, totals
from configuration.criteria import load_criteria
from evidence import portal as portal_store
from evidence.store import Store
from kiemtra.errors import ConfigInvalid


def test_mean_and_threshold():
    assert mean(4, 3) == 3.5 and mean(4, None) is None
    assert differs(6, 4, max_points=6, threshold=0.25)          # 2 > 1.5
    assert not differs(6, 5, max_points=6, threshold=0.25)      # 1 ≤ 1.5
    assert final_score(Scores("x", "c", 6, a=6, b=4)) == 5
    assert final_score(Scores("x", "c", 6, a=6, b=4, appraiser=2)) == 2


def test_sample_is_reproducible_from_its_seed_and_order_free():
    keys = [("bn", f"c{i}") for i in range(20)]
    first = spot_sample(keys, 0.2, seed=42)
    assert len(first) == 4
    assert spot_sample(list(reversed(keys)), 0.2, seed=42) == first
    assert any(spot_sample(keys, 0.2, seed=s) != first for s in range(1, 6))
    assert spot_sample(keys, 0, seed=42) == frozenset()


def test_review_flags_disagreements_and_samples_only_the_rest():
    rows = [Scores("bn", "c1", 4, a=4, b=0), Scores("bn", "c2", 4, a=4, b=4), Scores("bn", "c3", 2, a=2, b=None)]
    out = {s.scores.criterion_id: s for s in review(rows, threshold=0.25, fraction=1.0, seed=7)}
    assert out["c1"].rescore and not out["c1"].spot_check
    assert out["c2"].spot_check and not out["c2"].rescore
    assert out["c3"].missing == ("B",) and out["c3"].final is None
    assert out["c1"].final is None and "cần chấm lại" in out["c1"].flags     # R2: no mean of a disagreement
    assert totals(out.values()) == {"bn": 4.0}


def test_shipped_table_sums_to_100_per_group():
    criteria = load_criteria()
    for group in ("bo", "cqtcp", "tinh"):
        assert sum(c.points.get(group, 0) for c in criteria) == 100
    assert {c.check for c in criteria} - {"manual"} == {s.id for s in __import__("checks.portal").portal.REGISTRY}


def test_bad_table_errors_name_file_line_field_and_fix(tmp_path):
    folder = tmp_path / "criteria"
    folder.mkdir()
    (folder / "portal.yaml").write_text(
        "criteria:\n"
        "  - {id: c3-x, name: X, rule: R, groups: [bo, cqtcp, tinh], points: 100, check: P-NOPE}\n"
        "  - {id: c3-y, name: Y, rule: R, groups: [bo], points: {tinh: 1}, check: manual}\n", encoding="utf-8")
    with pytest.raises(ConfigInvalid) as caught:
        load_criteria(tmp_path)
    text = [str(p) for p in caught.value.problems]
    assert any("portal.yaml:2: criteria[0].check" in t and "P-NOPE" in t and "—" in t for t in text)
    assert any("portal.yaml:3: criteria[1].points" in t for t in text)
    assert any("tổng điểm nhóm" in t for t in text)


def test_every_change_is_kept(tmp_path):
    with Store(tmp_path) as store:
        kwargs = dict(agency_id="bn", criterion_id="c3-news", role="B", max_points=4, outcome="scored", source="import")
        assert portal_store.record_score(store, inspector="an", score=4, **kwargs)
        assert not portal_store.record_score(store, inspector="an", score=4, **kwargs)
        assert portal_store.record_score(store, inspector="an", score=2, why="chấm lại", **kwargs)
        portal_store.appraise(store, agency_id="bn", criterion_id="c3-news", appraiser="td", score=3, reason="kiểm tra lại")
        with pytest.raises(ValueError):
            portal_store.appraise(store, agency_id="bn", criterion_id="c3-news", appraiser="td", score=1, reason=" ")
        log = list(portal_store.history(store, "bn", "c3-news"))
        assert [(r["what"], r["who"], r["why"]) for r in log] == [
            ("score:B", "an", "import"), ("score:B", "an", "chấm lại"), ("appraisal", "td", "kiểm tra lại")]
        assert '"score": 4' in log[1]["old"] and log[2]["new"] == "3" and all(r["at"] for r in log)
        seed = portal_store.review_seed(store, "bn", threshold=0.25, fraction=0.2, who="td")
        assert portal_store.review_seed(store, "bn", threshold=0.5, fraction=0.9, who="x")["seed"] == seed["seed"]


def test_import_reads_xlsx_and_rejects_bad_rows(tmp_path):
    from openpyxl import Workbook

    from configuration.loader import load_all as load_config
    from office.review import read_scores
    from tests.test_config import GOOD_AGENCY, make_config

    config = load_config(make_config(tmp_path, {"bac-ninh": GOOD_AGENCY}))
    book = Workbook()
    sheet = book.active
    for row in (["co_quan", "tieu_chi", "diem", "ghi_chu"], ["bac-ninh", "c3-news", "3,5", "thiếu tin"],
                ["bac-ninh", "c3-gazette", 3, ""]):
        sheet.append(row)
    book.save(tmp_path / "b.xlsx")
    scores = read_scores(tmp_path / "b.xlsx", config)
    assert [(s.criterion_id, s.score, s.max_points) for s in scores] == [("c3-news", 3.5, 4), ("c3-gazette", 3, 3)]
    (tmp_path / "bad.csv").write_text("agency_id,criterion_id,score\nbac-ninh,c3-news,9\nxx,c3-news,1\n", encoding="utf-8")
    with pytest.raises(ConfigInvalid) as caught:
        read_scores(tmp_path / "bad.csv", config)
    assert [p.line for p in caught.value.problems] == [2, 3]


def test_checks_import_no_crawler_evidence_or_network():
    import ast

    root = Path(__file__).resolve().parent.parent / "checks"
    for path in [*root.joinpath("portal").glob("*.py"), root / "review.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert not name.startswith(("crawler", "evidence", "playwright", "scrapy", "sqlite_utils", "requests", "httpx")), path
