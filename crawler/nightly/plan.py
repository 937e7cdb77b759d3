"""The night's plan: which visits the config calls for, in the order they are made."""

from __future__ import annotations

from collections.abc import Collection, Mapping
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


def targets_of(config: Config, agency: AgencyConfig, only: Collection[str] | None = None) -> list[Target]:
    """The agency's portal and its declared services (only those in `only`, its R6 sample, when given)."""
    out = [Target("portal", agency.id, agency.id, agency.portal, agency.name, agency)]
    out += [Target("service", s.id, agency.id, s.url, s.name, agency, s, config.playbook_for(agency, s))
            for s in agency.services if only is None or s.id in only]
    return out


def plan(config: Config, agency_id: str | None = None, *,
         samples: Mapping[str, Collection[str]] | None = None) -> list[Target]:
    """Every target the config calls for; an agency in `samples` (R6 sampling) has only its sampled services."""
    agencies = [config.agency(agency_id)] if agency_id else list(config.agencies)
    return [target for agency in agencies
            for target in targets_of(config, agency, (samples or {}).get(agency.id))]

