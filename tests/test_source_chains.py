"""Every source serving the index's option chains through `Source.option_chain(session)`:
the files source on the 22 real SPX chains (the latest file on or before a session),
the simulated market (a session's close, or the session in progress at its live level,
consistent with its own index and VIX), and Yahoo (a live fetch stored with its fetch
time, a past session served from the store or not at all, a failure that keeps the
stored chain), over a fake yfinance with sockets blocked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from curl_cffi.requests.exceptions import ConnectionError as CurlConnectionError
from fake_yfinance import FakeYahoo, FakeYahooClient, OptionsMarket, chain_of
from market_data import require_market_data

import core.sources.yahoo as yahoo_module
from core.clock import NEW_YORK
from core.config import Settings
from core.options.chain import COLUMNS, OptionChain
from core.sources.base import EmptyDataError, NetworkError, Quote, Source
from core.sources.files import FilesSource
from core.sources.select import open_source
from core.sources.sim import SimSource
from core.sources.sim_options import UNDERLYING, simulated_chain
from core.sources.yahoo import YahooSource
from core.store import Store


def ny(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=NEW_YORK)


# files:DIR on the real chains ----------------------------------------------------------


@pytest.fixture(scope="module")
def real_files() -> FilesSource:
    root = require_market_data("GSPC.csv", "options/SPX/index.csv", "options/SPX/2026-08-14.csv")
    return FilesSource(root)


def test_the_real_chains_are_served_by_the_session_on_or_before(real_files: FilesSource) -> None:
    assert isinstance(real_files, Source)
    assert "option_chains" in real_files.capabilities
    exact = real_files.option_chain(date(2026, 8, 14))
    assert exact is not None
    assert Path(exact.source).name == "2026-08-14.csv" and exact.underlying == "^SPX"
    assert exact.as_of == ny("2026-08-14 16:14:59") and exact.fetched_at is None
    index = pd.read_csv(real_files.directory / "options" / "SPX" / "index.csv", index_col="Date")
    assert exact.spot == index.loc["2026-08-14", "Spot"]
    assert len(exact.contracts) == index.loc["2026-08-14", "Rows"]
    gspc = real_files.daily_bars(["^GSPC"], date(2026, 8, 14), date(2026, 8, 14))["^GSPC"]
    assert exact.spot == pytest.approx(gspc["close"].iloc[-1])

    assert real_files.option_chain(date(2026, 8, 21)) is exact  # a week on: still 08-14's
    assert real_files.option_chain(date(2026, 7, 1)) is None  # before the first file
    first = real_files.option_chain(date(2026, 7, 16))
    assert first is not None and first.as_of.date() == date(2026, 7, 16)
    friday = real_files.option_chain(date(2026, 7, 19))  # a Sunday: the Friday's
    assert friday is not None and friday.as_of.date() == date(2026, 7, 17)


# sim -----------------------------------------------------------------------------------

SEED = 7000
SESSION = date(2026, 8, 13)
"""A Thursday; 2026-08-14 is the Friday after it."""


class MovableClock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture(scope="module")
def sim_clock() -> MovableClock:
    return MovableClock(ny("2026-08-14 11:00"))


@pytest.fixture(scope="module")
def simulated(sim_clock: MovableClock) -> SimSource:
    source = SimSource(seed=SEED, clock=sim_clock, members=30)
    source.generate()
    return source


def index_and_vix(source: SimSource, start: date, end: date) -> pd.DataFrame:
    bars = source.daily_bars(["^GSPC", "^VIX"], start, end)
    close = bars["^GSPC"]["close"]
    return pd.DataFrame(
        {"close": close, "vix": bars["^VIX"]["close"], "trend": np.log(close / close.shift(20))}
    )


def test_a_closed_session_gets_the_chain_at_its_close_of_the_sims_own_index_and_vix(
    simulated: SimSource,
) -> None:
    assert "option_chains" in simulated.capabilities
    chain = simulated.option_chain(SESSION)
    assert chain is not None
    assert chain.underlying == UNDERLYING == "^SPX" and chain.source == "sim"
    assert chain.as_of == ny("2026-08-13 16:00") and chain.fetched_at is None
    row = index_and_vix(simulated, date(2026, 6, 1), SESSION).iloc[-1]
    assert chain.spot == row["close"]
    expected = simulated_chain(SESSION, row["close"], row["vix"], SEED, chain.as_of, row["trend"])
    pd.testing.assert_frame_equal(chain.contracts, expected.contracts)
    assert tuple(chain.contracts.columns) == COLUMNS


def test_the_same_session_gives_the_same_chain_in_another_instance(
    simulated: SimSource, sim_clock: MovableClock
) -> None:
    other = SimSource(seed=SEED, clock=sim_clock, members=30)
    first, again = simulated.option_chain(SESSION), other.option_chain(SESSION)
    assert first is not None and again is not None
    pd.testing.assert_frame_equal(first.contracts, again.contracts)
    assert (first.as_of, first.spot) == (again.as_of, again.spot)
    reseeded = SimSource(seed=SEED + 1, clock=sim_clock, members=30).option_chain(SESSION)
    assert reseeded is not None and reseeded.spot != first.spot


def test_an_early_close_dates_the_chain_at_one(simulated: SimSource) -> None:
    chain = simulated.option_chain(date(2025, 11, 28))  # the day after Thanksgiving
    assert chain is not None and chain.as_of == ny("2025-11-28 13:00")


def test_days_between_sessions_get_the_session_before_and_before_the_first_none(
    simulated: SimSource,
) -> None:
    friday = simulated.option_chain(date(2026, 8, 7))
    assert simulated.option_chain(date(2026, 8, 9)) is friday  # Sunday: Friday's, kept
    assert simulated.option_chain(date(2015, 12, 31)) is None


def test_the_session_in_progress_gets_the_chain_now_at_the_live_level(
    simulated: SimSource, sim_clock: MovableClock
) -> None:
    sim_clock.moment = ny("2026-08-14 11:00")
    quotes = simulated.quotes(["^GSPC", "^VIX"])
    live = simulated.option_chain(date(2026, 8, 14))
    assert live is not None
    assert live.as_of == sim_clock.moment and live.spot == quotes["^GSPC"].last
    closes = index_and_vix(simulated, date(2026, 6, 1), SESSION)["close"]
    trend = float(np.log(quotes["^GSPC"].last / closes.iloc[-20]))
    expected = simulated_chain(
        date(2026, 8, 14), quotes["^GSPC"].last, quotes["^VIX"].last, SEED, live.as_of, trend
    )
    pd.testing.assert_frame_equal(live.contracts, expected.contracts)
    later = simulated.option_chain(date(2026, 8, 20))  # a session not open yet: the latest
    assert later is not None and later.as_of == sim_clock.moment

    sim_clock.moment = ny("2026-08-14 14:30")
    moved = simulated.option_chain(date(2026, 8, 14))
    assert moved is not None and moved.spot == simulated.quotes(["^GSPC"])["^GSPC"].last
    assert moved.spot != live.spot


def test_outside_regular_hours_the_latest_close_is_the_chain(
    simulated: SimSource, sim_clock: MovableClock
) -> None:
    sim_clock.moment = ny("2026-08-14 08:00")  # before the open: Thursday's close
    before = simulated.option_chain(date(2026, 8, 14))
    assert before is not None and before.as_of == ny("2026-08-13 16:00")
    sim_clock.moment = ny("2026-08-14 18:00")  # after the close: the day's own close
    after = simulated.option_chain(date(2026, 8, 14))
    closes = index_and_vix(simulated, date(2026, 8, 1), date(2026, 8, 14))["close"]
    assert after is not None and after.as_of == ny("2026-08-14 16:00")
    assert after.spot == closes.iloc[-1]
    far = simulated.option_chain(date(2100, 1, 4))  # past the generated path
    assert far is after
    sim_clock.moment = ny("2026-08-14 11:00")


# yahoo ---------------------------------------------------------------------------------

SPX = "^SPX"
STRIKES = [6900.0, 7000.0, 7100.0]
EXPIRIES = ["2026-07-16", "2026-07-17", "2026-07-20", "2026-08-21", "2026-09-18"]
"""The last is beyond 45 days of 2026-07-16."""
TODAY = date(2026, 7, 16)
CURL_DOWN = (
    "Failed to perform, curl: (7) Failed to connect to query2.finance.yahoo.com port 443\n"
    "after 2 attempts"
)


@dataclass
class Harness:
    source: YahooSource
    options: OptionsMarket
    store: Store
    now: list[datetime]
    sleeps: list[float] = field(default_factory=list)

    def at(self, moment: str) -> None:
        self.now[0] = ny(moment)


def spx_market() -> OptionsMarket:
    root = {"2026-08-21": "SPX", "2026-09-18": "SPX"}
    return OptionsMarket(
        chains={SPX: {day: chain_of(root.get(day, "SPXW"), day, STRIKES) for day in EXPIRIES}}
    )


def index_bars(store: Store, closes: dict[str, float]) -> None:
    frame = pd.DataFrame(
        {"open": np.nan, "high": np.nan, "low": np.nan, "volume": np.nan, "close": closes.values()},
        index=pd.DatetimeIndex(list(closes), name="date"),
    )
    store.upsert_bars("^GSPC", frame.astype("float64"))


@pytest.fixture
def yahoo(tmp_path: Path) -> Harness:
    store = Store(tmp_path / "regime.sqlite")
    options = spx_market()
    now = [ny("2026-07-16 14:00")]
    sleeps: list[float] = []
    source = YahooSource(
        store,
        lambda: now[0],
        client=FakeYahooClient(FakeYahoo(), options=options),
        sleep=sleeps.append,
    )
    index_bars(store, {"2026-07-14": 7001.0, "2026-07-15": 7005.0})
    store.record_quote(Quote("^GSPC", 7010.5, ny("2026-07-16 13:59"), TODAY))
    return Harness(source, options, store, now, sleeps)


def test_a_live_fetch_is_valued_at_the_latest_quote_stored_and_kept(yahoo: Harness) -> None:
    source = yahoo.source
    assert "option_chains" in source.capabilities and isinstance(source, Source)
    chain = source.option_chain(TODAY)
    assert chain is not None
    assert (chain.underlying, chain.source, chain.spot) == (SPX, "yahoo", 7010.5)
    assert chain.as_of == yahoo.now[0] and chain.fetched_at == yahoo.now[0]
    assert chain.notes[0] == "valued at ^GSPC's quote of 2026-07-16 13:59 (7,010.50)"
    assert yahoo.options.requests == [(SPX, None)] + [(SPX, day) for day in EXPIRIES[:4]]
    assert len(yahoo.sleeps) == 3  # a pause between expiries, through the source's sleep
    assert source.fetched_at("options") == yahoo.now[0]

    stored = yahoo.store.option_chain(SPX)
    assert stored is not None
    pd.testing.assert_frame_equal(stored.contracts, chain.contracts)
    assert (stored.fetched_at, stored.notes, stored.spot) == (
        chain.fetched_at,
        chain.notes,
        chain.spot,
    )


def test_a_past_session_gets_the_stored_chain_or_none_and_fetches_nothing(
    yahoo: Harness,
) -> None:
    source = yahoo.source
    assert source.option_chain(date(2026, 7, 15)) is None  # nothing stored yet
    fetched = source.option_chain(TODAY)
    assert fetched is not None
    asked = len(yahoo.options.requests)
    assert source.option_chain(date(2026, 7, 15)) is None  # its quotes are the 16th's
    yahoo.at("2026-07-20 10:00")
    replayed = source.option_chain(TODAY)
    assert replayed is not None and replayed.as_of == fetched.as_of
    assert replayed.fetched_at == fetched.fetched_at
    assert source.option_chain(date(2026, 7, 17)) is replayed
    assert len(yahoo.options.requests) == asked


def test_a_chain_fetched_between_sessions_is_the_last_closes(yahoo: Harness) -> None:
    """Fetched on a Saturday, the quotes and open interest are Friday's close: a replay
    of Friday gets it."""
    yahoo.at("2026-07-18 10:00")
    fetched = yahoo.source.option_chain(date(2026, 7, 18))
    assert fetched is not None
    yahoo.at("2026-07-20 09:00")
    assert yahoo.source.option_chain(date(2026, 7, 17)) is not None
    assert yahoo.source.option_chain(date(2026, 7, 16)) is None


def test_without_a_current_quote_the_last_close_values_the_chain(yahoo: Harness) -> None:
    index_bars(yahoo.store, {"2026-07-17": 7020.0})  # a session after the stored quote's
    yahoo.at("2026-07-17 17:00")
    chain = yahoo.source.option_chain(date(2026, 7, 17))
    assert chain is not None and chain.spot == 7020.0
    assert chain.notes[0] == "valued at ^GSPC's close of 2026-07-17 (7,020.00)"


def test_no_price_of_the_index_stored_is_empty_data_before_any_request(tmp_path: Path) -> None:
    options = spx_market()
    source = YahooSource(
        Store(tmp_path / "empty.sqlite"),
        lambda: ny("2026-07-16 14:00"),
        client=FakeYahooClient(FakeYahoo(), options=options),
    )
    with pytest.raises(EmptyDataError, match=r"no price of \^GSPC stored"):
        source.option_chain(TODAY)
    assert options.requests == []


def test_a_failed_fetch_is_one_line_and_keeps_the_stored_chain(yahoo: Harness) -> None:
    first = yahoo.source.option_chain(TODAY)
    assert first is not None
    yahoo.at("2026-07-16 15:00")
    yahoo.options.errors[(SPX, None)] = CurlConnectionError(CURL_DOWN)
    with pytest.raises(NetworkError) as raised:
        yahoo.source.option_chain(TODAY)
    message = str(raised.value)
    assert "\n" not in message and message.startswith("yahoo: option expiries of ^SPX")
    assert "after 2 attempts" in message
    kept = yahoo.store.option_chain(SPX)
    assert kept is not None and kept.as_of == first.as_of
    assert yahoo.source.fetched_at("options") == first.fetched_at


def test_yahoos_faults_reach_the_chains_notes_and_the_store(yahoo: Harness) -> None:
    chains = yahoo.options.chains[SPX]
    chains["2026-07-17"] = chain_of("SPXW", "2026-07-17", STRIKES, open_interest=0)
    chains["2026-07-20"] = None
    chain = yahoo.source.option_chain(TODAY)
    assert chain is not None
    assert any("open interest is zero" in note for note in chain.notes[1:])
    assert any(note.startswith("expiries skipped: 2026-07-20") for note in chain.notes)
    stored = yahoo.store.option_chain(SPX)
    assert stored is not None and stored.notes == chain.notes


def test_the_horizon_comes_from_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = spx_market()

    def fake_client(*_: Any, **__: Any) -> FakeYahooClient:
        return FakeYahooClient(FakeYahoo(), options=options)

    monkeypatch.setattr(yahoo_module, "YFinanceClient", fake_client)
    settings = Settings(source="yahoo", options={"max_days": 80, "max_expiries": 2})
    store_path = tmp_path / "regime.sqlite"
    with Store(store_path) as store:
        index_bars(store, {"2026-07-15": 7005.0})
    source = open_source(settings, clock=lambda: ny("2026-07-16 14:00"), store_path=store_path)
    yahoo_source = source.source
    assert isinstance(yahoo_source, YahooSource)
    yahoo_source._sleep = lambda _: None  # no pause between the two requests
    chain = yahoo_source.option_chain(TODAY)
    assert isinstance(chain, OptionChain) and chain.spot == 7005.0
    assert options.requests == [(SPX, None), (SPX, "2026-07-16"), (SPX, "2026-07-17")]
