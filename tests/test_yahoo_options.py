"""The fetch of SPX option chains from Yahoo (core/sources/yahoo_options.py) over a fake
of yfinance's options API that reproduces Yahoo's known faults, and the fake checked
against the real yfinance reading the same answers through its request layer."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from curl_cffi.requests.exceptions import ConnectionError as CurlConnectionError
from fake_yfinance import (
    OPTION_COLUMNS,
    FakeOptionsTicker,
    FakeYahoo,
    FakeYahooClient,
    OptionsMarket,
    chain_of,
    contract,
)
from yfinance.exceptions import YFRateLimitError

from core.clock import NEW_YORK
from core.options.chain import COLUMNS
from core.sources.base import EmptyDataError, NetworkError, RateLimitError
from core.sources.yahoo import YFinanceClient
from core.sources.yahoo_options import FetchedChain, fetch_option_chain

SPX = "^SPX"
STRIKES = [6900.0, 7000.0, 7100.0]
NOW = datetime(2026, 7, 16, 14, 0, tzinfo=NEW_YORK)
EXPIRIES = ["2026-07-16", "2026-07-17", "2026-07-20", "2026-08-21", "2026-09-18"]
"""The last is beyond 45 days of NOW."""
CURL_DOWN = "Failed to perform, curl: (7) Failed to connect to query2.finance.yahoo.com port 443"


def root(expiry: str) -> str:
    return "SPX" if expiry == "2026-08-21" else "SPXW"


@pytest.fixture
def market() -> OptionsMarket:
    return OptionsMarket(chains={SPX: {day: chain_of(root(day), day, STRIKES) for day in EXPIRIES}})


def fetch(market: OptionsMarket, **options: Any) -> tuple[FetchedChain, list[float]]:
    sleeps: list[float] = []
    fetched = fetch_option_chain(
        FakeYahooClient(FakeYahoo(), options=market),
        7010.5,
        clock=lambda: NOW,
        sleep=sleeps.append,
        **options,
    )
    return fetched, sleeps


def test_expiries_within_the_horizon_become_one_chain_one_request_each(
    market: OptionsMarket,
) -> None:
    fetched, sleeps = fetch(market, pause=0.25)
    chain = fetched.chain
    assert (chain.underlying, chain.source, chain.spot) == (SPX, "yahoo", 7010.5)
    assert chain.as_of == NOW and chain.as_of.tzinfo == NEW_YORK
    frame = chain.contracts
    assert tuple(frame.columns) == COLUMNS
    assert frame["expiry"].dtype == "datetime64[ns]"
    assert frame["kind"].dtype == object  # as every source's, not pandas' inferred str
    days = sorted({d.strftime("%Y-%m-%d") for d in frame["expiry"]})
    assert days == EXPIRIES[:4]
    assert len(frame) == 4 * 2 * len(STRIKES)
    assert frame.groupby("kind").size().to_dict() == {"call": 12, "put": 12}
    assert frame["implied_vol"].eq(0.18).all() and frame["open_interest"].eq(100).all()
    assert frame["gamma"].isna().all()
    assert market.requests == [(SPX, None)] + [(SPX, day) for day in EXPIRIES[:4]]
    assert sleeps == [0.25] * 3
    assert fetched.notes == () and dict(fetched.skipped) == {}


def test_max_days_and_max_expiries_bound_the_requests(market: OptionsMarket) -> None:
    fetched, _ = fetch(market, max_expiries=2)
    assert market.requests == [(SPX, None), (SPX, "2026-07-16"), (SPX, "2026-07-17")]
    market.requests.clear()
    fetched, _ = fetch(market, max_days=80)
    assert len({*fetched.chain.contracts["expiry"]}) == 5


def test_open_interest_all_zero_on_an_expiry_is_kept_and_said(
    market: OptionsMarket, caplog: pytest.LogCaptureFixture
) -> None:
    market.chains[SPX]["2026-07-17"] = chain_of("SPXW", "2026-07-17", STRIKES, open_interest=0)
    with caplog.at_level(logging.WARNING):
        fetched, _ = fetch(market)
    frame = fetched.chain.contracts
    day = frame[frame["expiry"] == pd.Timestamp("2026-07-17")]
    assert len(day) == 6 and day["open_interest"].eq(0).all()
    assert frame["open_interest"].gt(0).sum() == 18
    (note,) = fetched.notes
    assert "open interest is zero" in note and "2026-07-17" in note and "2026-07-20" not in note
    assert note in caplog.text


def test_open_interest_zero_on_the_whole_chain_is_said_as_such(market: OptionsMarket) -> None:
    market.chains[SPX] = {day: chain_of("SPXW", day, STRIKES, open_interest=0) for day in EXPIRIES}
    fetched, _ = fetch(market)
    assert len(fetched.chain.contracts) == 24
    assert any("every contract (Yahoo" in note for note in fetched.notes)


def test_open_interest_left_out_of_an_expiry_is_nan_and_said(market: OptionsMarket) -> None:
    """Yahoo leaves `openInterest` out of contracts that have none: yfinance's frame
    then has the column all NaN."""
    market.chains[SPX]["2026-07-20"] = chain_of("SPXW", "2026-07-20", STRIKES, open_interest=None)
    fetched, _ = fetch(market)
    frame = fetched.chain.contracts
    day = frame[frame["expiry"] == pd.Timestamp("2026-07-20")]
    assert len(day) == 6 and day["open_interest"].isna().all()
    (note,) = fetched.notes
    assert "zero or missing on every contract expiring 2026-07-20" in note


def test_implied_vol_placeholders_and_absurd_values_are_nan(market: OptionsMarket) -> None:
    calls = [
        contract("SPXW", "2026-07-17", "call", 6900.0, implied_vol=1e-05),
        contract("SPXW", "2026-07-17", "call", 7000.0, implied_vol=0.0078125),
        contract("SPXW", "2026-07-17", "call", 7100.0, implied_vol=7.5),
        contract("SPXW", "2026-07-17", "call", 7200.0, implied_vol=0.1749),
        contract("SPXW", "2026-07-17", "call", 7300.0, implied_vol=None),
        contract("SPXW", "2026-07-17", "call", 7400.0, implied_vol=4.9),
    ]
    market.chains[SPX] = {"2026-07-17": {"calls": calls, "puts": []}}
    fetched, _ = fetch(market)
    vols = fetched.chain.contracts.set_index("strike")["implied_vol"]
    assert vols.isna().tolist() == [True, True, True, False, True, False]
    assert vols[7200.0] == 0.1749 and vols[7400.0] == 4.9
    assert any(note.startswith("3 implied vol(s)") for note in fetched.notes)


def test_zero_bid_and_ask_are_kept_and_absent_ones_are_nan(market: OptionsMarket) -> None:
    calls = [
        contract("SPXW", "2026-07-17", "call", 9000.0, bid=0.0, ask=0.0, volume=0),
        contract("SPXW", "2026-07-17", "call", 9100.0, bid=None, ask=None, volume=None),
    ]
    market.chains[SPX] = {"2026-07-17": {"calls": calls, "puts": []}}
    frame = fetch(market)[0].chain.contracts.set_index("strike")
    quotes = frame.loc[:, ["bid", "ask", "volume"]].to_numpy(dtype=float)
    assert quotes[0].tolist() == [0.0, 0.0, 0.0]
    assert np.isnan(quotes[1]).all()


def test_an_expiry_without_contracts_or_failing_is_skipped_and_named(
    market: OptionsMarket,
) -> None:
    market.chains[SPX]["2026-07-17"] = None
    market.chains[SPX]["2026-07-20"] = {"calls": [], "puts": []}
    market.errors[(SPX, "2026-08-21")] = KeyError("optionChain")
    fetched, _ = fetch(market)
    assert {*fetched.chain.contracts["expiry"]} == {pd.Timestamp("2026-07-16")}
    assert dict(fetched.skipped).keys() == {"2026-07-17", "2026-07-20", "2026-08-21"}
    assert fetched.skipped["2026-07-17"] == "no contracts"
    assert "KeyError" in fetched.skipped["2026-08-21"]
    assert any(n.startswith("expiries skipped: 2026-07-17") for n in fetched.notes)


def test_every_expiry_missing_is_empty_data_naming_them(market: OptionsMarket) -> None:
    market.chains[SPX] = {day: None for day in EXPIRIES}
    with pytest.raises(EmptyDataError, match=r"2026-07-16: no contracts.*2026-08-21"):
        fetch(market)


def test_no_expiry_listed_or_none_within_the_horizon_is_empty_data() -> None:
    with pytest.raises(EmptyDataError, match="none within 45 days"):
        fetch(OptionsMarket())
    late = OptionsMarket(chains={SPX: {"2026-12-18": chain_of("SPX", "2026-12-18", STRIKES)}})
    with pytest.raises(EmptyDataError, match="listed: 2026-12-18"):
        fetch(late)


def test_expiries_named_a_day_early_are_read_from_the_contract_symbols(
    market: OptionsMarket,
) -> None:
    """Yahoo's epochs are 00:00 UTC; read in New York time they name the day before.
    A last trade late in the New York evening is already the next day in UTC."""
    market.local_expiry_strings = True
    market.chains[SPX]["2026-07-16"] = chain_of(
        "SPXW", "2026-07-16", STRIKES, last_trade="2026-07-17 00:30:00"
    )
    listed = FakeYahooClient(FakeYahoo(), options=market).options_ticker(SPX).options
    assert listed[:2] == ("2026-07-15", "2026-07-16")
    fetched, _ = fetch(market)
    days = sorted({d.strftime("%Y-%m-%d") for d in fetched.chain.contracts["expiry"]})
    assert days == EXPIRIES[:4]  # today's expiry is not lost to the day-early name
    assert any("2026-07-15 → 2026-07-16" in note for note in fetched.notes)


def test_a_rate_limit_stops_the_fetch(market: OptionsMarket) -> None:
    market.errors[(SPX, "2026-07-17")] = YFRateLimitError()
    with pytest.raises(RateLimitError, match="after 1 of 4 expiries"):
        fetch(market)
    assert market.requests[-1] == (SPX, "2026-07-17")
    market.errors[(SPX, None)] = YFRateLimitError()
    with pytest.raises(RateLimitError, match="option expiries of"):
        fetch(market)


def test_the_network_down_is_a_network_error_one_expiry_down_is_skipped(
    market: OptionsMarket,
) -> None:
    market.errors[(SPX, "2026-07-20")] = CurlConnectionError(CURL_DOWN)
    fetched, _ = fetch(market)
    assert "network failure" in fetched.skipped["2026-07-20"]
    for day in EXPIRIES:
        market.errors[(SPX, day)] = CurlConnectionError(CURL_DOWN)
    with pytest.raises(NetworkError, match="no expiry came back"):
        fetch(market)
    market.errors[(SPX, None)] = CurlConnectionError(CURL_DOWN)
    with pytest.raises(NetworkError, match="option expiries of"):
        fetch(market)


def test_a_request_past_the_deadline_is_a_network_error(market: OptionsMarket) -> None:
    client = FakeYahooClient(FakeYahoo(), options=market)
    client.answering.clear()
    try:
        with pytest.raises(NetworkError, match=r"no answer within 0\.05 s"):
            fetch_option_chain(client, 7000.0, clock=lambda: NOW, call_deadline=0.05)
    finally:
        client.answering.set()


# The fake against the real yfinance ------------------------------------------------


def spoiled_market() -> OptionsMarket:
    market = OptionsMarket(
        chains={SPX: {day: chain_of(root(day), day, STRIKES) for day in EXPIRIES[:3]}}
    )
    chains = market.chains[SPX]
    chains["2026-07-17"] = {
        "calls": [contract("SPXW", "2026-07-17", "call", 7000.0, open_interest=None, bid=None)],
        "puts": [contract("SPXW", "2026-07-17", "put", 7000.0, implied_vol=1e-05)],
    }
    chains["2026-07-20"] = {"calls": [], "puts": []}
    chains["2026-08-21"] = None
    return market


@pytest.mark.parametrize("day", [None, *EXPIRIES[:3], "2026-08-21", "2026-01-02"])
def test_the_fake_option_chain_matches_real_yfinance(
    day: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real Ticker.options / option_chain (ticker.py's requests and parsing) over a
    YfData.get serving the fake answers, against FakeOptionsTicker over the same."""
    import yfinance

    market = spoiled_market()
    monkeypatch.setattr(yfinance.data.YfData, "get", market.data_get())
    real_ticker = YFinanceClient(tmp_path / "yf").options_ticker(SPX)
    fake_ticker = FakeOptionsTicker(market, SPX)

    assert real_ticker.options == fake_ticker.options
    try:
        real = real_ticker.option_chain(day)
    except Exception as error:
        with pytest.raises(type(error)) as raised:
            fake_ticker.option_chain(day)
        assert str(raised.value) == str(error)
        return
    fake = fake_ticker.option_chain(day)
    assert real.underlying == fake.underlying
    for real_frame, fake_frame in ((real.calls, fake.calls), (real.puts, fake.puts)):
        if real_frame is None:
            assert fake_frame is None
            continue
        pd.testing.assert_frame_equal(real_frame, fake_frame)
        assert list(real_frame.columns) == OPTION_COLUMNS
    assert market.requests[0::2] == market.requests[1::2]  # real, then fake: same requests


def test_the_real_client_fetches_a_chain_one_request_per_expiry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yfinance

    market = spoiled_market()
    monkeypatch.setattr(yfinance.data.YfData, "get", market.data_get())
    client = YFinanceClient(tmp_path / "yf")
    fetched = fetch_option_chain(client, 7000.0, clock=lambda: NOW, sleep=lambda _: None)
    frame = fetched.chain.contracts
    assert market.requests == [(SPX, None)] + [(SPX, d) for d in [*EXPIRIES[:3], "2026-08-21"]]
    assert sorted({d.strftime("%Y-%m-%d") for d in frame["expiry"]}) == EXPIRIES[:2]
    assert dict(fetched.skipped) == {"2026-07-20": "no contracts", "2026-08-21": "no contracts"}
    put = frame[(frame["kind"] == "put") & (frame["expiry"] == pd.Timestamp("2026-07-17"))]
    assert np.isnan(put["implied_vol"].iloc[0])
    call = frame[(frame["kind"] == "call") & (frame["expiry"] == pd.Timestamp("2026-07-17"))]
    assert call[["open_interest", "bid"]].isna().all(axis=None)
