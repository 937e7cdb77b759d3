"""Sealing a finished run (manifest, hash chain, signature, banner copies) off the event loop.

Banners and hashing take a good part of a second per run; done on the loop they would stall every
other check in flight. A worker thread seals with its own connection to the same store (WAL and
the manifest's write lock keep the chain whole).
"""

from __future__ import annotations

import asyncio

from configuration.settings import Settings
from evidence.seal.manifest import seal_run
from evidence.seal.signing import load_signer
from evidence.store import Store


def _seal(store: Store, run_id: str, settings: Settings) -> None:
    with Store(store.data_dir) as own:
        seal_run(own, run_id, load_signer(settings.signing.key_file))


async def seal_in_background(store: Store, run_id: str, settings: Settings) -> None:
    """Seal `run_id` (R9) on a worker thread; returns when the manifest is stored."""
    await asyncio.to_thread(_seal, store, run_id, settings)
