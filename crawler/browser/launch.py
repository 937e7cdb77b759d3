"""The browser: finding Chromium, making Playwright's video work offline, and launching it.

Production, tests and benchmarks launch through `chromium(settings)` and open contexts with
`context_options`, so all run the same browser the same way. No download ever happens here: a
Playwright-managed Chromium is used when one is installed, else the system's.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, async_playwright

from configuration.settings import Settings
from crawler.browser.policy import address_space_overrides
from kiemtra.errors import SetupError

# As root, and with no route to Google's hosts, Chromium's background calls only fail and slow it.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage",
]
SYSTEM_CHROMIUMS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def browsers_path() -> Path:
    """Where Playwright looks for its browsers and its ffmpeg."""
    configured = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if configured and configured != "0":
        return Path(configured)
    return Path.home() / ".cache" / "ms-playwright"


def _playwright_browsers_json() -> dict[str, Any]:
    import playwright

    path = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _revision(name: str) -> str:
    for browser in _playwright_browsers_json()["browsers"]:
        if browser["name"] == name:
            return str(browser["revision"])
    raise SetupError(f"Playwright không khai báo {name} trong browsers.json")


def managed_chromium() -> Path | None:
    """Playwright's own Chromium, if `playwright install chromium` ever succeeded here."""
    root = browsers_path() / f"chromium-{_revision('chromium')}"
    for candidate in ("chrome-linux64/chrome", "chrome-linux/chrome"):
        if (root / candidate).exists():
            return root / candidate
    return None


def find_chromium(configured: str | None = None) -> Path:
    """The configured Chromium, else Playwright's, else the system's; SetupError if none."""
    if configured:
        if Path(configured).exists():
            return Path(configured)
        raise SetupError(f"không thấy trình duyệt {configured} (browser.executable) — sửa đường dẫn hoặc để trống")
    found = managed_chromium() or next((Path(p) for p in SYSTEM_CHROMIUMS if Path(p).exists()), None)
    if found is None:
        raise SetupError("không thấy Chromium — chạy `make setup` (apt-get install chromium) hoặc đặt browser.executable")
    return found


def ensure_ffmpeg() -> Path | None:
    """Make Playwright's video recorder find an ffmpeg: link the system one where its own is missing.

    Playwright records video only through `<browsers>/ffmpeg-<rev>/ffmpeg-linux`; its download fails
    on a machine without internet, so the system ffmpeg stands in (it records playable WebM).
    """
    target = browsers_path() / f"ffmpeg-{_revision('ffmpeg')}" / "ffmpeg-linux"
    if target.exists():
        return target
    system = shutil.which("ffmpeg")
    if system is None:
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink():
        target.unlink()
    target.symlink_to(system)
    return target


@asynccontextmanager
async def chromium(settings: Settings) -> AsyncIterator[Browser]:
    """A launched Chromium for `settings`, closed on leaving; video made to work first when it is captured.

        async with chromium(settings) as browser:
            context = await browser.new_context(**context_options(settings))
    """
    if settings.capture.video:
        ensure_ffmpeg()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch_options(settings))
        try:
            yield browser
        finally:
            await browser.close()


def launch_options(settings: Settings) -> dict[str, Any]:
    """Chromium's launch arguments; `chromium()` uses them (and sync-API tests that cannot await).

    The allow-listed private ports (`navigation.allowed_private`) count as public to Chromium, so its
    Local Network Access refuses everything else local a page asks for (see crawler/browser/policy.py).
    """
    overrides = address_space_overrides(settings.navigation.allowed_private)
    return {
        "executable_path": str(find_chromium(settings.browser.executable)),
        "headless": settings.browser.headless,
        "args": CHROMIUM_ARGS + ([f"--ip-address-space-overrides={overrides}"] if overrides else []),
    }


VIDEO_WIDTH = 960  # the video shows the flow; each step's screenshot keeps the detail at full size


def video_size(width: int, height: int) -> dict[str, int]:
    """The video's frame: the viewport scaled down to VIDEO_WIDTH, aspect kept, even sides (VP8 wants them)."""
    scale = min(1.0, VIDEO_WIDTH / width)
    return {"width": int(width * scale) // 2 * 2, "height": int(height * scale) // 2 * 2}


def context_options(settings: Settings, *, video_dir: Path | None = None,
                    viewport: tuple[int, int] | None = None) -> dict[str, Any]:
    """A context's options: viewport, user agent, Vietnamese locale and time zone, video when asked."""
    width, height = viewport or (settings.browser.viewport_width, settings.browser.viewport_height)
    options: dict[str, Any] = {
        "viewport": {"width": width, "height": height},
        "user_agent": settings.user_agent,
        "locale": "vi-VN",
        "timezone_id": "Asia/Ho_Chi_Minh",
        "ignore_https_errors": False,
        "accept_downloads": True,
    }
    if video_dir is not None:
        options["record_video_dir"] = str(video_dir)
        options["record_video_size"] = video_size(width, height)
    return options
