"""kiemtra: the front door — the version, the one exception tree (`kiemtra.errors`) and the command line."""

__version__ = "0.1.0"
