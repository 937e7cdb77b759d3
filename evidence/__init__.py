"""kiemtra's keeping side: the SQLite store, content-addressed artifacts, sealed manifests.

This package is the only one that writes SQL, touches the database connection or writes evidence
files; the others call its `f(store, ...)` functions (tests/test_layout.py keeps it so). The schema
is `schema.py`; each table family has one module. It never changes a stored artifact.
"""
