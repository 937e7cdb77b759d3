"""The evidence browser and the inspectors' workspace: a Flask app over the store (`kiemtra serve`, docs/workspace.md)."""

from evidence.web.app import create_app

__all__ = ["create_app"]
