"""Issue 12 items 3, 8 and 9: forged, re-signed, bombed and malformed dispute bundles.

Each bundle here is crafted from a real one (`kiemtra evidence export` of a synthetic sealed store)
the way an agency disputing a verdict could: a verdict changed and the signatures dropped with every
sum recomputed, a re-signature with a key of its own, a zip bomb, and every kind of damage. Each is
checked through the CLI, as an inspector runs it: one line, a stable exit code, never a traceback.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from evidence_helpers import AGENCY, make_store, signer  # noqa: F401  (fixture)

from evidence.seal.bundle import export_bundle, runs_for, verify_bundle
from evidence.seal.signing import Signer
from kiemtra.cli import run_cli
from kiemtra.commands.evidence import NOT_AUTHENTICATED


@pytest.fixture()
def bundle(tmp_path, signer):  # noqa: F811
    store, _ = make_store(tmp_path / "var", signer)
    path = tmp_path / "goi.zip"
    export_bundle(store, runs_for(store, AGENCY["services"][0]["id"]), path)
    store.close()
    return path


@pytest.fixture()
def trusted(tmp_path, signer):  # noqa: F811
    path = tmp_path / "khoa.pub"
    path.write_text(signer.public_pem)
    return path


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def write(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return path


def resum(files: dict[str, bytes]) -> dict[str, bytes]:
    """Recompute SHA256SUMS over every member, as a forger would."""
    files = {n: d for n, d in files.items() if n != "SHA256SUMS"}
    files["SHA256SUMS"] = "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in files.items()).encode()
    return files


def manifest_name(files: dict[str, bytes]) -> str:
    return next(n for n in files if n.startswith("manifests/") and n.endswith(".json"))


def forge(files: dict[str, bytes], new_signer: Signer | None) -> dict[str, bytes]:
    """Change the verdict, drop (or redo with `new_signer`) the signature, recompute the chain and sums."""
    name = manifest_name(files)
    old_sha = hashlib.sha256(files[name]).hexdigest()
    document = json.loads(files[name])
    document["verdict"]["level"], document["verdict"]["outcome"] = 4, "pass"
    document["key_id"] = new_signer.key_id if new_signer else None
    data = json.dumps(document, ensure_ascii=False, indent=1).encode()
    files = {n: d for n, d in files.items() if not n.startswith(("public-keys/", "manifests/"))}
    files[name] = data
    if new_signer:
        files[name[:-5] + ".sig"] = new_signer.sign(data)
        files[f"public-keys/{new_signer.key_id}.pem"] = new_signer.public_pem.encode()
    chain = json.loads(files["chain.json"])
    for link in chain["segment"]:
        if link["sha256"] == old_sha:
            link["sha256"] = hashlib.sha256(data).hexdigest()
    files["chain.json"] = json.dumps(chain).encode()
    return resum(files)


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = run_cli(["evidence", "verify-bundle", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_an_intact_bundle_is_authenticated_only_against_a_trusted_key(bundle, trusted, capsys):
    assert cli(capsys, bundle, "--public-key", trusted)[0] == 0
    code, out, _ = cli(capsys, bundle)
    assert code == NOT_AUTHENTICATED and "CHƯA XÁC THỰC" in out


def test_a_forged_unsigned_bundle_fails_against_the_trusted_key_naming_the_manifest(bundle, trusted, tmp_path, capsys):
    files = members(bundle)
    forged = write(tmp_path / "gia.zip", forge(files, None))
    code, out, _ = cli(capsys, forged, "--public-key", trusted)
    assert code == 1, out
    assert manifest_name(files) in out and "khóa được tin cậy" in out
    assert cli(capsys, forged)[0] == NOT_AUTHENTICATED  # never "intact" without a key to prove who made it


def test_a_bundle_resigned_with_another_key_is_not_authenticated(bundle, trusted, tmp_path, capsys):
    files = members(bundle)
    other = Signer(Ed25519PrivateKey.generate())
    forged = write(tmp_path / "gia.zip", forge(files, other))
    code, out, _ = cli(capsys, forged)
    assert code == NOT_AUTHENTICATED and "CHƯA XÁC THỰC" in out
    code, out, _ = cli(capsys, forged, "--public-key", trusted)
    assert code == 1 and other.key_id in out and manifest_name(files) in out


def test_the_trusted_key_may_come_from_the_settings(bundle, trusted, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KIEMTRA_SIGNING_TRUSTED_PUBLIC_KEY", str(trusted))
    assert cli(capsys, bundle)[0] == 0
    forged = write(tmp_path / "gia.zip", forge(members(bundle), Signer(Ed25519PrivateKey.generate())))
    assert cli(capsys, forged)[0] == 1


def test_a_member_missing_from_the_sums_is_named(bundle, trusted, tmp_path, capsys):
    files = members(bundle)
    files["index.html"] = b"<p>trang khac</p>"
    files["SHA256SUMS"] = b"".join(line + b"\n" for line in files["SHA256SUMS"].splitlines()
                                   if not line.endswith(b"  index.html"))
    code, out, _ = cli(capsys, write(tmp_path / "b.zip", files), "--public-key", trusted)
    assert code == 1 and "index.html" in out


def test_a_zip_bomb_is_refused_before_it_is_inflated(bundle, tmp_path, capsys):
    files = members(bundle)
    files["evidence/" + "0" * 64 + ".png"] = bytes(64 << 20)  # 64 MiB of zeros deflate to about 64 KiB
    code, _, err = cli(capsys, write(tmp_path / "bom.zip", files))
    assert code == 2 and "bom zip" in err and len(err.strip().splitlines()) == 1


def _raw_flip(path: Path, needle: bytes) -> Path:
    raw = bytearray(path.read_bytes())
    at = raw.index(needle) + len(needle) // 2
    raw[at] ^= 0xFF
    out = path.with_name("crc.zip")
    out.write_bytes(bytes(raw))
    return out


def _damaged(kind: str, bundle: Path, tmp_path: Path) -> Path:
    files = members(bundle)
    name = manifest_name(files)
    if kind == "not-a-zip":
        (tmp_path / "x.zip").write_bytes("PK\x03\x04 rác".encode())
        return tmp_path / "x.zip"
    if kind == "no-manifest":
        return write(tmp_path / "x.zip", {n: d for n, d in files.items() if not n.startswith("manifests/")})
    if kind == "bad-json":
        return write(tmp_path / "x.zip", {**files, name: b"{khong phai json"})
    if kind == "wrong-shape":
        return write(tmp_path / "x.zip", {**files, name: b"[1, 2]"})
    if kind == "deep-json":
        return write(tmp_path / "x.zip", {**files, name: b"[" * 100_000 + b"]" * 100_000})
    if kind == "bad-chain":
        return write(tmp_path / "x.zip", {**files, "chain.json": b'{"segment": [1, "a"]}'})
    if kind == "chain-not-json":
        return write(tmp_path / "x.zip", {**files, "chain.json": b"\xff\xfe"})
    if kind == "bad-pem":
        pem = next(n for n in files if n.startswith("public-keys/"))
        return write(tmp_path / "x.zip", {**files, pem: b"-----BEGIN PUBLIC KEY-----\nrac\n-----END PUBLIC KEY-----\n"})
    if kind == "binary-pem":
        pem = next(n for n in files if n.startswith("public-keys/"))
        return write(tmp_path / "x.zip", {**files, pem: bytes(range(256))})
    if kind == "bad-artifact-entry":
        document = json.loads(files[name])
        document["artifacts"] = [{"path": 5}]
        return write(tmp_path / "x.zip", {**files, name: json.dumps(document).encode()})
    if kind == "bad-crc":
        with zipfile.ZipFile(bundle) as z:
            png = next(n for n in z.namelist() if n.endswith(".png"))
            needle = z.read(png)[20:60]  # PNGs are stored, not deflated: their bytes sit in the zip as they are
        return _raw_flip(bundle, needle)
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["not-a-zip", "no-manifest", "bad-json", "wrong-shape", "deep-json", "bad-chain",
                                  "chain-not-json", "bad-pem", "binary-pem", "bad-artifact-entry", "bad-crc"])
def test_every_malformed_bundle_is_one_line_and_exit_2(kind, bundle, tmp_path, capsys):
    damaged = _damaged(kind, bundle, tmp_path)
    code, out, err = cli(capsys, damaged)
    assert code in (1, 2), (code, out, err)
    assert "Traceback" not in out + err
    if code == 2:
        assert len(err.strip().splitlines()) == 1, err


def test_the_library_raises_bundle_errors_never_raw_exceptions(bundle, tmp_path):
    from kiemtra.errors import BundleError

    with pytest.raises(BundleError):
        verify_bundle(_damaged("deep-json", bundle, tmp_path))


def test_a_large_member_is_hashed_in_chunks_never_whole_in_memory(bundle, tmp_path):
    import os
    import tracemalloc

    files = members(bundle)
    big = os.urandom(48 << 20)  # incompressible: no zip bomb, just big, and listed in SHA256SUMS
    files["evidence/lon.webm"] = big
    files = resum(files)
    path = write(tmp_path / "lon.zip", files)
    del big, files
    tracemalloc.start()
    report = verify_bundle(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "added" in {p.kind for p in report.errors}  # a stray member, reported, not read whole
    assert peak < 16 << 20, f"peak {peak:,} bytes"
