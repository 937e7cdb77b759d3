"""Agency config files (config/agencies/<id>.yaml) pointing at one world's URLs."""
from __future__ import annotations

from pathlib import Path

import yaml

from demoworld.layout import service_url
from demoworld.model import WorldData


def agency_configs(data: WorldData, urls: dict[str, str], dead_base: str) -> dict[str, dict]:
    out = {}
    for a in data.agencies:
        services = []
        for s in data.services_of(a.id):
            entry: dict = {"id": s.id, "name": s.name, "url": service_url(data, urls, dead_base, s),
                           "declared_level": s.declared_level}
            if s.declare_code and s.codes:
                entry["procedure_code"] = s.codes[0]
            if s.unit:
                entry["unit"] = s.unit
            if s.field:
                entry["field"] = s.field
            services.append(entry)
        out[a.id] = {"id": a.id, "name": a.name, "group": a.group, "portal": urls[f"portal:{a.id}"], "services": services}
    return out


def write_configs(data: WorldData, urls: dict[str, str], dead_base: str, directory: str | Path) -> Path:
    """Write <directory>/agencies/<id>.yaml only; returns <directory>/agencies."""
    target = Path(directory) / "agencies"
    target.mkdir(parents=True, exist_ok=True)
    for agency_id, cfg in agency_configs(data, urls, dead_base).items():
        text = yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False, width=1000)
        (target / f"{agency_id}.yaml").write_text(text, encoding="utf-8")
    return target
