"""The files:DIR source: the CSV format of DESIGN.md, Close-only files, the members'
wide closes, one clear error naming the file and line for a bad CSV, what the
directory says it can serve, and its option chains (`options/SPX/`, the latest file on
or before a session, each read once); the 22 real chains are in test_source_chains.py."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import core.sources.files as files_module
from core.options.chain import OptionChain
from core.sources.base import DataFormatError, SourceError, check_bars
from core.sources.files import CHAIN_CACHE, FilesSource, read_bars_csv, symbol_file


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


OHLCV = (
    "Date,Open,High,Low,Close,Volume\n"
    "2026-01-26,6900,6950,6890,6940,100\n"
    "2026-01-27,6940,6990,6930,6978.6,\n"
    "2026-01-28,7002,7002.28,6963.46,6978.03,120\n"
)


def test_symbol_files_drop_the_caret() -> None:
    assert symbol_file(Path("d"), "^GSPC") == Path("d/GSPC.csv")
    assert symbol_file(Path("d"), "BRK-B") == Path("d/BRK-B.csv")


def test_ohlcv_file_loads_in_the_standard_shape(tmp_path: Path) -> None:
    bars = read_bars_csv(write(tmp_path / "GSPC.csv", OHLCV))
    check_bars(bars, "test")
    assert list(bars.columns) == ["open", "high", "low", "close", "volume"]
    assert bars.index[-1] == pd.Timestamp("2026-01-28")
    assert bars["close"].iloc[-1] == 6978.03
    assert pd.isna(bars["volume"].iloc[1])


def test_close_only_file_is_valid(tmp_path: Path) -> None:
    bars = read_bars_csv(write(tmp_path / "NDX.csv", "Date,Close\n2026-01-27,1\n2026-01-28,2\n"))
    assert bars["close"].tolist() == [1.0, 2.0]
    assert bars["open"].isna().all()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Date,Open\n2026-01-28,1\n", "no Close column"),
        ("Date,Close\n2026-01-28,1\n28/01/2026,2\n", "line 3: date '28/01/2026' is not YYYY-MM-DD"),
        ("Date,Close\n2026-01-27,1\n2026-01-28,abc\n", "line 3: Close 'abc' is not a number"),
        ("Date,Close\n2026-01-27,1\n2026-01-27,2\n", "line 3: date 2026-01-27 appears twice"),
        ("Date,Close\n2026-01-28,1\n2026-01-27,2\n", "line 3: dates are not in ascending order"),
        ("Date,Close\n2026-01-27,1\n2026-01-28,\n", "line 3: Close is empty"),
    ],
)
def test_bad_csv_names_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path / "GSPC.csv", text)
    with pytest.raises(DataFormatError) as raised:
        read_bars_csv(path)
    assert str(path) in str(raised.value)
    assert expected in str(raised.value)


def test_daily_bars_window_and_unknown_symbols(tmp_path: Path) -> None:
    write(tmp_path / "GSPC.csv", OHLCV)
    source = FilesSource(tmp_path)
    bars = source.daily_bars(["^GSPC", "^VIX9D"], date(2026, 1, 27), date(2026, 1, 27))
    assert list(bars) == ["^GSPC"]
    assert bars["^GSPC"].index.tolist() == [pd.Timestamp("2026-01-27")]
    assert source.quotes(["^GSPC"]) == {}


def test_members_wide_closes_and_info(tmp_path: Path) -> None:
    write(
        tmp_path / "constituents" / "closes.csv", "Date,AAA,BRK-B\n2026-01-27,1,\n2026-01-28,2,3\n"
    )
    write(
        tmp_path / "constituents" / "constituents.csv",
        "Ticker,YahooTicker,Name,Sector\nAAA,AAA,Alpha,Energy\nBRK.B,BRK-B,Berkshire,Financials\n",
    )
    panel = FilesSource(tmp_path).members(date(2026, 1, 1), date(2026, 1, 28))
    assert panel is not None
    assert panel.closes.shape == (2, 2)
    assert panel.closes["BRK-B"].isna().tolist() == [True, False]
    assert panel.info.loc["BRK-B", "sector"] == "Financials"


def test_no_constituents_folder_means_no_members(tmp_path: Path) -> None:
    write(tmp_path / "GSPC.csv", OHLCV)
    assert FilesSource(tmp_path).members(date(2026, 1, 1), date(2026, 1, 28)) is None


def test_capabilities_follow_what_the_directory_holds(tmp_path: Path) -> None:
    write(tmp_path / "GSPC.csv", OHLCV)
    assert FilesSource(tmp_path).capabilities == {"daily_bars"}
    write(tmp_path / "constituents" / "closes.csv", "Date,AAA\n2026-01-27,1\n")
    assert FilesSource(tmp_path).capabilities == {"daily_bars", "members"}
    write(tmp_path / "constituents" / "constituents.csv", "Ticker,Name,Weight\nAAA,Alpha,0.5\n")
    source = FilesSource(tmp_path)
    assert source.capabilities == {"daily_bars", "members", "member_weights"}
    assert (source.historical, source.simulated, source.cached) == (True, False, False)
    assert source.directory == tmp_path and source.fetched_at() is None


def test_bad_member_closes_name_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "constituents" / "closes.csv", "Date,AAA\n2026-01-27,1\n2026-01-28,x\n")
    with pytest.raises(DataFormatError, match=r"closes.csv, line 3: AAA 'x' is not a number"):
        FilesSource(tmp_path).members(date(2026, 1, 1), date(2026, 1, 28))
    assert path.exists()


def test_missing_directory_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such directory"):
        FilesSource(tmp_path / "absent")


def test_an_empty_csv_is_named_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "GSPC.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(DataFormatError, match=f"{path}: the file is empty"):
        read_bars_csv(path)


def test_members_read_the_dividend_unadjusted_closes_when_present(tmp_path: Path) -> None:
    # The same member, adjusted for a dividend (closes.csv) and not (closes_unadj.csv).
    write(tmp_path / "constituents" / "closes.csv", "Date,AAA\n2026-01-27,99\n2026-01-28,101\n")
    span = (date(2026, 1, 1), date(2026, 1, 28))
    adjusted = FilesSource(tmp_path).members(*span)
    assert adjusted is not None and adjusted.closes["AAA"].tolist() == [99.0, 101.0]
    write(
        tmp_path / "constituents" / "closes_unadj.csv", "Date,AAA\n2026-01-27,100\n2026-01-28,101\n"
    )
    unadjusted = FilesSource(tmp_path).members(*span)
    assert unadjusted is not None and unadjusted.closes["AAA"].tolist() == [100.0, 101.0]


def test_the_dividend_unadjusted_closes_alone_serve_members(tmp_path: Path) -> None:
    path = write(tmp_path / "constituents" / "closes_unadj.csv", "Date,AAA\n2026-01-27,x\n")
    source = FilesSource(tmp_path)
    assert source.capabilities == {"daily_bars", "members"}
    with pytest.raises(DataFormatError, match=r"closes_unadj.csv, line 2: AAA 'x' is not a number"):
        source.members(date(2026, 1, 1), date(2026, 1, 28))
    assert path.exists()


# Option chains -----------------------------------------------------------------------

CHAIN_HEADER = "Expiry,Type,Strike,ImpliedVol,OpenInterest,Volume,Bid,Ask,Last\n"


def write_chains(directory: Path, sessions: list[str]) -> None:
    """One tiny chain file per session, with its index.csv line (as-of and spot)."""
    index = ["Date,AsOf,Spot"]
    for number, session in enumerate(sessions):
        rows = (
            f"2026-09-18,call,7000,0.15,{100 + number},1,1,2,1.5\n2026-09-18,put,6900,0.2,50,,,,\n"
        )
        write(directory / "options" / "SPX" / f"{session}.csv", CHAIN_HEADER + rows)
        index.append(f"{session},{session}T16:14:59,{7000 + number}")
    write(directory / "options" / "SPX" / "index.csv", "\n".join(index) + "\n")


@pytest.fixture
def counted_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every chain file the files source reads."""
    reads: list[Path] = []
    real = files_module.read_chain

    def counting(path: Path) -> OptionChain:
        reads.append(Path(path))
        return real(path)

    monkeypatch.setattr(files_module, "read_chain", counting)
    return reads


def test_option_chains_are_a_capability_with_the_options_folder(tmp_path: Path) -> None:
    write(tmp_path / "GSPC.csv", OHLCV)
    assert "option_chains" not in FilesSource(tmp_path).capabilities
    assert FilesSource(tmp_path).option_chain(date(2026, 8, 14)) is None
    (tmp_path / "options" / "SPX").mkdir(parents=True)
    source = FilesSource(tmp_path)
    assert source.capabilities == {"daily_bars", "option_chains"}
    assert source.option_chain(date(2026, 8, 14)) is None  # an empty folder holds none


def test_a_session_gets_the_latest_chain_on_or_before_it(
    tmp_path: Path, counted_reads: list[Path]
) -> None:
    write_chains(tmp_path, ["2026-08-12", "2026-08-13", "2026-08-14"])
    write(tmp_path / "options" / "SPX" / "notes.csv", "not a chain\n")  # not named by a date
    source = FilesSource(tmp_path)
    assert source.option_chain(date(2026, 8, 11)) is None
    exact = source.option_chain(date(2026, 8, 13))
    assert exact is not None and exact.spot == 7001.0
    assert exact.as_of.isoformat() == "2026-08-13T16:14:59-04:00"
    assert exact.contracts["open_interest"].tolist() == [101.0, 50.0]
    later = source.option_chain(date(2026, 8, 21))
    assert later is not None and later.spot == 7002.0
    assert source.option_chain(date(2026, 8, 15)) is later  # the same chain, not a copy


def test_a_history_reads_each_chain_file_once(tmp_path: Path, counted_reads: list[Path]) -> None:
    sessions = [f"2026-07-{day:02d}" for day in range(1, 31)]
    write_chains(tmp_path, sessions)
    assert len(sessions) > CHAIN_CACHE
    source = FilesSource(tmp_path)
    days = pd.date_range("2026-06-01", "2026-09-30").date
    chains = [source.option_chain(day) for day in days]
    assert sum(chain is None for chain in chains) == 30  # June
    assert sorted(path.stem for path in counted_reads) == sessions
    source.option_chain(date(2026, 7, 30))  # still kept
    assert len(counted_reads) == len(sessions)


def test_a_bad_chain_file_is_one_line_naming_it_each_time_it_is_asked(
    tmp_path: Path, counted_reads: list[Path]
) -> None:
    write_chains(tmp_path, ["2026-08-13"])
    path = write(
        tmp_path / "options" / "SPX" / "2026-08-14.csv",
        CHAIN_HEADER + "2026-09-18,cal,7000,,,,,,\n",
    )
    source = FilesSource(tmp_path)
    for _ in range(2):
        with pytest.raises(DataFormatError) as raised:
            source.option_chain(date(2026, 8, 20))
        assert str(raised.value) == f"{path}, line 2: Type is not call or put: 'cal'"
    assert [read.name for read in counted_reads] == ["2026-08-14.csv"]
    good = source.option_chain(date(2026, 8, 13))  # the other sessions are unharmed
    assert good is not None and good.spot == 7000.0
