"""Sealing a finished run (manifest, hash chain, signature, banner copies) off the event loop, and
packaging its network exchange as a signed WACZ before that.

Banners and hashing take a good part of a second per run; done on the loop they would stall every
other check in flight. A worker thread seals with its own connection to the same store (WAL and
the manifest's write lock keep the chain whole). The WACZ is built the same way, from the HAR the
browser wrote when the context closed; it becomes an artifact of the run, so the manifest lists it.
"""

from __future__ import annotations

import asyncio
import logging
import zipfile
from collections.abc import Iterable
from pathlib import Path

from configuration.settings import Settings
from crawler.bot.identity import redact_zip
from crawler.browser.network import read_har, step_pages
from evidence import runs
from evidence.clock import utc_clock
from evidence.seal.manifest import seal_run
from evidence.seal.signing import load_signer
from evidence.seal.wacz import build_wacz
from evidence.store import Store
from kiemtra import __version__

log = logging.getLogger(__name__)


def _seal(store: Store, run_id: str, settings: Settings) -> None:
    with Store(store.data_dir, database_url=store.database_url or "") as own:   # the same database, SQLite or not
        seal_run(own, run_id, load_signer(settings.signing.key_file))


async def seal_in_background(store: Store, run_id: str, settings: Settings) -> None:
    """Seal `run_id` (R9) on a worker thread; returns when the manifest is stored."""
    await asyncio.to_thread(_seal, store, run_id, settings)


def package_wacz(store: Store, run_id: str, har: Path, secrets: Iterable[str], title: str, settings: Settings) -> str | None:
    """Blank the typed secrets in `har` as in the trace, build the run's WACZ and keep it; its SHA-256.

    None when the browser wrote no HAR (a context that never opened a page). Runs on a worker thread.
    """
    if not har.is_file():
        return None
    redact_zip(har, set(secrets))
    exchanges = read_har(har)
    with Store(store.data_dir) as own:
        def html_of(sha256: str) -> bytes | None:
            path = own.artifact_path(sha256)
            return path.read_bytes() if path is not None and path.is_file() else None

        pages = step_pages(runs.steps(own, run_id), html_of)
        data = build_wacz(exchanges, pages, title=title, created=utc_clock().strftime("%Y-%m-%dT%H:%M:%SZ"),
                          software=f"kiemtra {__version__}", signer=load_signer(settings.signing.key_file),
                          main_url=pages[0].url if pages else "")
        return own.keep_bytes(run_id, data, ".wacz", "wacz").sha256


async def wacz_in_background(store: Store, run_id: str, har: Path, secrets: Iterable[str], title: str,
                             settings: Settings) -> str | None:
    """`package_wacz` on a worker thread; a HAR the browser left unreadable costs the WACZ, never the check."""
    try:
        return await asyncio.to_thread(package_wacz, store, run_id, har, secrets, title, settings)
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        log.warning("run %s: no WACZ (%s: %s)", run_id, type(error).__name__, error)
        return None


async def end_job_lost(store: Store, run_id: str, settings: Settings, duration_ms: int) -> None:
    """End a run whose job another attempt took meanwhile (its lease ran out): `interrupted`, no verdict, sealed."""
    runs.finish(store, run_id, outcome="interrupted", error=runs.LEASE_LOST, duration_ms=duration_ms)
    await seal_in_background(store, run_id, settings)
