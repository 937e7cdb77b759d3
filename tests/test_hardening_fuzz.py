"""Issue 12: a seeded mutation pass over every importer and `evidence verify-bundle`, through the CLI.

Each input starts as a good file kiemtra itself reads (a catalogue export in CSV, JSON and XLSX, a
filled survey form, a review scores file, an issued confirmation sheet, a signed dispute bundle) and
is damaged by a seeded mutator: bytes flipped, inserted, cut or duplicated, the text of one zip member
changed (XLSX and bundles are zips: raw flips alone only ever exercise the zip reader), hostile
tokens planted (`inf`, `nan`, `=`, a 200 KB field, deep brackets, a NUL, non-UTF-8 bytes).

The oracle for each mutated input: no exception escapes the CLI (no traceback), and either the input
is still acceptable (exit 0: a mutation that kept it valid, e.g. a changed letter in a name) or it
is refused with exit 1 or 2, every line on stderr one "lỗi ..." line, and the store's content exactly
as before. A test also fails when too few mutants are refused, so the pass cannot go vacuous.
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from evidence_helpers import AGENCY, make_store
from hardening_helpers import db_digest
from openpyxl import Workbook, load_workbook

from evidence.seal.bundle import export_bundle, runs_for
from evidence.seal.signing import Signer
from tests.scoring_helpers import FILLED, cli, config_dir, fill  # noqa: F401  (config_dir is a fixture)

MUTANTS = 20
TOKENS = [b"inf", b"1e999", b"nan", b"-", b"=1+1", b"\x00", b"\xff\xfe\xfa", b"[" * 5000, b"{" * 5000, b'"', b",", b";",
          b"\n", b"\r", b"A" * 200_000, b"1900", b"hai nghin", b"<", b"&#0;", b"]]>"]


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(max(1, len(out)))
        how = rng.randrange(6)
        if how == 0 and out:
            out[at] ^= 1 << rng.randrange(8)
        elif how == 1:
            out[at:at] = rng.choice(TOKENS)
        elif how == 2:
            del out[at:at + rng.randint(1, 64)]
        elif how == 3:
            out[at:at] = out[at:at + rng.randint(1, 256)]
        elif how == 4:
            del out[at:]
        else:
            token = rng.choice(TOKENS)
            out[at:at + len(token)] = token
    return bytes(out)


def mutate_zip(data: bytes, rng: random.Random) -> bytes:
    """Mostly: one member's bytes mutated and the zip rewritten whole; sometimes raw bytes of the zip."""
    if rng.random() < 0.25:
        return mutate_bytes(data, rng)
    with zipfile.ZipFile(io.BytesIO(data)) as old:
        members = {i.filename: old.read(i) for i in old.infolist()}
    name = rng.choice(sorted(members))
    members[name] = mutate_bytes(members[name], rng)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as new:
        for member, content in members.items():
            new.writestr(member, content)
    return buffer.getvalue()


def zip_contents(data: bytes) -> dict[str, bytes] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return {i.filename: z.read(i) for i in z.infolist()}
    except Exception:
        return None


def run_mutants(tmp_path: Path, seed_file: Path, command: Callable[[Path], int], capsys, db: Path, *,
                mutator: Callable[[bytes, random.Random], bytes], seed: int) -> tuple[int, int]:
    """Run MUTANTS mutated copies of `seed_file`; return (refused, accepted). Fails on any broken oracle."""
    rng = random.Random(seed)
    original = seed_file.read_bytes()
    refused = accepted = 0
    for number in range(MUTANTS):
        mutant = tmp_path / f"dot-bien-{number}{seed_file.suffix}"
        data = mutator(original, rng)
        mutant.write_bytes(data)
        before = db_digest(db)
        capsys.readouterr()
        try:
            code = command(mutant)
        except BaseException as exc:  # anything escaping run_cli would be a traceback for the inspector
            pytest.fail(f"mutant {number} of {seed_file.name} (kept at {mutant}) raised {type(exc).__name__}: {exc}")
        err = capsys.readouterr().err
        assert "Traceback" not in err, (mutant, err)
        if code == 0:
            accepted += 1
            continue
        assert code in (1, 2), (mutant, code, err)
        lines = err.strip().splitlines()
        assert lines and all(line.startswith("lỗi ") for line in lines), (mutant, err)
        assert db_digest(db) == before, f"mutant {mutant} was refused but changed the store"
        refused += 1
    return refused, accepted


def catalogue_seeds(folder: Path) -> list[Path]:
    rows = [{"ma_thu_tuc": f"1.{i:06d}", "ten_thu_tuc": f"Thủ tục cấp giấy phép số {i}", "linh_vuc": "Hộ tịch"}
            for i in range(1, 30)]
    csv_path = folder / "tthc.csv"
    csv_path.write_text("ma_thu_tuc,ten_thu_tuc,linh_vuc\n" + "".join(f"{r['ma_thu_tuc']},{r['ten_thu_tuc']},{r['linh_vuc']}\n"
                                                                       for r in rows), encoding="utf-8")
    json_path = folder / "tthc.json"
    json_path.write_text(json.dumps({"data": rows}, ensure_ascii=False), encoding="utf-8")
    book = Workbook()
    book.active.append(list(rows[0]))
    for r in rows:
        book.active.append(list(r.values()))
    xlsx_path = folder / "tthc.xlsx"
    book.save(xlsx_path)
    return [csv_path, json_path, xlsx_path]


@pytest.mark.parametrize("kind", [".csv", ".json", ".xlsx"])
def test_fuzz_catalogue_import(kind, config_dir, tmp_path, capsys):
    seeds = {p.suffix: p for p in catalogue_seeds(tmp_path)}
    assert cli(config_dir, "catalogue", "import", str(seeds[kind])) == 0
    refused, _ = run_mutants(tmp_path, seeds[kind], lambda p: cli(config_dir, "catalogue", "import", str(p)), capsys,
                             tmp_path / "var" / "kiemtra.db", mutator=mutate_zip if kind == ".xlsx" else mutate_bytes,
                             seed=len(kind))
    assert refused >= MUTANTS // 3


def test_fuzz_survey_import(config_dir, tmp_path, capsys):
    form = tmp_path / "phieu.xlsx"
    assert cli(config_dir, "survey", "template", "--group", "tinh", "-o", str(form)) == 0
    fill(form, FILLED, agency="bac-ninh", year=2024)
    assert cli(config_dir, "survey", "import", str(form)) == 0
    refused, _ = run_mutants(tmp_path, form, lambda p: cli(config_dir, "survey", "import", str(p)), capsys,
                             tmp_path / "var" / "kiemtra.db", mutator=mutate_zip, seed=21)
    assert refused >= MUTANTS // 3


def test_fuzz_review_import(config_dir, tmp_path, capsys):
    scores = tmp_path / "diem.csv"
    scores.write_text("agency_id,criterion_id,score,note\nbac-ninh,c3-intro,1,được\nbac-ninh,c3-news,2,\n"
                      "bo-tp,c3-intro,1,\n", encoding="utf-8")
    command = lambda p: cli(config_dir, "review", "import", str(p), "--inspector", "b")  # noqa: E731
    assert command(scores) == 0
    refused, _ = run_mutants(tmp_path, scores, command, capsys, tmp_path / "var" / "kiemtra.db",
                             mutator=mutate_bytes, seed=31)
    assert refused >= MUTANTS // 3


def test_fuzz_confirm_import(config_dir, tmp_path, capsys):
    out = tmp_path / "bao-cao"
    assert cli(config_dir, "report", "--year", "2024", "-o", str(out)) == 0
    sheet = out / "xac-nhan" / "xac-nhan-bac-ninh-2024.xlsx"
    book = load_workbook(sheet)
    book["Xác nhận"].cell(6, 7, "không đồng ý")
    book["Xác nhận"].cell(6, 8, "Số liệu chưa đúng")
    book.save(sheet)
    refused, _ = run_mutants(tmp_path, sheet, lambda p: cli(config_dir, "confirm", "import", str(p)), capsys,
                             tmp_path / "var" / "kiemtra.db", mutator=mutate_zip, seed=41)
    assert refused >= MUTANTS // 3


def test_fuzz_verify_bundle(tmp_path, capsys):
    signer = Signer(Ed25519PrivateKey.generate())
    store, _ = make_store(tmp_path / "var", signer, runs=2)
    bundle = tmp_path / "goi.zip"
    export_bundle(store, runs_for(store, AGENCY["services"][0]["id"]), bundle)
    store.close()
    key = tmp_path / "khoa.pub"
    key.write_text(signer.public_pem)
    good = zip_contents(bundle.read_bytes())
    command = lambda p: cli(tmp_path, "evidence", "verify-bundle", str(p), "--public-key", str(key))  # noqa: E731
    assert command(bundle) == 0
    rng = random.Random(51)
    refused = 0
    for number in range(MUTANTS):
        data = mutate_zip(bundle.read_bytes(), rng)
        mutant = tmp_path / f"dot-bien-{number}.zip"
        mutant.write_bytes(data)
        capsys.readouterr()
        code = command(mutant)
        err = capsys.readouterr().err
        assert "Traceback" not in err
        if code == 0:
            # Only a mutation that left every member's bytes as they were (zip metadata) may pass.
            assert zip_contents(data) == good, f"{mutant} changed content yet verified"
            continue
        assert code in (1, 2), (mutant, code, err)
        if code == 2:
            assert len(err.strip().splitlines()) == 1, err
        refused += 1
    assert refused >= MUTANTS * 2 // 3
