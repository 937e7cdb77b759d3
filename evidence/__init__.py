"""kiemtra's keeping side: the SQLite store, content-addressed artifacts and (later) manifests.

This package is the only one that writes SQL or evidence files; the others call its functions.
It never changes a stored artifact.
"""
