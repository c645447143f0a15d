"""Settings: one pydantic-settings model, built once at start and passed in.

Precedence, lowest first: defaults, the TOML file (`--config PATH`, else
`config.toml` in the platform's config directory), environment variables prefixed
`REGIME_` (nested with `__`: `REGIME_REFRESH__REGULAR=30`), then CLI flags. Unknown
keys and wrong types are errors; `load_settings` turns every failure into one
`ConfigError` whose message names the file and the key."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

APP_NAME = "regime"


class ConfigError(Exception):
    """A configuration problem, with a message fit to print as it is."""


class Section(BaseModel):
    """A nested config table: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Symbols(Section):
    """Yahoo symbols of the instruments the monitor reads."""

    index: str = "^GSPC"
    """The index the price, RSI, TD and CTA panels follow."""
    vix: str = "^VIX"
    vix9d: str = "^VIX9D"
    vix3m: str = "^VIX3M"
    small_caps: str = "^RUT"
    """Russell 2000, for the small-cap win streak."""
    nasdaq: str = "^IXIC"
    """Nasdaq Composite, for confirmation of S&P 500 highs."""
    cap_weight: str = "SPY"
    equal_weight: str = "RSP"
    small_cap_etf: str = "IWM"

    def all(self) -> tuple[str, ...]:
        """Every configured symbol, index first, without repeats."""
        return tuple(dict.fromkeys(self.model_dump().values()))


class Refresh(Section):
    """Seconds between refreshes in each market phase, and of the slow data."""

    regular: float = Field(15.0, gt=0)
    pre: float = Field(60.0, gt=0)
    post: float = Field(60.0, gt=0)
    closed: float = Field(900.0, gt=0)
    members: float = Field(3600.0, gt=0)
    """Members' daily bars (for breadth): slow, never on the quote cycle."""


class UserLevel(Section):
    """A fixed price level, or a band, that a thesis argues about."""

    label: str = Field(min_length=1)
    value: float | None = Field(None, gt=0)
    range: tuple[float, float] | None = None
    """A band as [low, high]; give either value or range."""
    thesis: Literal["bull", "bear"] | None = None

    @model_validator(mode="after")
    def _value_or_range(self) -> UserLevel:
        if (self.value is None) == (self.range is None):
            raise ValueError("give exactly one of 'value' or 'range'")
        if self.range is not None and not 0 < self.range[0] < self.range[1]:
            raise ValueError("'range' must be [low, high] with 0 < low < high")
        return self


class ThesisItemConfig(Section):
    """One checklist item a user adds, or the fields of a built-in item they replace
    (matched by id). Rules are parsed and checked by core.thesis, not here."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    label: str | None = Field(None, min_length=1)
    rule: str | None = None
    """An expression over Snapshot fields, e.g. 'price.last > level("6,992 pivot").value'."""
    show: str | None = None
    """An expression for the value shown beside the item (default: the rule's first field)."""
    format: str | None = None
    """A format spec for a numeric value and an optional unit, e.g. "+.2f%" or ".1f pp"."""
    why: str | None = None
    """One line on what the claim means."""


class ThesisConfig(Section):
    """A thesis's table in the config: `[theses.bull]` changes a built-in thesis, any
    other name (`[theses.soft_landing]`) adds one."""

    title: str | None = None
    disable: tuple[str, ...] = ()
    """Ids of items to leave out."""
    items: tuple[ThesisItemConfig, ...] = ()
    """Items to add, or to replace built-in items with the same id field by field."""


SourceName = str
"""auto | yahoo | sim | files:DIR (validated by `check_source`)."""


def check_source(value: str) -> str:
    """Validate a --source value; returns it unchanged."""
    if value in ("auto", "yahoo", "sim"):
        return value
    if value.startswith("files:") and len(value) > len("files:"):
        return value
    raise ValueError(f"source must be auto, yahoo, sim or files:DIR, not {value!r}")


class Settings(BaseSettings):
    """Everything a user can set. Every field has a default, so no file is needed."""

    model_config = SettingsConfigDict(
        env_prefix="REGIME_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    source: str = "auto"
    """Where data comes from: auto (yahoo, else cache, else sim), yahoo, sim, files:DIR."""
    theme: str = "regime-dark"
    """Theme name: regime-dark, regime-light, regime-ansi, or any Textual theme."""
    thesis: Literal["bull", "bear"] = "bull"
    """The thesis view shown at start."""
    seed: int = 7000
    """Seed of the simulated market."""
    history_years: int = Field(3, ge=2, le=30)
    """Years of daily history loaded for the indicators."""
    members_file: Path | None = None
    """CSV of the index members for breadth from Yahoo (a Ticker or YahooTicker column,
    optional Name, Sector, Weight), e.g. a constituents.csv in the files layout."""
    symbols: Symbols = Field(default_factory=Symbols)
    refresh: Refresh = Field(default_factory=Refresh)
    levels: tuple[UserLevel, ...] = ()
    theses: dict[str, ThesisConfig] = Field(default_factory=dict)
    """Changes to the built-in bull/bear theses and new theses (see core.thesis)."""

    @model_validator(mode="after")
    def _check_source(self) -> Settings:
        check_source(self.source)
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # load_settings reads the file and the environment itself (to name the file and
        # key of any error) and passes the merged values in; nothing else is read here.
        return (init_settings,)


def default_config_path() -> Path:
    """config.toml in the platform's user config directory."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, raising ConfigError that names the file and the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read config file ({error})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None


def _where(
    error: ValidationError,
    path: Path | None,
    file_values: dict[str, Any],
    env_values: dict[str, Any],
    flags: dict[str, Any],
) -> str:
    """Name the layer the first bad key came from: flags, environment or the file."""
    loc = error.errors()[0]["loc"]
    top = str(loc[0]) if loc else ""
    if top in flags:
        return "command line"
    if top in env_values:
        return f"environment (REGIME_{top.upper()})"
    if path is not None:
        return str(path)
    return "settings"


def _describe(error: ValidationError, where: str) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    more = len(error.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{where}: key '{key}': {message}{suffix}"


def _deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _env_values() -> dict[str, Any]:
    """The REGIME_* environment as nested values, parsed as pydantic-settings does."""
    return dict(EnvSettingsSource(Settings)())


def load_settings(path: Path | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Build the Settings from the file at `path` (or the default file if it exists),
    the environment, and `overrides` (CLI flags; None values are ignored)."""
    chosen = path if path is not None else default_config_path()
    file_values: dict[str, Any] = {}
    if path is not None or chosen.exists():
        file_values = read_toml(chosen)
    flags = {key: value for key, value in (overrides or {}).items() if value is not None}
    try:
        env_values = _env_values()
        merged = _deep_merge(_deep_merge(file_values, env_values), flags)
        return Settings(**merged)
    except ValidationError as error:
        where = _where(error, chosen if file_values else None, file_values, env_values, flags)
        raise ConfigError(_describe(error, where)) from None
