"""Where the real market data for tests lives, and a clean skip when it is absent.

The data is the shared directory of daily CSVs (`files:` source format) beside the
repository, `<repo>/../shared/market-data`; the environment variable REGIME_MARKET_DATA
overrides that location. Use `require_market_data("GSPC.csv")` in a test or fixture: it
returns the directory, or skips the test saying what was not found where."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ENV_VAR = "REGIME_MARKET_DATA"


def market_data_dir() -> Path:
    """The market-data directory: $REGIME_MARKET_DATA, else <repo>/../shared/market-data."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser().resolve()
    return (Path(__file__).resolve().parents[1] / ".." / "shared" / "market-data").resolve()


def require_market_data(*files: str) -> Path:
    """The market-data directory; skip the calling test if it, or any of `files`, is absent."""
    root = market_data_dir()
    if not root.is_dir():
        reason = f"no such directory ({ENV_VAR} overrides the location)"
        pytest.skip(f"real market data not found at {root}: {reason}")
    missing = [name for name in files if not (root / name).is_file()]
    if missing:
        pytest.skip(f"real market data not found at {root}: missing {', '.join(missing)}")
    return root
