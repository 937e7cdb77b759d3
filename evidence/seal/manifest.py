"""Sealing a finished run: its manifest, linked into one hash chain and signed (R9, R13).

A manifest is a JSON file kept like any artifact (named by its SHA-256, read-only). It states the
run (service, agency, attempt, times in UTC and Asia/Ho_Chi_Minh, outcome), every step (URL, times,
outcome, detail, screenshot/banner/HTML hashes), every artifact of the run, the verdict as judged
at sealing, the bot's and the browser's versions, and the hash of the manifest sealed before it.
The `manifests` table orders the chain (`seq`) and holds each manifest's Ed25519 signature.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlite_utils

from evidence.seal.banner import add_banner
from evidence.migrations import migration
from evidence.seal.signing import Signer
from evidence.store import Store, utc_now
from kiemtra.errors import ConfigError

FORMAT = "kiemtra-manifest/1"
GENESIS = "0" * 64  # the "previous manifest" of the first one: keeps prev_sha256 unique and non-null
try:
    from zoneinfo import ZoneInfo

    LOCAL_TZ: Any = ZoneInfo("Asia/Ho_Chi_Minh")
except Exception:  # no tz database on this machine: Vietnam has kept UTC+7 without DST since 1975
    LOCAL_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
RUN_FIELDS = ("id", "kind", "target_id", "agency_id", "job_id", "attempt", "started_at", "finished_at", "outcome",
              "error_kind", "error", "http_status", "final_url", "title", "duration_ms", "bot_version",
              "browser_version")
STEP_FIELDS = ("seq", "name", "action", "target", "url", "started_at", "finished_at", "outcome",
               "screenshot_sha256", "html_sha256")
VERDICT_FIELDS = ("level", "mode", "outcome", "catalogue", "rule_version")


@migration("0004_evidence")
def _evidence(db: sqlite_utils.Database) -> None:
    db["manifests"].create({
        "seq": int, "run_id": str, "sha256": str, "prev_sha256": str, "key_id": str, "signature": str,
        "sealed_at": str,
    }, pk="seq", foreign_keys=[("run_id", "runs", "id")])
    # Unique links keep the chain a line: two manifests can never claim the same predecessor.
    db["manifests"].create_index(["run_id"], unique=True)
    db["manifests"].create_index(["sha256"], unique=True)
    db["manifests"].create_index(["prev_sha256"], unique=True)
    db["signing_keys"].create({"key_id": str, "public_key": str, "first_used_at": str}, pk="key_id")
    db["derived_artifacts"].create({
        "run_id": str, "seq": int, "kind": str, "source_sha256": str, "sha256": str,
    }, pk=("run_id", "seq", "kind"), foreign_keys=[("run_id", "runs", "id")])
    db["disputes"].create({
        "id": int, "service_id": str, "run_id": str, "agency_id": str, "opened_at": str, "opened_by": str,
        "note": str, "closed_at": str,
    }, pk="id")
    db["disputes"].create_index(["service_id"])
    # The evidence browser lists an agency's runs newest first; this index makes that one range scan.
    db["runs"].create_index(["agency_id", "started_at"], index_name="idx_runs_agency_started", if_not_exists=True)


def local_time(utc_iso: str | None) -> str | None:
    """An ISO time in UTC ("...Z") as the same instant in Asia/Ho_Chi_Minh."""
    if not utc_iso:
        return None
    instant = datetime.fromisoformat(utc_iso.replace("Z", "+00:00"))
    return instant.astimezone(LOCAL_TZ).isoformat(timespec="milliseconds")


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
            store.db["derived_artifacts"].insert({"run_id": run_id, "seq": step["seq"], "kind": "banner",
                                                  "source_sha256": source, "sha256": artifact.sha256}, replace=True)
        made[step["seq"]] = artifact.sha256
    return made


def _target(store: Store, run: dict[str, Any]) -> dict[str, Any]:
    table = "services" if run["kind"] == "service" else "agencies"
    rows = list(store.db[table].rows_where("id = ?", [run["target_id"]]))
    keep = ("id", "name", "url", "declared_level", "procedure_code", "unit", "field") if table == "services" \
        else ("id", "name", "portal")
    return {k: rows[0].get(k) for k in keep} if rows else {"id": run["target_id"]}


def build(store: Store, run_id: str, banners: dict[int, str]) -> dict[str, Any]:
    """The manifest of a run as the store holds it now (without its chain position)."""
    run = store.run(run_id)
    agencies = list(store.db["agencies"].rows_where("id = ?", [run["agency_id"]]))
    agency = {k: agencies[0].get(k) for k in ("id", "name", "agency_group")} if agencies else {"id": run["agency_id"]}
    steps = []
    for row in store.steps(run_id):
        step = {k: row.get(k) for k in STEP_FIELDS}
        step.update(detail=_parsed(row.get("detail")), started_at_local=local_time(row.get("started_at")),
                    finished_at_local=local_time(row.get("finished_at")), banner_sha256=banners.get(row["seq"]))
        steps.append(step)
    artifacts = sorted(({"sha256": a["sha256"], "role": a["role"], "media_type": a["media_type"], "size": a["size"],
                         "path": a["path"]} for a in store.run_artifacts(run_id)), key=lambda a: (a["role"], a["sha256"]))
    verdicts = list(store.db["verdicts"].rows_where("run_id = ?", [run_id]))
    verdict = None
    if verdicts:
        verdict = {k: verdicts[0].get(k) for k in VERDICT_FIELDS}
        verdict["reasons"] = _parsed(verdicts[0].get("reasons"))
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
    existing = list(store.db["manifests"].rows_where("run_id = ?", [run_id]))
    if existing:
        return existing[0]
    if not store.db["runs"].count_where("id = ?", [run_id]):
        raise ConfigError(f"không có lượt {run_id} trong kho", field="RUN_ID", fix="xem mã các lượt bằng `kiemtra runs`")
    document = build(store, run_id, {})
    banners = make_banners(store, run_id, document["agency"], document["target"], document["steps"])
    document = build(store, run_id, banners)
    if signer is not None:
        with store.db.conn:
            store.db["signing_keys"].insert({"key_id": signer.key_id, "public_key": signer.public_pem,
                                             "first_used_at": utc_now()}, pk="key_id", ignore=True)
    # BEGIN IMMEDIATE takes the write lock before reading the head, so two crawls never fork the chain.
    store.db.conn.execute("BEGIN IMMEDIATE")
    try:
        head = store.db.execute("select seq, sha256 from manifests order by seq desc limit 1").fetchone()
        seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS)
        sealed_at = utc_now()
        document.update(seq=seq, prev_manifest_sha256=prev, sealed_at=sealed_at, sealed_at_local=local_time(sealed_at),
                        key_id=signer.key_id if signer else None)
        data = encode(document)
        artifact = store.artifacts.put_bytes(data, ".json")
        # Plain SQL here: sqlite-utils' inserts commit on their own and would end the locked transaction.
        store.db.execute("insert or ignore into artifacts (sha256, kind, media_type, size, path, created_at) "
                         "values (?, 'manifest', ?, ?, ?, ?)",
                         [artifact.sha256, artifact.media_type, artifact.size,
                          str(artifact.path.relative_to(store.data_dir)), sealed_at])
        row = {"seq": seq, "run_id": run_id, "sha256": artifact.sha256, "prev_sha256": prev,
               "key_id": signer.key_id if signer else None,
               "signature": signer.sign(data).hex() if signer else None, "sealed_at": sealed_at}
        store.db.execute(f"insert into manifests ({', '.join(row)}) values ({', '.join('?' * len(row))})", list(row.values()))
    except BaseException:
        store.db.conn.rollback()
        raise
    store.db.conn.commit()
    return row


def unsealed_runs(store: Store) -> list[str]:
    """Finished runs that have no manifest yet (older than this feature, or cut off by a crash)."""
    return [r[0] for r in store.db.execute(
        "select id from runs where outcome != 'running' and id not in (select run_id from manifests) order by started_at")]
