"""Settings: each declared once here with its default and help.

Precedence, lowest first: these defaults < `<config>/settings.yaml` < environment variables
(`KIEMTRA_<GROUP>_<NAME>`, e.g. `KIEMTRA_DATA`, `KIEMTRA_TIMEOUTS_NAVIGATION_S`) < command-line
options. Secrets never live here: they come from the environment at the point of use.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

from pydantic import BaseModel, ConfigDict, Field

from crawler import __version__


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Timeouts(_Group):
    navigation_s: float = Field(30.0, gt=0, description="Seconds a page may take to load before the step fails as a time-out.")
    step_s: float = Field(15.0, gt=0, description="Seconds a single bot step (find, fill, click, wait) may take.")
    check_s: float = Field(600.0, gt=0, description="Seconds one whole check of a service may take.")


class Politeness(_Group):
    per_host_rps: float = Field(2.0, gt=0, description="Navigations per second the crawler sends to one host at most.")
    per_host_concurrency: int = Field(2, ge=1, description="Checks running against one host at the same time at most.")


class Retry(_Group):
    min_delay_minutes: float = Field(60.0, ge=0, description="A failed check is retried no sooner than this.")
    other_window_hours: float = Field(4.0, ge=0, description="A retry falls at least this far from the failed attempt's time of day.")
    max_attempts: int = Field(3, ge=1, description="Attempts after which a failing check is given up.")


class Capture(_Group):
    screenshots: bool = Field(True, description="Take a full-page screenshot at every step.")
    html: bool = Field(True, description="Keep the page's HTML at every step.")
    video: bool = Field(True, description="Record a video of every service check.")
    trace: bool = Field(True, description="Record a Playwright trace of every service check.")


class Browser(_Group):
    executable: str | None = Field(None, description="Chromium to launch; empty means Playwright's own, else the system's /usr/bin/chromium.")
    headless: bool = Field(True, description="Run the browser without a window.")
    viewport_width: int = Field(1366, ge=320, description="Viewport width in CSS pixels.")
    viewport_height: int = Field(900, ge=320, description="Viewport height in CSS pixels.")


class Serve(_Group):
    host: str = Field("127.0.0.1", description="Address the evidence browser listens on.")
    port: int = Field(8800, ge=1, le=65535, description="Port the evidence browser listens on.")


class Settings(_Group):
    data: Path = Field(Path("./var"), description="Data folder: the store kiemtra.db and the evidence/ folder.")
    concurrency: int = Field(4, ge=1, le=64, description="Browser contexts checking at the same time.")
    user_agent: str = Field(f"Mozilla/5.0 (X11; Linux x86_64) Chrome kiemtra/{__version__} (kiểm tra ứng dụng CNTT)",
                            description="User-Agent sent with every request.")
    timeouts: Timeouts = Field(default_factory=Timeouts, description="Time-outs.")
    politeness: Politeness = Field(default_factory=Politeness, description="Per-host politeness limits.")
    retry: Retry = Field(default_factory=Retry, description="When failed checks run again (R6).")
    capture: Capture = Field(default_factory=Capture, description="What evidence every visit records (R9).")
    browser: Browser = Field(default_factory=Browser, description="The browser.")
    serve: Serve = Field(default_factory=Serve, description="The evidence browser.")

    @property
    def db_path(self) -> Path:
        return self.data / "kiemtra.db"

    @property
    def evidence_dir(self) -> Path:
        return self.data / "evidence"


def env_overrides(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Nested dict of the settings that `KIEMTRA_*` variables set (strings; pydantic converts)."""
    environ = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for name, field in Settings.model_fields.items():
        group = field.annotation
        if isinstance(group, type) and issubclass(group, _Group):
            for sub in group.model_fields:
                key = f"KIEMTRA_{name}_{sub}".upper()
                if key in environ:
                    found.setdefault(name, {})[sub] = environ[key]
        elif f"KIEMTRA_{name}".upper() in environ:
            found[name] = environ[f"KIEMTRA_{name}".upper()]
    return found


def merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """`over` laid on `base`, group by group."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(dict(out[key]), value)
        else:
            out[key] = value
    return out


def describe() -> list[tuple[str, Any, str]]:
    """(dotted name, default, help) for every setting: the source of the settings docs."""
    rows: list[tuple[str, Any, str]] = []
    for name, field in Settings.model_fields.items():
        group = field.annotation
        if isinstance(group, type) and issubclass(group, _Group):
            for sub, subfield in group.model_fields.items():
                rows.append((f"{name}.{sub}", subfield.default, subfield.description or ""))
        else:
            rows.append((name, field.default, field.description or ""))
    return rows
