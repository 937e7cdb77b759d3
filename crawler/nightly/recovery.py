"""Crash recovery at the start of a crawl: what a dead crawl left half-done is finished or undone.

For every job still leased by a holder that is gone (its process died on this host, or its lease ran
out): a run that reached its verdict before the crash is the attempt's result and is written now
(roll forward: it is not run twice); a run cut off before its verdict is marked `interrupted`, sealed
with what it kept (the evidence of every attempt stays), and the job is released to run again.
Artifact files the store does not know (written in the instant before a crash) are removed once
older than a grace period, so a check writing right now beside us is never touched.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from configuration.settings import Settings
from crawler.nightly import jobs
from crawler.nightly.lock import pid_alive
from evidence import queue, runs
from evidence.clock import iso
from evidence.seal.manifest import seal_run
from evidence.seal.signing import load_signer
from evidence.store import Store


@dataclass
class Recovery:
    rolled_forward: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)
    interrupted_runs: list[str] = field(default_factory=list)
    orphans_removed: list[Path] = field(default_factory=list)


def holder_gone(holder: str | None) -> bool:
    """A holder named `host:pid:token` whose process is no longer alive on this host."""
    host, _, rest = (holder or "").partition(":")
    pid = rest.partition(":")[0]
    return host == socket.gethostname() and pid.isdigit() and not pid_alive(int(pid))


def interrupt(store: Store, run_id: str, settings: Settings, note: str) -> None:
    """Close a run that will never finish, keeping and sealing what it recorded."""
    run = runs.get(store, run_id)
    judged = run["kind"] == "portal" or runs.has_verdict(store, run_id)
    if run["outcome"] == "running" or not judged:
        runs.finish(store, run_id, outcome="interrupted", error=note)
    seal_run(store, run_id, load_signer(settings.signing.key_file))


def recover(store: Store, settings: Settings, now: datetime, *, me: str, sweep: bool = True) -> Recovery:
    """`sweep` False: leave the artifact folder alone (the distributed coordinator recovers often, sweeps once)."""
    report = Recovery()
    for job in queue.jobs(store, statuses=["leased"]):
        holder = job["leased_by"]
        if holder == me or not (holder_gone(holder) or job["lease_until"] < iso(now)):
            continue
        attempt = queue.running_attempt(store, job["id"], holder)
        run_id = attempt["run_id"] if attempt else None
        run_id = run_id or runs.newest_run_of_job(store, job["id"], attempt["started_at"] if attempt else None)
        if run_id and jobs.classify(store, job, run_id) is not None:
            seal_run(store, run_id, load_signer(settings.signing.key_file))
            if jobs.finish(store, job, holder, run_id, now, settings.retry):
                report.rolled_forward.append(job["id"])
                continue
        if run_id:
            interrupt(store, run_id, settings, "lượt thu thập bị dừng đột ngột")
            report.interrupted_runs.append(run_id)
        if queue.release(store, job["id"], holder, now, "người giữ đã chết; chạy lại"):
            report.released.append(job["id"])
    if sweep:
        report.orphans_removed = sweep_orphans(store, settings.queue.orphan_grace_s)
    return report


def sweep_orphans(store: Store, grace_s: float) -> list[Path]:
    """Remove artifact files (and half-written temporaries) the store does not know, older than `grace_s`."""
    known = store.artifact_hashes()
    cutoff = time.time() - grace_s
    found = store.artifacts.orphans(known) + [p for p in store.artifacts.tmp.glob("*") if p.is_file()]
    removed = []
    for path in found:
        try:
            if path.stat().st_mtime <= cutoff:
                path.unlink()
                removed.append(path)
        except FileNotFoundError:  # settled or removed meanwhile
            continue
    return removed
