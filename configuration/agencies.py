"""`config/agencies/<id>.yaml`: one agency each, its portal and the online services it declared."""

from __future__ import annotations

from collections.abc import Set
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from configuration import yamlfile
from configuration.folder import ID_PATTERN, Group
from configuration.problems import Problems, from_validation
from kiemtra.errors import ConfigError


class ServiceConfig(BaseModel):
    """One online public service as the agency declared it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    url: str
    declared_level: Literal[2, 3, 4]
    procedure_code: str | None = Field(None, pattern=r"^\d\.\d{6}$")
    unit: str | None = None
    field: str | None = None
    playbook: str | None = Field(None, pattern=ID_PATTERN)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _http_url(value)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("empty")
        return value


class AgencyConfig(BaseModel):
    """One agency: its portal and the services it declared."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    group: Group
    portal: str
    playbook: str | None = Field(None, pattern=ID_PATTERN)
    services: list[ServiceConfig] = Field(default_factory=list)

    @field_validator("portal")
    @classmethod
    def _portal(cls, value: str) -> str:
        return _http_url(value)


def _http_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("bad_url")
    return value.strip()


def parse_agencies(root: Path, playbooks: Set[str], problems: Problems) -> list[AgencyConfig]:
    """Every agency file of the folder; a service id is unique across agencies, a named playbook exists."""
    agencies: list[AgencyConfig] = []
    seen_services: dict[str, str] = {}
    for path in sorted((root / "agencies").glob("*.y*ml")):
        try:
            document = yamlfile.load(path)
        except ConfigError as exc:
            problems.append(exc)
            continue
        if not isinstance(document, dict):
            problems.append(ConfigError("phải là một bảng khóa: giá trị", file=str(path),
                                        fix="bắt đầu bằng id:, name:, group:, portal:, services:"))
            continue
        try:
            agency = AgencyConfig.model_validate(document)
        except ValidationError as exc:
            problems.extend(from_validation(exc, str(path), document))
            continue
        if agency.id != path.stem:
            problems.append(ConfigError(f"id '{agency.id}' khác tên tệp", file=str(path), field="id",
                                        line=yamlfile.line_of(document, ("id",)), fix=f"đặt id: {path.stem} hoặc đổi tên tệp"))
        for index, service in enumerate(agency.services):
            where = (f"services[{index}]", yamlfile.line_of(document, ("services", index, "id")))
            if service.id in seen_services:
                problems.append(ConfigError(f"id dịch vụ '{service.id}' đã dùng ở {seen_services[service.id]}",
                                            file=str(path), field=f"{where[0]}.id", line=where[1],
                                            fix="đặt một id khác, duy nhất trong mọi cơ quan"))
            seen_services.setdefault(service.id, str(path))
            for name in {service.playbook, agency.playbook} - {None} - set(playbooks):
                problems.append(ConfigError(f"không có playbook '{name}'", file=str(path), field="playbook",
                                            line=yamlfile.line_of(document, ("services", index, "playbook")),
                                            fix=f"tạo {root / 'playbooks' / (str(name) + '.yaml')} hoặc bỏ trường này"))
        agencies.append(agency)
    return agencies


__all__ = ["AgencyConfig", "ServiceConfig", "parse_agencies"]
