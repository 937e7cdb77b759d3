"""Sealing a finished run: its manifest, linked into one hash chain and signed (R9, R13).

A manifest is a JSON file kept like any artifact (named by its SHA-256, read-only). It states the
run (service, agency, attempt, times in UTC and Asia/Ho_Chi_Minh, outcome), every step (URL, times,
outcome, detail, screenshot/banner/HTML hashes), every artifact of the run, the verdict as judged
at sealing, the bot's and the browser's versions, and the hash of the manifest sealed before it.
The `manifests` table orders the chain (`seq`) and holds each manifest's Ed25519 signature.
Tables: `0004_evidence` in `evidence/schema.py`.
"""

from __future__ import annotations

import json
from typing import Any

from evidence import agencies, runs
from evidence.clock import local_time, utc_now
from evidence.seal.banner import add_banner
from evidence.seal.signing import Signer
from evidence.store import Store, table
from kiemtra.errors import ConfigError

FORMAT = "kiemtra-manifest/1"
GENESIS = "0" * 64  # the "previous manifest" of the first one: keeps prev_sha256 unique and non-null
RUN_FIELDS = ("id", "kind", "target_id", "agency_id", "job_id", "attempt", "started_at", "finished_at", "outcome",
              "error_kind", "error", "http_status", "final_url", "title", "duration_ms", "bot_version",
              "browser_version")
STEP_FIELDS = ("seq", "name", "action", "target", "url", "started_at", "finished_at", "outcome",
               "screenshot_sha256", "html_sha256")
VERDICT_FIELDS = ("level", "mode", "outcome", "catalogue", "rule_version")
AGENCY_FIELDS = ("id", "name", "agency_group")
SERVICE_FIELDS = ("id", "name", "url", "declared_level", "procedure_code", "unit", "field")
PORTAL_FIELDS = ("id", "name", "portal")


def encode(document: dict[str, Any]) -> bytes:
    """The manifest's bytes: sorted keys, so equal content always hashes alike; indented for people."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8") + b"\n"


def _parsed(detail: Any) -> Any:
    return json.loads(detail) if isinstance(detail, str) and detail else detail


def _banner_lines(agency: dict[str, Any], target: dict[str, Any], step: dict[str, Any]) -> list[str]:
    when = local_time(step.get("finished_at") or step.get("started_at")) or ""
    return [f"kiemtra · {agency.get('name') or agency.get('id', '')} · {target.get('id', '')} {target.get('name') or ''}".strip(),
            f"Bước {step['seq']}: {step['name']} · {when} (giờ Việt Nam) · {step.get('finished_at') or ''} UTC",
            f"URL: {step.get('url') or '—'}"]


def make_banners(store: Store, run_id: str, agency: dict[str, Any], target: dict[str, Any],
                 steps: list[dict[str, Any]]) -> dict[int, str]:
    """A bannered copy of every step's screenshot, kept as a `screenshot_banner` artifact; seq → hash."""
    made: dict[int, str] = {}
    for step in steps:
        source = step.get("screenshot_sha256")
        path = store.artifact_path(source) if source else None
        if path is None or not path.exists():
            continue
        artifact = store.keep_bytes(run_id, add_banner(path.read_bytes(), _banner_lines(agency, target, step)),
                                    ".png", "screenshot_banner")
        with store.db.conn:
            table(store, "derived_artifacts").insert({"run_id": run_id, "seq": step["seq"], "kind": "banner",
                                                      "source_sha256": source, "sha256": artifact.sha256}, replace=True)
        made[step["seq"]] = artifact.sha256
    return made


def _target(store: Store, run: dict[str, Any]) -> dict[str, Any]:
    keep: tuple[str, ...]
    if run["kind"] == "service":
        row, keep = agencies.service(store, run["target_id"]), SERVICE_FIELDS
    else:
        row, keep = agencies.agency(store, run["target_id"]), PORTAL_FIELDS
    return {k: row.get(k) for k in keep} if row else {"id": run["target_id"]}


def build(store: Store, run_id: str, banners: dict[int, str]) -> dict[str, Any]:
    """The manifest of a run as the store holds it now (without its chain position)."""
    run = runs.get(store, run_id)
    owner = agencies.agency(store, run["agency_id"])
    agency = {k: owner.get(k) for k in AGENCY_FIELDS} if owner else {"id": run["agency_id"]}
    steps = []
    for row in runs.steps(store, run_id):
        step = {k: row.get(k) for k in STEP_FIELDS}
        step.update(detail=_parsed(row.get("detail")), started_at_local=local_time(row.get("started_at")),
                    finished_at_local=local_time(row.get("finished_at")), banner_sha256=banners.get(row["seq"]))
        steps.append(step)
    artifacts = sorted(({"sha256": a["sha256"], "role": a["role"], "media_type": a["media_type"], "size": a["size"],
                         "path": a["path"]} for a in runs.artifacts(store, run_id)), key=lambda a: (a["role"], a["sha256"]))
    stored = runs.verdict_of(store, run_id)
    verdict = None
    if stored:
        verdict = {k: stored.get(k) for k in VERDICT_FIELDS}
        verdict["reasons"] = _parsed(stored.get("reasons"))
    return {
        "format": FORMAT,
        "run": {**{k: run.get(k) for k in RUN_FIELDS}, "started_at_local": local_time(run.get("started_at")),
                "finished_at_local": local_time(run.get("finished_at"))},
        "agency": agency, "target": _target(store, run),
        "bot": {"name": "kiemtra", "version": run.get("bot_version")},
        "browser": {"name": "chromium", "version": run.get("browser_version")},
        "steps": steps, "artifacts": artifacts, "verdict": verdict, "timezone": "Asia/Ho_Chi_Minh",
    }


def seal_run(store: Store, run_id: str, signer: Signer | None = None) -> dict[str, Any]:
    """Make the banner copies and the manifest of a finished run, chain it and sign it; idempotent.

    Returns the `manifests` row. Call it once the run, its steps, artifacts and verdict are stored.
    """
    existing = list(table(store, "manifests").rows_where("run_id = ?", [run_id]))
    if existing:
        return existing[0]
    if not runs.exists(store, run_id):
        raise ConfigError(f"không có lượt {run_id} trong kho", field="RUN_ID", fix="xem mã các lượt bằng `kiemtra runs`")
    document = build(store, run_id, {})
    banners = make_banners(store, run_id, document["agency"], document["target"], document["steps"])
    if signer is not None:
        with store.db.conn:
            table(store, "signing_keys").insert({"key_id": signer.key_id, "public_key": signer.public_pem,
                                                 "first_used_at": utc_now()}, pk="key_id", ignore=True)
    # The write lock is taken before reading the head, so two crawls never fork the chain.
    with store.write_lock() as conn:
        # Under the run's lock (`Store.unsealed`) the record is read as it is sealed: a late step or file waits or is refused.
        if store.sealed_under_lock(conn, run_id):
            return dict(next(table(store, "manifests").rows_where("run_id = ?", [run_id])))   # sealed meanwhile
        document = build(store, run_id, banners)
        head = conn.execute("select seq, sha256 from manifests order by seq desc limit 1").fetchone()
        seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS)
        sealed_at = utc_now()
        document.update(seq=seq, prev_manifest_sha256=prev, sealed_at=sealed_at, sealed_at_local=local_time(sealed_at),
                        key_id=signer.key_id if signer else None)
        data = encode(document)
        artifact = store.artifacts.put_bytes(data, ".json")
        conn.execute("insert or ignore into artifacts (sha256, kind, media_type, size, path, created_at) "
                     "values (?, 'manifest', ?, ?, ?, ?)",
                     [artifact.sha256, artifact.media_type, artifact.size,
                      str(artifact.path.relative_to(store.data_dir)), sealed_at])
        row = {"seq": seq, "run_id": run_id, "sha256": artifact.sha256, "prev_sha256": prev,
               "key_id": signer.key_id if signer else None,
               "signature": signer.sign(data).hex() if signer else None, "sealed_at": sealed_at}
        conn.execute(f"insert into manifests ({', '.join(row)}) values ({', '.join('?' * len(row))})", list(row.values()))
    return row


def unsealed_runs(store: Store) -> list[str]:
    """Finished runs that have no manifest yet (older than this feature, or cut off by a crash)."""
    return [r[0] for r in store.db.execute(
        "select id from runs where outcome != 'running' and id not in (select run_id from manifests) order by started_at")]
