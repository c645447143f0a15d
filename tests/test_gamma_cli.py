"""`regime gamma --chain PATH [--as-of YYYY-MM-DD] [--spot S] --format json|text`: the
gamma section of one option-chain file, either format. On Cboe's quotedata reference of
2024-01-07 the zero gamma lies within 1 point of the published 4,734; on a real session
file the JSON is the Snapshot's `gamma` key as the engine assembles it; the JSON parses
and has every key of the contract (null with why where not computed); --as-of and --spot
override the file's; every bad input is one line on stderr and exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from core.config import Settings
from core.options.files import chain_for_session
from core.section import CycleData, builtin
from core.session import MarketSession
from core.sources.files import FilesSource
from tests.market_data import require_market_data
from tui.cli import main

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = "options/reference/spx_quotedata_2024-01-07.csv"
SESSION = date(2026, 8, 14)
CONTRACT = (
    "as_of",
    "spot",
    "total_gex_bn",
    "call_gex_bn",
    "put_gex_bn",
    "zero_gamma",
    "regime",
    "call_wall",
    "put_wall",
    "milestone_strike",
    "milestone_strike_rank",
    "expiries_used",
    "contracts_used",
    "contracts_excluded",
    "profile",
)
"""The JSON contract of the issue: gamma{...}."""
QUOTEDATA_HEADER = (
    "Expiration Date,Calls,Last Sale,Net,Bid,Ask,Volume,IV,Delta,Gamma,Open Interest,"
    "Strike,Puts,Last Sale,Net,Bid,Ask,Volume,IV,Delta,Gamma,Open Interest"
)


def gamma_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["gamma", *args, "--format", "json"]) == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def session_chain(directory: Path, *, calls_only: bool = False) -> Path:
    """A small chain in the `files:DIR` layout (options/SPX/2026-08-14.csv and its
    index.csv line): calls and puts around a spot of 7,000, expiring a week later."""
    folder = directory / "options" / "SPX"
    folder.mkdir(parents=True)
    rows = ["Expiry,Type,Strike,ImpliedVol,OpenInterest,Volume,Bid,Ask,Last"]
    for strike, open_interest in ((6900, 800), (7000, 3000), (7100, 1200)):
        rows.append(f"2026-08-21,call,{strike},0.14,{open_interest},10,1,2,1.5")
        if not calls_only:
            rows.append(f"2026-08-21,put,{strike},0.16,{open_interest // 2},10,1,2,1.5")
    path = folder / "2026-08-14.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "index.csv").write_text(
        "Date,AsOf,Spot\n2026-08-14,2026-08-14T16:14:59,7000.0\n", encoding="utf-8"
    )
    return path


def quotedata(path: Path, date_line: str) -> Path:
    """A Cboe quotedata export with one strike, its date line as given."""
    row = (
        "Fri Aug 21 2026,SPXW1,1,0,1,2,5,0.15,0.5,0.002,1000,"
        "7000,SPXW2,1,0,1,2,5,0.16,-0.5,0.002,400"
    )
    lines = ["S&P 500 INDEX,Last: 7010.5,Change: 1", date_line, QUOTEDATA_HEADER, row]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- real data --------------------------------------------------------------------------


def test_the_reference_zero_gamma_is_within_1_point_of_4734(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = require_market_data(REFERENCE)
    gamma = gamma_json(capsys, "--chain", str(data / REFERENCE))
    assert gamma["spot"] == pytest.approx(4697.2402)
    assert abs(gamma["zero_gamma"] - 4734) <= 1
    assert gamma["regime"] == "negative" and gamma["as_of"].startswith("2024-01-07T10:52")


def test_a_session_file_gives_the_snapshots_gamma_section(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = require_market_data("GSPC.csv", f"options/SPX/{SESSION}.csv")
    settings = Settings()
    index = settings.symbols.index
    chain, before = chain_for_session(data, SESSION), chain_for_session(data, date(2026, 8, 13))
    assert chain is not None and before is not None
    market = MarketSession()
    cycle = CycleData(
        bars=FilesSource(data).daily_bars([index], date(2026, 1, 2), SESSION),
        members=None,
        state="REPLAY",
        detail=None,
        close_time=market.session_close,
        chains={date(2026, 8, 13): before, SESSION: chain},
    )
    envelope = {
        "as_of": market.session_close(SESSION),
        "source": {"kind": "files", "simulated": False, "label": f"REPLAY {SESSION}"},
        "market": {"phase": "closed", "next_open": None, "next_close": None},
    }
    snapshot = builtin().assemble(settings, cycle, envelope)
    expected = json.loads(snapshot.model_dump_json())["gamma"]
    path = data / "options" / "SPX" / f"{SESSION}.csv"
    assert gamma_json(capsys, "--chain", str(path)) == expected
    assert round(expected["total_gex_bn"], 2) == 31.77  # tests/signals/test_gamma.py
    assert main(["gamma", "--chain", str(path)]) == 0
    text = capsys.readouterr().out.splitlines()
    assert text == builtin()["gamma"].text(snapshot.gamma)
    assert text[0].startswith("Gamma: positive gamma +31.77 $bn per 1%")


# -- the contract, on a small chain -----------------------------------------------------


def test_json_has_every_contract_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gamma = gamma_json(capsys, "--chain", str(session_chain(tmp_path)))
    assert set(CONTRACT) <= set(gamma)
    assert gamma["spot"] == 7000.0 and gamma["as_of"] == "2026-08-14T16:14:59-04:00"
    assert gamma["total_gex_bn"] == pytest.approx(gamma["call_gex_bn"] + gamma["put_gex_bn"])
    assert gamma["regime"] == "positive" and gamma["call_wall"] == 7000.0
    assert gamma["milestone_strike"] == 8000.0 and gamma["contracts_used"] == 6
    assert gamma["expiries_used"] == 1 and gamma["contracts_excluded"] == 0
    assert len(gamma["profile"]) == 161
    assert set(gamma["profile"][0]) == {"spot", "gex_bn"}
    assert gamma["status"]["state"] == "REPLAY"


def test_what_is_not_computed_is_null_with_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gamma = gamma_json(capsys, "--chain", str(session_chain(tmp_path, calls_only=True)))
    assert gamma["put_wall"] is None and gamma["put_gex_bn"] == 0.0
    assert gamma["milestone_strike_rank"] is None  # no 8,000 strike in the chain
    detail = gamma["status"]["detail"]
    assert "put wall: no put contracts used" in detail
    assert "milestone strike rank: no contracts used at the 8,000 strike" in detail


def test_text_is_the_sections_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gamma", "--chain", str(session_chain(tmp_path)), "--format", "text"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Gamma: positive gamma +")
    assert "chain of 2026-08-14 16:14" in lines[0]
    assert lines[1].startswith("  flip ") and "call wall 7,000.00 (+0.00%)" in lines[1]
    assert lines[-1] == "  used 6 contracts in 1 expiries · left out 0"


def test_as_of_and_spot_override_the_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(session_chain(tmp_path))
    gamma = gamma_json(capsys, "--chain", path, "--as-of", "2026-08-13", "--spot", "7050")
    assert gamma["as_of"] == "2026-08-13T16:14:59-04:00"  # the date given, the file's time
    assert gamma["session"] == "2026-08-13" and gamma["spot"] == 7050.0
    assert gamma["call_wall_distance_pct"] == pytest.approx((7000 / 7050 - 1) * 100)
    assert gamma["total_gex_bn"] != gamma_json(capsys, "--chain", path)["total_gex_bn"]


def test_as_of_is_needed_only_when_the_file_has_no_readable_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    english = quotedata(tmp_path / "en.csv", '"Date: August 14, 2026 at 3:30 PM EDT",Bid: 1')
    gamma = gamma_json(capsys, "--chain", str(english))
    assert gamma["as_of"] == "2026-08-14T15:30:00-04:00" and gamma["spot"] == 7010.5
    french = quotedata(tmp_path / "fr.csv", '"Date: 14 août 2026 à 15:30",Bid: 1')
    with pytest.raises(SystemExit) as raised:
        main(["gamma", "--chain", str(french)])
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert err == (
        f"regime: error: {french}, line 2: cannot read the chain's date;"
        " give the as-of date (--as-of YYYY-MM-DD)\n"
    )
    gamma = gamma_json(capsys, "--chain", str(french), "--as-of", "2026-08-14")
    assert gamma["as_of"] == "2026-08-14T15:30:00-04:00"  # the time of day it shows


def test_the_session_a_chain_belongs_to(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A weekend export is the reading of the Friday before, dated at its close.
    sunday = quotedata(tmp_path / "sunday.csv", '"Date: August 16, 2026 at 10:52 AM EDT",Bid: 1')
    gamma = gamma_json(capsys, "--chain", str(sunday))
    assert gamma["session"] == "2026-08-14" and gamma["as_of"] == "2026-08-16T10:52:00-04:00"
    assert gamma["status"]["as_of"] == "2026-08-14T16:00:00-04:00"
    # Outside the NYSE calendar (it starts in 2000) the chain is its own session.
    gamma = gamma_json(capsys, "--chain", str(sunday), "--as-of", "1999-06-01")
    assert gamma["session"] == "1999-06-01"
    assert gamma["status"]["as_of"] == gamma["as_of"] == "1999-06-01T10:52:00-04:00"


# -- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--chain", "{tmp}/missing.csv"], "--chain {tmp}/missing.csv: no such file"),
        (["--chain", "{tmp}"], "--chain {tmp}: a directory, not a chain file"),
        (["--chain", "{tmp}/notes.csv"], "{tmp}/notes.csv: not an option chain"),
        (["--chain", "{tmp}/bad.csv"], "{tmp}/bad.csv, line 3: Strike is not a number: 'x'"),
        (["--chain", "{chain}", "--as-of", "14/08/2026"], "--as-of '14/08/2026' is not a date"),
        (["--chain", "{chain}", "--as-of", "2026-02-30"], "--as-of '2026-02-30' is not a date"),
        (["--chain", "{chain}", "--spot", "abc"], "--spot 'abc' is not a positive number"),
        (["--chain", "{chain}", "--spot", "0"], "--spot '0' is not a positive number"),
        (["--chain", "{chain}", "--spot", "nan"], "--spot 'nan' is not a positive number"),
        (["--chain", "{chain}", "--format", "csv"], "argument --format: invalid choice"),
        ([], "the following arguments are required: --chain"),
        (["--chain", "{tmp}/2026-08-14.csv"], "{tmp}/2026-08-14.csv, line 1: cannot read"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chain = session_chain(tmp_path / "data")
    (tmp_path / "notes.csv").write_text("Date,Close\n2026-08-14,7000\n", encoding="utf-8")
    (tmp_path / "bad.csv").write_text(
        "Expiry,Type,Strike,ImpliedVol,OpenInterest\n2026-08-21,call,7000,0.1,5\n"
        "2026-08-21,put,x,0.1,5\n",
        encoding="utf-8",
    )
    # A session file away from its index.csv: neither its time nor its spot is known.
    (tmp_path / "2026-08-14.csv").write_text(chain.read_text(encoding="utf-8"), encoding="utf-8")
    fill = {"tmp": str(tmp_path), "chain": str(chain)}
    with pytest.raises(SystemExit) as raised:
        main(["gamma", *(arg.format(**fill) for arg in args)])
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("regime: error: ") and err.count("\n") == 1
    assert expected.format(**fill) in err


def test_bad_input_in_a_child_process_has_no_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tui.cli", "gamma", "--chain", str(tmp_path / "none.csv")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"regime: error: --chain {tmp_path / 'none.csv'}: no such file\n"
