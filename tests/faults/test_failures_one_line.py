"""Failures stay one line on screen: Yahoo unreachable or rate-limited (40 of 503
members missing, a curl error repeated for every quote) is summed up in one line of
under 100 characters naming what failed and when it is retried; the whole text (every
ticker, every message) is in the panel's `full_detail`, the JSON, the detail view and
the log file (in the platform's log directory, never the terminal). On the dashboard,
at 80x24 and 120x40, the failure takes one row in each panel and moves no panel's
headline; short failures are said as they are."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from core import logfile
from core.config import Settings
from core.engine import Backoff, Engine
from core.failures import Failure, Summary, summarize
from core.session import MarketSession
from core.snapshot import Snapshot
from core.sources.base import (
    DataFormatError,
    MemberPanel,
    NetworkError,
    PartialDataError,
    Quote,
    RateLimitError,
)
from tests.fake_source import FakeSource
from tests.faults.test_engine_faults import NOW, index_source, published_until, stop
from tests.tui.harness import make_app, wait_for_data
from tests.tui.sample import FakeFeed, sample_snapshot
from tui.screens.detail import DetailScreen
from tui.screens.panels import panels

TICKERS = tuple(f"M{number:03d}" for number in range(503))
MISSING = TICKERS[:40]
CURL = "curl: (6) Could not resolve host: query2.finance.yahoo.com"


def members_missing() -> PartialDataError:
    """Yahoo's members' closes with 40 of 503 tickers failed, each with its curl error."""
    reasons = "; ".join(f"{ticker}: {CURL}" for ticker in MISSING)
    return PartialDataError(
        f"yahoo: members' closes of {', '.join(MISSING)}: missing ({reasons})",
        MISSING,
        {ticker: pd.DataFrame() for ticker in TICKERS[40:]},
    )


def quotes_down() -> NetworkError:
    """Every quote failed on the network: the same curl error for each symbol."""
    symbols = ("^GSPC", "^VIX", "^RUT", "^IXIC", "SPY", "RSP")
    reasons = "; ".join(f"{symbol}: {CURL}" for symbol in symbols)
    return NetworkError(f"yahoo: quotes of {', '.join(symbols)}: network failure ({reasons})")


def yahoo_down() -> list[Failure]:
    return [Failure("members", members_missing()), Failure("quotes", quotes_down())]


# -- the line and the whole text ---------------------------------------------------------


def test_yahoo_down_is_one_line_naming_what_failed_and_the_retry() -> None:
    summary = summarize(yahoo_down(), "yahoo", retry_in=120.0)
    assert summary.line == (
        "Yahoo unreachable: 40 of 503 members failed, no quotes; retrying within 2m"
    )
    assert len(summary.line) < 100 and "\n" not in summary.line
    # The whole text keeps every ticker and every message, one failure per line.
    assert summary.full.count("\n") == 1
    assert all(ticker in summary.full for ticker in MISSING)
    assert summary.full.count(CURL) == 46


BARS = pd.DataFrame()
"""What came back for a symbol (its content does not matter here)."""


def test_a_rate_limit_names_the_source_and_a_few_missing_symbols_by_name() -> None:
    failures = [
        Failure("daily bars", PartialDataError("yahoo: " + "x" * 200, ["^RUT"], {"^GSPC": BARS})),
        Failure("quotes", RateLimitError("yahoo: quotes: rate limited (" + "y" * 200 + ")")),
    ]
    line = summarize(failures, "yahoo", retry_in=1.5).line
    assert line == "Yahoo rate-limited: 1 of 2 symbols failed (^RUT), no quotes; retrying within 2s"


def test_a_short_failure_is_said_as_it_is_and_has_no_more_to_it() -> None:
    failure = Failure("daily bars", DataFormatError("files: VIX.csv line 12: close 'n/a'"))
    summary = summarize([failure], "files", retry_in=None)
    assert summary.line == summary.full == "files: VIX.csv line 12: close 'n/a'"


def test_many_long_failures_are_cut_to_the_line_and_counted() -> None:
    failures = [
        Failure(f"step {number}", ValueError(f"odd data number {number}: " + "z" * 60))
        for number in range(6)
    ]
    summary = summarize(failures, "yahoo", retry_in=300.0)
    assert summary.line.endswith("; retrying within 5m")
    assert len(summary.line) <= 100 + len("; retrying within 5m")
    assert "more" in summary.line and "\n" not in summary.line
    assert all(f"odd data number {number}" in summary.full for number in range(6))


@pytest.mark.parametrize(
    "seconds, said", [(0.01, "1s"), (45.0, "45s"), (61.0, "2m"), (300.0, "5m"), (3600.0, "1h 00m")]
)
def test_the_retry_is_rounded_up_so_it_is_never_later_than_said(seconds: float, said: str) -> None:
    failure = Failure("quotes", NetworkError("yahoo: " + "w" * 120))
    assert summarize([failure], "yahoo", seconds).line.endswith(f"retrying within {said}")


# -- the engine ------------------------------------------------------------------------


class YahooDown(FakeSource):
    """The index's bars come back; 40 members and every quote fail."""

    def members(self, start: date, end: date) -> MemberPanel | None:
        self.member_calls += 1
        raise members_missing()

    def quotes(self, symbols: Sequence[str]) -> Mapping[str, Quote]:
        self.quote_calls += 1
        raise quotes_down()


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The platform's log directory in tmp, with the log file set up as the CLI does."""
    for name in ("XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    path = logfile.setup()
    assert path.is_relative_to(tmp_path)
    yield path.parent
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, logfile.LogFile)]:
        root.removeHandler(handler)
        handler.close()


def yahoo_down_engine() -> Engine:
    healthy = index_source()
    members = MemberPanel(closes=pd.DataFrame(index=pd.DatetimeIndex([], name="date")))
    source = YahooDown(healthy.bars, members)
    clock = lambda: NOW  # noqa: E731
    backoff = Backoff(first=120.0, jitter=0.0)
    session = MarketSession(clock)
    return Engine(Settings(), source, clock=clock, session=session, backoff=backoff)


async def test_the_engine_shows_one_line_and_keeps_the_whole_text(
    log_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    engine = yahoo_down_engine()
    published: list[Snapshot] = []
    task = asyncio.create_task(engine.run(published.append))
    try:
        snapshot = await published_until(published, lambda snapshot: True)
    finally:
        await stop(task)
    line = "Yahoo unreachable: 40 of 503 members failed, no quotes; retrying within 2m"
    for _, reading in snapshot.sections():
        status = reading.status
        assert status.detail is not None and line in status.detail, status.detail
        assert "\n" not in status.detail
        assert status.full_detail is not None and all(t in status.full_detail for t in MISSING)
    assert snapshot.price.last is not None  # the index's bars came back
    # The JSON keeps the whole text; the engine's own list has each failure in full.
    assert "M039" in snapshot.model_dump_json()
    assert any("M039" in failure for failure in engine.failures)
    # The log has it all, once; the terminal nothing.
    logged = (log_dir / logfile.FILE_NAME).read_text()
    assert line in logged and all(ticker in logged for ticker in MISSING)
    engine.refresh()  # the same failure again: not written twice
    assert (log_dir / logfile.FILE_NAME).read_text() == logged
    assert capfd.readouterr().err == ""


def test_a_lone_refresh_promises_no_retry() -> None:
    # `regime snapshot` refreshes once: its report must not say "retrying".
    snapshot = yahoo_down_engine().refresh()
    line = "Yahoo unreachable: 40 of 503 members failed, no quotes"
    assert snapshot.price.status.detail == line  # the first cycle: no older data to date


# -- the dashboard and the detail view ----------------------------------------------------


def failing(summary: Summary) -> Snapshot:
    """The sample Snapshot with every panel's detail the failure's line (and its text)."""
    sample = sample_snapshot()
    update = {
        section.key: reading.model_copy(
            update={
                "status": reading.status.model_copy(
                    update={"state": "STALE", "detail": summary.line, "full_detail": summary.full}
                )
            }
        )
        for section, reading in sample.sections()
    }
    return sample.model_copy(update=update)


async def layout(snapshot: Snapshot, size: tuple[int, int]) -> dict[str, tuple[int, int]]:
    """Each dashboard panel's top row and height, with `snapshot` on show."""
    app = make_app(lambda: FakeFeed(snapshot))
    async with app.run_test(size=size) as pilot:
        await wait_for_data(pilot)
        shown: dict[str, tuple[int, int]] = {}
        for view in panels():
            panel = app.dashboard.panel(view.id)
            assert panel.detail_line.display
            assert panel.detail_line.region.height == 1, view.id
            shown[view.id] = (panel.region.y, panel.region.height)
        return shown


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_on_the_dashboard_a_failure_takes_one_row_and_moves_no_headline(
    size: tuple[int, int],
) -> None:
    summary = summarize(yahoo_down(), "yahoo", retry_in=120.0)
    short = Summary(line="feed down", full="feed down")
    # Laid out as with a one-word reason: the 1 KB of text pushes nothing down.
    assert await layout(failing(summary), size) == await layout(failing(short), size)


async def test_the_detail_view_shows_the_whole_text() -> None:
    summary = summarize(yahoo_down(), "yahoo", retry_in=120.0)
    app = make_app(lambda: FakeFeed(failing(summary)))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot)
        on_dashboard = str(app.dashboard.panel("breadth").detail_line.render())
        assert on_dashboard == summary.line
        await pilot.press(next(view.key for view in panels() if view.id == "breadth"))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        shown = str(screen.panel.detail_line.render())
        assert shown == summary.full and all(ticker in shown for ticker in MISSING)
        assert screen.panel.detail_line.region.height > 1
