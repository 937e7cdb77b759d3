"""Synthetic stores for the evidence tests: a few runs with real PNGs, HTML and a verdict, sealed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from evidence import agencies, runs
from evidence.seal.manifest import seal_run
from evidence.seal.signing import Signer
from evidence.store import Store

AGENCY = {"id": "thu-nghiem", "name": "UBND tỉnh Thử Nghiệm", "group": "tinh", "portal": "http://127.0.0.1:1/",
          "services": [{"id": f"thu-nghiem-00{i}", "name": f"Thủ tục số {i}", "url": f"http://127.0.0.1:1/tt/{i}",
                        "declared_level": 3} for i in range(1, 4)]}


@pytest.fixture()
def signer() -> Signer:
    """A fresh signing key for one test (never written to disk)."""
    return Signer(Ed25519PrivateKey.generate())


def png(seed: int, size: tuple[int, int] = (200, 150)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (seed * 40 % 256, 90, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


def add_run(store: Store, service_id: str, seed: int, title: str = "Trang dịch vụ") -> str:
    """One finished service run with two steps, a video stand-in and a verdict (not sealed)."""
    run_id = runs.start(store, "service", service_id, AGENCY["id"], bot_version="0.1.0", browser_version="140.0")
    for seq in (1, 2):
        shot = store.keep_bytes(run_id, png(seed * 10 + seq), ".png", "screenshot").sha256
        html = store.keep_bytes(run_id, f"<html><title>{title}</title><p>bước {seq} {seed}</p></html>".encode(), ".html", "html").sha256
        runs.add_step(store, run_id, {"seq": seq, "name": ("open", "submit")[seq - 1], "action": "open", "target": "",
                                "url": f"http://127.0.0.1:1/tt/{seed}/{seq}", "started_at": "2025-06-01T01:00:00.000Z",
                                "finished_at": "2025-06-01T01:00:01.000Z", "outcome": "ok",
                                "detail": {"http_status": 200, "title": title}, "screenshot_sha256": shot, "html_sha256": html})
    store.keep_bytes(run_id, b"\x1aE\xdf\xa3 not really webm " + bytes([seed]), ".webm", "video")
    runs.finish(store, run_id, outcome="ok", http_status=200, title=title, final_url=f"http://127.0.0.1:1/tt/{seed}")
    runs.save_verdict(store, run_id, service_id, {"level": 2, "mode": "direct", "outcome": "fail",
                                            "reasons": [{"text": "Không nộp được hồ sơ trực tuyến.", "step": 2}],
                                            "rules": []}, "1")
    return run_id


def make_store(data: Path, signer: Signer | None, runs: int = 3) -> tuple[Store, list[str]]:
    store = Store(data)
    agencies.sync(store, [AGENCY])
    ids = []
    for index in range(runs):
        run_id = add_run(store, AGENCY["services"][index % 3]["id"], index + 1)
        seal_run(store, run_id, signer)
        ids.append(run_id)
    return store, ids
