"""Shared fixtures: the demo world once per session on free ports, and config folders pointing at it."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_REAL = REPO.parent / "shared" / "real"


@pytest.fixture(scope="session")
def world():
    from demoworld import start_world

    started = start_world(host="127.0.0.1", base_port=0)
    yield started
    started.stop()


@pytest.fixture(scope="session")
def answer_key(world):
    return world.answer_key()


@pytest.fixture()
def world_config(world, tmp_path) -> Path:
    """A complete config folder for the running world, with its own data folder."""
    from kiemtra.commands.world import write_world_config

    root = write_world_config(world, tmp_path / "config")
    settings = root / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("data: ./var", f"data: {tmp_path / 'var'}"),
                        encoding="utf-8")
    return root


@pytest.fixture()
def real_dir() -> Path:
    if not SHARED_REAL.is_dir():
        pytest.skip("../shared/real is absent")
    return SHARED_REAL
