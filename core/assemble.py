"""Builds one Snapshot from a refresh cycle's market data by running every section of
the registry in order (`core.section`): each section computes its reading, a section
that fails shows its fallback with what went wrong (one panel ERROR, never the whole
Snapshot), and sections that read others (the checklist) see everything computed
before them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from core.section import CycleData, Registry, builtin

if TYPE_CHECKING:
    from core.config import Settings
    from core.snapshot import MarketInfo, Snapshot, SourceInfo
    from core.thesis import Thesis

__all__ = ["CycleData", "assemble"]


def assemble(
    settings: Settings,
    cycle: CycleData,
    *,
    as_of: datetime,
    source: SourceInfo,
    market: MarketInfo,
    theses: Mapping[str, Thesis] | None = None,
    sections: Registry | None = None,
) -> Snapshot:
    """The Snapshot of one cycle over `sections` (default: the built-in ones), its
    checklist scored with `theses` (default: the built-in theses with the settings'
    changes applied)."""
    registry = sections if sections is not None else builtin()
    envelope = {"as_of": as_of, "source": source, "market": market}
    return registry.assemble(settings, cycle, envelope, theses)
