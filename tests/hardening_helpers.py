"""Shared by the hardening tests: a digest of every table of a store, to prove a refused input changed nothing."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path


def db_digest(db_path: Path) -> str:
    """SHA-256 over every row of every table (FTS shadow tables included), in a stable order."""
    if not db_path.exists():
        return "absent"
    digest = hashlib.sha256()
    with sqlite3.connect(db_path) as db:
        names = [r[0] for r in db.execute("select name from sqlite_master where type = 'table' order by name")]
        for name in names:
            if name == "_migrations":
                continue
            digest.update(name.encode())
            for row in sorted(repr(r) for r in db.execute(f'select * from "{name}"')):
                digest.update(row.encode())
    return digest.hexdigest()
