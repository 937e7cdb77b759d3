"""Typed view of the world's data files (demoworld/data/world.yaml and procedures.csv)."""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).parent / "data"

# Tags whose registration gate the bot cannot pass: recognized only by report (R8).
BY_REPORT_TAGS = frozenset({"identity_check", "captcha", "sso"})
DEAD_TAGS = frozenset({"dead_404", "dead_refused"})


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    english_name: str
    group: str
    vendor: str  # A: server-rendered, B: SPA, C: iframe, D: wizard, E: cross-host frames, F: hover menu, G: component kit,
    # H: hash-routed single page, P: on the portal
    code: str
    address: str
    phone: str
    email: str
    responsible: str
    features: dict


@dataclass(frozen=True)
class Service:
    id: str
    agency: str
    name: str
    codes: tuple[str, ...]
    level: int
    declared_level: int
    tags: frozenset[str]
    ref: int  # the vendor system's internal id, used in URLs
    declare_code: bool = False
    unit: str = ""
    field: str = ""
    fee: int = 0

    def has(self, tag: str) -> bool:
        return tag in self.tags

    @property
    def by_report(self) -> bool:
        return bool(self.tags & BY_REPORT_TAGS)

    @property
    def dead(self) -> bool:
        return bool(self.tags & DEAD_TAGS)

    @property
    def online(self) -> bool:
        """True when the vendor site offers an online submission for it."""
        return self.level >= 3 or self.by_report


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    field: str
    levels: str
    kind: str
    decision: str
    authority: str
    channels: str
    source: str
    note: str


@dataclass
class WorldData:
    agencies: list[Agency]
    services: list[Service]
    citizens: list[dict] = field(default_factory=list)

    def agency(self, agency_id: str) -> Agency:
        return next(a for a in self.agencies if a.id == agency_id)

    def services_of(self, agency_id: str) -> list[Service]:
        return [s for s in self.services if s.agency == agency_id]

    def service_by_ref(self, ref: int) -> Service | None:
        return next((s for s in self.services if s.ref == ref), None)


@lru_cache(maxsize=1)
def load_world_data() -> WorldData:
    raw = yaml.safe_load((DATA_DIR / "world.yaml").read_text(encoding="utf-8"))
    agencies = [Agency(**a) for a in raw["agencies"]]
    services = []
    for i, s in enumerate(raw["services"]):
        s = dict(s)
        s["codes"] = tuple(s.get("codes", ()))
        s["tags"] = frozenset(s.get("tags", ()))
        # Internal ids look like a vendor database's numeric keys, stable across runs.
        s["ref"] = 2801 + 37 * i
        services.append(Service(**s))
    return WorldData(agencies=agencies, services=services, citizens=raw.get("citizens", []))


@lru_cache(maxsize=1)
def load_procedures() -> list[Procedure]:
    with (DATA_DIR / "procedures.csv").open(encoding="utf-8", newline="") as f:
        return [
            Procedure(
                code=r["ma_thu_tuc"], name=r["ten_thu_tuc"], field=r["linh_vuc"],
                levels=r["cap_thuc_hien"], kind=r["loai_thu_tuc"], decision=r["so_quyet_dinh"],
                authority=r["co_quan_thuc_hien"], channels=r["hinh_thuc_nop"],
                source=r["nguon"], note=r["ghi_chu"],
            )
            for r in csv.DictReader(f)
        ]


def procedure_by_code(code: str) -> Procedure | None:
    return next((p for p in load_procedures() if p.code == code), None)


def load_survey_figures() -> dict[str, dict[str, Any]]:
    """The demo agencies' filled survey forms (data/surveys.yaml): agency id → figure id → value."""
    raw = yaml.safe_load((DATA_DIR / "surveys.yaml").read_text(encoding="utf-8"))
    return {agency: dict(figures) for agency, figures in raw.items()}
