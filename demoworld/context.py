"""What every site builder receives: the shared state, the data and every site's URL."""
from __future__ import annotations

from dataclasses import dataclass

from demoworld.model import WorldData
from demoworld.state import WorldState

MAIL_DOMAIN = "hopthu.demo"


@dataclass
class Ctx:
    state: WorldState
    data: WorldData
    urls: dict[str, str]  # site name -> base URL with trailing slash
    dead_base: str  # a loopback URL where nothing listens (connection refused)
    delay_ms: int = 0

    def url(self, site: str, path: str = "") -> str:
        return self.urls[site] + path.lstrip("/")
