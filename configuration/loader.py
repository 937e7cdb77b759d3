"""Loading and validating the config folder: settings, agencies and their declared services.

Every problem is reported on one line with file, field and fix; `load_config` raises the first
batch as a `ConfigInvalid` carrying them all, so `kiemtra config check` can print each and every
other command refuses to start.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from configuration import yamlfile
from kiemtra.errors import ConfigError, ConfigInvalid
from configuration.settings import Settings, env_overrides, merge

DEFAULT_CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
GROUPS = ("bo", "cqtcp", "tinh")
ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"


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
    group: Literal["bo", "cqtcp", "tinh"]
    portal: str
    playbook: str | None = Field(None, pattern=ID_PATTERN)
    services: list[ServiceConfig] = Field(default_factory=list)

    @field_validator("portal")
    @classmethod
    def _portal(cls, value: str) -> str:
        return _http_url(value)


def _http_url(value: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("bad_url")
    return value.strip()


@dataclass(frozen=True)
class Config:
    """The whole validated config: where it came from, the settings, the agencies."""

    dir: Path
    settings: Settings
    agencies: tuple[AgencyConfig, ...] = ()
    playbooks: dict[str, Any] = field(default_factory=dict)   # name -> {flow step: [PlaybookStep]}

    def playbook_for(self, agency: AgencyConfig, service: ServiceConfig) -> dict[str, Any]:
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


def config_dir(option: str | Path | None = None) -> Path:
    """--config, else KIEMTRA_CONFIG, else the repo's own config/ folder."""
    chosen = option or os.environ.get("KIEMTRA_CONFIG") or DEFAULT_CONFIG_DIR
    return Path(chosen)


def load_config(directory: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """Validate and load everything; raise ConfigInvalid listing every problem found."""
    root = config_dir(directory)
    problems: list[ConfigError] = []
    if not root.is_dir():
        raise ConfigInvalid([ConfigError("thư mục cấu hình không tồn tại", file=str(root),
                                         fix="chỉ --config hoặc KIEMTRA_CONFIG tới một thư mục có settings.yaml và agencies/")])
    if not (root / "settings.yaml").exists() and not (root / "agencies").is_dir():
        # Neither file a config folder holds: a wrong --config, not an empty inspection.
        raise ConfigInvalid([ConfigError("không phải thư mục cấu hình (không có settings.yaml, không có agencies/)",
                                         file=str(root), fix="chỉ --config tới thư mục như config/ của kiemtra")])
    settings = _load_settings(root, overrides or {}, problems)
    playbooks = _load_playbooks(root, problems)
    agencies = _load_agencies(root, frozenset(playbooks), problems)
    if problems:
        raise ConfigInvalid(problems)
    assert settings is not None
    return Config(dir=root, settings=settings, agencies=tuple(agencies), playbooks=playbooks)


def _load_playbooks(root: Path, problems: list[ConfigError]) -> dict[str, Any]:
    from crawler.bot.playbook import load_playbook  # the bot's action names validate a playbook

    found = {}
    for path in sorted((root / "playbooks").glob("*.yaml")):
        try:
            found[path.stem] = load_playbook(path)
        except ConfigError as exc:
            problems.append(exc)
    return found


def _load_settings(root: Path, overrides: dict[str, Any], problems: list[ConfigError]) -> Settings | None:
    path = root / "settings.yaml"
    document: Any = {}
    if path.exists():
        try:
            document = yamlfile.load(path) or {}
        except ConfigError as exc:
            problems.append(exc)
            return None
    if not isinstance(document, dict):
        problems.append(ConfigError("phải là một bảng khóa: giá trị", file=str(path), fix="xem config/settings.yaml mẫu"))
        return None
    values = merge(merge(document, env_overrides()), overrides)
    try:
        settings = Settings.model_validate(values)
    except ValidationError as exc:
        problems.extend(_problems(exc, str(path), document))
        return None
    if not settings.data.is_absolute():
        settings = settings.model_copy(update={"data": Path.cwd() / settings.data})
    return settings


def _load_agencies(root: Path, playbooks: frozenset[str], problems: list[ConfigError]) -> list[AgencyConfig]:
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
            problems.extend(_problems(exc, str(path), document))
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
            for name in {service.playbook, agency.playbook} - {None} - playbooks:
                problems.append(ConfigError(f"không có playbook '{name}'", file=str(path), field="playbook",
                                            line=yamlfile.line_of(document, ("services", index, "playbook")),
                                            fix=f"tạo {root / 'playbooks' / (str(name) + '.yaml')} hoặc bỏ trường này"))
        agencies.append(agency)
    return agencies


_FIXES = {
    "group": "dùng một trong: bo, cqtcp, tinh",
    "declared_level": "dùng 2, 3 hoặc 4",
    "url": "dùng một địa chỉ đầy đủ bắt đầu bằng http:// hoặc https://",
    "portal": "dùng một địa chỉ đầy đủ bắt đầu bằng http:// hoặc https://",
    "procedure_code": "mã thủ tục có dạng d.dddddd, ví dụ 1.001193",
    "id": "chỉ dùng chữ thường không dấu, số, dấu gạch ngang, ví dụ bac-ninh-001",
    "playbook": "chỉ dùng chữ thường không dấu, số, dấu gạch ngang",
    "name": "ghi tên đúng như cơ quan khai báo",
}


def _problems(exc: ValidationError, file: str, document: Any) -> list[ConfigError]:
    out = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        field_name = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
        last = next((p for p in reversed(loc) if isinstance(p, str)), "")
        kind = error["type"]
        given = error.get("input")
        if kind == "missing":
            message, fix = "thiếu trường bắt buộc", f"thêm trường {last}"
        elif kind == "extra_forbidden":
            message, fix = "trường không được biết", "xóa trường này hoặc sửa lỗi chính tả tên trường"
        else:
            message = f"giá trị {given!r} không hợp lệ" if not isinstance(given, (dict, list)) else "kiểu không hợp lệ"
            fix = _FIXES.get(last) or error["msg"]
        out.append(ConfigError(message, file=file, field=field_name, line=yamlfile.line_of(document, loc), fix=fix))
    return out
