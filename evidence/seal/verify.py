"""Proof that nothing changed: re-hash every artifact, re-check the chain, the signatures and the rows.

Each finding is a `Problem` naming the run and the artifact (or row) it concerns, in Vietnamese for
inspectors. `error` problems mean the evidence as stored no longer matches what was sealed (a changed,
missing or added byte, a broken link, a bad signature, an edited row); `warning` ones mean it cannot
be proven as strongly as it should (unsigned, still running).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence import runs
from evidence.seal.manifest import GENESIS, RUN_FIELDS, STEP_FIELDS, VERDICT_FIELDS
from evidence.seal.signing import key_id_of, signature_valid
from evidence.seal.wacz import check_wacz
from evidence.store import Store, table
from kiemtra.errors import ConfigError

FRESH_S = 600  # a file younger than this may still be waiting for its row


@dataclass(frozen=True)
class Problem:
    kind: str        # changed | missing | added | removed | row | chain | signature | unsealed | unsigned
    run_id: str | None
    what: str        # the artifact's hash, a file, or table.field
    message: str
    severity: str = "error"

    def line(self) -> str:
        where = f"lượt {self.run_id}" if self.run_id else "kho"
        return f"[{self.kind}] {where} · {self.what}: {self.message}"


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    runs: int = 0
    artifacts: int = 0
    signed: int = 0
    key_ids: set[str] = field(default_factory=set)
    head: str | None = None
    authenticated: bool | None = None   # bundles: signatures checked against a trusted key (None: not a bundle)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors


class Hashes:
    """SHA-256 of files, each read once per verification (screenshots are shared between runs)."""

    def __init__(self) -> None:
        self.seen: dict[Path, str | None] = {}

    def of(self, path: Path) -> str | None:
        if path not in self.seen:
            if not path.is_file():
                self.seen[path] = None
            else:
                digest = hashlib.sha256()
                with open(path, "rb") as stream:
                    for chunk in iter(lambda: stream.read(1 << 20), b""):
                        digest.update(chunk)
                self.seen[path] = digest.hexdigest()
        return self.seen[path]


def _inside(root: Path, relative: str) -> Path | None:
    """The file a stored relative path names, or None when it would leave the evidence folder."""
    path = (root.parent / relative).resolve()
    return path if root.resolve() in path.parents else None


def _parsed(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) and value[:1] in "[{" else value


def _compare_rows(run_id: str, document: dict[str, Any], store: Store) -> Iterable[Problem]:
    run = next(table(store, "runs").rows_where("id = ?", [run_id]), None)
    if run is None:
        yield Problem("row", run_id, "runs", "dòng của lượt kiểm tra đã bị xóa khỏi kho")
        return
    for key in RUN_FIELDS:
        if run.get(key) != document["run"].get(key):
            yield Problem("row", run_id, f"runs.{key}", f"khác bản niêm phong: {document['run'].get(key)!r} → {run.get(key)!r}")
    rows = {r["seq"]: r for r in runs.steps(store, run_id)}
    sealed = {s["seq"]: s for s in document["steps"]}
    for seq in sorted(sealed.keys() - rows.keys()):
        yield Problem("removed", run_id, f"steps#{seq}", "bước đã bị xóa khỏi kho")
    for seq in sorted(rows.keys() - sealed.keys()):
        yield Problem("added", run_id, f"steps#{seq}", "bước được thêm sau khi niêm phong")
    for seq in sorted(rows.keys() & sealed.keys()):
        for key in STEP_FIELDS:
            if rows[seq].get(key) != sealed[seq].get(key):
                yield Problem("row", run_id, f"steps#{seq}.{key}",
                              f"khác bản niêm phong: {sealed[seq].get(key)!r} → {rows[seq].get(key)!r}")
        if _parsed(rows[seq].get("detail")) != sealed[seq].get("detail"):
            yield Problem("row", run_id, f"steps#{seq}.detail", "chi tiết bước khác bản niêm phong")
    linked: dict[tuple[str, str], dict[str, Any]] = {(a["sha256"], a["role"]): a for a in runs.artifacts(store, run_id)}
    listed = {(a["sha256"], a["role"]): a for a in document["artifacts"]}
    for sha, role in sorted(listed.keys() - linked.keys()):
        yield Problem("removed", run_id, sha, f"tệp ({role}) không còn gắn với lượt trong kho")
    for sha, role in sorted(linked.keys() - listed.keys()):
        yield Problem("added", run_id, sha, f"tệp ({role}) được gắn vào lượt sau khi niêm phong")
    for pair in sorted(linked.keys() & listed.keys()):
        for column in ("size", "path", "media_type"):
            if linked[pair][column] != listed[pair][column]:
                yield Problem("row", run_id, pair[0], f"artifacts.{column} khác bản niêm phong")
    verdict = runs.verdict_of(store, run_id)
    sealed_verdict = document.get("verdict")
    if (verdict is None) != (sealed_verdict is None):
        yield Problem("row", run_id, "verdicts", "kết luận bị thêm hoặc xóa sau khi niêm phong")
    elif verdict is not None and sealed_verdict is not None:
        changed = [k for k in VERDICT_FIELDS if verdict.get(k) != sealed_verdict.get(k)]
        if changed and verdict.get("rule_version") != sealed_verdict.get("rule_version"):
            yield Problem("row", run_id, "verdicts", "kết luận được tính lại theo phiên bản quy tắc mới "
                          f"({sealed_verdict.get('rule_version')} → {verdict.get('rule_version')})", "warning")
        elif changed or _parsed(verdict.get("reasons")) != sealed_verdict.get("reasons"):
            yield Problem("row", run_id, f"verdicts.{','.join(changed) or 'reasons'}", "kết luận khác bản niêm phong")


def verify_run(store: Store, run_id: str, keys: dict[str, str], hashes: Hashes, report: Report,
               trusted: str | None = None) -> None:
    """Check one run against its manifest; add what is wrong to `report`."""
    report.runs += 1
    root = store.data_dir / "evidence"
    row = next(table(store, "manifests").rows_where("run_id = ?", [run_id]), None)
    if row is None:
        run = next(table(store, "runs").rows_where("id = ?", [run_id]), None)
        running = run is not None and run["outcome"] == "running"
        report.problems.append(Problem("unsealed", run_id, "manifest", "lượt đang chạy, chưa niêm phong" if running else
                                       "lượt không có bản kê niêm phong (chạy `kiemtra evidence seal --all`)",
                                       "warning" if running else "error"))
        return
    path = root / row["sha256"][:2] / f"{row['sha256']}.json"
    actual = hashes.of(path)
    if actual is None:
        report.problems.append(Problem("missing", run_id, row["sha256"], "tệp bản kê (manifest) không còn"))
        return
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != row["sha256"]:
        report.problems.append(Problem("changed", run_id, row["sha256"], "tệp bản kê (manifest) đã bị sửa"))
        return
    document = json.loads(data)
    for key, column in (("seq", "seq"), ("prev_manifest_sha256", "prev_sha256"), ("key_id", "key_id")):
        if document.get(key) != row[column]:
            report.problems.append(Problem("chain", run_id, f"manifests.{column}", "dòng trong kho khác bản kê"))
    if document["run"].get("id") != run_id:
        report.problems.append(Problem("row", run_id, "manifests.run_id", "bản kê thuộc lượt khác"))
    if not row["signature"]:
        report.problems.append(Problem("unsigned", run_id, row["sha256"],
                                       "bản kê chưa được ký (không có khóa ký lúc niêm phong)", "warning"))
    else:
        pem = keys.get(row["key_id"] or "")
        if pem is None:
            report.problems.append(Problem("signature", run_id, row["sha256"], f"không có khóa công khai {row['key_id']}"))
        elif trusted is not None and key_id_of(trusted) != row["key_id"]:
            report.problems.append(Problem("signature", run_id, row["sha256"],
                                           f"ký bằng khóa {row['key_id']}, không phải khóa được tin cậy {key_id_of(trusted)}"))
        elif not signature_valid(pem, bytes.fromhex(row["signature"]), data):
            report.problems.append(Problem("signature", run_id, row["sha256"], "chữ ký không khớp bản kê"))
        else:
            report.signed += 1
            report.key_ids.add(row["key_id"])
    report.problems.extend(_compare_rows(run_id, document, store))
    for artifact in document["artifacts"]:
        report.artifacts += 1
        file = _inside(root, artifact["path"])
        if file is None or file.stem != artifact["sha256"]:
            report.problems.append(Problem("row", run_id, artifact["sha256"], "đường dẫn tệp trong bản kê không hợp lệ"))
            continue
        digest = hashes.of(file)
        if digest is None:
            report.problems.append(Problem("missing", run_id, artifact["sha256"],
                                           f"tệp {artifact['role']} không còn ({artifact['path']})"))
        elif digest != artifact["sha256"]:
            report.problems.append(Problem("changed", run_id, artifact["sha256"],
                                           f"nội dung tệp {artifact['role']} đã bị thay đổi ({artifact['path']})"))
    report.problems.extend(verify_waczs(run_id, document, root, keys, trusted))


def verify_waczs(run_id: str, document: dict[str, Any], root: Path, keys: dict[str, str],
                 trusted: str | None) -> list[Problem]:
    """Inside each WACZ of the run: its files against datapackage.json, the digest and its signature."""
    problems = []
    for artifact in document["artifacts"]:
        file = _inside(root, artifact["path"]) if artifact["role"] == "wacz" else None
        if file is not None and file.is_file():
            problems += [Problem(kind, run_id, artifact["sha256"], message, severity)
                         for kind, message, severity in check_wacz(file.read_bytes(), keys, trusted)]
    return problems


def verify_chain(store: Store, report: Report) -> None:
    """The manifests form one unbroken line, 1, 2, 3..., each naming the one before it."""
    previous, expected = GENESIS, 1
    for seq, run_id, sha, prev in store.db.execute("select seq, run_id, sha256, prev_sha256 from manifests order by seq"):
        if seq != expected:
            report.problems.append(Problem("chain", run_id, f"manifests#{seq}",
                                           f"chuỗi bị đứt: thiếu bản kê số {expected}–{seq - 1}"))
        elif prev != previous:
            report.problems.append(Problem("chain", run_id, f"manifests#{seq}", "chuỗi bị đứt: không trỏ tới bản kê liền trước"))
        previous, expected = sha, seq + 1
    report.head = previous if expected > 1 else None


def verify_unknown_files(store: Store, report: Report) -> None:
    """Files in the evidence folder that no stored artifact accounts for (added bytes)."""
    known = store.artifact_hashes()
    root = store.data_dir / "evidence"
    recent = time.time() - FRESH_S
    for path in sorted(root.glob("??/*")):
        if path.is_file() and path.name.split(".", 1)[0] not in known:
            # A crawl writes a file a moment before its row: a fresh stranger may be one of those.
            fresh = path.stat().st_mtime > recent
            report.problems.append(Problem("added", None, str(path.relative_to(store.data_dir)),
                                           "tệp lạ trong thư mục bằng chứng, không thuộc lượt nào"
                                           + (" (mới ghi, có thể đang được lưu)" if fresh else ""),
                                           "warning" if fresh else "error"))


def verify(store: Store, run_ids: list[str] | None = None, trusted: str | None = None) -> Report:
    """Verify the given runs (all runs when None), the chain, and, for all, stray files."""
    report = Report()
    keys = {}
    for row in table(store, "signing_keys").rows:
        if key_id_of(row["public_key"]) != row["key_id"]:
            report.problems.append(Problem("signature", None, f"signing_keys.{row['key_id']}",
                                           "khóa công khai không khớp mã khóa"))
        else:
            keys[row["key_id"]] = row["public_key"]
    hashes = Hashes()
    everything = run_ids is None
    if everything:
        run_ids = [r[0] for r in store.db.execute("select id from runs order by started_at")]
        sealed = {r[0] for r in store.db.execute("select run_id from manifests")}
        run_ids += sorted(sealed - set(run_ids))  # a manifest whose run row was deleted
    else:
        for run_id in run_ids or []:
            # An id neither stored nor sealed is a typo, not evidence gone missing.
            if not (runs.exists(store, run_id) or table(store, "manifests").count_where("run_id = ?", [run_id])):
                raise ConfigError(f"không có lượt {run_id} trong kho", field="RUN_ID",
                                  fix="xem mã các lượt bằng `kiemtra runs`, hoặc dùng --all")
    for run_id in run_ids or []:
        verify_run(store, run_id, keys, hashes, report, trusted)
    verify_chain(store, report)
    if everything:
        verify_unknown_files(store, report)
    return report
