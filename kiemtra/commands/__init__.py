"""The command groups of `kiemtra`, one module each; `kiemtra/cli.py` registers them."""
