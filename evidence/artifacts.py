"""Content-addressed artifact files: each is named by its SHA-256 and written exactly once.

A file is written to a temporary name in the same folder, flushed, hashed, then renamed into
place, so a crash never leaves a half-written artifact under a real name and two writers of the
same bytes end with one file. Stored files are made read-only: evidence is never altered.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

MEDIA_TYPES = {
    ".png": "image/png", ".jpg": "image/jpeg", ".html": "text/html; charset=utf-8",
    ".webm": "video/webm", ".zip": "application/zip", ".json": "application/json",
    ".txt": "text/plain; charset=utf-8", ".pdf": "application/pdf", ".bin": "application/octet-stream",
}


@dataclass(frozen=True)
class Artifact:
    sha256: str
    size: int
    path: Path
    suffix: str

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES.get(self.suffix, "application/octet-stream")


class ArtifactStore(Protocol):
    """Where artifacts live, the one interface the store asks of it (`Store.artifacts`).

    `ArtifactFiles` is a folder: local, or a network share every worker mounts at the same path
    (docs/scale.md). An S3-compatible store implements the same calls: `put_*` upload under the
    hash (if-none-match, so written once) and return the local copy's path; `orphans` lists keys
    the store does not know; `tmp` is the local folder for uploads under way.
    """

    tmp: Path

    def path_for(self, sha256: str, suffix: str) -> Path: ...
    def put_bytes(self, data: bytes, suffix: str) -> Artifact: ...
    def put_file(self, source: Path, suffix: str | None = None) -> Artifact: ...
    def orphans(self, known: set[str]) -> list[Path]: ...


class ArtifactFiles:
    """The folder of artifacts under the evidence folder: `<root>/<sha[:2]>/<sha><suffix>`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / ".incoming"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path_for(self, sha256: str, suffix: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}{suffix}"

    def put_bytes(self, data: bytes, suffix: str) -> Artifact:
        handle, name = tempfile.mkstemp(dir=self.tmp, suffix=suffix)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        return self._settle(Path(name), hashlib.sha256(data).hexdigest(), len(data), suffix)

    def put_file(self, source: Path, suffix: str | None = None) -> Artifact:
        """Take a file another tool wrote (a video, a trace); the source is moved, not copied."""
        suffix = suffix if suffix is not None else source.suffix
        handle, name = tempfile.mkstemp(dir=self.tmp, suffix=suffix)
        os.close(handle)
        shutil.move(str(source), name)
        digest = hashlib.sha256()
        with open(name, "rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
        return self._settle(Path(name), digest.hexdigest(), Path(name).stat().st_size, suffix)

    def _settle(self, temporary: Path, sha256: str, size: int, suffix: str) -> Artifact:
        final = self.path_for(sha256, suffix)
        if final.exists():
            temporary.unlink()
        else:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(temporary, 0o444)
            os.replace(temporary, final)
        return Artifact(sha256=sha256, size=size, path=final, suffix=suffix)

    def orphans(self, known: set[str]) -> list[Path]:
        """Artifact files the store does not know (e.g. written just before a crash)."""
        return [p for p in self.root.glob("??/*") if p.stem not in known]
