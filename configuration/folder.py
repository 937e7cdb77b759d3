"""The config folder: where it is, how its tables are found, and the names all its parts share."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from configuration import yamlfile
from kiemtra.errors import ConfigError, ConfigInvalid

DEFAULT_CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
Group = Literal["bo", "cqtcp", "tinh"]
GROUPS: tuple[Group, ...] = ("bo", "cqtcp", "tinh")
ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"


def config_dir(option: str | Path | None = None) -> Path:
    """--config, else KIEMTRA_CONFIG, else the repo's own config/ folder."""
    chosen = option or os.environ.get("KIEMTRA_CONFIG") or DEFAULT_CONFIG_DIR
    return Path(chosen)


def table_path(directory: str | Path | None, relative: Path) -> Path:
    """A table of the config folder, else the shipped one."""
    path = config_dir(directory) / relative
    # A config folder without its own table scores by the shipped default one.
    return path if path.exists() else DEFAULT_CONFIG_DIR / relative


def load_table(directory: str | Path | None, relative: Path) -> tuple[str, Any]:
    """(file name, parsed YAML) of a table in the config folder, else the shipped one."""
    path = table_path(directory, relative)
    try:
        return str(path), yamlfile.load(path)
    except ConfigError as exc:
        raise ConfigInvalid([exc]) from None
