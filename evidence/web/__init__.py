"""The evidence browser: a read-only Flask app over the store (`kiemtra serve`)."""

from evidence.web.app import create_app

__all__ = ["create_app"]
