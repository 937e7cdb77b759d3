"""A CAPTCHA is not R8: the assisted check. The bot walks to the gate, pauses for the inspector, then
carries on; the run names who helped and the service is recognized by a direct check with help.

The "inspector" here is a test hook that solves the demo world's CAPTCHA through the page: the world
draws its text from `demoworld.captcha.new_text`, fixed here so the hook knows what the image shows.
Real Chromium, the real demo world on free ports; headless, since the pause logic is what is tested
(without a display `rerun --headed` refuses in one line, tested below).
"""

from __future__ import annotations

import asyncio

from configuration.loader import load_all
from crawler.bot.session import Session
from crawler.browser.launch import chromium
from crawler.visits.service import check_service
from evidence import agencies, runs
from evidence.recognition import recognitions
from evidence.store import Store
from kiemtra.cli import run_cli

SERVICE = "thua-thien-hue-004"   # the demo world's service behind a CAPTCHA (true level 3)
TEXT = "K7M2P"


def test_the_bot_pauses_at_the_captcha_the_inspector_passes_it_and_the_check_goes_on(world, world_config,
                                                                                      monkeypatch):
    from demoworld import captcha
    from kiemtra.commands.world import load_world_catalogue

    monkeypatch.setattr(captcha, "new_text", lambda n=5: TEXT)
    monkeypatch.setenv("KIEMTRA_BOT_PASSWORD", "Mật-khẩu kiểm tra 7!")
    world.reset()
    config = load_all(world_config)
    load_world_catalogue(world, config.settings.data)
    agency, service = config.service(SERVICE)
    paused: list[tuple[str, str]] = []

    async def inspector(session: Session, gate: str) -> bool:
        paused.append((gate, session.page.url))
        for frame in session.page.frames:    # vendor C embeds its form in an iframe
            if await frame.query_selector("input[name=ma_xac_nhan]"):
                await frame.fill("input[name=ma_xac_nhan]", TEXT)
                await frame.click("button[type=submit]")
                await session.settle()
                return True
        return False

    async def check(**kw):
        async with chromium(config.settings) as browser:
            return await check_service(browser, agency, service, store, config.settings, **kw)

    with Store(config.settings.data) as store:
        agencies.sync(store, config.agency_rows())
        unattended = asyncio.run(check())
        assert (unattended.verdict.mode, unattended.verdict.outcome) == ("by_report", "needs_review")
        assert recognitions(store, agency.id)[SERVICE].status == "pending_judgement"
        helped = asyncio.run(check(assist=inspector, assisted_by="nguyen-van-a"))
        steps = runs.steps(store, helped.run_id)
        run = runs.get(store, helped.run_id)
        decided = recognitions(store, agency.id)[SERVICE]
    assert paused and paused[0][0] == "captcha"
    names = [s["name"] for s in steps]
    gate_step = next(s for s in steps if s["outcome"] == "blocked")
    assert f"{gate_step['name']}_assisted" in names                       # the pause is recorded as a step
    assert names.index(f"{gate_step['name']}_assisted") < len(names) - 1  # and the bot carried on after it
    assert (helped.verdict.mode, helped.verdict.outcome, helped.verdict.level) == ("direct", "pass", 3)
    assert run["assisted_by"] == "nguyen-van-a"
    assert decided.status == "recognized" and "nguyen-van-a hỗ trợ" in decided.reason
    assert unattended.run_id not in decided.runs and helped.run_id in decided.runs


def test_headed_without_a_display_is_one_line_exit_2(world_config, monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert run_cli(["--config", str(world_config), "rerun", SERVICE, "--headed", "--inspector", "an"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "không có màn hình" in err
    assert run_cli(["--config", str(world_config), "rerun", SERVICE, "--headed"]) == 2
