"""Shared fixtures: the demo world once per session on free ports, and config folders pointing at it."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_REAL = REPO.parent / "shared" / "real"


@pytest.fixture(autouse=True, scope="module")
def _a_fresh_citizen_per_module():
    """The bot keeps one account per portal for its process (crawler/bot/accounts.py); a test module is a
    crawl of its own, so it starts with none (module-scoped fixtures that crawl run after this)."""
    from crawler.bot import accounts

    accounts.forget_all()


@pytest.fixture(autouse=True)
def _a_fresh_citizen_per_test(_a_fresh_citizen_per_module):
    from crawler.bot import accounts

    accounts.forget_all()


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


# -- PostgreSQL: a throwaway cluster for the store's tests on both dialects --------------------------
def _postgres_bin() -> Path | None:
    """The folder of initdb/pg_ctl: on PATH, else Debian's /usr/lib/postgresql/<version>/bin."""
    import shutil

    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return versions[-1].parent if versions else None


@pytest.fixture(scope="session")
def postgres_cluster():
    """A PostgreSQL cluster in a temporary folder on a free port, stopped at the end of the session.

    Yields a function giving the URL of a new, empty database each call. PostgreSQL refuses to run
    as root: as root the cluster runs as the `postgres` system user the Debian package creates.
    """
    import shutil
    import subprocess
    import tempfile

    from tests.pg_cluster import PgCluster

    binaries = _postgres_bin()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql): the postgresql dialect is not tested")
    # Not under pytest's tmp folder: as root that is 0700 and the `postgres` user could not enter it.
    folder = Path(tempfile.mkdtemp(prefix="kiemtra-pg-"))
    cluster = PgCluster(binaries, folder)
    try:
        cluster.start()
    except (OSError, subprocess.CalledProcessError, RuntimeError) as exc:
        pytest.skip(f"could not start a throwaway PostgreSQL cluster: {exc}")
    yield cluster
    cluster.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_dialect(request, monkeypatch) -> str:
    """Run the test once per dialect: on postgresql, KIEMTRA_DATABASE_URL names a fresh database, so every
    `Store(...)` the test (or a process it starts) opens is on PostgreSQL."""
    if request.param == "postgresql":
        cluster = request.getfixturevalue("postgres_cluster")
        monkeypatch.setenv("KIEMTRA_DATABASE_URL", cluster.new_database())
    else:
        monkeypatch.delenv("KIEMTRA_DATABASE_URL", raising=False)
    return request.param


# The workspace's shared fixtures (issue 18): the crawled store and `kiemtra serve` with every role's user.
from tests.workspace_fixtures import workspace_chromium, workspace_data, workspace_page, workspace_server  # noqa: E402, F401
