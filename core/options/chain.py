"""An option chain as the rest of Regime sees it, whatever it was read or fetched from:
one row per contract of one underlying, as of one moment, with the underlying's spot
at that moment. Columns: `expiry` (the expiry date, New York, datetime64[ns] at
midnight), `kind` ("call" or "put"), `strike`, `implied_vol` (a decimal, 0.1749 for
17.49 %; NaN where the source has none — a 0 or a placeholder is NaN here),
`open_interest` (contracts), and, where the source gives them, `gamma` (the source's
own, per contract and per 1 point of the underlying; NaN when it gives none), `bid`,
`ask`, `volume` (NaN where absent). Rows are never dropped here: whether a row counts
(an expired contract, no implied vol, no open interest) is the computation's to say,
so that it can count what it left out and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

COLUMNS = (
    "expiry",
    "kind",
    "strike",
    "implied_vol",
    "open_interest",
    "gamma",
    "bid",
    "ask",
    "volume",
)
"""The columns of `OptionChain.contracts`, in order."""

KINDS = ("call", "put")


@dataclass(frozen=True)
class OptionChain:
    """One underlying's contracts as of `as_of`, with its `spot` then."""

    underlying: str
    """The symbol whose options these are (`^SPX`)."""
    as_of: datetime
    """When the quotes are from (timezone-aware, New York)."""
    spot: float
    """The underlying's price at `as_of`."""
    contracts: pd.DataFrame
    """One row per contract, `COLUMNS` (see the module docstring)."""
    source: str
    """Where it came from, for the panel and for failures: a file's path, `yahoo`."""
    fetched_at: datetime | None = None
    """When it was fetched from the network (a live source's; None for files and the
    simulated market): options are slow data, and the panel says how old they are."""
    notes: tuple[str, ...] = ()
    """What the source met reading it, one line each (expiries skipped, Yahoo's
    placeholder implied vols): the panel's status shows them."""


def empty_contracts() -> pd.DataFrame:
    """A contracts frame with no rows, in the standard shape."""
    frame = pd.DataFrame({column: pd.Series(dtype="float64") for column in COLUMNS})
    frame["expiry"] = pd.Series(dtype="datetime64[ns]")
    frame["kind"] = pd.Series(dtype="object")
    return frame.loc[:, list(COLUMNS)]
