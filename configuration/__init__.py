"""Reading and validating the config folder (`config/` is YAML only; this package is its one way in).

    import configuration
    config = configuration.load_all("config/", {"concurrency": 2})

`load_all` is imported on first use, so `import configuration.settings` stays as cheap as its module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from configuration.loader import Config, ConfigInvalid, load_all

__all__ = ["Config", "ConfigInvalid", "load_all"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from configuration import loader

        return getattr(loader, name)
    raise AttributeError(f"module 'configuration' has no attribute {name!r}")
