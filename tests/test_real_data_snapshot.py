"""The foundation's proof on real data: the Snapshot of the S&P 500 as of the
2026-01-28 close, from ../shared/market-data, against TA-Lib as an independent
oracle for the averages. Skipped, with the reason, where the data is absent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import talib

from tests.market_data import require_market_data

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def snapshot_json() -> dict[str, object]:
    data = require_market_data()
    result = subprocess.run(
        [
            sys.executable, "-m", "tui.cli", "snapshot",
            "--source", f"files:{data}", "--as-of", "2026-01-28", "--format", "json",
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    parsed: dict[str, object] = json.loads(result.stdout)
    return parsed


def levels(snapshot: dict[str, object]) -> dict[str, dict[str, float]]:
    price = snapshot["price"]
    assert isinstance(price, dict)
    return {level["name"]: level for level in price["levels"]}


def test_last_close_and_the_7000_milestone(snapshot_json: dict[str, object]) -> None:
    price = snapshot_json["price"]
    assert isinstance(price, dict)
    assert price["last"] == 6978.03
    assert price["prev_close"] == 6978.60
    milestone = levels(snapshot_json)["7,000 milestone"]
    assert milestone["kind"] == "milestone"
    assert milestone["distance_pct"] == pytest.approx((6978.03 / 7000 - 1) * 100, abs=1e-9)
    assert round(milestone["distance_pct"], 2) == -0.31
    assert levels(snapshot_json)["6,000 milestone"]["kind"] == "milestone"
    assert str(snapshot_json["as_of"]).startswith("2026-01-28T16:00:00-05:00")


def test_the_averages_of_that_close_match_talib(snapshot_json: dict[str, object]) -> None:
    gspc = pd.read_csv(require_market_data() / "GSPC.csv", index_col="Date", parse_dates=True)
    close = gspc.loc[:"2026-01-28", "Close"].to_numpy(dtype=np.float64)
    found = levels(snapshot_json)
    assert found["EMA 50"]["value"] == pytest.approx(talib.EMA(close, 50)[-1], rel=1e-9)
    assert found["EMA 20"]["value"] == pytest.approx(talib.EMA(close, 20)[-1], rel=1e-9)
    assert found["SMA 200"]["value"] == pytest.approx(talib.SMA(close, 200)[-1], rel=1e-12)
    assert found["SMA 50"]["value"] == pytest.approx(talib.SMA(close, 50)[-1], rel=1e-12)


def test_readings_use_no_bar_after_as_of(snapshot_json: dict[str, object]) -> None:
    price = snapshot_json["price"]
    assert isinstance(price, dict)
    assert price["history"]["dates"][-1] == "2026-01-28"
    vix = snapshot_json["vix"]
    assert isinstance(vix, dict)
    assert vix["last"] == 16.35  # the CBOE close of 2026-01-28 (SOURCES.md)
