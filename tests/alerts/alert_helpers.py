"""Shared pieces of the alert tests: a 7,000 crossing alert and frames of readings
holding a scripted price path around the 7,000 milestone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd

from core.alerts.alert import Alert, parse_alert
from core.rules import Table

LEVEL = "7,000 milestone"
START = datetime(2026, 1, 20, 15, 0, tzinfo=UTC)


def crossing(**fields: Any) -> Alert:
    """An alert firing when the price crosses above 7,000."""
    base: dict[str, Any] = {
        "id": "above_7k",
        "name": "S&P above 7,000",
        "severity": "warning",
        "when": f'price.last > level("{LEVEL}").value',
        "show": "price.last",
        "message": "{name} at {value:,.1f}",
    }
    return parse_alert(base | fields)


def frame(prices: Sequence[float | None], start: date = date(2026, 1, 5)) -> pd.DataFrame:
    """A history of readings: `prices` as price.last (None: unknown), 7,000 as the level."""
    index = pd.bdate_range(start, periods=len(prices))
    return pd.DataFrame(
        {
            "price.last": [float("nan") if price is None else price for price in prices],
            f"price.levels[{LEVEL}].kind": pd.Series(["milestone"] * len(prices), dtype=object),
            f"price.levels[{LEVEL}].value": [7000.0] * len(prices),
        },
        index=index,
    )


def row(price: float | None) -> Table:
    """One row of readings with `price` as price.last."""
    return Table.of_frame(frame([price]))


def minutes(n: int) -> datetime:
    """`n` minutes after START."""
    return START + timedelta(minutes=n)
