"""The one way in: `load_all` reads and validates the whole config folder into one `Config`.

Each part has its parser in its own module (settings, agencies, playbooks, criteria, scoring); each
appends its problems, one line each with file, line, field and fix, to one list, and `load_all`
raises them together as one `ConfigInvalid`: `kiemtra config check` prints every one at once and
every other command refuses to start. Commands take what they need from the `Config` they are given
and never read a part of the folder on their own.

Loading everything is cheap (the shipped folder loads in about 17 ms with libyaml, ×6 faster than
PyYAML's pure-Python parser: `bench/bench_config.py`), so no part is loaded lazily: a bad table
stops every command, not only the one that happens to read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checks.portal import Criterion
from configuration.agencies import AgencyConfig, ServiceConfig, parse_agencies
from configuration.criteria import parse_criteria
from configuration.folder import DEFAULT_CONFIG_DIR, GROUPS, ID_PATTERN, config_dir
from configuration.playbooks import Playbook, parse_playbooks, playbook_names
from configuration.problems import Problems
from configuration.scoring import ScoringConfig, parse_scoring
from configuration.settings import Settings, parse_settings
from kiemtra.errors import ConfigError, ConfigInvalid


@dataclass(frozen=True, kw_only=True)
class Config:
    """The whole validated config folder: settings, agencies, playbooks, criteria, scoring table."""

    dir: Path
    settings: Settings
    agencies: tuple[AgencyConfig, ...] = ()
    playbooks: dict[str, Playbook] = field(default_factory=dict)
    criteria: tuple[Criterion, ...] = ()          # category 3, config/criteria/portal.yaml
    scoring: ScoringConfig                        # config/scoring.yaml

    def agency_rows(self) -> list[dict[str, Any]]:
        """The agencies and their services as plain rows for the store (evidence/ knows no config models)."""
        return [{**a.model_dump(exclude={"services"}), "services": [s.model_dump() for s in a.services]}
                for a in self.agencies]

    def playbook_for(self, agency: AgencyConfig, service: ServiceConfig) -> Playbook:
        return self.playbooks.get(service.playbook or agency.playbook or "", {})

    def agency(self, agency_id: str) -> AgencyConfig:
        for agency in self.agencies:
            if agency.id == agency_id:
                return agency
        raise ConfigError(f"không có cơ quan '{agency_id}'", field="--agency",
                          fix=f"dùng một id trong {self.dir / 'agencies'}")

    def service(self, service_id: str) -> tuple[AgencyConfig, ServiceConfig]:
        for agency in self.agencies:
            for service in agency.services:
                if service.id == service_id:
                    return agency, service
        raise ConfigError(f"không có dịch vụ '{service_id}'", field="SERVICE_ID",
                          fix="xem danh sách bằng `kiemtra results` hoặc trong config/agencies/")


def load_all(directory: str | Path | None = None, overrides: Mapping[str, Any] | None = None) -> Config:
    """Validate and load the whole folder; raise one ConfigInvalid listing every problem of every part.

    `overrides` are the command line's settings (nested like settings.yaml), the strongest layer.
    """
    root = config_dir(directory)
    if not root.is_dir():
        raise ConfigInvalid([ConfigError("thư mục cấu hình không tồn tại", file=str(root),
                                         fix="chỉ --config hoặc KIEMTRA_CONFIG tới một thư mục có settings.yaml và agencies/")])
    if not (root / "settings.yaml").exists() and not (root / "agencies").is_dir():
        # Neither file a config folder holds: a wrong --config, not an empty inspection.
        raise ConfigInvalid([ConfigError("không phải thư mục cấu hình (không có settings.yaml, không có agencies/)",
                                         file=str(root), fix="chỉ --config tới thư mục như config/ của kiemtra")])
    problems: Problems = []
    settings = parse_settings(root, overrides or {}, problems)
    playbooks = parse_playbooks(root, problems)
    agencies = parse_agencies(root, playbook_names(root), problems)
    criteria = parse_criteria(root, problems)
    scoring = parse_scoring(root, problems)
    if problems:
        raise ConfigInvalid(problems)
    assert settings is not None and scoring is not None   # each is None only with a problem
    return Config(dir=root, settings=settings, agencies=tuple(agencies), playbooks=playbooks,
                  criteria=tuple(criteria), scoring=scoring)


__all__ = ["DEFAULT_CONFIG_DIR", "GROUPS", "ID_PATTERN", "AgencyConfig", "Config", "ConfigInvalid", "ServiceConfig",
           "config_dir", "load_all"]
