"""What every command shares: the group's options (`State`), the consoles, the pass decorator."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console

from configuration.loader import Config, load_all

console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


class State:
    """What the group's options chose, handed to every command."""

    def __init__(self, config: str | None, data: str | None) -> None:
        self.config_option = config
        self.overrides: dict[str, Any] = {"data": data} if data else {}

    def load(self, **overrides: Any) -> Config:
        """The whole config folder through the one loader, the group's and the command's options on top."""
        return load_all(self.config_option, {**self.overrides, **overrides})


pass_state = click.make_pass_decorator(State)
