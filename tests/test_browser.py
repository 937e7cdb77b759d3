"""The browser is found without any download, and video recording yields a real, playable file."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess

import pytest

from configuration.settings import Settings
from crawler.browser.launch import chromium, context_options, ensure_ffmpeg, find_chromium


def test_chromium_is_found():
    path = find_chromium()
    assert path.exists()


def test_recorded_video_is_playable(tmp_path):
    if shutil.which("ffprobe") is None:
        pytest.skip("ffprobe is absent (apt-get install ffmpeg)")
    assert ensure_ffmpeg() is not None
    settings = Settings()

    async def record() -> str:
        async with chromium(settings) as browser:
            context = await browser.new_context(**context_options(settings, video_dir=tmp_path))
            page = await context.new_page()
            await page.set_content("<h1>Kiểm tra video</h1><p id=t>0</p>")
            for tick in range(10):
                await page.evaluate(f"document.getElementById('t').textContent = '{tick}'")
                await page.wait_for_timeout(100)
            video = page.video
            await context.close()
            return await video.path()

    path = asyncio.run(record())
    probe = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                            "-show_entries", "stream=codec_name,nb_read_frames,width", "-of", "json", str(path)],
                           capture_output=True, text=True, check=True)
    stream = json.loads(probe.stdout)["streams"][0]
    assert stream["codec_name"] in ("vp8", "vp9")
    assert int(stream["nb_read_frames"]) >= 5
    assert stream["width"] > 0
