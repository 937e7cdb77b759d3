"""Reading a zip that came from outside (a dispute bundle sent back by an agency) within bounds.

Every member's declared size, its compression ratio and the total are checked from the central
directory before a byte is inflated, so a zip bomb is refused in one line instead of filling the
memory; members are hashed in chunks and read whole only when they are small documents (manifests,
signatures, keys). Anything zipfile or zlib raises for a damaged file becomes a `BundleError`.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

from kiemtra.errors import BundleError

MAX_MEMBER = 2 << 30      # one artifact: videos and traces of a visit are tens of MB, never gigabytes
MAX_TOTAL = 8 << 30       # everything inflated
MAX_RATIO = 200           # real evidence deflates 2–20×; a bomb reaches 1000×
RATIO_FLOOR = 1 << 20     # below 1 MiB a high ratio is harmless (a page of spaces)
MAX_DOCUMENT = 64 << 20   # a manifest, chain.json or SHA256SUMS read whole
CHUNK = 1 << 20


class BoundedZip:
    """A zip opened for checking: `names`, `read(name, cap)` and `sha256(name)` within the limits above."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise BundleError(f"{path} không phải gói bằng chứng (zip) đọc được: {type(exc).__name__}") from None
        total = 0
        for info in infos:
            if info.file_size > MAX_MEMBER:
                self._refuse(info.filename, f"khai báo {info.file_size:,} byte, quá giới hạn {MAX_MEMBER:,}")
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(1, info.compress_size):
                self._refuse(info.filename, f"nén {info.file_size // max(1, info.compress_size):,} lần (bom zip?)")
            total += info.file_size
        if total > MAX_TOTAL:
            raise BundleError(f"{path}: tổng dung lượng giải nén {total:,} byte vượt giới hạn {MAX_TOTAL:,}; "
                              "không phải gói do `kiemtra evidence export` tạo")
        self.infos = {i.filename: i for i in infos}
        self.names = {n for n in self.infos if not n.endswith("/")}
        self._digests: dict[str, str] = {}

    def _refuse(self, name: str, why: str) -> None:
        self.zip.close()
        raise BundleError(f"{self.path}: tệp {name!r} trong gói {why}; không phải gói do `kiemtra evidence export` tạo")

    def __enter__(self) -> BoundedZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.zip.close()

    def read(self, name: str, cap: int = MAX_DOCUMENT) -> bytes:
        """A small member whole; one larger than `cap` is refused (it is not what kiemtra writes there)."""
        info = self.infos[name]
        if info.file_size > cap:
            self._refuse(name, f"lớn {info.file_size:,} byte, quá {cap:,} cho loại tệp này")
        with self.zip.open(info) as stream:
            data = stream.read(cap + 1)
        if len(data) > cap:
            self._refuse(name, "lớn hơn kích thước khai báo")
        return data

    def json(self, name: str) -> Any:
        """A member parsed as JSON; absurd nesting is refused in one line."""
        data = self.read(name)
        try:
            return json.loads(data)
        except RecursionError:  # the C decoder counts its depth and stops at the recursion limit
            self._refuse(name, "là JSON lồng quá sâu")
            raise

    def sha256(self, name: str) -> str:
        """The SHA-256 of a member, inflated in chunks (never whole in memory), once per check."""
        if name not in self._digests:
            digest = hashlib.sha256()
            with self.zip.open(self.infos[name]) as stream:
                for chunk in iter(lambda: stream.read(CHUNK), b""):
                    digest.update(chunk)
            self._digests[name] = digest.hexdigest()
        return self._digests[name]

