"""Both theses on real data (../shared/market-data, skipped where absent), as `regime
snapshot --source files:<data> --as-of DATE --config examples/seven-k.toml` prints them
on 2026-01-28 and 2026-02-05. The readings are printed (`pytest -s` shows them); the
assertions are only facts checked independently: the index's close from GSPC.csv
against the example config's levels and the 1,000-point milestones, the 50-day EMA and
200-day SMA from TA-Lib, the Russell 2000 streak and 20-session relative return from
the CSVs, and the bearish divergence the RSI panel reports on 2026-02-05."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import talib

from tests.market_data import require_market_data

ROOT = Path(__file__).resolve().parents[2]
DATES = ("2026-01-28", "2026-02-05")


@pytest.fixture(scope="module", params=DATES)
def reading(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    data = require_market_data("GSPC.csv", "RUT.csv", "IXIC.csv", "VIX.csv")
    as_of = str(request.param)
    result = subprocess.run(
        [
            sys.executable, "-m", "tui.cli", "snapshot", "--source", f"files:{data}",
            "--as-of", as_of, "--config", str(ROOT / "examples" / "seven-k.toml"),
            "--format", "json",
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    snapshot: dict[str, Any] = json.loads(result.stdout)
    checklist = snapshot["checklist"]
    print(f"\n{as_of}: Bull {checklist['bull']['score']}/{checklist['bull']['total']}"
          f" · Bear {checklist['bear']['score']}/{checklist['bear']['total']}")  # fmt: skip
    for name in ("bull", "bear"):
        for item in checklist[name]["items"]:
            print(f"  {name} {item['status']:<7} {item['id']:<22} {item['value']}")
    return as_of, snapshot


def closes(name: str, as_of: str) -> pd.Series:
    data = require_market_data(name)
    frame = pd.read_csv(data / name, index_col="Date", parse_dates=True)
    return frame.loc[:as_of, "Close"].astype(np.float64)


def statuses(snapshot: dict[str, Any], thesis: str) -> dict[str, str]:
    return {item["id"]: item["status"] for item in snapshot["checklist"][thesis]["items"]}


def expect(condition: bool) -> str:
    return "pass" if condition else "fail"


def test_scores_add_up(reading: tuple[str, dict[str, Any]]) -> None:
    _, snapshot = reading
    for thesis, total in (("bull", 12), ("bear", 13)):
        card = snapshot["checklist"][thesis]
        assert card["total"] == total
        assert card["score"] == sum(item["status"] == "pass" for item in card["items"])
        for item in card["items"]:
            assert (item["status"] == "unknown") == (item["reason"] is not None)
    assert snapshot["checklist"]["status"]["as_of"] == snapshot["as_of"]


def test_price_against_the_levels(reading: tuple[str, dict[str, Any]]) -> None:
    as_of, snapshot = reading
    close = closes("GSPC.csv", as_of)
    last = float(close.iloc[-1])
    assert snapshot["price"]["last"] == last
    bull, bear = statuses(snapshot, "bull"), statuses(snapshot, "bear")
    assert bull["above_7000"] == expect(last > 7000) == "fail"
    assert bear["ceiling_7000"] == expect(last < 7000) == "pass"
    assert bull["above_pivot"] == expect(last > 6992)
    assert bear["below_support"] == expect(last < 6824)
    assert bear["in_range"] == expect(6700 <= last <= 7000) == "pass"
    assert bull["near_milestone"] == expect(6930 <= last < 7000)
    values = close.to_numpy()
    assert bear["below_ema50"] == expect(last < talib.EMA(values, 50)[-1])
    assert bear["below_sma200"] == expect(last < talib.SMA(values, 200)[-1])


def test_small_caps(reading: tuple[str, dict[str, Any]]) -> None:
    as_of, snapshot = reading
    spx, rut = closes("GSPC.csv", as_of), closes("RUT.csv", as_of)
    both = pd.concat({"s": spx, "r": rut}, axis=1, join="inner")
    returns = both.pct_change().iloc[1:]
    streak = 0
    for beat in reversed((returns["r"] > returns["s"]).tolist()):
        if not beat:
            break
        streak += 1
    assert statuses(snapshot, "bull")["rut_streak"] == expect(streak >= 3)
    relative = ((both.r.iloc[-1] / both.r.iloc[-21]) - (both.s.iloc[-1] / both.s.iloc[-21])) * 100
    assert snapshot["context"]["small_caps_rel_20d_pct"] == pytest.approx(relative, abs=1e-9)
    assert statuses(snapshot, "bear")["small_caps_weak"] == expect(relative < 0)


def test_no_member_weights_leave_concentration_unknown(
    reading: tuple[str, dict[str, Any]],
) -> None:
    _, snapshot = reading
    item = next(
        i for i in snapshot["checklist"]["bear"]["items"] if i["id"] == "top10_concentration"
    )
    assert item["status"] == "unknown"
    assert item["reason"] == "breadth.top10_concentration_pct is unknown"


def test_the_bearish_divergence_of_early_february(reading: tuple[str, dict[str, Any]]) -> None:
    as_of, snapshot = reading
    kind = snapshot["rsi"]["divergence"]["kind"]
    bear = statuses(snapshot, "bear")
    assert bear["bearish_divergence"] == expect(kind == "bearish")
    if as_of == "2026-02-05":
        assert kind == "bearish" and bear["bearish_divergence"] == "pass"
