"""The dispute bundle: one zip an agency can check offline (R13: figures sent to agencies to confirm).

Layout:

    index.html                  the timeline of each run: steps, screenshots, video (static, offline)
    HUONG-DAN-KIEM-TRA.html     one page, Vietnamese: how to check the hashes and signatures by hand
    manifests/<run>.json        each run's manifest, byte for byte as sealed
    manifests/<run>.sig         its Ed25519 signature, raw 64 bytes (for `openssl pkeyutl -verify`)
    public-keys/<key_id>.pem    the public keys that signed them
    chain.json                  the stretch of the hash chain from the first to the last manifest included
    evidence/<sha256><ext>      every artifact; stored HTML as `.html.txt` so no browser runs its script
    SHA256SUMS                  `sha256sum -c` list of every other file
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import jinja2

from evidence.clock import local_time
from evidence.seal.signing import key_id_of, signature_valid
from evidence.seal.unzip import MAX_MEMBER, BoundedZip
from evidence.seal.verify import Problem, Report
from evidence.seal.wacz import check_wacz
from evidence.store import Store, table
from kiemtra.errors import BundleError

TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates"
GUIDE = "HUONG-DAN-KIEM-TRA.html"
MAX_SMALL = 64 << 10  # a signature (64 bytes) or a public key (about 113): anything bigger is not one


@dataclass(frozen=True)
class Sealed:
    run_id: str
    seq: int
    sha256: str
    signature: bytes | None
    key_id: str | None
    data: bytes

    @property
    def document(self) -> dict[str, Any]:
        return json.loads(self.data)


def member_name(artifact: dict[str, Any]) -> str:
    """Where an artifact sits in the bundle; HTML from a crawled site is renamed to plain text."""
    name = Path(artifact["path"]).name
    return f"evidence/{name}.txt" if name.endswith(".html") else f"evidence/{name}"


def runs_for(store: Store, ident: str) -> list[str]:
    """The sealed runs a RUN_ID or SERVICE_ID names, oldest first."""
    rows = [r[0] for r in store.db.execute(
        "select m.run_id from manifests m join runs r on r.id = m.run_id where r.id = ? or r.target_id = ? order by m.seq",
        [ident, ident])]
    if not rows:
        raise BundleError(f"không có lượt kiểm tra đã niêm phong nào mang mã {ident}")
    return rows


def _sealed(store: Store, run_ids: list[str]) -> list[Sealed]:
    out = []
    for run_id in run_ids:
        row = next(table(store, "manifests").rows_where("run_id = ?", [run_id]))
        data = (store.data_dir / "evidence" / row["sha256"][:2] / f"{row['sha256']}.json").read_bytes()
        out.append(Sealed(run_id, row["seq"], row["sha256"], bytes.fromhex(row["signature"]) if row["signature"] else None,
                          row["key_id"], data))
    return sorted(out, key=lambda s: s.seq)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    env.filters["vn_time"] = local_time
    env.globals["member_name"] = member_name
    return env


def export_bundle(store: Store, run_ids: list[str], out: Path | IO[bytes]) -> dict[str, Any]:
    """Write the bundle of these sealed runs to `out`; return what it holds."""
    sealed = _sealed(store, run_ids)
    if isinstance(out, Path):
        if out.is_dir():
            raise BundleError(f"{out} là một thư mục; cho tên tệp gói, ví dụ {out / 'goi-bang-chung.zip'}")
        if not out.parent.is_dir():
            raise BundleError(f"không có thư mục {out.parent} để ghi gói {out.name}; tạo thư mục đó hoặc chọn nơi khác")
    keys = {r["key_id"]: r["public_key"] for r in table(store, "signing_keys").rows}
    first, last = sealed[0].seq, sealed[-1].seq
    chain = [{"seq": s, "sha256": h, "prev_sha256": p} for s, h, p in store.db.execute(
        "select seq, sha256, prev_sha256 from manifests where seq between ? and ? order by seq", [first, last])]
    documents = [s.document for s in sealed]
    env = _environment()
    files: dict[str, bytes] = {
        "index.html": env.get_template("bundle_index.html").render(documents=documents, guide=GUIDE).encode("utf-8"),
        GUIDE: env.get_template("bundle_guide.html").render(documents=documents, sealed=sealed).encode("utf-8"),
        "chain.json": json.dumps({"segment": chain}, indent=1).encode("utf-8"),
    }
    for item in sealed:
        files[f"manifests/{item.run_id}.json"] = item.data
        if item.signature:
            files[f"manifests/{item.run_id}.sig"] = item.signature
            files[f"public-keys/{item.key_id}.pem"] = keys[item.key_id].encode("ascii")
    sums = [f"{hashlib.sha256(data).hexdigest()}  {name}" for name, data in files.items()]
    artifacts = {member_name(a): a for doc in documents for a in doc["artifacts"]}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, data in files.items():
            bundle.writestr(name, data)
        for name, artifact in sorted(artifacts.items()):
            # Videos and PNGs are compressed already; storing them saves time for nothing lost.
            kind = zipfile.ZIP_STORED if name.endswith((".png", ".webm", ".zip", ".jpg")) else zipfile.ZIP_DEFLATED
            bundle.write(store.data_dir / artifact["path"], name, compress_type=kind)
            sums.append(f"{artifact['sha256']}  {name}")
        bundle.writestr("SHA256SUMS", "\n".join(sums) + "\n")
    return {"runs": [s.run_id for s in sealed], "artifacts": len(artifacts), "signed": sum(1 for s in sealed if s.signature)}


def _check_signature(bundle: BoundedZip, name: str, data: bytes, key_id: str | None, run_id: str, report: Report,
                     trusted: str | None) -> set[str]:
    """With a trusted key, the manifest must be signed by it; without, only by the key the bundle itself holds."""
    sig_name, pem_name = name[:-5] + ".sig", f"public-keys/{key_id}.pem"
    if trusted is not None:
        trusted_id = key_id_of(trusted)
        if key_id is None or sig_name not in bundle.names:
            report.problems.append(Problem("unsigned", run_id, name,
                                           f"bản kê không có chữ ký của khóa được tin cậy {trusted_id}"))
        elif key_id != trusted_id:
            report.problems.append(Problem("signature", run_id, name,
                                           f"bản kê ký bằng khóa {key_id}, không phải khóa được tin cậy {trusted_id}"))
        elif not signature_valid(trusted, bundle.read(sig_name, MAX_SMALL), data):
            report.problems.append(Problem("signature", run_id, name, "chữ ký không khớp bản kê (khóa được tin cậy)"))
        else:
            report.signed += 1
            report.key_ids.add(key_id)
        return {sig_name, pem_name} & bundle.names
    if key_id is None:
        report.problems.append(Problem("unsigned", run_id, name, "bản kê chưa được ký", "warning"))
        return set()
    if sig_name not in bundle.names or pem_name not in bundle.names:
        report.problems.append(Problem("signature", run_id, name, "thiếu chữ ký hoặc khóa công khai"))
        return {sig_name, pem_name} & bundle.names
    pem = bundle.read(pem_name, MAX_SMALL).decode("ascii")
    if key_id_of(pem) != key_id:
        report.problems.append(Problem("signature", run_id, name, f"khóa công khai trong gói không phải khóa {key_id}"))
    elif not signature_valid(pem, bundle.read(sig_name, MAX_SMALL), data):
        report.problems.append(Problem("signature", run_id, name, "chữ ký không khớp bản kê"))
    else:
        report.signed += 1
        report.key_ids.add(key_id)
    return {sig_name, pem_name}


def _check_manifest(bundle: BoundedZip, name: str, report: Report, trusted: str | None) -> tuple[set[str], dict[str, Any]]:
    """Check one manifest of a bundle and its artifacts; return the members it accounts for and the document."""
    data = bundle.read(name)
    document = bundle.json(name)
    if not isinstance(document, dict) or not isinstance(document.get("run"), dict) \
            or not isinstance(document.get("artifacts"), list):
        raise BundleError(f"{bundle.path}: {name} không phải bản kê do kiemtra viết (thiếu run hoặc artifacts)")
    run_id = str(document["run"].get("id"))
    report.runs += 1
    used = {name} | _check_signature(bundle, name, data, document.get("key_id"), run_id, report, trusted)
    for artifact in document["artifacts"]:
        report.artifacts += 1
        member = member_name(artifact)
        used.add(member)
        if member not in bundle.names:
            report.problems.append(Problem("missing", run_id, artifact["sha256"], f"thiếu tệp {member}"))
        elif bundle.sha256(member) != artifact["sha256"]:
            report.problems.append(Problem("changed", run_id, artifact["sha256"], f"nội dung tệp {member} đã bị thay đổi"))
    report.problems.extend(_check_waczs(bundle, document, document.get("key_id"), trusted))
    return used, document


# What zipfile, zlib, json and the key parser raise for a damaged or foreign file: a bad CRC, a
# broken deflate stream, an encrypted or unknown-method member, JSON of the wrong shape or too deep,
# a PEM that is not a key. None of it is a bug of kiemtra: the bundle was not made by `evidence export`.
DAMAGED = (ValueError, KeyError, TypeError, AttributeError, IndexError, zipfile.BadZipFile, zlib.error, EOFError,
           NotImplementedError, RuntimeError, OverflowError, OSError)


def _check_waczs(bundle: BoundedZip, document: dict[str, Any], key_id: str | None,
                 trusted: str | None) -> list[Problem]:
    """Inside each WACZ of a bundled run: its files, digest and signature, against the bundle's public key."""
    pem = f"public-keys/{key_id}.pem"
    keys = {key_id: bundle.read(pem).decode("ascii")} if key_id and pem in bundle.names else {}
    problems = []
    for artifact in document["artifacts"]:
        member = member_name(artifact)
        if artifact.get("role") == "wacz" and member in bundle.names:
            problems += [Problem(kind, document["run"]["id"], member, message, severity)
                         for kind, message, severity in check_wacz(bundle.read(member, MAX_MEMBER), keys, trusted)]
    return problems


def verify_bundle(path: Path, trusted: str | None = None) -> Report:
    """Check a bundle offline: signatures, every artifact's hash, the chain stretch, stray files.

    `report.authenticated` is True only when a trusted key was given: a bundle whose signatures only
    match the keys it carries itself proves nothing about who made it (anyone can re-sign).
    """
    try:
        return _verify_bundle(path, trusted)
    except BundleError:
        raise
    except DAMAGED as exc:  # RecursionError is a RuntimeError; JSONDecodeError and UnicodeDecodeError ValueErrors
        raise BundleError(f"{path} hỏng hoặc không đúng cấu trúc gói bằng chứng ({type(exc).__name__}); "
                          "xin cơ quan gửi lại gói do `kiemtra evidence export` tạo") from None


def _check_sums(bundle: BoundedZip, report: Report) -> None:
    """SHA256SUMS names every other member, each line matching it."""
    if "SHA256SUMS" not in bundle.names:
        report.problems.append(Problem("missing", None, "SHA256SUMS", "gói không có danh sách mã băm SHA256SUMS"))
        return
    listed: set[str] = set()
    for number, line in enumerate(bundle.read("SHA256SUMS").decode("utf-8").splitlines(), start=1):
        digest, _, member = line.partition("  ")
        if not line.strip():
            continue
        if member not in bundle.names:
            report.problems.append(Problem("missing", None, f"SHA256SUMS:{number}",
                                           f"dòng nêu tệp không có trong gói: {member!r}"))
        elif bundle.sha256(member) != digest:
            report.problems.append(Problem("changed", None, member, "không khớp SHA256SUMS"))
        listed.add(member)
    for member in sorted(bundle.names - listed - {"SHA256SUMS"}):
        report.problems.append(Problem("changed", None, member, "tệp không có trong SHA256SUMS"))


def _verify_bundle(path: Path, trusted: str | None) -> Report:
    report = Report(authenticated=trusted is not None)
    with BoundedZip(path) as bundle:
        used = {"index.html", GUIDE, "chain.json", "SHA256SUMS"}
        manifests = sorted(n for n in bundle.names if n.startswith("manifests/") and n.endswith(".json"))
        if not manifests:
            raise BundleError(f"{path} không chứa bản kê nào (manifests/*.json)")
        documents = {}
        for name in manifests:
            members, document = _check_manifest(bundle, name, report, trusted)
            used |= members
            documents[bundle.sha256(name)] = document
        chain = bundle.json("chain.json")["segment"] if "chain.json" in bundle.names else []
        if not isinstance(chain, list) or not all(isinstance(c, dict) for c in chain):
            raise BundleError(f"{path}: chain.json không phải đoạn chuỗi do kiemtra viết")
        links = {c["sha256"]: c for c in chain}
        for i in range(1, len(chain)):
            if chain[i]["prev_sha256"] != chain[i - 1]["sha256"] or chain[i]["seq"] != chain[i - 1]["seq"] + 1:
                report.problems.append(Problem("chain", None, "chain.json", f"chuỗi bị đứt ở bản kê số {chain[i]['seq']}"))
        for sha, document in documents.items():
            link = links.get(sha)
            if link is None or link["prev_sha256"] != document.get("prev_manifest_sha256") or link["seq"] != document.get("seq"):
                report.problems.append(Problem("chain", str(document["run"].get("id")), sha,
                                               "bản kê không nằm đúng chỗ trong chuỗi"))
        for name in sorted(bundle.names - used):
            report.problems.append(Problem("added", None, name, "tệp lạ trong gói, không thuộc bản kê nào"))
        _check_sums(bundle, report)
    return report
