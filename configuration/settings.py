"""Settings: each declared once here with its default and help.

Precedence, lowest first: these defaults < `<config>/settings.yaml` < environment variables
(`KIEMTRA_<GROUP>_<NAME>`, e.g. `KIEMTRA_DATA`, `KIEMTRA_TIMEOUTS_NAVIGATION_S`) < command-line
options. pydantic-settings does the layering (`Settings.settings_customise_sources`); this module
only says where the file's values come in. Secrets never live here: they come from the environment
at the point of use (`KIEMTRA_SIGNING_KEY`, `KIEMTRA_IMAP_PASSWORD`), and the environment source
reads only the names declared below, so a secret's variable never lands in the settings.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from configuration import yamlfile
from configuration.problems import Problems, dotted, from_validation
from kiemtra import __version__
from kiemtra.errors import ConfigError

ENV_PREFIX = "KIEMTRA_"


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Timeouts(_Group):
    navigation_s: float = Field(default=30.0, gt=0,
                                description="Seconds a page may take to load before the step fails as a time-out.")
    step_s: float = Field(default=15.0, gt=0, description="Seconds a single bot step (find, fill, click, wait) may take.")
    check_s: float = Field(default=600.0, gt=0, description="Seconds one whole check of a service may take.")


class Politeness(_Group):
    per_host_rps: float = Field(default=2.0, gt=0, description="Navigations per second the crawler sends to one host at most.")
    per_host_concurrency: int = Field(default=2, ge=1, description="Checks running against one host at the same time at most.")


class Retry(_Group):
    min_delay_minutes: float = Field(default=60.0, ge=0, description="A failed check is retried no sooner than this.")
    other_window_hours: float = Field(default=4.0, ge=0,
                                      description="A retry falls at least this far from the failed attempt's time of day.")
    max_attempts: int = Field(default=3, ge=1, description="Attempts after which a failing check is given up.")


class Queue(_Group):
    lease_s: float = Field(default=120.0, gt=0,
                           description="Seconds a worker holds a job between heartbeats; a dead worker's job runs again "
                                       "after this.")
    lock_ttl_s: float = Field(default=120.0, gt=0,
                              description="Seconds the crawl lock outlives its last heartbeat (a crawl that died elsewhere).")
    orphan_grace_s: float = Field(default=60.0, ge=0,
                                  description="Artifact files the store does not know are removed at crawl start once this old.")


class Capture(_Group):
    screenshots: bool = Field(default=True, description="Take a full-page screenshot at every step.")
    html: bool = Field(default=True, description="Keep the page's HTML at every step.")
    video: bool = Field(default=True, description="Record a video of every service check.")
    trace: bool = Field(default=True, description="Record a Playwright trace of every service check.")
    network: bool = Field(default=True, description="Record every request and response of a service check and keep "
                          "them as a signed WACZ web archive (replayable in ReplayWeb.page).")


class Navigation(_Group):
    allowed_private: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="host:port a check may reach although it is loopback, private or link-local (the demo world's "
                    "own ports); environment: comma-separated.")

    @field_validator("allowed_private", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            for entry in value:
                host, _, port = str(entry).strip().rpartition(":")
                if not host or not port.isdigit() or not 0 < int(port) < 65536:
                    raise ValueError(f"«{entry}» phải có dạng máy:cổng, ví dụ 127.0.0.1:8801")
            return [str(entry).strip() for entry in value]
        return value


class Browser(_Group):
    executable: str | None = Field(default=None,
                                   description="Chromium to launch; empty means Playwright's own, else the system's "
                                               "/usr/bin/chromium.")
    headless: bool = Field(default=True, description="Run the browser without a window.")
    viewport_width: int = Field(default=1366, ge=320, description="Viewport width in CSS pixels.")
    viewport_height: int = Field(default=900, ge=320, description="Viewport height in CSS pixels.")


class Identity(_Group):
    full_name: str = Field(default="Nguyễn Văn Kiểm", description="Full name of the synthetic citizen the bot acts as.")
    id_number: str = Field(default="001090012345", description="Citizen ID (CCCD) number of the synthetic citizen.")
    birth_date: date = Field(default=date(1990, 5, 17), description="Date of birth of the synthetic citizen.")
    phone: str = Field(default="0912345678", description="Phone number of the synthetic citizen.")
    email: str = Field(default="kiemtra.{run}@hopthu.demo",
                       description="Mailbox address; {run} becomes the run id, so every check registers afresh.")
    address: str = Field(default="Số 1 Trần Hưng Đạo, phường Hàng Bài, quận Hoàn Kiếm, Hà Nội",
                         description="Postal address of the synthetic citizen.")


class Mailbox(_Group):
    kind: Literal["http", "imap", "none"] = Field(
        default="http", description="How the bot reads confirmation mail: http (a JSON inbox such as the demo world's), "
                "imap, or none.")
    url: str = Field(default="http://127.0.0.1:8702/", description="Base URL of the JSON inbox (kind http).")
    imap_host: str = Field(default="", description="IMAP server (kind imap); the password comes from KIEMTRA_IMAP_PASSWORD.")
    imap_user: str = Field(default="", description="IMAP user name (kind imap).")
    wait_s: float = Field(default=20.0, gt=0, description="Seconds to wait for a confirmation mail to arrive.")


class Matching(_Group):
    strong: float = Field(default=88.0, ge=0, le=100,
                          description="Score (0-100) from which a declared name matches a procedure strongly (R5).")
    weak: float = Field(default=80.0, ge=0, le=100,
                        description="Score from which a name matches weakly: an inspector confirms; below it, no match.")
    margin: float = Field(default=2.0, ge=0, le=100,
                          description="Points a strong match must lead the next different procedure by; closer is weak.")
    candidates: int = Field(default=40, ge=1, le=1000,
                            description="Candidates taken from the catalogue index and scored for each name.")


class Serve(_Group):
    host: str = Field(default="127.0.0.1", description="Address the evidence browser listens on.")
    port: int = Field(default=8800, ge=1, le=65535, description="Port the evidence browser listens on.")
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30,
                                 description="Hours a workspace sign-in lasts before the person signs in again.")
    idle_minutes: float = Field(default=60.0, gt=0, le=24 * 60,
                                description="Minutes without a request after which a workspace session ends.")
    secure_cookies: bool = Field(default=True,
                                 description="Mark the session cookie Secure (sent over HTTPS only; browsers also send it "
                                             "to http://127.0.0.1 and localhost). Turn off only to serve plain HTTP on "
                                             "another address without a TLS proxy, which exposes passwords to the network.")
    threads: int = Field(default=8, ge=1, le=64, description="Worker threads of the workspace's web server (waitress).")
    trusted_proxy: str = Field(default="", description="Address of the reverse proxy terminating HTTPS (e.g. 127.0.0.1); "
                                                       "its X-Forwarded-For/-Proto are then believed (docs/workspace.md).")


class Signing(_Group):
    key_file: str = Field(default="~/.config/kiemtra/signing-key.pem",
                          description="Ed25519 private key that signs run manifests, outside the repo (`kiemtra keys init`); "
                                      "env KIEMTRA_SIGNING_KEY may hold the PEM itself. No key: manifests are chained "
                                      "but unsigned.")
    trusted_public_key: str = Field(default="",
                                    description="Public key (PEM file, e.g. the .pub of `kiemtra keys init`) that "
                                                "`evidence verify-bundle` requires every manifest to be signed by; "
                                                "empty: a bundle can be found intact but not authenticated (exit 4).")


class Portal(_Group):
    max_pages: int = Field(default=60, ge=1, description="Pages the portal spider fetches from one portal at most.")
    max_depth: int = Field(default=3, ge=0, description="Clicks from the home page the portal spider follows at most.")
    max_seconds: float = Field(default=120.0, gt=0, description="Seconds one portal crawl may take before it stops.")
    download_delay_s: float = Field(default=0.25, ge=0,
                                    description="Seconds between two requests of the portal spider to one host.")


class Review(_Group):
    threshold: float = Field(default=0.25, ge=0, le=1,
                             description="R2: two inspectors' scores differing by more than this share of a criterion's "
                                         "points are re-checked.")
    sample_fraction: float = Field(default=0.2, ge=0, le=1,
                                   description="R2: share of the agreeing criteria the appraiser spot-checks.")
    crawl_as_b: bool = Field(default=False,
                             description="R1: a second kiemtra crawl (another time and viewport) may serve as inspector B; "
                                         "off, B must be a person's imported scores.")


class Confirmation(_Group):
    attachment_max_mb: float = Field(default=10.0, gt=0, le=200,
                                     description="Largest file (MB) an agency may attach to a dispute in the workspace "
                                                 "(pdf, png, jpg, xlsx, docx, told by content).")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="forbid", env_prefix=ENV_PREFIX, case_sensitive=False,
                                      # KIEMTRA_TIMEOUTS_NAVIGATION_S: split once, after the group's name
                                      env_nested_delimiter="_", env_nested_max_split=1)

    data: Path = Field(default=Path("./var"), description="Data folder: the store kiemtra.db and the evidence/ folder.")
    concurrency: int = Field(default=4, ge=1, le=64, description="Browser contexts checking at the same time.")
    user_agent: str = Field(default=f"Mozilla/5.0 (X11; Linux x86_64) Chrome kiemtra/{__version__} (kiểm tra ứng dụng CNTT)",
                            description="User-Agent sent with every request.")
    timeouts: Timeouts = Field(default_factory=Timeouts, description="Time-outs.")
    politeness: Politeness = Field(default_factory=Politeness, description="Per-host politeness limits.")
    retry: Retry = Field(default_factory=Retry, description="When failed checks run again (R6).")
    queue: Queue = Field(default_factory=Queue, description="The persistent job queue and the crawl lock.")
    capture: Capture = Field(default_factory=Capture, description="What evidence every visit records (R9).")
    browser: Browser = Field(default_factory=Browser, description="The browser.")
    navigation: Navigation = Field(default_factory=Navigation, description="Where a check may go (the navigation policy).")
    identity: Identity = Field(default_factory=Identity, description="The synthetic citizen the bot acts as (R7).")
    mailbox: Mailbox = Field(default_factory=Mailbox, description="Where the bot reads confirmation mail.")
    matching: Matching = Field(default_factory=Matching, description="Matching declared names to CSDL TTHC (R3, R5).")
    serve: Serve = Field(default_factory=Serve, description="The evidence browser.")
    signing: Signing = Field(default_factory=Signing, description="Signing of run manifests (R9).")
    portal: Portal = Field(default_factory=Portal, description="Bounds of the portal crawl (category 3).")
    review: Review = Field(default_factory=Review, description="Two inspectors and the appraiser (R1, R2).")
    database_url: str = Field(default="", description="postgresql://user@host:port/db: the shared store on PostgreSQL "
                                                      "(many workers); empty keeps the SQLite file in `data`. The "
                                                      "password comes from PGPASSWORD or ~/.pgpass, never this file.")
    broker_url: str = Field(default="", description="Where the distributed crawl's tasks are delivered (procrastinate "
                                                    "on PostgreSQL); empty means the same database as database_url.")
    confirmation: Confirmation = Field(default_factory=Confirmation,
                                       description="The confirmation round in the workspace (R13).")

    @property
    def db_path(self) -> Path:
        return self.data / "kiemtra.db"

    @property
    def evidence_dir(self) -> Path:
        return self.data / "evidence"

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource) -> tuple[PydanticBaseSettingsSource, ...]:
        # Highest first: the command line (init arguments), the environment, settings.yaml; then the defaults.
        return init_settings, _DeclaredEnv(settings_cls), _FileSource(settings_cls)


# The values of the settings.yaml being loaded. A context variable: pydantic-settings builds its sources
# inside Settings() and has no argument through which to hand them the file's (already parsed) values.
_FILE_VALUES: ContextVar[Mapping[str, Any] | None] = ContextVar("kiemtra_settings_file", default=None)


class _FileSource(PydanticBaseSettingsSource):
    """The values of `<config>/settings.yaml`, already parsed (with its lines) by `parse_settings`."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return (_FILE_VALUES.get() or {}).get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(_FILE_VALUES.get() or {})


class _DeclaredEnv(EnvSettingsSource):
    """`KIEMTRA_*` variables, only those naming a declared setting.

    A group's variables are split once after the group (`KIEMTRA_SIGNING_KEY_FILE` is `signing.key_file`);
    a variable naming no setting of the group (`KIEMTRA_SIGNING_KEY`, the PEM itself) is not a setting.
    """

    def explode_env_vars(self, field_name: str, field: FieldInfo, env_vars: Mapping[str, str | None]) -> dict[str, Any]:
        found = super().explode_env_vars(field_name, field, env_vars)
        group = field.annotation
        if isinstance(group, type) and issubclass(group, BaseModel):
            return {key: value for key, value in found.items() if key in group.model_fields}
        return found


@contextmanager
def _file_values(document: Mapping[str, Any]) -> Iterator[None]:
    token = _FILE_VALUES.set(document)
    try:
        yield
    finally:
        _FILE_VALUES.reset(token)


def build(document: Mapping[str, Any] | None = None, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Settings from the file's values, the environment and the command line's, in that order of strength."""
    with _file_values(document or {}):
        return Settings(**dict(overrides or {}))


def env_variable(loc: tuple[Any, ...]) -> str:
    """The environment variable of a setting: ("timeouts", "navigation_s") -> KIEMTRA_TIMEOUTS_NAVIGATION_S."""
    return ENV_PREFIX + "_".join(str(part) for part in loc[:2]).upper()


def parse_settings(root: Path, overrides: Mapping[str, Any], problems: Problems) -> Settings | None:
    """`<root>/settings.yaml` under the environment and the command line; None (and problems) if invalid."""
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
    try:
        settings = build(document, overrides)
    except ValidationError as exc:
        problems.extend(_said_where(problem, loc, path, overrides)
                        for problem, loc in zip(from_validation(exc, str(path), document),
                                                (tuple(e["loc"]) for e in exc.errors()), strict=True))
        return None
    if not settings.data.is_absolute():
        settings = settings.model_copy(update={"data": Path.cwd() / settings.data})
    return settings


def _said_where(problem: ConfigError, loc: tuple[Any, ...], path: Path, overrides: Mapping[str, Any]) -> ConfigError:
    """A bad value the environment gave is named by its variable, not by a line of settings.yaml."""
    if _has(overrides, loc):
        return ConfigError(problem.message, field=f"tùy chọn dòng lệnh {dotted(loc)}", fix=problem.fix)
    variable = env_variable(loc)
    if len(loc) <= 2 and any(name.upper() == variable for name in os.environ):
        return ConfigError(problem.message, field=variable, fix=problem.fix)
    return problem


def _has(values: Mapping[str, Any], loc: tuple[Any, ...]) -> bool:
    node: Any = values
    for part in loc:
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def describe() -> list[tuple[str, Any, str]]:
    """(dotted name, default, help) for every setting: the source of the settings docs."""
    rows: list[tuple[str, Any, str]] = []
    for name, field in Settings.model_fields.items():
        group = field.annotation
        if isinstance(group, type) and issubclass(group, _Group):
            for sub, subfield in group.model_fields.items():
                rows.append((f"{name}.{sub}", subfield.default, subfield.description or ""))
        else:
            rows.append((name, field.default, field.description or ""))
    return rows
