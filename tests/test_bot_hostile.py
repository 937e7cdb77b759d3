"""Hostile and broken pages end a check with a classified failure in time, never a hang or a crash;
a page cannot send the bot to a local file, to this machine or to an internal address (the
navigation policy), and nothing from there is ever kept."""

from __future__ import annotations

import asyncio
import http.server
import json
import threading
import time
import urllib.parse
import zipfile

import pytest

from configuration.loader import AgencyConfig, ServiceConfig
from configuration.loader import load_all as load_config
from configuration.settings import Settings
from crawler.browser.launch import chromium
from crawler.visits.service import WIND_DOWN_S, check_service
from demoworld.sites.hostile import LINK_AWAY, REDIRECT_AWAY
from evidence import agencies, runs
from evidence.store import Store

pytestmark = pytest.mark.e2e

NAVIGATION_S = 4.0
STEP_S = 4.0
CHECK_S = 60.0


def check_all(urls: dict[str, str], data, allowed: list[str]) -> dict[str, tuple]:
    settings = Settings(data=data, timeouts={"navigation_s": NAVIGATION_S, "step_s": STEP_S, "check_s": CHECK_S},
                        capture={"video": False, "trace": False}, navigation={"allowed_private": allowed})
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
def hostile(world, answer_key, tmp_path_factory):
    return check_all(answer_key["hostile"], tmp_path_factory.mktemp("hostile"), world.allowed_private())


def open_step(result) -> dict:
    import json

    row = result[2][0]
    return {**row, "detail": json.loads(row["detail"])}


def test_each_hostile_page_ends_within_its_time_out(hostile):
    # The 6 MiB page is the slowest (about 30 s idle, over 60 s on a loaded machine, where the deadline ends it).
    for name, (verdict, seconds, steps) in hostile.items():
        assert seconds < CHECK_S + WIND_DOWN_S, (name, seconds)   # the check's deadline, then the bounded wind-down
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


def test_a_frame_that_cannot_load_does_not_hold_the_check(hostile):
    # Two `file:` iframes: reading such a frame never returns; the bot skips them and reads the page.
    verdict, seconds, steps = hostile["file_frame"]
    assert seconds < 4 * (NAVIGATION_S + STEP_S), seconds   # before: held to the check's deadline, 60 s here
    opened = open_step(hostile["file_frame"])
    assert opened["outcome"] == "ok" and opened["detail"]["name_shown"]
    assert verdict.mode == "direct"


def test_a_page_that_never_lets_the_bot_act_is_recorded_as_stalled(hostile):
    # The page freezes 300 ms after its load: the bot may read it first, then the next step finds it frozen.
    verdict, seconds, steps = hostile["frozen"]
    details = [json.loads(row["detail"]) for row in steps]
    stalled = [(row["outcome"], d) for row, d in zip(steps, details) if d.get("error_kind") == "stalled"]
    assert stalled and stalled[0][0] == "error", [(row["name"], row["outcome"]) for row in steps]
    assert "không cho phép thao tác" in stalled[0][1]["error"]
    assert verdict.mode == "unverified" and seconds < 40, seconds   # before the check's time-out (60 s)


def test_a_click_that_times_out_on_a_page_that_stopped_answering_is_stalled_not_a_timeout(hostile):
    # Not the control's fault (covered, disabled): the page's script never yields once the pointer reaches it.
    verdict, _, steps = hostile["frozen_on_click"]
    clicked = next(row for row in steps if row["name"] == "start_submission")
    detail = json.loads(clicked["detail"])
    assert (clicked["outcome"], detail["error_kind"]) == ("error", "stalled"), detail
    assert "không cho phép thao tác" in detail["error"]
    assert verdict.mode == "unverified"


# --- the navigation policy: where a page may send the bot -------------------------------------------

METADATA_MARK = "i-0kiemtra-bi-mat-7f3a"


class Metadata(http.server.BaseHTTPRequestHandler):
    """A stand-in for a cloud's metadata service, on a loopback port no check allow-lists."""

    hits: list[str] = []

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        Metadata.hits.append(self.path)
        body = f"ami-id\ninstance-id\n{METADATA_MARK}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def away_urls(world, meta_port: int) -> dict[str, str]:
    base = world.urls["dvc:bac-ninh"]
    meta = f"http://127.0.0.1:{meta_port}/latest/meta-data/"

    def link(target: str, **more: str) -> str:
        return base + LINK_AWAY + "?" + urllib.parse.urlencode({"den": target, **more})
    return {"passwd": link("file:///etc/passwd"), "directory": link("file:///etc/"), "metadata": link(meta),
            "redirect": link(base + REDIRECT_AWAY + "?" + urllib.parse.urlencode({"den": meta + "chuyen"}), **{"cua-so": "0"}),
            "image": link("#", anh=meta + "anh.png")}


@pytest.fixture(scope="module")
def away(world, tmp_path_factory):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Metadata)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    data = tmp_path_factory.mktemp("away")
    settings = Settings(data=data, timeouts={"navigation_s": NAVIGATION_S, "step_s": STEP_S, "check_s": CHECK_S},
                        capture={"video": False, "trace": True}, navigation={"allowed_private": world.allowed_private()})
    agency = AgencyConfig(id="thu-nghiem", name="Cơ quan thử nghiệm", group="tinh", portal="http://127.0.0.1:1/")
    urls = away_urls(world, server.server_port)

    async def run() -> dict[str, list[dict]]:
        out = {}
        async with chromium(settings) as browser:
            with Store(data) as store:
                agencies.sync(store, [{**agency.model_dump(), "services": []}])
                for name, url in urls.items():
                    service = ServiceConfig(id=f"thu-nghiem-{name}", name="Thủ tục thử nghiệm", url=url, declared_level=3)
                    done = await asyncio.wait_for(check_service(browser, agency, service, store, settings), 90)
                    out[name] = [{**row, "detail": json.loads(row["detail"])} for row in runs.steps(store, done.run_id)]
        return out

    try:
        yield {"steps": asyncio.run(run()), "data": data, "hits": list(Metadata.hits)}
    finally:
        server.shutdown()


def stored_text(data) -> str:
    """Every kept file as text, the members of every kept zip (the Playwright traces) included."""
    parts = []
    for path in sorted((data / "evidence").rglob("*")):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                raw += b"".join(archive.read(member) for member in archive.namelist())
        parts.append(raw.decode("utf-8", "replace"))
    return "\n".join(parts)


@pytest.mark.parametrize(("name", "words"), [("passwd", "http/https"), ("directory", "http/https"),
                                             ("metadata", "loopback")])
def test_a_new_window_link_to_a_file_or_this_machine_is_refused_with_its_reason(away, name, words):
    steps = {step["name"]: step for step in away["steps"][name]}
    assert steps["open"]["outcome"] == "ok"
    refused = steps["start_submission"]
    assert (refused["outcome"], refused["detail"]["error_kind"]) == ("failed", "blocked_by_policy")
    assert words in refused["detail"]["blocked_reason"] and refused["detail"]["blocked_url"]
    assert not refused["url"].startswith("file:") and "/latest/meta-data" not in refused["url"]


def test_a_redirect_to_this_machine_is_left_and_refused(away):
    steps = {step["name"]: step for step in away["steps"]["redirect"]}
    refused = steps["start_submission"]
    assert (refused["outcome"], refused["detail"]["error_kind"]) == ("failed", "blocked_by_policy")
    assert "loopback" in refused["detail"]["blocked_reason"]
    assert "/latest/meta-data" not in refused["url"]
    # Chromium followed the redirect before the bot could look: its trace may show the page, so it is not kept.
    assert "recording_withheld" in refused["detail"]


def test_a_subresource_from_this_machine_is_aborted_and_counted(away):
    opened = away["steps"]["image"][0]
    assert opened["outcome"] == "ok"
    assert opened["detail"]["blocked_requests"] >= 1
    assert any("anh.png" in url for url in opened["detail"]["blocked_urls"])


def test_nothing_refused_is_kept_or_even_asked_for(away):
    kept = stored_text(away["data"])
    assert "root:x:0:0" not in kept and "Index of /etc" not in kept and METADATA_MARK not in kept
    # Only a top-level redirect reaches the refused address (Chromium follows it before the bot can
    # look); what it answered is never kept. A link, a new window and an image never reach it.
    assert all(hit.endswith("/chuyen") for hit in away["hits"]), away["hits"]


def test_the_whole_check_has_a_deadline_kept_from_outside_the_page(world, answer_key, tmp_path):
    # A check time-out shorter than one step's: the check's own deadline ends it, and says so.
    check_s = 6.0
    settings = Settings(data=tmp_path, timeouts={"navigation_s": NAVIGATION_S, "step_s": STEP_S, "check_s": check_s},
                        capture={"video": False, "trace": True}, navigation={"allowed_private": world.allowed_private()})
    agency = AgencyConfig(id="thu-nghiem", name="Cơ quan thử nghiệm", group="tinh", portal="http://127.0.0.1:1/")
    service = ServiceConfig(id="thu-nghiem-dong-bang", name="Thủ tục thử nghiệm", url=answer_key["hostile"]["frozen"],
                            declared_level=3)

    async def run():
        async with chromium(settings) as browser:
            with Store(tmp_path) as store:
                agencies.sync(store, [{**agency.model_dump(), "services": []}])
                t0 = time.monotonic()
                done = await check_service(browser, agency, service, store, settings)
                return done, time.monotonic() - t0, runs.steps(store, done.run_id), runs.get(store, done.run_id)

    done, seconds, steps, run = asyncio.run(run())
    assert seconds < check_s + 2 * 20, seconds   # the deadline, then the evidence's bounded wind-down
    kinds = [json.loads(step["detail"]).get("error_kind") for step in steps]
    assert "stalled" in kinds and run["error_kind"] == "stalled"
    assert done.verdict.mode == "unverified"


def test_a_stall_counts_against_the_service_only_when_seen_again_at_another_time(tmp_path):
    from datetime import datetime, timedelta, timezone

    from configuration.settings import Retry
    from crawler.nightly import jobs
    from evidence import queue

    t0, lease = datetime(2024, 11, 20, 18, 0, tzinfo=timezone.utc), timedelta(seconds=120)
    policy = Retry(min_delay_minutes=60, other_window_hours=4, max_attempts=3)
    with Store(tmp_path / "var") as store:
        agencies.sync(store, [{"id": "a", "name": "A", "group": "tinh", "portal": "http://a/",
                               "services": [{"id": "a-1", "name": "S", "url": "http://a/s", "declared_level": 3}]}])
        job_id = queue.enqueue(store, "service", "a-1", "a", "a", t0)

        def stalled_attempt(now):
            queue.claim(store, job_id, "w", now, lease)
            run_id = runs.start(store, "service", "a-1", "a", job_id=job_id)
            runs.finish(store, run_id, outcome="failed", error_kind="stalled")
            runs.save_verdict(store, run_id, "a-1", {"level": None, "mode": "unverified", "outcome": "could_not_verify",
                                                     "reasons": [], "rules": []}, "test")
            return jobs.finish(store, store.db["jobs"].get(job_id), "w", run_id, now, policy)

        first = stalled_attempt(t0)
        assert first.status == "retry"                       # the first time: only retried, at another time
        second = stalled_attempt(t0 + timedelta(hours=5))
        assert (second.status, second.final) == ("done", "not_recognized")


def test_a_check_that_lost_its_job_writes_no_verdict(world, tmp_path):
    # Its lease ran out (the worker cut off from the database) and another attempt took the job: the late check
    # is kept as evidence and sealed, but ends `interrupted` without a verdict, so the service is judged once.
    from kiemtra.commands.world import write_world_config

    config = load_config(write_world_config(world, tmp_path / "config"),
                         {"data": str(tmp_path / "var"), "capture": {"video": False},
                          "navigation": {"allowed_private": world.allowed_private()}})
    agency, service = config.service("bhxh-001")
    asked: list[bool] = []

    def fence() -> bool:
        asked.append(True)
        return False

    async def run():
        async with chromium(config.settings) as browser:
            with Store(config.settings.data) as store:
                agencies.sync(store, config.agency_rows())
                done = await check_service(browser, agency, service, store, config.settings, fence=fence)
                return done, runs.get(store, done.run_id), runs.has_verdict(store, done.run_id), \
                    store.db["manifests"].count_where("run_id = ?", [done.run_id])

    done, run, judged, manifests = asyncio.run(run())
    assert asked == [True]
    assert run["outcome"] == "interrupted" and run["error"] == runs.LEASE_LOST
    assert not judged and manifests == 1
