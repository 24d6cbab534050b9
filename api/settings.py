"""The one settings object: a YAML file (``MINSHENG_CONFIG``) plus ``MINSHENG_*`` env overrides.

It is loaded once at an entry point (CLI, crawl subprocess, tests) and passed in;
no other module reads the environment. Env beats YAML, YAML beats defaults.
Relative file paths in the YAML resolve against the YAML file's folder; ``home``
resolves against the working directory, as operators expect of ``./var``.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from cases.config import DEFAULT_RULES, MatchConfig, RuleConfig, SlaConfig, WebhookConfig
from crawlers.health_config import HealthConfig
from crawlers.sources import CrawlConfig, SourceConfig
from index.config import SearchConfig
from nlp.config import NlpConfig


class ConfigError(Exception):
    """A config problem, worded for the operator: file, key, what is wrong."""


class ApiConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Keys created at start-up if missing (demo only): {name: role}.
    bootstrap_keys: dict[str, str] = Field(default_factory=dict)
    session_secret: str | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MINSHENG_", env_nested_delimiter="__", extra="forbid",
    )

    home: Path = Path("./var")
    database_url: str | None = None
    search: SearchConfig = Field(default_factory=SearchConfig)
    gazetteer: Path | None = None
    nlp: NlpConfig = Field(default_factory=NlpConfig)
    sources: list[SourceConfig] = Field(default_factory=list)
    rules: list[RuleConfig] | None = None
    match: MatchConfig = Field(default_factory=MatchConfig)
    sla: SlaConfig = Field(default_factory=SlaConfig)
    routing: dict[str, str] = Field(default_factory=dict)
    webhooks: list[WebhookConfig] = Field(default_factory=list)
    crawl: CrawlConfig = Field(default_factory=CrawlConfig)
    health: HealthConfig = Field(default_factory=HealthConfig)
    api: ApiConfig = Field(default_factory=ApiConfig)
    # Where this config came from (set by load_settings, not by the YAML).
    config_path: Path | None = None

    @field_validator("sources")
    @classmethod
    def _unique_source_ids(cls, sources: list) -> list:
        seen: set[str] = set()
        for source in sources:
            if source.id in seen:
                raise ValueError(f"source id {source.id!r} is used twice")
            seen.add(source.id)
        return sources

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The YAML arrives as init kwargs; the environment must override it.
        return (env_settings, init_settings)

    # -- derived values -------------------------------------------------------------
    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'minsheng.db').resolve()}"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def effective_rules(self) -> list[RuleConfig]:
        if self.rules is None or self.rules == []:
            return [RuleConfig(**rule) for rule in DEFAULT_RULES]
        return self.rules

    def source(self, source_id: str) -> Any:
        for source in self.sources:
            if source.id == source_id:
                return source
        known = ", ".join(s.id for s in self.sources) or "none configured"
        raise ConfigError(f"unknown source {source_id!r} (known: {known})")


REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_CONFIG = REPO_ROOT / "demo" / "config.yaml"


class _ConfigLocation(BaseSettings):
    """Only ``MINSHENG_CONFIG``: where the YAML is, read before the YAML itself."""

    model_config = SettingsConfigDict(env_prefix="MINSHENG_", extra="ignore")

    config: Path | None = None


def locate_config(explicit: Path | str | None = None) -> Path | None:
    """The config file to load: the one given, else ``MINSHENG_CONFIG``, else
    ``./minsheng.yaml`` when present, else the shipped demo config."""
    if explicit:
        return Path(explicit)
    named = _ConfigLocation().config
    if named is not None:
        return named
    local = Path("minsheng.yaml")
    if local.is_file():
        return local
    return DEMO_CONFIG if DEMO_CONFIG.is_file() else None


_FILE_KEYS = (("gazetteer",), ("nlp", "model_path"), ("nlp", "taxonomy"), ("nlp", "lexicon"))


def _resolve_relative(data: dict[str, Any], base: Path) -> None:
    for path in _FILE_KEYS:
        holder = data
        for key in path[:-1]:
            holder = holder.get(key) if isinstance(holder.get(key), dict) else {}
        value = holder.get(path[-1])
        if isinstance(value, str) and value and not Path(value).is_absolute():
            holder[path[-1]] = str((base / value).resolve())


def _describe(error: ValidationError, origin: str) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{origin}: {key}: {first['msg']}{more}"


def load_settings(path: Path | str | None = None, **overrides: Any) -> Settings:
    """Load the YAML at ``path`` (or defaults), apply env overrides, validate.

    Raises ConfigError with a one-line message naming the file and key.
    """
    data: dict[str, Any] = {}
    origin = "defaults"
    if path is not None:
        path = Path(path)
        origin = str(path)
        if not path.is_file():
            raise ConfigError(f"{path}: config file not found")
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}: " if mark else ""
            raise ConfigError(f"{path}: {where}not valid YAML ({getattr(exc, 'problem', exc)})") from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, Mapping):
            raise ConfigError(f"{path}: the top level must be a mapping of keys, not {type(loaded).__name__}")
        data = dict(loaded)
        _resolve_relative(data, path.parent.resolve())
    data.update(overrides)
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origin)) from None
    settings.config_path = Path(path).resolve() if path is not None else None
    if settings.gazetteer is not None and not settings.gazetteer.is_file():
        raise ConfigError(f"{origin}: gazetteer: file not found: {settings.gazetteer}")
    return settings
