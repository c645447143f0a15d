"""Settings: one pydantic-settings model, built once at start by `load_settings` and
passed in. Three layers are read through pydantic-settings' own sources, combined in
`Settings.settings_customise_sources`, lowest precedence first: the TOML file (`--config
PATH`, else `config.toml` in the platform's config directory when it exists), environment
variables prefixed `REGIME_` (nested with `__`: `REGIME_REFRESH__REGULAR=30`), and the
CLI flags as init kwargs; tables merge key by key, lists are replaced whole. Each layer is
validated alone before the merged result, so every failure is one `ConfigError` line that
names its layer (the file, the variable or the flag) and the key, and a bad key in the
file is an error even where a variable or flag overrides it. Unknown keys are errors: in
the file at any depth, in the environment under a known table (`REGIME_REFRESH__REGULR`;
a `REGIME_*` name that is no field is not read); a misspelt key is told the key it
probably meant. Values are checked where they are read, so nothing bad reaches a source:
a seed the simulator takes, a members file that exists and lists members, cadences no
faster than a refresh can be useful, level labels that name one level each. The theme is
checked by the CLI (Textual's theme names would cost this module its start-up).
`Settings(...)` called directly reads only its arguments, which keeps tests and
benchmarks free of the user's file and environment. What the monitor's first frame
needs (theme, thesis, source) is read without pydantic by core.view_settings, which
also holds the config file's place, the --source check and ConfigError (re-exported
here); this module is loaded after the first frame."""

from __future__ import annotations

import difflib
import itertools
import json
import os
import re
import typing
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails
    from pydantic_settings.sources.types import Traversable

from core.view_settings import (
    APP_NAME,
    ENV_NESTED_DELIMITER,
    ENV_PREFIX,
    ConfigError,
    ViewSettings,
    check_source,
    config_file,
    default_config_path,
)

__all__ = [
    "APP_NAME",
    "ENV_NESTED_DELIMITER",
    "ENV_PREFIX",
    "ConfigError",
    "Settings",
    "check_source",
    "default_config_path",
    "load_settings",
]


class Section(BaseModel):
    """A nested config table: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Symbols(Section):
    """Yahoo symbols of the instruments the panels read besides the index members."""

    index: str = ViewSettings.index
    """The index the price, RSI, TD and CTA panels follow."""
    vix: str = "^VIX"
    """30-day implied volatility of the index: VIX level, IV rank and percentile."""
    vix9d: str = "^VIX9D"
    """9-day implied volatility, the short end of the VIX term structure."""
    vix3m: str = "^VIX3M"
    """3-month implied volatility, for the VIX/VIX3M term ratio."""
    small_caps: str = "^RUT"
    """Russell 2000, for the small-cap relative strength and win streak."""
    nasdaq: str = "^IXIC"
    """Nasdaq Composite, for confirmation of S&P 500 highs."""
    cap_weight: str = "SPY"
    """Cap-weighted S&P 500 fund: the RSP/SPY ratio and the top-10 concentration."""
    equal_weight: str = "RSP"
    """Equal-weighted S&P 500 fund, against cap_weight for breadth of leadership."""


MIN_QUOTE_CADENCE = 1.0
"""The fastest quote cycle, in seconds: a quote moves at most about once a second, a
panel redrawn faster cannot be read, and a cycle of milliseconds turns the simulated
market into a busy loop."""
MIN_BARS_CADENCE = 60.0
"""The fastest cycle of daily bars, in seconds: they change once a day (the quotes move
the last bar in between), and asking Yahoo for 500 members' bars more often than once a
minute only earns rate limits."""


class Refresh(Section):
    """Seconds between refreshes in each market phase, and of the slow data."""

    regular: float = Field(15.0, ge=MIN_QUOTE_CADENCE)
    """The regular session (09:30 to the close, New York); at least MIN_QUOTE_CADENCE."""
    pre: float = Field(60.0, ge=MIN_QUOTE_CADENCE)
    """Pre-market, from 04:00 to the open; at least MIN_QUOTE_CADENCE."""
    post: float = Field(60.0, ge=MIN_QUOTE_CADENCE)
    """After hours, four hours from the close; at least MIN_QUOTE_CADENCE."""
    closed: float = Field(900.0, ge=MIN_QUOTE_CADENCE)
    """Nights, weekends and holidays; at least MIN_QUOTE_CADENCE (nothing trades, but a
    replay or the simulated market still cycles on it)."""
    members: float = Field(3600.0, ge=MIN_BARS_CADENCE)
    """Members' daily bars (for breadth): slow, never on the quote cycle; at least
    MIN_BARS_CADENCE."""
    options: float = Field(900.0, ge=MIN_BARS_CADENCE)
    """The index's option chains (dealer gamma), in regular hours; outside them one
    fetch after the close, then none until the next open (open interest changes once a
    day, quotes only in the session). A Yahoo chain is one request per expiry, so at
    least MIN_BARS_CADENCE; never on the quote cycle."""
    daily: float = Field(900.0, ge=MIN_BARS_CADENCE)
    """Top-ups of the daily bars from Yahoo (the quotes move the last bar in between);
    the first refresh after the close always tops up, to take the official close; at
    least MIN_BARS_CADENCE."""


class Options(Section):
    """Which of the index's option expiries the gamma panel reads from a live source."""

    max_days: int = Field(45, ge=1, le=400)
    """Expiries within this many calendar days of today."""
    max_expiries: int = Field(12, ge=1, le=60)
    """At most this many of them, nearest first (Yahoo: one request each)."""


def level_key(label: str) -> str:
    """The form in which labels are compared, as `level("...")` in a rule finds them:
    case-blind, any dash as '-', spaces collapsed."""
    return " ".join(label.replace("\u2013", "-").replace("\u2014", "-").casefold().split())


class UserLevel(Section):
    """A fixed price level, or a band, that a thesis argues about."""

    label: str = Field(min_length=1)
    """The name shown on the price panel and used by rules: level("6,992 pivot"); no
    square brackets (a history names the level's columns `price.levels[LABEL].value`)."""
    value: float | None = Field(None, gt=0)
    """The level's price; give either value or range."""
    range: tuple[float, float] | None = None
    """A band as [low, high]; give either value or range."""
    thesis: Literal["bull", "bear"] | None = None
    """The thesis the level belongs to, or none for a neutral level."""

    @field_validator("label")
    @classmethod
    def _no_brackets(cls, label: str) -> str:
        if "[" in label or "]" in label:
            raise ValueError("a level's label cannot contain [ or ]")
        return label

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
    """The item's id: a new id adds an item, a built-in id replaces its fields."""
    label: str | None = Field(None, min_length=1)
    """The text shown in the checklist."""
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
    """The thesis's title (default: the built-in one, else the table's name in title case)."""
    disable: tuple[str, ...] = ()
    """Ids of items to leave out."""
    items: tuple[ThesisItemConfig, ...] = ()
    """Items to add, or to replace built-in items with the same id field by field."""


class StudyConfig(Section):
    """A historical-edge study's table in the config: `[studies.rut_streak]` changes the
    fields it gives of a built-in study, any other id adds a study (which then needs a
    title, a definition and a condition). Rules are parsed and checked by
    core.studies.study, not here; the fields are those of its `Study`."""

    title: str | None = Field(None, min_length=1)
    """The setup in a few words, as the Edge panel lists it."""
    definition: str | None = Field(None, min_length=1)
    """The study in words."""
    condition: str | None = Field(None, min_length=1)
    """A rule over the readings, true on a setup's sessions."""
    series: str | None = None
    """Whose forward return is measured: a key of `[symbols]` (index, small_caps, ...)."""
    relative_to: str | None = None
    """Another key of `[symbols]`: measure `series` relative to it."""
    horizons: tuple[int, ...] | None = None
    """Forward horizons in sessions."""
    headline: int | None = None
    """The horizon the Edge panel shows; one of `horizons`."""
    cooldown: int | None = Field(None, ge=0)
    """Sessions the condition must not have held before an event."""
    reading: str | None = None
    """An expression shown for each event (default: the condition's first field)."""
    decline_pct: float | None = Field(None, gt=0)
    """Also count the events whose fall within a horizon reached this, in percent."""
    near: str | None = None
    """An expression for how far the last session is from triggering, in percent."""


AlertSeverity = Literal["info", "warning", "critical"]
"""How much an alert matters (core.alerts.alert.Severity)."""
DeliverFrom = Literal["info", "warning", "critical", "off"]
"""The least severity a way of delivery carries, or off for none."""


class AlertConfig(Section):
    """An alert's table in the config: `[alerts.sma200_cross_below]` changes the fields
    it gives of a built-in alert, any other id adds an alert (which then needs a name
    and a `when`), and `enabled = false` leaves one out. Rules are parsed and checked by
    core.alerts.catalog, not here; the fields are those of core.alerts.alert's `Alert`."""

    enabled: bool = True
    """False leaves the alert out."""
    name: str | None = Field(None, min_length=1, max_length=120)
    """The alert in a few words, as a notification and the log show it."""
    severity: AlertSeverity | None = None
    """info, warning or critical: which ways of delivery carry it (see [notify])."""
    when: str | None = Field(None, min_length=1)
    """A rule, true while the condition holds; the alert fires when it becomes true."""
    confirm: int | None = Field(None, ge=1, le=1000)
    """Consecutive refreshes a new state must show before it counts."""
    band_pct: float | None = Field(None, gt=0, le=100)
    """A band around `level`, in percent of its value, inside which nothing changes."""
    band_points: float | None = Field(None, gt=0)
    """The same band in index points (give band_pct or band_points)."""
    level: str | None = Field(None, min_length=1, max_length=120)
    """The name of the level the band is measured from, as `level("...")` reads it."""
    side: Literal["above", "below"] | None = None
    """The side of `level` the condition lies on."""
    reading: str | None = None
    """The number whose distance from `level` the band measures (default price.last)."""
    cooldown_minutes: float | None = Field(None, ge=0)
    """No second firing of the alert within this many minutes of the last one."""
    message: str | None = Field(None, min_length=1, max_length=300)
    """A template: {value} (from `show`, with an optional format: {value:,.0f}), {name},
    {id}, {severity}."""
    show: str | None = None
    """An expression whose value fills {value} in the message."""


class Notify(Section):
    """How a firing alert reaches you: each way of delivery carries the alerts of at
    least its severity (or none when off)."""

    toast: DeliverFrom = "info"
    """A notification inside the app."""
    bell: DeliverFrom = "warning"
    """The terminal bell."""
    desktop: DeliverFrom = "warning"
    """A desktop notification through the terminal (OSC 9, 777 or 99; works over SSH)."""
    osc: Literal["auto"] | tuple[Literal["osc9", "osc777", "osc99"], ...] = "auto"
    """Which escapes carry the desktop notification: auto (chosen by the terminal) or a
    list of osc9, osc777, osc99."""
    command: tuple[str, ...] = ()
    """A command run for each alert (argv, no shell), with the alert's fields as
    arguments; none by default."""
    command_severity: AlertSeverity = "warning"
    """The least severity for which the command runs."""
    command_timeout: float = Field(10.0, gt=0, le=300)
    """Seconds before the command is killed (its failure is logged, never fatal)."""


SourceName = Annotated[str, AfterValidator(check_source)]
"""auto | yahoo | sim | files:DIR."""


@dataclass(frozen=True)
class _Layers:
    """Which sources a Settings build reads besides its init kwargs."""

    file: Path | None = None
    """The TOML file, or None for no file."""
    environment: bool = False
    """Whether REGIME_* variables are read."""


_ARGUMENTS_ONLY = _Layers()
"""What a direct `Settings(...)` reads: its init kwargs alone."""

# pydantic-settings takes no file path at run time (pydantic/pydantic-settings#259) and a
# Settings subclass per file would build a new model on every start, so load_settings
# hands the layers to settings_customise_sources through this (thread- and task-safe)
# variable.
_LAYERS: ContextVar[_Layers] = ContextVar("regime_settings_layers", default=_ARGUMENTS_ONLY)


class ConfigFileSource(TomlConfigSettingsSource):
    """pydantic-settings' TOML file source, with a file that cannot be read or parsed
    turned into a ConfigError naming the file (and, for bad TOML, the line)."""

    def _read_file(self, file_path: Path | Traversable) -> dict[str, Any]:
        import tomllib  # here, not at module level: only a start with a file needs it

        try:
            return super()._read_file(file_path)
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{file_path}: not valid TOML: {error}") from None
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"{file_path}: cannot read config file ({error})") from None


class Settings(BaseSettings):
    """Everything a user can set. Every field has a default, so no file is needed."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_NESTED_DELIMITER,
        extra="forbid",
        frozen=True,
    )

    source: SourceName = ViewSettings.source
    """Where data comes from: auto (yahoo, else cache, else sim), yahoo, sim, files:DIR."""
    theme: str = ViewSettings.theme
    """Theme name: regime-dark, regime-light, regime-ansi, or any Textual theme."""
    thesis: Literal["bull", "bear"] = ViewSettings.thesis
    """The thesis view shown at start."""
    seed: int = Field(7000, ge=0)
    """Seed of the simulated market (numpy's generators take no negative seed)."""
    history_years: int = Field(3, ge=2, le=30)
    """Years of the members' closes loaded for breadth, and the least of daily bars
    loaded per symbol (the index loads more: its EMA 200 needs years to settle)."""
    members_file: Path | None = None
    """CSV of the index members for breadth from Yahoo (a Ticker or YahooTicker column,
    optional Name, Sector, Weight), e.g. a constituents.csv in the files layout. It must
    exist and hold a member after its header (its columns are read by the source)."""
    symbols: Symbols = Field(default_factory=Symbols)
    """The instruments read besides the index members."""
    refresh: Refresh = Field(default_factory=Refresh)
    """Refresh cadences per market phase."""
    options: Options = Field(default_factory=Options)
    """The option expiries the gamma panel reads from Yahoo."""
    levels: tuple[UserLevel, ...] = ()
    """Your price levels and bands, shown on the price panel and named in rules."""
    theses: dict[str, ThesisConfig] = Field(default_factory=dict)
    """Changes to the built-in bull/bear theses and new theses (see core.thesis)."""
    studies: dict[str, StudyConfig] = Field(default_factory=dict)
    """Changes to the built-in historical-edge studies and new studies, by id (see
    core.studies.study)."""
    alerts: dict[str, AlertConfig] = Field(default_factory=dict)
    """Changes to the built-in alerts and new alerts, by id (see core.alerts.catalog)."""
    notify: Notify = Field(default_factory=Notify)
    """How firing alerts are delivered: toast, bell, desktop notification, a command."""

    @field_validator("members_file")
    @classmethod
    def _members_listed(cls, path: Path | None) -> Path | None:
        if path is None:
            return None
        found = path.expanduser()
        if not found.is_file():
            raise ValueError(f"{found} is not a file")
        try:
            with found.open(encoding="utf-8") as lines:
                listed = any(line.strip() for line in itertools.islice(lines, 1, 100))
        except (OSError, UnicodeDecodeError) as error:
            raise ValueError(f"cannot read {found} ({error})") from None
        if not listed:
            raise ValueError(f"{found} lists no member (a header, then one row per member)")
        return path

    @field_validator("levels")
    @classmethod
    def _one_level_per_label(cls, levels: tuple[UserLevel, ...]) -> tuple[UserLevel, ...]:
        seen: dict[str, str] = {}
        for level in levels:
            key = level_key(level.label)
            if key in seen:
                raise ValueError(
                    f"labels {seen[key]!r} and {level.label!r} name one level"
                    " (rules match labels case-blind)"
                )
            seen[key] = level.label
        return levels

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Highest precedence first: flags (init kwargs), then REGIME_*, then the file.
        layers = _LAYERS.get()
        sources = [init_settings]
        if layers.environment:
            sources.append(env_settings)
        if layers.file is not None:
            sources.append(ConfigFileSource(settings_cls, toml_file=layers.file))
        return tuple(sources)


def load_settings(path: Path | None = None, flags: Mapping[str, Any] | None = None) -> Settings:
    """Build the Settings from the file at `path` (else the default file, if it exists),
    the REGIME_* environment and `flags` (CLI flags; None values are ignored). Raises
    ConfigError naming the layer and the key of the first problem."""
    file = config_file(path)
    given = {key: value for key, value in (flags or {}).items() if value is not None}
    # Each layer alone first, so that a failure is blamed on the layer that holds it.
    if file is not None:
        _build(_Layers(file=file), {}, lambda loc: str(file))
    _build(_Layers(environment=True), {}, _variable)
    if given:
        _build(_Layers(), given, _flag)
    # Every layer passed alone; only a rule across layers could still fail here.
    return _build(_Layers(file=file, environment=True), given, lambda loc: "settings")


_Where = Callable[[tuple[int | str, ...]], str]
"""Names the layer, given the location of the bad key in it."""


def _build(layers: _Layers, flags: dict[str, Any], where: _Where) -> Settings:
    """Settings from `layers` and `flags`; any failure becomes a ConfigError from `where`."""
    token = _LAYERS.set(layers)
    try:
        return Settings(**flags)
    except ValidationError as error:
        raise ConfigError(_describe(error.errors(), where)) from None
    except SettingsError as error:  # a REGIME_* value that should be JSON and is not
        raise ConfigError(_unparsed(error, where)) from None
    finally:
        _LAYERS.reset(token)


_PARSED_FIELD = re.compile(r'field "(\w+)"')
"""The field a pydantic-settings parse error names (it carries no location)."""


def _unparsed(error: SettingsError, where: _Where) -> str:
    """One line for a value that could not be parsed before validation: a REGIME_*
    value that must be JSON (a table or a list) and is not."""
    cause = error.__cause__
    what = f"not valid JSON ({cause})" if isinstance(cause, json.JSONDecodeError) else str(cause)
    found = _PARSED_FIELD.search(str(error))
    if found is None:
        return f"{where(())}: {error}: {what}"
    return f"{where((found[1],))}: key '{found[1]}': {what}"


def _variable(loc: tuple[int | str, ...]) -> str:
    """The REGIME_* variable that set the key at `loc` (the deepest one that exists:
    REGIME_REFRESH__REGULAR, or REGIME_LEVELS for a key inside its JSON)."""
    names = {name.upper(): name for name in os.environ if name.upper().startswith(ENV_PREFIX)}
    for depth in range(len(loc), 0, -1):
        candidate = ENV_PREFIX + ENV_NESTED_DELIMITER.join(str(part) for part in loc[:depth])
        if candidate.upper() in names:
            return f"environment ({names[candidate.upper()]})"
    # Only nested variables set the table (REGIME_THESES__BULL__DISABLE): name them.
    table = f"{ENV_PREFIX}{loc[0]}{ENV_NESTED_DELIMITER}".upper() if loc else None
    nested = sorted(name for upper, name in names.items() if table and upper.startswith(table))
    return f"environment ({', '.join(nested) or ENV_PREFIX + '*'})"


def _flag(loc: tuple[int | str, ...]) -> str:
    """The command-line flag that set the key at `loc`."""
    return f"flag --{str(loc[0]).replace('_', '-')}" if loc else "flags"


def _describe(errors: list[ErrorDetails], where: _Where) -> str:
    """One line for the first error (an unknown key before all others: a misspelt key is
    also a missing one, and the spelling is what to fix): its layer, its key, what is
    wrong, and how many more."""
    first = next((error for error in errors if error["type"] == "extra_forbidden"), errors[0])
    loc = first["loc"]
    key = ".".join(str(part) for part in loc) or "(top level)"
    if first["type"] == "extra_forbidden":
        close = difflib.get_close_matches(str(loc[-1]), _keys_at(loc[:-1]), n=1)
        message = "unknown key" + (f"; did you mean '{close[0]}'?" if close else "")
    elif first["type"] == "value_error":  # our own validators' text, without pydantic's prefix
        message = str(first.get("ctx", {}).get("error", first["msg"]))
    else:
        message = first["msg"]
        if isinstance(first["input"], str | int | float | bool):
            message = f"{message} (got {first['input']!r})"
    more = len(errors) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{where(loc)}: key '{key}': {message}{suffix}"


def _keys_at(path: tuple[int | str, ...]) -> list[str]:
    """The keys the table at `path` may hold (`levels.0` → a level's keys), or none
    when `path` leads to no table."""
    model: type[BaseModel] = Settings
    parts = list(path)
    while parts:
        field = model.model_fields.get(str(parts.pop(0)))
        if field is None:
            return []
        annotation = field.annotation
        origin = typing.get_origin(annotation)
        if origin in (tuple, dict):  # a list of tables, or tables by name: skip the index
            if not parts:
                return []
            parts.pop(0)
            annotation = typing.get_args(annotation)[1 if origin is dict else 0]
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)
