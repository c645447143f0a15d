"""Hand-built Snapshots for the thesis tests: `blank()` is a Snapshot with every
reading missing (each panel present, nothing computed), and `snapshot(**fields)` sets
readings by dotted path (`snapshot(**{"price.last": 6978.03})`), validating the result
against the Snapshot model so a test cannot build an impossible one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.clock import NEW_YORK
from core.config import Settings
from core.section import builtin
from core.sections.price import Level
from core.snapshot import MarketInfo, PanelStatus, Snapshot, SourceInfo

AS_OF = datetime(2026, 1, 28, 16, 0, tzinfo=NEW_YORK)


def blank() -> Snapshot:
    """A Snapshot whose every reading is missing: each section's fallback."""
    status = PanelStatus(state="REPLAY", as_of=AS_OF)
    registry = builtin()
    settings = Settings()
    return registry.snapshot_model(
        as_of=AS_OF,
        source=SourceInfo(kind="files", simulated=False, label="REPLAY 2026-01-28"),
        market=MarketInfo(phase="closed", next_open=None, next_close=None),
        **{section.key: section.fallback(status, settings) for section in registry},
    )


def _set(tree: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        tree = tree[part]
    tree[leaf] = value


def snapshot(base: Snapshot | None = None, /, **fields: Any) -> Snapshot:
    """`base` (default: blank) with the readings at the given dotted paths."""
    tree = (base or blank()).model_dump()
    for path, value in fields.items():
        _set(tree, path, value.model_dump() if isinstance(value, Level) else value)
    return builtin().snapshot_model.model_validate(tree)


def level(name: str, value: float, last: float, **extra: Any) -> dict[str, Any]:
    """A Level as the price panel would report it for a last price `last`."""
    kind = extra.pop("kind", "user")
    return Level(
        name=name, kind=kind, value=value, distance_pct=(last / value - 1) * 100, **extra
    ).model_dump()


def priced(last: float, *levels: dict[str, Any], **fields: Any) -> Snapshot:
    """A Snapshot with a last price, its levels, and any other readings."""
    return snapshot(**{"price.last": last, "price.levels": list(levels), **fields})
