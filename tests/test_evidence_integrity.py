"""Manifests, the hash chain and signatures catch every way evidence can be altered (R9)."""

from __future__ import annotations

import hashlib
import json
import os
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from evidence_helpers import add_run, make_store, signer  # noqa: F401  (fixture)
from PIL import Image

from evidence import runs
from evidence.clock import local_time
from evidence.seal.manifest import seal_run
from evidence.seal.signing import Signer
from evidence.seal.verify import verify

pytestmark = pytest.mark.usefixtures("store_dialect")   # every test on SQLite and on PostgreSQL


@pytest.fixture()
def sealed(tmp_path, signer):
    store, ids = make_store(tmp_path / "var", signer)
    yield store, ids
    store.close()


def _file(store, sha):
    path = store.artifact_path(sha)
    os.chmod(path, 0o644)  # stored files are read-only; the tamperer makes them writable first
    return path


def _old(path):
    past = time.time() - 3600
    os.utime(path, (past, past))


def _sql(store, sql, params=()):
    store.db.execute(sql, list(params))
    store.db.conn.commit()


def kinds(report, run_id=None):
    return {(p.kind, p.run_id) for p in report.errors if run_id is None or p.run_id == run_id}


def test_untouched_store_verifies_signed_and_chained(sealed, signer):
    store, ids = sealed
    report = verify(store, trusted=signer.public_pem)
    assert report.ok, [p.line() for p in report.problems]
    assert report.signed == 3 and report.key_ids == {signer.key_id}
    assert report.head == store.db.execute("select sha256 from manifests order by seq desc").fetchone()[0]


def test_manifest_states_both_times_versions_and_hashes(sealed):
    store, ids = sealed
    row = store.db["manifests"].get(1)
    document = json.loads(store.artifact_path(row["sha256"]).read_bytes())
    assert document["run"]["started_at_local"].endswith("+07:00")
    assert document["steps"][0]["started_at_local"] == "2025-06-01T08:00:00.000+07:00"
    assert document["bot"]["version"] == "0.1.0" and document["browser"]["version"] == "140.0"
    assert document["prev_manifest_sha256"] == "0" * 64
    roles = {a["role"] for a in document["artifacts"]}
    assert roles == {"screenshot", "screenshot_banner", "html", "video"}
    assert store.db["manifests"].get(2)["prev_sha256"] == row["sha256"]


def test_banner_is_a_derived_copy_and_the_original_is_untouched(sealed):
    store, ids = sealed
    step = runs.steps(store, ids[0])[0]
    original = store.artifact_path(step["screenshot_sha256"])
    assert hashlib.sha256(original.read_bytes()).hexdigest() == step["screenshot_sha256"]
    banner = store.db["derived_artifacts"].get((ids[0], 1, "banner"))
    with Image.open(original) as a, Image.open(store.artifact_path(banner["sha256"])) as b:
        assert b.width == a.width and b.height > a.height  # a strip added above, nothing painted over
        assert b.crop((0, b.height - a.height, b.width, b.height)).convert("RGB").tobytes() == a.convert("RGB").tobytes()


def test_without_a_key_manifests_are_chained_but_unsigned(tmp_path):
    store, ids = make_store(tmp_path / "var", None, runs=2)
    report = verify(store)
    assert report.ok and report.signed == 0
    assert {p.kind for p in report.problems} == {"unsigned"}


def tamper_artifact_byte(store, ids):
    path = _file(store, runs.steps(store, ids[1])[0]["screenshot_sha256"])
    data = bytearray(path.read_bytes())
    data[-20] ^= 1
    path.write_bytes(bytes(data))
    return ("changed", ids[1])


def tamper_artifact_append(store, ids):
    path = _file(store, runs.steps(store, ids[0])[1]["html_sha256"])
    path.write_bytes(path.read_bytes() + b" ")
    return ("changed", ids[0])


def tamper_artifact_delete(store, ids):
    path = _file(store, [a for a in runs.artifacts(store, ids[2]) if a["role"] == "video"][0]["sha256"])
    path.unlink()
    return ("missing", ids[2])


def tamper_added_file(store, ids):
    path = store.data_dir / "evidence" / "ab" / ("ab" + "1" * 62 + ".png")
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(b"planted")
    _old(path)
    return ("added", None)


def tamper_manifest_file(store, ids):
    path = _file(store, store.db["manifests"].get(2)["sha256"])
    path.write_text(path.read_text(encoding="utf-8").replace('"outcome": "fail"', '"outcome": "pass"'), encoding="utf-8")
    return ("changed", ids[1])


def tamper_manifest_row_deleted(store, ids):
    _sql(store, "delete from manifests where seq = 2")
    return ("chain", ids[2])


def tamper_step_url(store, ids):
    _sql(store, "update steps set url = 'http://127.0.0.1:1/khac' where run_id = ? and seq = 1", [ids[0]])
    return ("row", ids[0])


def tamper_step_deleted(store, ids):
    _sql(store, "delete from steps where run_id = ? and seq = 2", [ids[1]])
    return ("removed", ids[1])


def tamper_run_artifact_added(store, ids):
    other = runs.steps(store, ids[0])[0]["screenshot_sha256"]
    _sql(store, "insert into run_artifacts values (?, ?, 'screenshot')", [ids[2], other])
    return ("added", ids[2])


def tamper_verdict_level(store, ids):
    _sql(store, "update verdicts set level = 3, outcome = 'pass' where run_id = ?", [ids[1]])
    return ("row", ids[1])


def tamper_run_title(store, ids):
    _sql(store, "update runs set title = 'Trang khác' where id = ?", [ids[2]])
    return ("row", ids[2])


def tamper_signature(store, ids):
    row = store.db["manifests"].get(3)
    bad = bytearray(bytes.fromhex(row["signature"]))
    bad[0] ^= 1
    _sql(store, "update manifests set signature = ? where seq = 3", [bad.hex()])
    return ("signature", ids[2])


def tamper_resigned_with_another_key(store, ids):
    # The tamperer rewrites a manifest and signs it with a key of their own, stored beside the real one.
    from evidence.seal.manifest import encode

    row = store.db["manifests"].get(1)
    path = _file(store, row["sha256"])
    document = json.loads(path.read_bytes())
    document["run"]["title"] = "Giả mạo"
    forger = Signer(Ed25519PrivateKey.generate())
    data = encode({**document, "key_id": forger.key_id})
    artifact = store.artifacts.put_bytes(data, ".json")
    store.db.execute("insert into artifacts (sha256, kind, media_type, size, path) values (?, 'manifest', 'application/json', ?, ?)",
                     [artifact.sha256, artifact.size, str(artifact.path.relative_to(store.data_dir))])
    store.db.execute("insert into signing_keys values (?, ?, '')", [forger.key_id, forger.public_pem])
    store.db.execute("update manifests set sha256 = ?, key_id = ?, signature = ? where seq = 1",
                     [artifact.sha256, forger.key_id, forger.sign(data).hex()])
    _sql(store, "update runs set title = 'Giả mạo' where id = ?", [ids[0]])
    return ("signature", ids[0])


TAMPERS = [tamper_artifact_byte, tamper_artifact_append, tamper_artifact_delete, tamper_added_file,
           tamper_manifest_file, tamper_manifest_row_deleted, tamper_step_url, tamper_step_deleted,
           tamper_run_artifact_added, tamper_verdict_level, tamper_run_title, tamper_signature,
           tamper_resigned_with_another_key]


@pytest.mark.parametrize("tamper", TAMPERS, ids=[t.__name__[7:] for t in TAMPERS])
def test_every_alteration_is_caught_with_its_run(sealed, signer, tamper):
    store, ids = sealed
    expected = tamper(store, ids)
    report = verify(store, trusted=signer.public_pem)
    assert not report.ok
    assert expected in kinds(report), [p.line() for p in report.problems]


def test_single_run_verification_names_only_that_runs_problems(sealed):
    store, ids = sealed
    tamper_artifact_byte(store, ids)
    assert verify(store, [ids[0]]).ok
    assert not verify(store, [ids[1]]).ok


def test_unsealed_finished_run_is_an_error_until_sealed(sealed, signer):
    store, ids = sealed
    late = add_run(store, "thu-nghiem-001", 9)
    assert ("unsealed", late) in kinds(verify(store))
    seal_run(store, late, signer)
    assert seal_run(store, late, signer)["seq"] == 4  # idempotent: sealing twice keeps one manifest
    assert verify(store).ok


def test_local_time_is_vietnam_time():
    assert local_time("2025-12-31T20:30:00.000Z") == "2026-01-01T03:30:00.000+07:00"
