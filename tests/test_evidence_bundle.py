"""Signing keys, the dispute bundle and its offline verification (R13)."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from evidence_helpers import AGENCY, make_store, signer  # noqa: F401  (fixture)

from evidence.seal.bundle import export_bundle, runs_for, verify_bundle
from evidence.seal.signing import KEY_ENV, Signer, init_key, load_signer
from kiemtra.cli import run_cli
from kiemtra.errors import BundleError, SigningError


@pytest.fixture()
def bundle(tmp_path, signer):
    store, ids = make_store(tmp_path / "var", signer)
    path = tmp_path / "goi.zip"
    export_bundle(store, runs_for(store, AGENCY["services"][0]["id"]), path)
    store.close()
    return path


def rewrite(path, change):
    """Copy the zip member by member, letting `change(name, data)` return new bytes or None to drop it."""
    members = {}
    with zipfile.ZipFile(path) as old:
        for name in old.namelist():
            members[name] = old.read(name)
    with zipfile.ZipFile(path, "w") as new:
        for name, data in members.items():
            data = change(name, data)
            if data is not None:
                new.writestr(name, data)


def test_keys_init_writes_a_private_file_outside_the_repo(tmp_path, monkeypatch):
    key = tmp_path / "khoa" / "signing-key.pem"
    signer = init_key(key)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert load_signer(key, environ={}).key_id == signer.key_id
    assert (tmp_path / "khoa" / "signing-key.pem.pub").read_text() == signer.public_pem
    with pytest.raises(SigningError):
        init_key(key)  # never overwritten by accident
    with pytest.raises(SigningError):
        init_key(Path(__file__).parent / "k.pem")  # inside the repo: a secret there could be committed
    assert load_signer(tmp_path / "none.pem", environ={}) is None
    assert load_signer(None, environ={KEY_ENV: key.read_text()}).key_id == signer.key_id
    with pytest.raises(SigningError):
        load_signer(None, environ={KEY_ENV: "không phải khóa"})


def test_keys_init_command_refuses_the_repo(tmp_path):
    assert run_cli(["keys", "init", "--out", "config/signing-key.pem"]) == 2


def test_bundle_holds_manifest_artifacts_key_guide_and_verifies(bundle, signer):
    with zipfile.ZipFile(bundle) as z:
        names = set(z.namelist())
        index = z.read("index.html").decode()
        guide = z.read("HUONG-DAN-KIEM-TRA.html").decode()
    assert f"public-keys/{signer.key_id}.pem" in names and "SHA256SUMS" in names
    assert any(n.endswith(".html.txt") for n in names) and not any(n.endswith(".html") and n.startswith("evidence/") for n in names)
    assert "<video" in index and "Kiểm tra mã băm" not in index and "sha256sum -c SHA256SUMS" in guide
    report = verify_bundle(bundle, signer.public_pem)
    assert report.ok and report.signed == 1, [p.line() for p in report.problems]


@pytest.mark.parametrize("how,kind", [
    ("changed", "changed"), ("dropped", "missing"), ("added", "added"), ("manifest", "signature")])
def test_altered_bundle_is_caught(bundle, how, kind):
    def change(name, data):
        if how == "changed" and name.startswith("evidence/") and name.endswith(".png"):
            return data[:-1] + bytes([data[-1] ^ 1])
        if how == "dropped" and name.endswith(".webm"):
            return None
        if how == "manifest" and name.startswith("manifests/") and name.endswith(".json"):
            return data.replace(b'"outcome": "fail"', b'"outcome": "pass"')
        return data

    rewrite(bundle, change)
    if how == "added":
        with zipfile.ZipFile(bundle, "a") as z:
            z.writestr("evidence/them.png", b"planted")
    report = verify_bundle(bundle)
    assert kind in {p.kind for p in report.errors}, [p.line() for p in report.problems]


def test_bundle_signed_by_another_key_fails_against_the_trusted_one(bundle):
    assert not verify_bundle(bundle, Signer(Ed25519PrivateKey.generate()).public_pem).ok


def test_export_of_an_unknown_id_is_a_usage_error(tmp_path, signer):
    store, _ = make_store(tmp_path / "var", signer, runs=1)
    with pytest.raises(BundleError):
        runs_for(store, "khong-co")
    store.close()


def test_cli_verify_exits_1_on_tampering(tmp_path, signer, monkeypatch):
    store, ids = make_store(tmp_path / "var", signer, runs=2)
    store.close()
    data = ["--data", str(tmp_path / "var")]
    monkeypatch.setenv("KIEMTRA_SIGNING_KEY_FILE", str(tmp_path / "none.pem"))
    assert run_cli([*data, "evidence", "verify", "--all"]) == 0
    out = tmp_path / "b.zip"
    assert run_cli([*data, "evidence", "export", ids[0], "-o", str(out)]) == 0
    assert run_cli(["evidence", "verify-bundle", str(out)]) == 4  # intact, but no trusted key: not authenticated
    (tmp_path / "k.pub").write_text(signer.public_pem)
    assert run_cli(["evidence", "verify-bundle", str(out), "--public-key", str(tmp_path / "k.pub")]) == 0
    import sqlite3

    db = sqlite3.connect(tmp_path / "var" / "kiemtra.db")
    db.execute("update steps set outcome = 'failed' where run_id = ?", [ids[1]])
    db.commit()
    assert run_cli([*data, "evidence", "verify", ids[1]]) == 1
