"""The TOML files that hold rules as data (the theses, the studies, the alerts): a
file read and parsed with one line naming it on any fault, and a file of `[[key]]`
tables checked to hold those tables and nothing else. Each caller passes its own
error class (ThesisError, StudyError, AlertError), so the line reads as its own."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from importlib.resources.abc import Traversable
from typing import Any

__all__ = ["array_of_tables", "read_toml"]

Error = Callable[[str], Exception]
"""An error class taking its one line."""


def read_toml(path: Traversable, what: str, error: Error) -> dict[str, Any]:
    """The parsed file at `path` (`what`: "thesis", "studies", ...); `error` with one
    line naming the file when it cannot be read or is not TOML."""
    origin = str(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as problem:
        raise error(f"{origin}: cannot read {what} file ({problem})") from None
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{origin}: not valid TOML: {problem}") from None


def array_of_tables(path: Traversable, key: str, error: Error) -> list[dict[str, Any]]:
    """The `[[key]]` tables of the file at `path`, which may hold nothing else; `error`
    with one line naming the file when it is not that."""
    origin = str(path)
    raw = read_toml(path, key, error)
    extra = sorted(set(raw) - {key})
    if extra:
        raise error(f"{origin}: unknown key '{extra[0]}' ({key} are [[{key}]] tables)")
    tables = raw.get(key, [])
    if not isinstance(tables, list) or not all(isinstance(table, dict) for table in tables):
        raise error(f"{origin}: '{key}' must be [[{key}]] tables")
    return tables
