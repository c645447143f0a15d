"""A fetch has a timeout. yfinance gives each HTTP request `REQUEST_TIMEOUT` seconds
(curl enforces it), and every call into the client has a deadline in all: a call that
stalls past it fails as a network error naming what was asked, the engine keeps the
last good data marked STALE with that line, and the next call after the connection
recovers brings fresh data. The stalled call is abandoned in a daemon thread."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fake_yfinance import (
    FakeYahoo,
    FakeYahooClient,
    OptionsMarket,
    chain_of,
    daily_history,
    minute_history,
)

from core.clock import NEW_YORK
from core.config import Settings
from core.engine import Backoff, Engine
from core.section import builtin
from core.session import MarketSession
from core.snapshot import Snapshot
from core.sources.base import NetworkError
from core.sources.yahoo import REQUEST_TIMEOUT, YahooSource, YFinanceClient
from core.store import Store

NOW = datetime(2026, 1, 27, 11, 0, tzinfo=NEW_YORK)
DEADLINE = 0.3


def market() -> FakeYahoo:
    sessions = MarketSession().sessions(date(2024, 6, 3), date(2026, 1, 27))
    days = pd.DatetimeIndex([pd.Timestamp(day) for day in sessions])
    fake = FakeYahoo()
    for number, symbol in enumerate(builtin().symbols(Settings())):
        level = 20.0 if "VIX" in symbol else 100.0 * (number + 1)
        fake.daily[symbol.upper()] = daily_history(days, np.linspace(level, level * 1.2, len(days)))
        fake.minutes[symbol.upper()] = minute_history(
            ["2026-01-27 10:58", "2026-01-27 10:59"], [level * 1.2] * 2, tz="America/New_York"
        )
    return fake


def spx_options() -> OptionsMarket:
    """One ^SPX expiry within the horizon, so that the engine's chain load answers."""
    strikes = [6000.0, 7000.0, 8000.0]
    return OptionsMarket(chains={"^SPX": {"2026-02-20": chain_of("SPXW", "2026-02-20", strikes)}})


def source_over(client: FakeYahooClient, tmp_path: Path) -> YahooSource:
    return YahooSource(
        Store(tmp_path / "regime.sqlite"),
        lambda: NOW,
        client=client,
        sleep=lambda _: None,
        call_deadline=DEADLINE,
    )


def test_the_real_client_gives_every_request_a_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through yfinance's own request layer down to curl_cffi's Session.request."""
    import curl_cffi.requests

    timeouts: list[object] = []

    def record(session: object, method: str, url: str, *args: object, **kw: object) -> None:
        if "/v8/finance/chart/" in url:
            timeouts.append(kw.get("timeout"))
        raise curl_cffi.requests.exceptions.ConnectionError("benchmark: offline")

    monkeypatch.setattr(curl_cffi.requests.Session, "request", record)
    YFinanceClient(tmp_path / "yf", retries=0).download(["SPY"], period="5d")
    assert timeouts == [REQUEST_TIMEOUT]


def test_a_stalled_call_fails_at_its_deadline_and_the_next_one_recovers(
    tmp_path: Path,
) -> None:
    client = FakeYahooClient(market())
    source = source_over(client, tmp_path)
    client.answering.clear()
    started = time.monotonic()
    with pytest.raises(NetworkError, match=r"no answer within 0.3 s \(abandoned\)"):
        source.daily_bars(["^GSPC"], date(2025, 1, 2), date(2026, 1, 27))
    assert time.monotonic() - started < 5 * DEADLINE
    with pytest.raises(NetworkError, match=r"quotes of .*no answer within"):
        source.quotes(["^GSPC"])
    client.answering.set()  # the connection is back
    bars = source.daily_bars(["^GSPC"], date(2025, 1, 2), date(2026, 1, 27))
    assert bars["^GSPC"].index[-1] == pd.Timestamp("2026-01-27")


def test_a_stalled_holdings_call_leaves_the_weights_and_the_members_come(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = market()
    fake.daily["AAPL"] = fake.daily["^GSPC"].copy()
    client = FakeYahooClient(fake)
    source = YahooSource(
        Store(tmp_path / "regime.sqlite"),
        lambda: NOW,
        client=client,
        sleep=lambda _: None,
        call_deadline=DEADLINE,
        member_tickers=["AAPL"],
    )
    stall = threading.Event()
    holdings = client.top_holdings

    def stalled(fund: str) -> pd.DataFrame:
        stall.wait()
        return holdings(fund)

    client.top_holdings = stalled
    try:
        panel = source.members(date(2025, 6, 2), date(2026, 1, 27))
    finally:
        stall.set()
    assert panel is not None and list(panel.closes.columns) == ["AAPL"]
    assert panel.info["weight"].isna().all()
    assert "top holdings of SPY: NetworkError" in caplog.text and "no answer within" in caplog.text


async def test_the_engine_shows_a_stalled_fetch_as_stale_and_recovers(tmp_path: Path) -> None:
    client = FakeYahooClient(market(), options=spx_options())
    source = source_over(client, tmp_path)
    moments = [NOW]
    engine = Engine(
        Settings(),
        source,
        clock=lambda: moments[-1],
        session=MarketSession(lambda: moments[-1]),
        backoff=Backoff(first=0.05, factor=2.0, cap=0.1, jitter=0.0),
    )
    published: list[Snapshot] = []
    task = asyncio.create_task(engine.run(published.append))

    async def until(check: object, after: int = 0, timeout: float = 20.0) -> Snapshot:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for snapshot in published[after:]:
                if check(snapshot):  # type: ignore[operator]
                    return snapshot
            await asyncio.sleep(0.02)
        raise AssertionError(f"not published in {timeout} s")

    try:
        good = await until(lambda s: s.price.status.state == "LIVE")
        client.answering.clear()
        moments.append(NOW + timedelta(minutes=20))  # the daily top-up is due again
        engine.refresh_now()
        stale = await until(
            lambda s: "no answer within" in (s.price.status.full_detail or ""),
            after=len(published),
        )
        assert stale.price.status.state == "STALE" and stale.price.last == good.price.last
        line = stale.price.status.detail or ""
        assert line.startswith("Yahoo unreachable") and "\n" not in line
        client.answering.set()
        engine.refresh_now()
        await until(lambda s: s.price.status.state == "LIVE", after=len(published))
        assert engine.consecutive_failures == 0
    finally:
        client.answering.set()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
