"""Chain files into OptionChain: the 22 real files:DIR session chains (rows, spot, as-of
and missing implied vols as their index and SOURCES.md say), the Cboe quotedata
reference (its spot, its date, two contracts a line, and the published -11.00 $bn per
1 % from its own Gamma column), its variants (no leading blank line, a Spanish date
line), the caller's as-of and spot overriding the file's, and one DataFormatError line
naming the file and the line for each kind of bad input."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from core.options.chain import COLUMNS, OptionChain
from core.options.files import chain_for_session, read_chain
from core.sources.base import DataFormatError
from core.sources.files import read_bars_csv
from tests.market_data import require_market_data

NEW_YORK = ZoneInfo("America/New_York")
REFERENCE = "options/reference/spx_quotedata_2024-01-07.csv"
SPANISH_DATE = '"Fecha: 7 de enero de 2024 a las 10:52 a. m. EST",Bid: 4645.23,Ask: 4753.8999'


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def gex_bn(chain: OptionChain) -> float:
    """Net exposure from the chain's own gamma column, $bn per 1 % (calls +, puts -)."""
    frame = chain.contracts
    sign = np.where(frame["kind"] == "call", 1.0, -1.0)
    per_contract = sign * frame["gamma"] * frame["open_interest"] * 100 * chain.spot**2 * 0.01
    return float(per_contract.sum()) / 1e9


# -- synthetic files --------------------------------------------------------------------

QUOTEDATA_HEADER = (
    "Expiration Date,Calls,Last Sale,Net,Bid,Ask,Volume,IV,Delta,Gamma,Open Interest,"
    "Strike,Puts,Last Sale,Net,Bid,Ask,Volume,IV,Delta,Gamma,Open Interest\n"
)
QUOTEDATA_ROWS = (
    "Fri Jan 05 2024,SPXW240105C04600000,97,1,96,98,5,0,0,0.0012,10,4600.00,"
    "SPXW240105P04600000,0.05,0,0,0.1,3,0.25,-0.01,0.0003,20\n"
    "Mon Jan 08 2024,SPXW240108C04700000,20,1,19,21,7,0.12,0.5,0.004,30,4700.00,"
    "SPXW240108P04700000,22,-1,21,23,9,0.13,-0.5,0.0041,40\n"
)


def quotedata(
    date_line: str = '"Date: January 7, 2024 at 10:52 AM EST",Bid: 4645.23',
    *,
    blank_first: bool = True,
    rows: str = QUOTEDATA_ROWS,
) -> str:
    title = "S&P 500 INDEX,Last: 4697.2402,Change:  8.5602\n"
    return ("\n" if blank_first else "") + title + date_line + "\n" + QUOTEDATA_HEADER + rows


SESSION_HEADER = "Expiry,Type,Strike,ImpliedVol,OpenInterest,Volume,Bid,Ask,Last\n"
SESSION_ROWS = (
    "2026-08-14,call,5200,0,0,0,2574.8,2595.3,2588.32\n"
    "2026-08-21,put,7700,0.1749,1528,12,30.1,30.9,30.5\n"
)
INDEX = (
    "Date,AsOf,Spot,Rows,SourceCommit\n"
    "2026-08-13,2026-08-13T16:14:59,7700.5,2,abc\n"
    "2026-08-14,2026-08-14T16:14:59,7785.76,2,def\n"
)


def session_dir(tmp_path: Path, rows: str = SESSION_ROWS, index: str | None = INDEX) -> Path:
    write(tmp_path / "options/SPX/2026-08-14.csv", SESSION_HEADER + rows)
    if index is not None:
        write(tmp_path / "options/SPX/index.csv", index)
    return tmp_path


def test_session_file_reads_with_its_index(tmp_path: Path) -> None:
    chain = chain_for_session(session_dir(tmp_path), date(2026, 8, 14))
    assert chain is not None
    assert list(chain.contracts.columns) == list(COLUMNS)
    assert chain.underlying == "^SPX"
    assert chain.spot == 7785.76
    assert chain.as_of == datetime(2026, 8, 14, 16, 14, 59, tzinfo=NEW_YORK)
    frame = chain.contracts
    assert frame["kind"].tolist() == ["call", "put"]
    assert frame["expiry"].tolist() == [pd.Timestamp("2026-08-14"), pd.Timestamp("2026-08-21")]
    assert np.isnan(frame["implied_vol"].iloc[0]) and frame["implied_vol"].iloc[1] == 0.1749
    assert frame["open_interest"].tolist() == [0.0, 1528.0]
    assert frame["gamma"].isna().all()
    assert frame["ask"].tolist() == [2595.3, 30.9]


def test_no_session_file_is_none(tmp_path: Path) -> None:
    assert chain_for_session(session_dir(tmp_path), date(2026, 8, 13)) is None
    assert chain_for_session(tmp_path / "nowhere", date(2026, 8, 14)) is None


def test_session_file_without_index_takes_the_callers_as_of_and_spot(tmp_path: Path) -> None:
    path = session_dir(tmp_path, index=None) / "options/SPX/2026-08-14.csv"
    with pytest.raises(DataFormatError, match="give the as-of date"):
        read_chain(path)
    with pytest.raises(DataFormatError, match="give the spot"):
        read_chain(path, as_of=date(2026, 8, 14))
    chain = read_chain(path, as_of=date(2026, 8, 14), spot=7800.0)
    assert chain.as_of == datetime(2026, 8, 14, 16, 15, tzinfo=NEW_YORK)
    assert chain.spot == 7800.0


def test_callers_as_of_and_spot_override_the_index(tmp_path: Path) -> None:
    path = session_dir(tmp_path) / "options/SPX/2026-08-14.csv"
    chain = read_chain(path, as_of=date(2026, 8, 13), spot=7000.0)
    # The date is the caller's; the time of day is still the index's.
    assert chain.as_of == datetime(2026, 8, 13, 16, 14, 59, tzinfo=NEW_YORK)
    assert chain.spot == 7000.0
    moment = datetime(2026, 8, 14, 12, 0, tzinfo=ZoneInfo("UTC"))
    assert read_chain(path, as_of=moment).as_of == moment
    assert read_chain(path, as_of=moment).as_of.tzinfo == NEW_YORK


def test_quotedata_splits_each_line_into_a_call_and_a_put(tmp_path: Path) -> None:
    chain = read_chain(write(tmp_path / "quotedata.csv", quotedata()))
    assert chain.underlying == "^SPX"
    assert chain.spot == 4697.2402
    assert chain.as_of == datetime(2024, 1, 7, 10, 52, tzinfo=NEW_YORK)
    frame = chain.contracts
    assert list(frame.columns) == list(COLUMNS)
    assert frame["kind"].tolist() == ["call", "put", "call", "put"]
    assert frame["strike"].tolist() == [4600.0, 4600.0, 4700.0, 4700.0]
    assert (
        frame["expiry"].tolist()
        == [pd.Timestamp("2024-01-05")] * 2 + [pd.Timestamp("2024-01-08")] * 2
    )
    # IV 0 is missing; the file's own gamma stays as given, even beside an IV of 0.
    assert np.isnan(frame["implied_vol"].iloc[0])
    assert frame["implied_vol"].iloc[1:].tolist() == [0.25, 0.12, 0.13]
    assert frame["gamma"].tolist() == [0.0012, 0.0003, 0.004, 0.0041]
    assert frame["open_interest"].tolist() == [10.0, 20.0, 30.0, 40.0]
    assert frame["bid"].tolist() == [96.0, 0.0, 19.0, 21.0]
    assert frame["volume"].tolist() == [5.0, 3.0, 7.0, 9.0]


def test_quotedata_without_the_leading_blank_line(tmp_path: Path) -> None:
    chain = read_chain(write(tmp_path / "q.csv", quotedata(blank_first=False)))
    assert len(chain.contracts) == 4
    assert chain.as_of == datetime(2024, 1, 7, 10, 52, tzinfo=NEW_YORK)


def test_quotedata_in_another_locale_needs_the_as_of_date(tmp_path: Path) -> None:
    path = write(tmp_path / "q.csv", quotedata(SPANISH_DATE, blank_first=False))
    with pytest.raises(DataFormatError) as failure:
        read_chain(path)
    message = str(failure.value)
    assert "\n" not in message
    assert message.startswith(f"{path}, line 2: cannot read the chain's date")
    assert "--as-of YYYY-MM-DD" in message
    chain = read_chain(path, as_of=date(2024, 1, 7))
    # The time of day is read from the digits of the Spanish line.
    assert chain.as_of == datetime(2024, 1, 7, 10, 52, tzinfo=NEW_YORK)
    assert chain.spot == 4697.2402


def test_quotedata_spot_from_the_caller(tmp_path: Path) -> None:
    chain = read_chain(write(tmp_path / "q.csv", quotedata()), spot=4700.0)
    assert chain.spot == 4700.0


# -- bad input --------------------------------------------------------------------------

BAD_SESSION_FILES = [
    (
        "missing column",
        "Expiry,Type,Strike,OpenInterest\n2026-08-14,call,5200,3\n",
        "line 1: no ImpliedVol column (has Expiry, Type, Strike, OpenInterest)",
    ),
    (
        "bad number",
        SESSION_HEADER + SESSION_ROWS + "2026-08-21,put,7700,0.2,lots,1,1,1,1\n",
        "line 4: OpenInterest is not a number: 'lots'",
    ),
    (
        "empty strike",
        SESSION_HEADER + "2026-08-21,put,,0.2,5,1,1,1,1\n",
        "line 2: Strike is empty",
    ),
    (
        "unknown type",
        SESSION_HEADER + SESSION_ROWS + "2026-08-21,straddle,7700,0.2,5,1,1,1,1\n",
        "line 4: Type is not call or put: 'straddle'",
    ),
    (
        "ragged row",
        SESSION_HEADER + SESSION_ROWS + "2026-08-21,put,7700,0.2,5,1,1,1,1,9\n",
        "line 4: 10 fields, the header has 9",
    ),
    (
        "bad expiry",
        SESSION_HEADER + "21/08/2026,put,7700,0.2,5,1,1,1,1\n",
        "line 2: Expiry is not YYYY-MM-DD: '21/08/2026'",
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [case[1:] for case in BAD_SESSION_FILES],
    ids=[case[0] for case in BAD_SESSION_FILES],
)
def test_bad_session_file_is_one_line_naming_file_and_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path / "2026-08-14.csv", text)
    with pytest.raises(DataFormatError) as failure:
        read_chain(path, as_of=date(2026, 8, 14), spot=7785.76)
    assert str(failure.value) == f"{path}, {expected}"


BAD_QUOTEDATA = [
    (
        "missing column",
        quotedata(rows="").replace(",Open Interest\n", "\n"),
        "line 4: no Open Interest column for the puts",
    ),
    (
        "bad number",
        quotedata(rows=QUOTEDATA_ROWS.replace("0.12,0.5", "n/a,0.5")),
        "line 6: call IV is not a number: 'n/a'",
    ),
    (
        "bad expiry",
        quotedata(rows=QUOTEDATA_ROWS.replace("Mon Jan 08 2024", "Mon Jnu 08 2024")),
        "line 6: Expiration Date is not like 'Fri Jan 05 2024': 'Mon Jnu 08 2024'",
    ),
    (
        "bad strike",
        quotedata(rows=QUOTEDATA_ROWS.replace("4600.00", "-4600")),
        "line 5: Strike is not positive: '-4600'",
    ),
    (
        "ragged row",
        quotedata(rows=QUOTEDATA_ROWS + QUOTEDATA_ROWS.replace("\n", ",extra\n")),
        "line 7: 23 fields, the header has 22",
    ),
    (
        "no spot",
        quotedata().replace("Last: 4697.2402", "Ultimo: 4697.2402"),
        "line 2: no usable spot (none); give the spot (--spot S)",
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [case[1:] for case in BAD_QUOTEDATA],
    ids=[case[0] for case in BAD_QUOTEDATA],
)
def test_bad_quotedata_is_one_line_naming_file_and_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path / "quotedata.csv", text)
    with pytest.raises(DataFormatError) as failure:
        read_chain(path)
    assert str(failure.value) == f"{path}, {expected}"


def test_quotedata_blank_lines_keep_the_line_numbers(tmp_path: Path) -> None:
    rows = QUOTEDATA_ROWS + "\n" + QUOTEDATA_ROWS.replace("Mon Jan 08 2024", "Mon 8 Jan 2024")
    path = write(tmp_path / "q.csv", quotedata(rows=rows))
    with pytest.raises(DataFormatError, match=r", line 9: Expiration Date"):
        read_chain(path)


def test_index_errors_name_the_index_line(tmp_path: Path) -> None:
    directory = session_dir(tmp_path, index=INDEX.replace("2026-08-14T16:14:59", "soon"))
    index = directory / "options/SPX/index.csv"
    with pytest.raises(DataFormatError) as failure:
        chain_for_session(directory, date(2026, 8, 14))
    assert str(failure.value) == f"{index}, line 3: AsOf 'soon' is not a date and time"
    session_dir(tmp_path, index=INDEX.replace(",2,def", ",3,def"))
    with pytest.raises(DataFormatError, match=r"2 contracts, .*index.csv, line 3 says Rows 3"):
        chain_for_session(directory, date(2026, 8, 14))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", "the file is empty"), ("Date,Close\n2026-01-02,1\n", "not an option chain")],
    ids=["empty", "not a chain"],
)
def test_not_a_chain(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path / "x.csv", text)
    with pytest.raises(DataFormatError) as failure:
        read_chain(path)
    assert str(failure.value).startswith(f"{path}: {expected}")
    assert "\n" not in str(failure.value)


# -- real data --------------------------------------------------------------------------


def test_every_real_session_chain_reads() -> None:
    root = require_market_data("options/SPX/index.csv", "GSPC.csv")
    index = pd.read_csv(root / "options/SPX/index.csv", dtype={"Date": str})
    closes = read_bars_csv(root / "GSPC.csv")["close"]
    assert len(index) == 22
    for entry in index.itertuples():
        session = date.fromisoformat(str(entry.Date))
        chain = chain_for_session(root, session)
        assert chain is not None, entry.Date
        raw = pd.read_csv(root / f"options/SPX/{entry.Date}.csv")
        assert len(chain.contracts) == entry.Rows == len(raw)
        assert chain.spot == entry.Spot == closes[pd.Timestamp(session)]
        assert chain.as_of == datetime(*session.timetuple()[:3], 16, 14, 59, tzinfo=NEW_YORK)
        missing = chain.contracts["implied_vol"].isna()
        assert missing.sum() == (raw["ImpliedVol"] == 0).sum() > 0, entry.Date
        assert (chain.contracts["implied_vol"][~missing] > 0).all()
        assert chain.contracts["gamma"].isna().all()
        assert set(chain.contracts["kind"]) == {"call", "put"}
    last = chain_for_session(root, date(2026, 8, 14))
    assert last is not None
    assert (len(last.contracts), int(last.contracts["implied_vol"].isna().sum())) == (6220, 920)


def test_quotedata_reference_gives_the_published_total() -> None:
    root = require_market_data(REFERENCE)
    chain = read_chain(root / REFERENCE)
    assert chain.spot == 4697.2402
    assert chain.as_of == datetime(2024, 1, 7, 10, 52, tzinfo=NEW_YORK)
    data_lines = len((root / REFERENCE).read_text().splitlines()) - 4
    assert data_lines == 10_519
    assert len(chain.contracts) == 2 * data_lines == 21_038
    assert (chain.contracts["kind"].value_counts() == data_lines).all()
    # "Total Gamma: $-11.00 Bn per 1% SPX Move", from the file's own Gamma column.
    assert round(gex_bn(chain), 2) == -11.00


def reference_variant(tmp_path: Path, date_line: str | None) -> Path:
    root = require_market_data(REFERENCE)
    lines = (root / REFERENCE).read_text().splitlines(keepends=True)
    assert lines[0].strip() == ""
    lines = lines[1:]
    if date_line is not None:
        lines[1] = date_line + "\n"
    return write(tmp_path / "variant.csv", "".join(lines))


def test_reference_variants(tmp_path: Path) -> None:
    original = read_chain(require_market_data(REFERENCE) / REFERENCE)
    plain = read_chain(reference_variant(tmp_path, None))
    assert (plain.as_of, plain.spot) == (original.as_of, original.spot)
    pd.testing.assert_frame_equal(plain.contracts, original.contracts)
    spanish = reference_variant(tmp_path, SPANISH_DATE)
    with pytest.raises(DataFormatError, match=r"line 2: cannot read the chain's date"):
        read_chain(spanish)
    chain = read_chain(spanish, as_of=date(2024, 1, 7))
    assert chain.as_of == original.as_of
    assert round(gex_bn(chain), 2) == -11.00
