"""Hostile and broken pages end a check with a classified failure in time, never a hang or a crash."""

from __future__ import annotations

import asyncio
import time

import pytest

from configuration.loader import AgencyConfig, ServiceConfig
from configuration.settings import Settings
from crawler.browser.launch import chromium
from crawler.visits.service import check_service
from evidence import agencies, runs
from evidence.store import Store

pytestmark = pytest.mark.e2e

NAVIGATION_S = 4.0


def check_all(urls: dict[str, str], data) -> dict[str, tuple]:
    settings = Settings(data=data, timeouts={"navigation_s": NAVIGATION_S, "step_s": 4, "check_s": 60},
                        capture={"video": False, "trace": False})
    agency = AgencyConfig(id="thu-nghiem", name="Cơ quan thử nghiệm", group="tinh", portal="http://127.0.0.1:1/")

    async def run() -> dict[str, tuple]:
        out = {}
        async with chromium(settings) as browser:
            with Store(data) as store:
                agencies.sync(store, [{**agency.model_dump(), "services": []}])
                for name, url in urls.items():
                    service = ServiceConfig(id=f"thu-nghiem-{name.replace('_', '-')}", name="Thủ tục thử nghiệm",
                                            url=url, declared_level=3)
                    t0 = time.monotonic()
                    done = await asyncio.wait_for(check_service(browser, agency, service, store, settings), 90)
                    out[name] = (done.verdict, time.monotonic() - t0, runs.steps(store, done.run_id))
        return out

    return asyncio.run(run())


@pytest.fixture(scope="module")
def hostile(answer_key, tmp_path_factory):
    return check_all(answer_key["hostile"], tmp_path_factory.mktemp("hostile"))


def open_step(result) -> dict:
    import json

    row = result[2][0]
    return {**row, "detail": json.loads(row["detail"])}


def test_each_hostile_page_ends_within_its_time_out(hostile):
    for name, (verdict, seconds, steps) in hostile.items():
        assert seconds < 45, (name, seconds)
        assert steps and steps[0]["name"] == "open", name


def test_redirect_loop_is_classified(hostile):
    verdict, _, _ = hostile["redirect_loop"]
    assert verdict.outcome == "could_not_verify"
    assert open_step(hostile["redirect_loop"])["detail"]["error_kind"] == "redirect_loop"


def test_page_that_never_loads_is_a_timeout(hostile):
    verdict, _, _ = hostile["never_loads"]
    assert verdict.mode == "unverified"
    assert open_step(hostile["never_loads"])["detail"]["error_kind"] == "timeout"


def test_download_instead_of_a_page_is_classified(hostile):
    assert open_step(hostile["download"])["detail"]["error_kind"] == "download"


def test_alerts_and_popups_do_not_block_the_bot(hostile):
    verdict, _, steps = hostile["popups"]
    assert steps[0]["outcome"] == "ok"
    assert verdict.mode == "direct"


def test_huge_page_is_kept_with_a_clipped_screenshot(hostile):
    step = open_step(hostile["huge"])
    assert step["outcome"] == "ok"
    assert step["html_sha256"]
    assert step["screenshot_sha256"] or "screenshot_error" in step["detail"]
