"""The context reading the bear thesis's "small caps weak" item needs:
`small_caps_rel_20d_pct`, the Russell 2000's return over the last 20 common sessions
minus the S&P 500's, in percentage points; on hand-built closes (exact), with gaps and
missing data, and on real data against a plain computation from the CSVs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.sections.context import context_section
from core.signals.context import RELATIVE_WINDOW, small_caps_relative
from core.snapshot import PanelStatus
from tests.market_data import require_market_data

STATUS = PanelStatus(state="REPLAY")


def bars(closes: np.ndarray | list[float], start: str = "2025-01-02") -> pd.DataFrame:
    values = np.asarray(closes, dtype=np.float64)
    index = pd.bdate_range(start, periods=len(values), name="date")
    return pd.DataFrame({"close": values}, index=index)


def test_relative_return_over_20_sessions() -> None:
    spx = np.linspace(6000.0, 6300.0, 40)  # +x% over the last 20
    rut = np.linspace(2500.0, 2400.0, 40)
    section = context_section(bars(spx), bars(rut), None, STATUS)
    expected = ((rut[-1] / rut[-21] - 1) - (spx[-1] / spx[-21] - 1)) * 100
    assert section.small_caps_rel_20d_pct == pytest.approx(expected, abs=1e-12)
    assert section.small_caps_rel_20d_pct is not None and section.small_caps_rel_20d_pct < 0


def test_equal_returns_are_zero_and_short_history_is_unknown() -> None:
    closes = 100 * 1.01 ** np.arange(30)
    relative = small_caps_relative(bars(closes)["close"], bars(closes / 2)["close"])
    assert relative.iloc[-1] == pytest.approx(0)
    short = bars(closes[:RELATIVE_WINDOW])
    section = context_section(short, short, None, STATUS)
    assert section.small_caps_rel_20d_pct is None
    assert "small caps' 20-session return needs more closes" in (section.status.detail or "")


def test_unknown_without_a_russell_close_on_the_last_session() -> None:
    spx = bars(np.linspace(6000.0, 6300.0, 40))
    rut = bars(np.linspace(2500.0, 2400.0, 39))  # ends a session early
    assert context_section(spx, rut, None, STATUS).small_caps_rel_20d_pct is None
    assert context_section(spx, None, None, STATUS).small_caps_rel_20d_pct is None


def test_common_sessions_only_and_no_look_ahead() -> None:
    spx = bars(np.linspace(6000.0, 6300.0, 40))
    rut = bars(np.linspace(2500.0, 2400.0, 40))
    gappy = rut.drop(rut.index[30])
    both = pd.concat({"s": spx["close"], "r": gappy["close"]}, axis=1, join="inner")
    expected = (
        (both.r.iloc[-1] / both.r.iloc[-21] - 1) - (both.s.iloc[-1] / both.s.iloc[-21] - 1)
    ) * 100
    assert context_section(spx, gappy, None, STATUS).small_caps_rel_20d_pct == pytest.approx(
        expected
    )
    later = pd.concat([rut, bars([1.0], start="2025-03-03")])  # a bar after the index's last
    assert later.index[-1] > spx.index[-1]
    assert context_section(spx, later, None, STATUS).small_caps_rel_20d_pct == pytest.approx(
        context_section(spx, rut, None, STATUS).small_caps_rel_20d_pct
    )


@pytest.mark.parametrize("as_of", ["2026-01-28", "2026-02-05"])
def test_real_data_matches_a_plain_computation(as_of: str) -> None:
    data = require_market_data("GSPC.csv", "RUT.csv")

    def read(name: str) -> pd.DataFrame:
        frame = pd.read_csv(data / name, index_col="Date", parse_dates=True)
        return frame.rename(columns=str.lower).loc[:as_of]

    spx, rut = read("GSPC.csv"), read("RUT.csv")
    section = context_section(spx, rut, None, STATUS)
    s, r = spx["close"].to_numpy(), rut["close"].to_numpy()
    assert (spx.index[-21:] == rut.index[-21:]).all()  # the same 21 sessions
    expected = ((r[-1] / r[-21] - 1) - (s[-1] / s[-21] - 1)) * 100
    assert section.small_caps_rel_20d_pct == pytest.approx(expected, abs=1e-9)
