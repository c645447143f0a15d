"""A historical-edge study as data: its definition (`Study`, one `[[studies]]` table of
`core/studies/builtin.toml` or a user's `[studies.ID]` table) and its loading (the
built-ins with the user's tables applied, every rule parsed and checked against the
Snapshot's fields at load time, like the theses' rules). Pydantic only at module level."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

HORIZONS = (5, 10, 21, 63, 126, 252)
"""Forward horizons in sessions: a week, two weeks, a month, a quarter, six months, a year."""
COOLDOWN = 21
"""Sessions a condition must not have held before a session for it to be a new event."""


class Study(BaseModel):
    """One study's definition (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=1)
    """The setup in a few words, as the Edge panel lists it."""
    definition: str = Field(min_length=1)
    """The study in words: what the condition means, what is measured, over what."""
    condition: str = Field(min_length=1)
    """A rule over the readings (`context.rut_win_streak >= 4`), true on a setup's sessions."""
    series: str = "index"
    """Whose forward return is measured: a key of `[symbols]` (index, small_caps, ...)."""
    relative_to: str | None = None
    """Another key of `[symbols]`: measure `series` relative to it (the ratio's return)."""
    horizons: tuple[int, ...] = HORIZONS
    headline: int = 21
    """The horizon the Edge panel shows; one of `horizons`."""
    cooldown: int = Field(COOLDOWN, ge=0)
    reading: str | None = None
    """An expression shown for each event (what triggered it); default: the condition's
    first field."""
    decline_pct: float | None = Field(None, gt=0)
    """Also count the events whose fall within a horizon went past this (10: a 10 % correction)."""
    near: str | None = None
    """An expression for how far the last session is from triggering, in percent (the
    Edge panel's "nearest setups" when none is active)."""
