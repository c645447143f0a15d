"""What the monitor's first frame needs from the settings — the theme, the thesis in
view, the source (whose last reading is restored) and the index symbol (for the cheap
check of a files directory) — read from the same three layers as core.config's
Settings (the TOML file, REGIME_* variables, the flags; each over the one before)
with tomllib alone, so the shell paints before pydantic and pydantic-settings are
imported. Only the layers' form is checked here (a named file that is missing, or is
not TOML, is a ConfigError with core.config's own words); a value of the wrong type
falls back to its default, and the full Settings, loaded after the first frame,
refuse it in one line. Also here, for the same reason: where the config file lives,
the check of a --source value and the ConfigError every config failure raises."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

APP_NAME = "regime"
ENV_PREFIX = "REGIME_"
ENV_NESTED_DELIMITER = "__"


class ConfigError(Exception):
    """A configuration problem, with a message fit to print as it is."""


@dataclass(frozen=True)
class ViewSettings:
    """The settings the first frame is drawn with; the defaults are Settings' own."""

    source: str = "auto"
    """Where data comes from: auto, yahoo, sim or files:DIR (checked by check_source)."""
    theme: str = "regime-dark"
    """The theme's name (checked by the CLI against the themes it knows)."""
    thesis: Literal["bull", "bear"] = "bull"
    """The thesis view shown at start."""
    index: str = "^GSPC"
    """The index's symbol (a files directory must hold its bars)."""


def default_config_path() -> Path:
    """config.toml in the platform's user config directory."""
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def check_source(value: str) -> str:
    """Validate a --source value; returns it unchanged."""
    if value in ("auto", "yahoo", "sim"):
        return value
    if value.startswith("files:") and len(value) > len("files:"):
        return value
    raise ValueError(f"source must be auto, yahoo, sim or files:DIR, not {value!r}")


def _valid_source(value: str) -> bool:
    try:
        check_source(value)
    except ValueError:
        return False
    return True


def config_file(path: Path | None) -> Path | None:
    """The file to read: `path`, which must exist, else the default file if there is one."""
    if path is None:
        default = default_config_path()
        return default if default.is_file() else None
    path = path.expanduser()
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    return path


def read_toml(path: Path) -> dict[str, Any]:
    """The config file's tables; a file that cannot be read or parsed is a ConfigError
    naming it (and, for bad TOML, the line)."""
    import tomllib  # here: a start with no config file does without it

    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read config file ({error})") from None


def environment_layer(environ: Mapping[str, str]) -> dict[str, Any]:
    """The view's keys as REGIME_* variables set them (names case-blind, as
    pydantic-settings reads them; REGIME_SYMBOLS as JSON, REGIME_SYMBOLS__INDEX over it)."""
    found: dict[str, Any] = {}
    symbols: dict[str, Any] = {}
    names = {name.upper(): value for name, value in environ.items()}
    for key in ("source", "theme", "thesis"):
        value = names.get(f"{ENV_PREFIX}{key.upper()}")
        if value is not None:
            found[key] = value
    table = names.get(f"{ENV_PREFIX}SYMBOLS")
    if table is not None:
        try:
            parsed = json.loads(table)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            symbols.update(parsed)
    index = names.get(f"{ENV_PREFIX}SYMBOLS{ENV_NESTED_DELIMITER}INDEX")
    if index is not None:
        symbols["index"] = index
    if symbols:
        found["symbols"] = symbols
    return found


def read_view_settings(
    path: Path | None = None,
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> ViewSettings:
    """The view's settings from the file at `path` (else the default file, if it
    exists), the REGIME_* environment (default os.environ) and `flags` (None values
    are ignored); raises ConfigError for a named file that is missing or a file that
    is not TOML. Values of the wrong type are left at their defaults (see the module)."""
    file = config_file(path)
    layers = [
        read_toml(file) if file is not None else {},
        environment_layer(os.environ if environ is None else environ),
        {key: value for key, value in (flags or {}).items() if value is not None},
    ]
    chosen: dict[str, Any] = {}
    for layer in layers:
        if isinstance(layer.get("theme"), str):
            chosen["theme"] = layer["theme"]
        if isinstance(layer.get("source"), str) and _valid_source(layer["source"]):
            chosen["source"] = layer["source"]
        if layer.get("thesis") in ("bull", "bear"):
            chosen["thesis"] = layer["thesis"]
        symbols = layer.get("symbols")
        if isinstance(symbols, dict) and isinstance(symbols.get("index"), str):
            chosen["index"] = symbols["index"]
    return ViewSettings(**chosen)
