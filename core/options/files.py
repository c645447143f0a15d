"""Readers of option-chain files into `OptionChain`: the `files:DIR` per-session chains
(`options/SPX/YYYY-MM-DD.csv`, columns `Expiry,Type,Strike,ImpliedVol,OpenInterest,
Volume,Bid,Ask,Last`, with `options/SPX/index.csv` giving each date's as-of moment,
New York, and spot) and Cboe's delayed-quotes "quotedata" export (a title line with
`Last:` spot, a date line, then `Expiration Date,Calls,...,Strike,Puts,...` with each
strike's call and put side by side, split here into one row per contract). `read_chain`
tells the two apart by their header. An implied vol of 0 (or below) is NaN: the sources
write 0 where they have none. The quotedata's own Gamma column is kept as the file gives
it, a 0 included even where the IV is 0: Cboe's greeks do not follow its IV column (the
2024-01-07 reference has 235 contracts with IV 0 and a non-zero gamma), and the file's
published total sums that column as it stands; a blank cell is NaN. The caller's `as_of`
and `spot` override the file's: a date alone replaces the file's date and keeps the time
of day its date line or index gives (a date line in another locale still shows the time
in digits), else 16:15 New York, after that session's close; when the file's date cannot
be read (a locale's month names), the caller must give it. Bad input raises
DataFormatError naming the file, the line and what is wrong, in one line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from core.options.chain import COLUMNS, OptionChain, empty_contracts
from core.sources.base import DataFormatError

NEW_YORK = ZoneInfo("America/New_York")
CHAINS_DIR = Path("options") / "SPX"
"""Where a `files:DIR` source keeps its per-session chains, under DIR."""
INDEX_FILE = "index.csv"
AFTER_CLOSE = time(16, 15)
"""The time of day given to an as-of date that comes without one."""
HEADER_SCAN_LINES = 10
"""How many leading lines may come before a chain file's header."""

SESSION_COLUMNS = ("Expiry", "Type", "Strike", "ImpliedVol", "OpenInterest")
"""Required columns of an `options/SPX/` file (Volume, Bid and Ask are read when present)."""
QUOTEDATA_MARK = "Expiration Date"
"""The first field of a quotedata export's header line."""
QUOTEDATA_SIDE = {
    "IV": "implied_vol",
    "Open Interest": "open_interest",
    "Gamma": "gamma",
    "Bid": "bid",
    "Ask": "ask",
    "Volume": "volume",
}
"""A quotedata side's columns (the same names for calls and puts) and the chain's names."""
QUOTEDATA_REQUIRED = ("IV", "Open Interest")

MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}
MONTH_ABBREVIATIONS = {name[:3]: number for name, number in MONTHS.items()}

_ENGLISH_DATE = re.compile(
    r"(?P<month>[A-Za-z]+)\.?\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})"
    r"(?:\D+?(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*(?P<half>[AaPp])\.?\s?[Mm]\.?)?"
)
_TIME_OF_DAY = re.compile(
    r"(?<!\d)(?P<hour>\d{1,2}):(?P<minute>\d{2})(?:\s*(?P<half>[AaPp])\.?\s?[Mm]\b\.?)?"
)
_RAGGED = re.compile(r"Expected (?P<expected>\d+) fields in line (?P<line>\d+), saw (?P<saw>\d+)")
"""pandas' words for a row longer than the header (its line counts every line of the file)."""
_LAST = re.compile(r"Last:\s*(?P<spot>[-+]?[0-9][0-9,]*\.?[0-9]*)")
_QUOTEDATA_EXPIRY = re.compile(
    r"^\s*[A-Za-z]{3}\s+(?P<month>[A-Za-z]{3})\s+(?P<day>\d{1,2})\s+(?P<year>\d{4})\s*$"
)


def read_chain(
    path: Path | str, *, as_of: date | datetime | None = None, spot: float | None = None
) -> OptionChain:
    """The chain in `path`, whichever of the two formats it is; `as_of` and `spot`, when
    given, override what the file says (see the module docstring)."""
    path = Path(path)
    lines = _leading_lines(path)
    header_at = next(
        (i for i, line in enumerate(lines) if _fields(line)[:1] == [QUOTEDATA_MARK]), None
    )
    if header_at is not None:
        return _read_quotedata(path, lines, header_at, as_of, spot)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and "Expiry" in _fields(lines[first]):
        return _read_session_file(path, first, as_of, spot)
    raise DataFormatError(
        f"{path}: not an option chain (no 'Expiry,Type,Strike,...' header nor a Cboe "
        f"quotedata '{QUOTEDATA_MARK},Calls,...' header in its first {HEADER_SCAN_LINES} lines)"
    )


def chain_for_session(directory: Path, session: date) -> OptionChain | None:
    """The chain a `files:DIR` source holds for `session`, None when it has no file for it."""
    path = directory / CHAINS_DIR / f"{session:%Y-%m-%d}.csv"
    if not path.is_file():
        return None
    return read_chain(path)


def _leading_lines(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            lines = []
            for line in handle:
                lines.append(line.rstrip("\r\n"))
                if len(lines) == HEADER_SCAN_LINES:
                    break
    except (OSError, UnicodeDecodeError) as error:
        raise DataFormatError(f"{path}: cannot read ({error})") from None
    if not any(line.strip() for line in lines):
        raise DataFormatError(f"{path}: the file is empty")
    return lines


def _fields(line: str) -> list[str]:
    return [field.strip().strip('"').strip() for field in line.split(",")]


def _read_table(path: Path, skip: int) -> pd.DataFrame:
    """The file's rows after `skip` lines, as strings, the first of them the header
    (positional columns, so that a quotedata's repeated names stay apart)."""
    try:
        return pd.read_csv(
            path,
            skiprows=skip,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=False,
            encoding="utf-8-sig",
        )
    except pd.errors.EmptyDataError:
        raise DataFormatError(f"{path}: the file is empty") from None
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as error:
        reason = " ".join(str(error).split())
        ragged = _RAGGED.search(reason)
        if ragged:
            raise DataFormatError(
                f"{path}, line {ragged['line']}: {ragged['saw']} fields, "
                f"the header has {ragged['expected']}"
            ) from None
        raise DataFormatError(f"{path}: cannot read CSV ({reason})") from None


def _body(table: pd.DataFrame, header_line: int) -> tuple[list[str], pd.DataFrame, np.ndarray]:
    """The header's names, the data rows without blank lines, and each row's file line."""
    header = [str(name).strip() if pd.notna(name) else "" for name in table.iloc[0]]
    rows = table.iloc[1:].reset_index(drop=True)
    lines = np.arange(len(rows)) + header_line + 1
    filled = rows.notna().any(axis=1).to_numpy()
    return header, rows.loc[filled].reset_index(drop=True), lines[filled]


def _fail(path: Path, lines: np.ndarray, bad: np.ndarray, what: str, raw: pd.Series) -> None:
    if bad.any():
        first = int(np.argmax(bad))
        value = raw.iloc[first]
        shown = "empty" if pd.isna(value) else repr(str(value))
        raise DataFormatError(f"{path}, line {lines[first]}: {what} {shown}")


def _number(
    raw: pd.Series, path: Path, lines: np.ndarray, column: str, *, required: bool = False
) -> np.ndarray:
    text = raw.str.strip()
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64")
    blank = text.isna().to_numpy()
    _fail(path, lines, np.isnan(values) & ~blank, f"{column} is not a number:", raw)
    if required:
        _fail(path, lines, blank, f"{column} is", raw)
    return values


def _implied_vol(values: np.ndarray) -> np.ndarray:
    return np.where(values > 0, values, np.nan)


def _moment(
    path: Path,
    where: str,
    given: date | datetime | None,
    file_moment: datetime | None,
    file_time: time | None,
) -> datetime:
    """The chain's as-of moment: the caller's, else the file's (see the module docstring)."""
    if isinstance(given, datetime):
        return given.astimezone(NEW_YORK) if given.tzinfo else given.replace(tzinfo=NEW_YORK)
    if isinstance(given, date):
        time_of_day = file_moment.timetz() if file_moment else file_time or AFTER_CLOSE
        return datetime.combine(given, time_of_day.replace(tzinfo=None), tzinfo=NEW_YORK)
    if file_moment is None:
        raise DataFormatError(
            f"{path}, {where}: cannot read the chain's date; "
            "give the as-of date (--as-of YYYY-MM-DD)"
        )
    return file_moment


def _spot(path: Path, where: str, given: float | None, file_spot: float | None) -> float:
    spot = given if given is not None else file_spot
    if spot is None or not np.isfinite(spot) or spot <= 0:
        shown = "none" if spot is None else f"{spot!r}"
        raise DataFormatError(
            f"{path}, {where}: no usable spot ({shown}); give the spot (--spot S)"
        )
    return float(spot)


def _frame(
    expiry: pd.Series | np.ndarray,
    kind: np.ndarray,
    strike: np.ndarray,
    columns: dict[str, np.ndarray],
) -> pd.DataFrame:
    if len(strike) == 0:
        return empty_contracts()
    nan = np.full(len(strike), np.nan)
    frame = pd.DataFrame(
        {
            "expiry": pd.to_datetime(expiry).astype("datetime64[ns]"),
            "kind": pd.Series(kind, dtype="object"),
            "strike": strike,
        }
    )
    for column in COLUMNS[3:]:
        frame[column] = columns.get(column, nan)
    return frame.loc[:, list(COLUMNS)]


# -- options/SPX/YYYY-MM-DD.csv ---------------------------------------------------------


def _read_session_file(
    path: Path, header_at: int, as_of: date | datetime | None, spot: float | None
) -> OptionChain:
    table = _read_table(path, header_at)
    header, rows, lines = _body(table, header_at + 1)
    where = {name: position for position, name in reversed(list(enumerate(header)))}
    missing = [name for name in SESSION_COLUMNS if name not in where]
    if missing:
        raise DataFormatError(
            f"{path}, line {header_at + 1}: no {', '.join(missing)} column "
            f"(has {', '.join(name for name in header if name)})"
        )

    def column(name: str) -> pd.Series:
        return rows[where[name]]

    expiry_raw = column("Expiry")
    expiry = pd.to_datetime(expiry_raw.str.strip(), format="%Y-%m-%d", errors="coerce")
    _fail(path, lines, expiry.isna().to_numpy(), "Expiry is not YYYY-MM-DD:", expiry_raw)
    type_raw = column("Type")
    kind = type_raw.str.strip().str.lower()
    _fail(path, lines, ~kind.isin(("call", "put")).to_numpy(), "Type is not call or put:", type_raw)
    strike = _number(column("Strike"), path, lines, "Strike", required=True)
    _fail(path, lines, strike <= 0, "Strike is not positive:", column("Strike"))
    values = {
        "implied_vol": _implied_vol(_number(column("ImpliedVol"), path, lines, "ImpliedVol")),
        "open_interest": _number(column("OpenInterest"), path, lines, "OpenInterest"),
    }
    for name, target in (("Volume", "volume"), ("Bid", "bid"), ("Ask", "ask")):
        if name in where:
            values[target] = _number(column(name), path, lines, name)
    contracts = _frame(expiry, kind.to_numpy(dtype=object), strike, values)

    file_moment, file_spot = _index_entry(path, len(contracts))
    file_time = file_moment.timetz() if file_moment else None
    where_line = f"line {header_at + 1}"
    return OptionChain(
        underlying=f"^{path.parent.name}",
        as_of=_moment(path, where_line, as_of, file_moment, file_time),
        spot=_spot(path, where_line, spot, file_spot),
        contracts=contracts,
        source=str(path),
    )


def _index_entry(path: Path, rows: int) -> tuple[datetime | None, float | None]:
    """The as-of moment and spot index.csv gives for `path`'s date (None, None without one)."""
    index_path = path.parent / INDEX_FILE
    try:
        session = date.fromisoformat(path.stem)
    except ValueError:
        return None, None
    if not index_path.is_file():
        return None, None
    table = _read_table(index_path, 0)
    header, entries, lines = _body(table, 1)
    where = {name: position for position, name in enumerate(header)}
    missing = [name for name in ("Date", "AsOf", "Spot") if name not in where]
    if missing:
        raise DataFormatError(f"{index_path}, line 1: no {', '.join(missing)} column")
    match = (entries[where["Date"]].str.strip() == path.stem).to_numpy()
    if not match.any():
        return None, None
    first = int(np.argmax(match))
    line = f"{index_path}, line {lines[first]}"
    as_of_text = str(entries[where["AsOf"]].iloc[first]).strip()
    try:
        moment = datetime.fromisoformat(as_of_text)
    except ValueError:
        raise DataFormatError(f"{line}: AsOf {as_of_text!r} is not a date and time") from None
    if moment.date() != session:
        raise DataFormatError(f"{line}: AsOf {as_of_text!r} is not on {session}")
    moment = moment.astimezone(NEW_YORK) if moment.tzinfo else moment.replace(tzinfo=NEW_YORK)
    spot_text = str(entries[where["Spot"]].iloc[first]).strip()
    try:
        spot = float(spot_text)
    except ValueError:
        raise DataFormatError(f"{line}: Spot {spot_text!r} is not a number") from None
    if "Rows" in where:
        expected = str(entries[where["Rows"]].iloc[first]).strip()
        if expected.isdigit() and int(expected) != rows:
            raise DataFormatError(f"{path}: {rows} contracts, {line} says Rows {expected}")
    return moment, spot


# -- Cboe quotedata ---------------------------------------------------------------------


def _read_quotedata(
    path: Path,
    leading: Sequence[str],
    header_at: int,
    as_of: date | datetime | None,
    spot: float | None,
) -> OptionChain:
    preamble = [(i, line) for i, line in enumerate(leading[:header_at]) if line.strip()]
    title = preamble[0] if preamble else None
    file_spot = _title_spot(path, title)
    dated = preamble[1] if len(preamble) > 1 else None
    file_moment, file_time = _date_line(dated[1]) if dated else (None, None)
    date_where = f"line {dated[0] + 1}" if dated else f"line {header_at + 1}"
    chain_as_of = _moment(path, date_where, as_of, file_moment, file_time)
    chain_spot = _spot(path, f"line {title[0] + 1}" if title else "line 1", spot, file_spot)

    table = _read_table(path, header_at)
    header, rows, lines = _body(table, header_at + 1)
    if "Strike" not in header:
        raise DataFormatError(f"{path}, line {header_at + 1}: no Strike column")
    strike_at = header.index("Strike")
    sides = {"call": range(1, strike_at), "put": range(strike_at + 1, len(header))}
    positions: dict[str, dict[str, int]] = {}
    for kind, span in sides.items():
        positions[kind] = {header[i]: i for i in reversed(span) if header[i] in QUOTEDATA_SIDE}
        missing = [name for name in QUOTEDATA_REQUIRED if name not in positions[kind]]
        if missing:
            raise DataFormatError(
                f"{path}, line {header_at + 1}: no {', '.join(missing)} column for the {kind}s"
            )

    expiry_raw = rows[0]
    parts = expiry_raw.str.extract(_QUOTEDATA_EXPIRY)
    month = parts["month"].str.lower().map(MONTH_ABBREVIATIONS)
    iso = parts["year"] + "-" + month.astype("Int64").astype(str).str.zfill(2) + "-"
    iso = iso + parts["day"].str.zfill(2)
    expiry = pd.to_datetime(iso.where(month.notna()), format="%Y-%m-%d", errors="coerce")
    _fail(
        path,
        lines,
        expiry.isna().to_numpy(),
        "Expiration Date is not like 'Fri Jan 05 2024':",
        expiry_raw,
    )
    strike = _number(rows[strike_at], path, lines, "Strike", required=True)
    _fail(path, lines, strike <= 0, "Strike is not positive:", rows[strike_at])

    side_values: dict[str, dict[str, np.ndarray]] = {}
    for kind, found in positions.items():
        side_values[kind] = {
            target: _number(rows[found[name]], path, lines, f"{kind} {name}")
            for name, target in QUOTEDATA_SIDE.items()
            if name in found
        }
        side_values[kind]["implied_vol"] = _implied_vol(side_values[kind]["implied_vol"])

    # One line -> a call row then a put row, in the file's order.
    count = len(rows)
    kinds = np.tile(np.array(["call", "put"], dtype=object), count)
    values = {
        target: np.column_stack(
            [
                side_values["call"].get(target, np.full(count, np.nan)),
                side_values["put"].get(target, np.full(count, np.nan)),
            ]
        ).ravel()
        for target in QUOTEDATA_SIDE.values()
    }
    contracts = _frame(np.repeat(expiry.to_numpy(), 2), kinds, np.repeat(strike, 2), values)
    return OptionChain(
        underlying=_underlying(title[1] if title else ""),
        as_of=chain_as_of,
        spot=chain_spot,
        contracts=contracts,
        source=str(path),
    )


def _title_spot(path: Path, title: tuple[int, str] | None) -> float | None:
    if title is None:
        return None
    found = _LAST.search(title[1])
    if found is None:
        return None
    text = found["spot"].replace(",", "")
    try:
        return float(text)
    except ValueError:
        raise DataFormatError(
            f"{path}, line {title[0] + 1}: Last {text!r} is not a number"
        ) from None


def _date_line(line: str) -> tuple[datetime | None, time | None]:
    """The moment an English date line gives, else only the time of day it shows."""
    text = line.strip().strip('"')
    found = next(
        (each for each in _ENGLISH_DATE.finditer(text) if each["month"].lower() in MONTHS), None
    )
    if found:
        hour = int(found["hour"]) if found["hour"] else AFTER_CLOSE.hour
        minute = int(found["minute"]) if found["minute"] else AFTER_CLOSE.minute
        if found["half"]:
            hour = hour % 12 + (12 if found["half"].lower() == "p" else 0)
        try:
            moment = datetime(
                int(found["year"]),
                MONTHS[found["month"].lower()],
                int(found["day"]),
                hour,
                minute,
                tzinfo=NEW_YORK,
            )
        except ValueError:
            return None, None
        return moment, moment.timetz()
    clock = _TIME_OF_DAY.search(text)
    if clock is None:
        return None, None
    hour, minute = int(clock["hour"]), int(clock["minute"])
    if clock["half"]:
        hour = hour % 12 + (12 if clock["half"].lower() == "p" else 0)
    if hour > 23 or minute > 59:
        return None, None
    return None, time(hour, minute)


def _underlying(title: str) -> str:
    name = _fields(title)[0] if title else ""
    return "^SPX" if name.upper().startswith("S&P 500") or not name else name
