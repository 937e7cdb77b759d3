"""Errors of the keeping side.

    StoreError          the store cannot be opened or written (exit 2: fix the data folder)
    └── SchemaTooNew    the database was written by a newer kiemtra
"""

from __future__ import annotations


class StoreError(Exception):
    exit_code = 2


class SchemaTooNew(StoreError):
    pass
