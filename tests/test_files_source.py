"""The files:DIR source: the CSV format of DESIGN.md, Close-only files, the members'
wide closes, one clear error naming the file and line for a bad CSV, and what the
directory says it can serve."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from core.sources.base import DataFormatError, SourceError, check_bars
from core.sources.files import FilesSource, read_bars_csv, symbol_file


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
