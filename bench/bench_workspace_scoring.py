"""Benchmark: the workspace's category-3 pages over a whole group, the crawl's judgement kept (0016) against re-judged.

    .venv/bin/python bench/bench_workspace_scoring.py                     # 30 provinces, 60 pages per portal
    .venv/bin/python bench/bench_workspace_scoring.py --agencies 63        # the whole provinces group
    .venv/bin/python bench/bench_workspace_scoring.py --agencies 20 --pages 30 --repeat 3

A temporary config (N agencies of the `tinh` group, the shipped criteria) and store: per agency one portal
observation of synthetic pages kept as the crawl's artifact, the crawl's A scores judged from it by the
real checks, and a person's B scores (some far from A, so the appraiser's page has pairs to put first).
Each page is rendered in-process for a signed-in appraiser, against a baseline of the same run:

- kept: the crawl's judgement of each criterion read from `portal_crawl_results` (migration 0016, written
  by the crawl's own scoring), as `kiemtra serve` does;
- baseline, re-judged: those rows deleted and the app's cache emptied before each render, so every
  agency's observation is read from its artifact and judged again by the checks (the page's fallback
  for crawls scored before 0016 whose role a person took; without the kept table, every first view).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe as machine  # noqa: E402
from checks.portal import evaluate  # noqa: E402
from checks.portal.observation import Link, Page, PortalObservation  # noqa: E402
from configuration.loader import load_all  # noqa: E402
from evidence import agencies as agency_store  # noqa: E402
from evidence import people, runs  # noqa: E402
from evidence import portal as portal_store  # noqa: E402
from evidence.store import Store  # noqa: E402
from evidence.web import create_app  # noqa: E402

TOPICS = ["Giới thiệu", "Tin tức, sự kiện", "Chỉ đạo điều hành", "Văn bản pháp luật", "Chiến lược, quy hoạch",
          "Dự án, mua sắm công", "Lấy ý kiến góp ý", "Danh bạ cán bộ", "Liên hệ", "Dịch vụ công trực tuyến",
          "Công báo", "Hỏi đáp", "English"]


def observation(agency_id: str, name: str, pages: int, rng: random.Random) -> PortalObservation:
    home = f"https://{agency_id}.example.vn/"
    nav = tuple(Link(f"{home}{i}", topic) for i, topic in enumerate(TOPICS))
    made = []
    for i in range(pages):
        words = " ".join(rng.choice(TOPICS) + f" bài {rng.randrange(10_000)} ngày {rng.randrange(1, 28)}/11/2026"
                         for _ in range(80))
        made.append(Page(url=home if i == 0 else f"{home}bai/{i}", status=200, title=f"{name} — trang {i}",
                         depth=0 if i == 0 else 1, headings=(TOPICS[i % len(TOPICS)],), nav_links=nav,
                         links=tuple(Link(f"{home}bai/{j}", f"Bài {j}") for j in range(i, i + 20)),
                         header_text=f"Cổng thông tin điện tử {name}", footer_text="Cơ quan chủ quản; điện thoại; email",
                         text=words, dates=("2026-11-20",)))
    return PortalObservation(agency_id=agency_id, group="tinh", agency_name=name, home_url=home,
                             observed_at="2026-12-01T00:00:00+00:00", pages=tuple(made), https_url=home, https_ok=True)


def build(root: Path, count: int, pages: int) -> tuple[Path, Path]:
    config_dir, data = root / "config", root / "var"
    (config_dir / "agencies").mkdir(parents=True)
    (config_dir / "settings.yaml").write_text(f"data: {data}\n", encoding="utf-8")
    for i in range(count):
        (config_dir / "agencies" / f"tinh-{i}.yaml").write_text(
            f"id: tinh-{i}\nname: UBND tỉnh Số {i}\ngroup: tinh\nportal: https://tinh-{i}.example.vn/\nservices: []\n",
            encoding="utf-8")
    config = load_all(config_dir)
    rng = random.Random(7)
    with Store(data) as store:
        agency_store.sync(store, config.agency_rows())
        for agency in config.agencies:
            seen = observation(agency.id, agency.name, pages, rng)
            run_id = runs.start(store, "portal", agency.id, agency.id, bot_version="bench")
            portal_store.save_observation(store, run_id, agency.id, "A", "kiemtra", seen.as_dict())
            for item in evaluate(seen, config.criteria):
                r = item.result
                if r.outcome == "not_applicable":
                    continue
                score = r.points if r.outcome in ("pass", "fail") else None
                portal_store.record_score(store, agency_id=agency.id, criterion_id=item.criterion_id, role="A",
                                          inspector="kiemtra", score=score, max_points=r.max_points,
                                          outcome=r.outcome, source="crawl", run_id=run_id)
                b = r.max_points if rng.random() < 0.8 else round(rng.uniform(0, r.max_points), 1)
                portal_store.record_score(store, agency_id=agency.id, criterion_id=item.criterion_id, role="B",
                                          inspector="kiem-tra-b", score=b, max_points=r.max_points, outcome="scored",
                                          source="browser", reasons=[{"text": "bench"}])
            runs.finish(store, run_id, outcome="ok", error=None, error_kind=None, http_status=200,
                        final_url=seen.home_url, title=seen.agency_name)
        people.add_user(store, "tham-dinh", "appraiser", "mot-mat-khau-dai")
    return config_dir, data


def render(client: Any, app: Any, path: str, *, rejudge: bool, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        if rejudge:
            app.extensions.pop("kiemtra_crawl_judged", None)   # every observation read and judged again
        t0 = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - t0)
        assert response.status_code == 200, (path, response.status_code)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=30, help="agencies of the tinh group")
    parser.add_argument("--pages", type=int, default=60, help="pages per portal observation")
    parser.add_argument("--repeat", type=int, default=3, help="renders per case")
    args = parser.parse_args(argv)
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        config_dir, data = build(Path(folder), args.agencies, args.pages)
        print(f"stored {args.agencies} agencies × {args.pages} pages (+ A and B scores) in {time.perf_counter() - t0:.1f} s")
        with Store(data) as store:
            appraiser = people.check_password(store, "tham-dinh", "mot-mat-khau-dai")
            assert appraiser is not None
            token, _ = people.open_session(store, appraiser, hours=1)
        pages = {"Thẩm định điểm, whole group": "/tham-dinh-diem?nhom=tinh",
                 "Chấm điểm cổng (index), whole group": "/cham-diem?nhom=tinh",
                 "Chấm điểm tiêu chí, one agency": "/co-quan/tinh-0/cham-diem"}
        app = create_app(data, secure_cookies=False)
        app.extensions["kiemtra_config"] = load_all(config_dir)
        client = app.test_client()
        client.set_cookie("kiemtra_session", token)
        t0 = time.perf_counter()
        assert client.get("/co-quan/tinh-0/cham-diem").status_code == 200
        print(f"first page of a new server (config folder loaded, seeds drawn): {(time.perf_counter() - t0) * 1000:.0f} ms")
        kept = {label: statistics.median(render(client, app, path, rejudge=False, repeat=args.repeat))
                for label, path in pages.items()}
        with Store(data) as store, store.write_lock() as conn:
            conn.execute("delete from portal_crawl_results")
        rejudged = {label: statistics.median(render(client, app, path, rejudge=True, repeat=args.repeat))
                    for label, path in pages.items()}
        print(f"{'page (median of ' + str(args.repeat) + ')':<40}{'kept':>10}{'re-judged':>13}{'ratio':>8}")
        for label in pages:
            print(f"{label:<40}{kept[label] * 1000:>7.0f} ms{rejudged[label] * 1000:>10.0f} ms"
                  f"{rejudged[label] / kept[label]:>7.1f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
