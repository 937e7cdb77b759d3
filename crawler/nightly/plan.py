"""The night's plan: which visits the config calls for, in the order they are made."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from configuration.loader import AgencyConfig, Config, ServiceConfig

TargetKind = Literal["portal", "service"]


@dataclass(frozen=True, eq=False)
class Target:
    """One thing to visit: an agency's portal front page or one declared service."""

    kind: TargetKind
    target_id: str
    agency_id: str
    url: str
    name: str
    agency: AgencyConfig
    service: ServiceConfig | None = None
    playbook: Mapping[str, Any] = field(default_factory=dict)   # flow step -> primitive steps


def targets_of(config: Config, agency: AgencyConfig) -> list[Target]:
    out = [Target("portal", agency.id, agency.id, agency.portal, agency.name, agency)]
    out += [Target("service", s.id, agency.id, s.url, s.name, agency, s, config.playbook_for(agency, s))
            for s in agency.services]
    return out


def plan(config: Config, agency_id: str | None = None) -> list[Target]:
    agencies = [config.agency(agency_id)] if agency_id else list(config.agencies)
    return [target for agency in agencies for target in targets_of(config, agency)]

