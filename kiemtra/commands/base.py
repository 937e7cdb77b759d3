"""What every command shares: the group's options (`State`), the consoles, the pass decorator, the store
with the config's agencies written in."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console

from configuration.loader import Config, load_all
from evidence import agencies
from evidence.database import URL_ENV
from evidence.store import Store

console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


class State:
    """What the group's options chose, handed to every command."""

    def __init__(self, config: str | None, data: str | None) -> None:
        self.config_option = config
        self.overrides: dict[str, Any] = {"data": data} if data else {}

    def load(self, **overrides: Any) -> Config:
        """The whole config folder through the one loader, the group's and the command's options on top."""
        config = load_all(self.config_option, {**self.overrides, **overrides})
        if config.settings.database_url:   # every Store(...) of the command opens it (evidence.database.configured_url)
            os.environ[URL_ENV] = config.settings.database_url
        return config

    def load_for(self, agency_id: str | None, **overrides: Any) -> Config:
        """The config, refusing an unknown `--agency` (an unknown id is an error, not an empty list)."""
        config = self.load(**overrides)
        if agency_id:
            config.agency(agency_id)
        return config


pass_state = click.make_pass_decorator(State)


@contextmanager
def synced_store(config: Config) -> Iterator[Store]:
    """The store, with the agencies and services of the config written in: what every listing reads."""
    with Store(config.settings.data) as store:
        agencies.sync(store, config.agency_rows())
        yield store
