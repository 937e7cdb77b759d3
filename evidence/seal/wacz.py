"""A run's network exchange as a signed WACZ (Web Archive Collection Zipped), and its verification.

The layout is that of the WACZ 1.1.1 specification, so any standard tool opens it (ReplayWeb.page
replays it, `wacz validate` validates it):

    archive/data.warc.gz        every request and response the bot's pages made, as WARC records (warcio)
    indexes/index.cdx.gz        the CDXJ index of those records, compressed in blocks (py-wacz's indexer)
    indexes/index.idx           the index of those blocks
    pages/pages.jsonl           each step's page: its URL, time and title
    datapackage.json            every file above with its SHA-256 and size
    datapackage-digest.json     the SHA-256 of datapackage.json, signed with kiemtra's Ed25519 key

Signing follows the WACZ Signing and Verification recommendation's anonymous (self-held key) form:
`signedData` holds `hash`, `created` (equal to the datapackage's), `software`, `publicKey` and
`signature` over the `hash` string. Where it differs (Ed25519 instead of ECDSA P-256, the key trusted
through kiemtra's key id rather than a domain certificate, no timestamp authority) is written down in
docs/evidence.md.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from evidence.seal.signing import Signer, key_id_of, signature_valid
from evidence.store import Store
from kiemtra.errors import BundleError

WACZ_VERSION = "1.1.1"
WARC_NAME = "archive/data.warc.gz"
PAGES_NAME = "pages/pages.jsonl"
DIGEST_NAME = "datapackage-digest.json"
PACKAGE_NAME = "datapackage.json"
SIGNATURE_ALGORITHM = "ed25519"
# Bodies in a HAR are decoded and may be blanked: the transfer headers no longer describe them.
UNREADABLE_BODY_HEADER = "X-Kiemtra-Unparsed-Content-Type"
DROPPED_RESPONSE_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


@dataclass(frozen=True)
class Exchange:
    """One request the browser made and the response it received, bodies included."""

    url: str
    method: str
    started_at: str                  # ISO 8601 UTC, as the browser timed it
    status: int
    status_text: str = ""
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    request_body: bytes = b""
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: bytes = b""


@dataclass(frozen=True)
class Page:
    """One entry of pages.jsonl: a step's page."""

    url: str
    ts: str                          # ISO 8601 UTC
    title: str
    id: str


def _warc_date(iso: str) -> str:
    """WARC-Date wants `YYYY-MM-DDThh:mm:ss[.ffffff]Z`."""
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _indexable_request_headers(item: Exchange) -> list[tuple[str, str]]:
    """The request's headers; a body the indexer cannot read as its Content-Type says is kept under another name.

    Chromium does not hand over the body of a file upload (multipart), and a hostile page can send a
    body that is not what its header claims: either would stop the CDXJ indexer and cost the run its
    WACZ. The original header stays, renamed, so nothing is hidden.
    """
    from cdxj_indexer.postquery import query_extract

    headers = [(k, v) for k, v in item.request_headers if not k.startswith(":")]
    content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
    if item.method.upper() in ("GET", "HEAD") or not content_type:
        return headers
    try:
        query_extract(content_type, len(item.request_body), io.BytesIO(item.request_body), item.url)
    except Exception:  # noqa: BLE001 - whatever the multipart/JSON parser raises on a body it cannot read
        return [((UNREADABLE_BODY_HEADER if k.lower() == "content-type" else k), v) for k, v in headers]
    return headers


def write_warc(exchanges: Iterable[Exchange], out: io.BufferedIOBase | io.BytesIO, software: str) -> int:
    """Write a warcinfo record, then a response and a request record per exchange; return the exchanges written."""
    writer = WARCWriter(out, gzip=True)
    writer.write_record(writer.create_warcinfo_record("data.warc.gz", {"software": software, "format": "WARC File Format 1.1"}))
    written = 0
    for item in exchanges:
        if item.status <= 0 or not item.url.startswith(("http://", "https://")):
            continue  # no response (aborted, failed) or a data:/blob: URL: nothing was received over the network
        headers = [(k, v) for k, v in item.response_headers
                   if not k.startswith(":") and k.lower() not in DROPPED_RESPONSE_HEADERS]
        headers.append(("Content-Length", str(len(item.response_body))))
        date = _warc_date(item.started_at)
        response = writer.create_warc_record(
            item.url, "response", payload=io.BytesIO(item.response_body), length=len(item.response_body),
            http_headers=StatusAndHeaders(f"{item.status} {item.status_text}".strip(), headers, protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Date": date})
        writer.write_record(response)
        request_headers = _indexable_request_headers(item)
        request = writer.create_warc_record(
            item.url, "request", payload=io.BytesIO(item.request_body), length=len(item.request_body),
            http_headers=StatusAndHeaders(f"{item.method} {_request_target(item.url)} HTTP/1.1", request_headers,
                                          is_http_request=True),
            warc_headers_dict={"WARC-Date": date,
                               "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID")})
        writer.write_record(request)
        written += 1
    return written


def _index(warc: Path, package: zipfile.ZipFile, stamp: tuple[int, int, int, int, int, int]) -> None:
    """The CDXJ index as py-wacz writes it: blocks in indexes/index.cdx.gz, their index in indexes/index.idx."""
    from wacz.waczindexer import WACZIndexer  # imported late: it pulls in text extraction we do not use

    summary = io.BytesIO()
    text = io.TextIOWrapper(summary, "utf-8", write_through=True)
    blocks = zipfile.ZipInfo("indexes/index.cdx.gz", stamp)
    with package.open(blocks, "w") as data:
        indexer = WACZIndexer(text, [str(warc)], sort=True, post_append=True, compress=data, lines=1024,
                              digest_records=True, fields="referrer,req.http:cookie", data_out_name="index.cdx.gz",
                              hash_type="sha256", main_url="", detect_pages=False)
        indexer.process_all()
    idx = zipfile.ZipInfo("indexes/index.idx", stamp)
    idx.compress_type = zipfile.ZIP_DEFLATED
    package.writestr(idx, summary.getvalue())


def _pages_jsonl(pages: list[Page], title: str) -> bytes:
    lines = [{"format": "json-pages-1.0", "id": "pages", "title": title}]
    lines += [{"id": p.id, "url": p.url, "ts": _warc_date(p.ts), "title": p.title} for p in pages]
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode("utf-8")


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def public_key_b64(signer: Signer) -> str:
    """The public key as the signing spec carries it: base64 of its DER SubjectPublicKeyInfo."""
    der = signer.private_key.public_key().public_bytes(serialization.Encoding.DER,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode("ascii")


def _pem_of(public_key_b64_text: str) -> str:
    key = serialization.load_der_public_key(base64.b64decode(public_key_b64_text, validate=True))
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def signed_digest(package: bytes, created: str, software: str, signer: Signer | None) -> dict[str, object]:
    """datapackage-digest.json: the package's hash, and where there is a key, its signature."""
    digest: dict[str, object] = {"path": PACKAGE_NAME, "hash": _sha256(package)}
    if signer is not None:
        digest["signedData"] = {"hash": digest["hash"], "created": created, "software": software,
                                "publicKey": public_key_b64(signer), "keyId": signer.key_id,
                                "signatureAlgorithm": SIGNATURE_ALGORITHM,
                                "signature": base64.b64encode(signer.sign(str(digest["hash"]).encode("ascii"))).decode("ascii")}
    return digest


def build_wacz(exchanges: list[Exchange], pages: list[Page], *, title: str, created: str, software: str,
               signer: Signer | None, main_url: str = "") -> bytes:
    """The WACZ of one run: WARC, index, pages, datapackage and its (signed) digest; `created` is UTC ISO `...Z`."""
    moment = datetime.fromisoformat(created.replace("Z", "+00:00"))
    stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    out = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="kiemtra-wacz-") as scratch:
        warc = Path(scratch) / "data.warc.gz"
        with open(warc, "wb") as stream:
            write_warc(exchanges, stream, software)
        with zipfile.ZipFile(out, "w") as package:
            # The WARC and the index blocks stay uncompressed in the zip: players read them by byte range.
            archive = zipfile.ZipInfo(WARC_NAME, stamp)
            with package.open(archive, "w") as target, open(warc, "rb") as source:
                shutil.copyfileobj(source, target)
            _index(warc, package, stamp)
            listing = zipfile.ZipInfo(PAGES_NAME, stamp)
            listing.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(listing, _pages_jsonl(pages, title))
            resources = []
            for info in package.infolist():
                data = package.read(info.filename)
                resources.append({"name": Path(info.filename).name, "path": info.filename, "hash": _sha256(data),
                                  "bytes": len(data)})
            document: dict[str, object] = {"profile": "data-package", "wacz_version": WACZ_VERSION, "title": title,
                                           "created": created, "software": software, "resources": resources}
            if main_url:
                document["mainPageURL"] = main_url
            package_bytes = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
            for name, data in ((PACKAGE_NAME, package_bytes),
                               (DIGEST_NAME, json.dumps(signed_digest(package_bytes, created, software, signer),
                                                        indent=2).encode("utf-8"))):
                info = zipfile.ZipInfo(name, stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                package.writestr(info, data)
    return out.getvalue()


def warc_bytes(wacz: bytes) -> bytes:
    """The WARC records of a WACZ, uncompressed (to search them for what must not be there)."""
    with zipfile.ZipFile(io.BytesIO(wacz)) as package:
        return gzip.decompress(package.read(WARC_NAME))


def check_wacz(data: bytes, keys: dict[str, str], trusted: str | None = None) -> list[tuple[str, str, str]]:
    """What is wrong with a WACZ: (kind, message, severity) triples in Vietnamese; empty when it holds.

    `keys` maps key ids to the public keys known to the store or bundle; `trusted`, when given, is the
    one key the signature must be made with.
    """
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return [("changed", "tệp WACZ không phải zip đọc được", "error")]
    with package:
        names = {n for n in package.namelist() if not n.endswith("/")}
        if PACKAGE_NAME not in names or DIGEST_NAME not in names:
            return [("missing", f"tệp WACZ thiếu {PACKAGE_NAME} hoặc {DIGEST_NAME}", "error")]
        try:
            package_bytes = package.read(PACKAGE_NAME)
            document = json.loads(package_bytes)
            digest = json.loads(package.read(DIGEST_NAME))
            resources = {r["path"]: r for r in document["resources"]}
        except (ValueError, KeyError, TypeError):
            return [("changed", f"{PACKAGE_NAME} hoặc {DIGEST_NAME} trong WACZ không đúng cấu trúc", "error")]
        problems = []
        for name in sorted(names - set(resources) - {PACKAGE_NAME, DIGEST_NAME}):
            problems.append(("added", f"tệp {name} trong WACZ không có trong {PACKAGE_NAME}", "error"))
        for path, resource in sorted(resources.items()):
            if path not in names:
                problems.append(("missing", f"WACZ thiếu tệp {path}", "error"))
            elif _sha256(package.read(path)) != resource.get("hash"):
                problems.append(("changed", f"tệp {path} trong WACZ khác mã băm trong {PACKAGE_NAME}", "error"))
        if digest.get("hash") != _sha256(package_bytes):
            problems.append(("changed", f"{PACKAGE_NAME} của WACZ khác mã băm trong {DIGEST_NAME}", "error"))
        problems += _check_signature(digest, document, keys, trusted)
    return problems


def _check_signature(digest: dict, document: dict, keys: dict[str, str], trusted: str | None) -> list[tuple[str, str, str]]:
    signed = digest.get("signedData")
    if not signed:
        return [("unsigned", "WACZ chưa được ký (không có khóa ký lúc đóng gói)", "warning")]
    try:
        pem = _pem_of(signed["publicKey"])
        signature = base64.b64decode(signed["signature"], validate=True)
    except (KeyError, TypeError, ValueError):
        return [("signature", "chữ ký WACZ không đọc được (publicKey/signature)", "error")]
    key_id = key_id_of(pem)
    if signed.get("hash") != digest.get("hash") or signed.get("created") != document.get("created"):
        return [("signature", "phần được ký của WACZ không khớp mã băm hoặc thời điểm tạo", "error")]
    if key_id not in keys or key_id != signed.get("keyId"):
        return [("signature", f"WACZ ký bằng khóa {key_id}, không phải khóa của kho", "error")]
    if trusted is not None and key_id_of(trusted) != key_id:
        return [("signature", f"WACZ ký bằng khóa {key_id}, không phải khóa được tin cậy {key_id_of(trusted)}", "error")]
    if not signature_valid(pem, signature, str(signed["hash"]).encode("ascii")):
        return [("signature", "chữ ký WACZ không khớp", "error")]
    return []


def run_wacz(store: Store, run_id: str) -> Path:
    """The stored WACZ of `run_id`; BundleError names what is missing and what to do."""
    from evidence import runs  # the store's tables; imported here so the format above needs no store

    if not runs.exists(store, run_id):
        raise BundleError(f"không có lượt {run_id} trong kho; xem mã các lượt bằng `kiemtra runs`")
    found = [a for a in runs.artifacts(store, run_id) if a["role"] == "wacz"]
    path = store.artifact_path(found[0]["sha256"]) if found else None
    if path is None or not path.is_file():
        raise BundleError(f"lượt {run_id} không có tệp WACZ (lượt chạy khi capture.network tắt, hoặc trước khi có "
                          "tính năng này); chạy lại bằng `kiemtra rerun` để có WACZ")
    return path


def export_wacz(store: Store, run_id: str, out: Path) -> int:
    """Copy the run's WACZ to `out` byte for byte (its hash stays the one sealed); return its size."""
    source = run_wacz(store, run_id)
    if out.is_dir():
        raise BundleError(f"{out} là một thư mục; cho tên tệp, ví dụ {out / (run_id + '.wacz')}")
    if not out.parent.is_dir():
        raise BundleError(f"không có thư mục {out.parent} để ghi {out.name}; tạo thư mục đó hoặc chọn nơi khác")
    shutil.copyfile(source, out)
    return out.stat().st_size
