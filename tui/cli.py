"""The `regime` command: starts the monitor, prints one Snapshot (`regime snapshot`),
prints the readings of every session of a span (`regime history`), runs a
historical-edge study over the index's history (`regime study`), computes the gamma
section from one option-chain file (`regime gamma`), prints the log of alerts and
checklist changes or replays a span's alerts (`regime log`, see tui.log_command),
serves the monitor to a browser (`regime serve`, see tui.serve_command), or checks a
config file (`regime config check`, `regime alerts check`). Flags are parsed
with argparse and become the flags layer of the Settings; `--as-of` becomes one
`Replay` value. Every bad input ends in one line on stderr and exit code 2, never a
traceback. Textual is imported only when the monitor starts, so the scripting commands
stay quick. The monitor paints its first frame from core.view_settings (theme, thesis,
source: tomllib, no pydantic) and loads the full Settings, the theses and the alerts
after it, with the engine: a bad value there ends the app after that frame, with the
same one line and exit 2."""

from __future__ import annotations

import argparse
import difflib
import errno
import itertools
import math
import os
import signal
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from core.alerts.alert import Alert
    from core.config import Settings
    from core.engine import Engine
    from core.replay import Replay
    from core.snapshot import Snapshot
    from core.sources.base import Source
    from core.thesis import Thesis
    from core.view_settings import ViewSettings
    from tui.app import RegimeApp

EXIT_BAD_INPUT = 2


class BadInput(Exception):
    """Input the user must fix; its message is printed as it is (exit code 2)."""


def _day(flag: str) -> Callable[[str], date]:
    """A parser of `flag`'s YYYY-MM-DD value."""

    def parse(text: str) -> date:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{flag} {text!r} is not a date as YYYY-MM-DD"
            ) from None

    return parse


def _spot(text: str) -> float:
    """A parser of --spot: a positive, finite number."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"--spot {text!r} is not a positive number")
    return value


def _keys(text: str) -> list[str]:
    keys = [key.strip() for key in text.split(",") if key.strip()]
    if not keys:
        raise argparse.ArgumentTypeError("--sections needs at least one section name")
    return keys


def _source(text: str) -> str:
    from core.view_settings import check_source

    try:
        return check_source(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def config_flag(group: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """`--config PATH`."""
    # SUPPRESS keeps a flag given before the subcommand from being reset by it.
    group.add_argument(
        "--config",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="config file (default: config.toml in the platform config directory)",
    )


def _data_flags(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--source",
        type=_source,
        default=argparse.SUPPRESS,
        metavar="auto|yahoo|sim|files:DIR",
        help="where data comes from (default: auto = yahoo, else the cache, else sim)",
    )
    config_flag(group)


def span_flags(
    parser: argparse.ArgumentParser,
    *,
    required: bool = False,
    first: str | None = None,
    last: str | None = None,
) -> None:
    """`--from D` and `--to D` (as `start` and `end`; `first` and `last`: their help)."""
    parser.add_argument(
        "--from",
        dest="start",
        type=_day("--from"),
        required=required,
        default=None,
        metavar="YYYY-MM-DD",
        help=first,
    )
    parser.add_argument(
        "--to",
        dest="end",
        type=_day("--to"),
        required=required,
        default=None,
        metavar="YYYY-MM-DD",
        help=last,
    )


def _shared_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("data and view")
    _data_flags(group)
    group.add_argument(
        "--as-of",
        type=_day("--as-of"),
        default=argparse.SUPPRESS,
        metavar="YYYY-MM-DD",
        help="evaluate everything as of that session's close (replay); no later bar is used",
    )
    group.add_argument(
        "--theme", default=argparse.SUPPRESS, help="regime-dark, regime-light or regime-ansi"
    )
    group.add_argument(
        "--thesis", choices=("bull", "bear"), default=argparse.SUPPRESS, help="view shown at start"
    )


class Parser(argparse.ArgumentParser):
    """argparse, with a bad flag reported as one line (exit 2) instead of the usage
    text: `--help` has the usage."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("regime").strip()
        fail(f"{command}: {message}" if command else message)


def build_parser() -> argparse.ArgumentParser:
    """The full command line, as `regime --help` documents it."""
    from core.view_settings import default_config_path

    parser = Parser(
        prog="regime",
        description=(
            "Regime: a terminal market-regime monitor for the S&P 500. With no command it "
            "starts the monitor."
        ),
        epilog=(
            f"Config file: {default_config_path()} (TOML); environment variables prefixed "
            "REGIME_ (nested with __, e.g. REGIME_REFRESH__REGULAR=30); flags win over both. "
            "Example levels: examples/seven-k.toml."
        ),
    )
    _shared_flags(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    snapshot = commands.add_parser(
        "snapshot", help="print one Snapshot and exit", description="Print one Snapshot and exit."
    )
    snapshot.add_argument("--format", choices=("json", "text"), default="text")
    _shared_flags(snapshot)
    history = commands.add_parser(
        "history",
        help="print every section's readings for each session of a span",
        description=(
            "Print one row per session from --from to --to: the session, then each "
            "section's readings, named by their JSON path (price.last, rsi.value, "
            "checklist.bull.score, ...), computed by the same code as today's."
        ),
    )
    span_flags(history, required=True)
    history.add_argument(
        "--sections",
        type=_keys,
        default=None,
        metavar="A,B",
        help="only these sections (default: all), e.g. price,rsi,checklist",
    )
    history.add_argument("--format", choices=("csv", "json"), default="csv")
    _data_flags(history.add_argument_group("data"))
    _study_parser(commands)
    _gamma_parser(commands)
    from tui.log_command import add_alerts_parser, add_log_parser
    from tui.serve_command import add_serve_parser

    add_log_parser(commands)
    add_alerts_parser(commands)
    add_serve_parser(commands)
    config = commands.add_parser("config", help="work with the config file")
    config_commands = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    check = config_commands.add_parser(
        "check", help="validate a config file", description="Validate a config file and exit."
    )
    check.add_argument(
        "path", nargs="?", type=Path, help="file to check (default: the config file)"
    )
    config_commands.add_parser("path", help="print where the config file is read from")
    return parser


def _study_parser(commands: argparse._SubParsersAction[Parser]) -> None:
    study = commands.add_parser(
        "study",
        help="what happened after a setup: one historical-edge study over the index's history",
        description=(
            "Run one historical-edge study (a condition over the readings' history) from "
            "the index's first session, or --from, to --to or --as-of: its events, and per "
            "horizon the forward returns against the baseline of every session. --as-of "
            "shows what was knowable on that day: nothing after it is read."
        ),
    )
    study.add_argument("name", nargs="?", metavar="NAME", help="the study's id (see --list)")
    study.add_argument(
        "--list", action="store_true", help="list the studies: id, title, headline horizon"
    )
    span_flags(
        study,
        first="the first session (default: the index's first)",
        last="the last session (default: today)",
    )
    study.add_argument(
        "--as-of",
        type=_day("--as-of"),
        default=argparse.SUPPRESS,
        metavar="YYYY-MM-DD",
        help="the study as known at that session's close: no later data is read",
    )
    study.add_argument("--format", choices=("text", "json", "csv"), default="text")
    _data_flags(study.add_argument_group("data"))


def _gamma_parser(commands: argparse._SubParsersAction[Parser]) -> None:
    gamma = commands.add_parser(
        "gamma",
        help="compute dealer gamma from one option-chain file",
        description=(
            "Compute the gamma section (dealer gamma exposure in $bn per 1% move, the flip, "
            "the walls) from one option-chain file, by the same code as the Snapshot's "
            "gamma panel: --format json prints the Snapshot's `gamma` key, text its lines."
        ),
    )
    gamma.add_argument(
        "--chain",
        type=Path,
        required=True,
        metavar="PATH",
        help=(
            "an options/SPX/YYYY-MM-DD.csv file (its time and spot from index.csv beside "
            "it) or a Cboe quotedata export (its Date: line and Last: spot)"
        ),
    )
    gamma.add_argument(
        "--as-of",
        type=_day("--as-of"),
        default=argparse.SUPPRESS,
        metavar="YYYY-MM-DD",
        help=(
            "the chain's date, which time to expiry counts from: optional, it overrides "
            "the date the file gives (keeping its time of day, else 16:15 New York); "
            "required only when the file's date cannot be read"
        ),
    )
    gamma.add_argument(
        "--spot",
        type=_spot,
        default=None,
        metavar="S",
        help="the index level to use instead of the file's (required when it has none)",
    )
    gamma.add_argument("--format", choices=("json", "text"), default="text")
    config_flag(gamma)


def fail(message: str) -> NoReturn:
    """One line on stderr and exit code 2."""
    print(f"regime: error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_BAD_INPUT)


def _flags(args: argparse.Namespace) -> dict[str, Any]:
    """The flags that are settings (None where not given)."""
    return {key: getattr(args, key, None) for key in ("source", "theme", "thesis")}


def settings_of(args: argparse.Namespace) -> Settings:
    """Settings from the config file, the REGIME_* environment and the flags, each over
    the one before; raises BadInput naming the bad value's file and key, variable or flag."""
    from core.config import ConfigError, load_settings

    try:
        return load_settings(getattr(args, "config", None), _flags(args))
    except ConfigError as error:
        raise BadInput(str(error)) from None


def load(args: argparse.Namespace) -> Settings:
    """`settings_of`, a bad value exiting with 2; a --theme flag is checked too."""
    try:
        settings = settings_of(args)
    except BadInput as error:
        fail(str(error))
    if getattr(args, "theme", None) is not None:
        check_theme(settings.theme, getattr(args, "config", None), flagged=True)
    return settings


def load_view(args: argparse.Namespace) -> ViewSettings:
    """What the monitor's first frame needs (core.view_settings), read without pydantic;
    a missing or unparsable config file and an unknown theme exit with 2."""
    from core.view_settings import ConfigError, read_view_settings

    flags = _flags(args)
    try:
        view = read_view_settings(getattr(args, "config", None), flags)
    except ConfigError as error:
        fail(str(error))
    check_theme(view.theme, getattr(args, "config", None), flags["theme"] is not None)
    return view


def check_theme(name: str, path: Path | None, flagged: bool = False) -> None:
    """Exit with 2 unless `name` is one of Regime's themes or Textual's, naming where it
    was set (`flagged`: by --theme). Textual's theme list is imported here, never on the
    way to a snapshot or a history, which need no theme."""
    from textual.theme import BUILTIN_THEMES

    from core.view_settings import default_config_path
    from themes import THEMES

    known = [*THEMES, *sorted(BUILTIN_THEMES)]
    if name in known:
        return
    variable = next((key for key in os.environ if key.upper() == "REGIME_THEME"), None)
    if flagged:
        origin = "flag --theme"
    elif variable is not None:
        origin = f"environment ({variable})"
    else:  # the default theme is a theme: this one is the file's
        origin = str(path or default_config_path())
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"use {', '.join(THEMES)} or a Textual theme"
    fail(f"{origin}: key 'theme': no theme named {name!r}; {hint}")


def config_origin(path: Path | None) -> str:
    """Where the settings' `[theses.*]` tables came from, for error messages: the
    config file that was read, and/or the REGIME_THESES__* environment."""
    from core.view_settings import default_config_path

    chosen = path if path is not None else default_config_path()
    places = [str(chosen)] if path is not None or chosen.exists() else []
    if any(name.upper().startswith("REGIME_THESES") for name in os.environ):
        places.append("environment (REGIME_THESES__*)")
    return " / ".join(places) or "settings"


def theses_of(settings: Settings, path: Path | None) -> dict[str, Thesis]:
    """The built-in theses with the config's changes; raises BadInput for a bad one (a
    rule naming a level that is neither configured nor derived included)."""
    from core.thesis import ThesisError
    from core.thesis import load_theses as load

    labels = [level.label for level in settings.levels]
    try:
        return load(settings.theses, origin=config_origin(path), levels=labels)
    except ThesisError as error:
        raise BadInput(str(error)) from None


def load_theses(settings: Settings, path: Path | None) -> dict[str, Thesis]:
    """`theses_of`, a bad thesis exiting with 2."""
    try:
        return theses_of(settings, path)
    except BadInput as error:
        fail(str(error))


def check_inputs(source: str, index: str, replay: Replay | None) -> None:
    """The cheap checks of the `source` setting (a files directory must hold the bars
    of `index`) and the replay, done before anything slow starts; raises BadInput."""
    if source.startswith("files:"):
        directory = Path(source.removeprefix("files:")).expanduser()
        if not directory.is_dir():
            raise BadInput(f"--source {source}: {directory} is not a directory")
        check_index_file(directory, index)
    if replay is not None and replay.session > date.today():
        raise BadInput(f"--as-of {replay.session} is in the future")


def check_index_file(directory: Path, symbol: str) -> None:
    """Raise BadInput unless `directory` holds the index's daily bars with at least one
    row: without them every panel would be unknown, and the run would look fine."""
    # Named as core.sources.files.symbol_file names it; that module brings pandas,
    # which the monitor's first frame does without.
    path = directory / f"{symbol.removeprefix('^')}.csv"
    if not path.is_file():
        raise BadInput(f"{path}: no such file (the daily bars of the index, {symbol})")
    try:
        with path.open(encoding="utf-8") as lines:
            rows = [line for line in itertools.islice(lines, 100) if line.strip()][:2]
    except (OSError, UnicodeDecodeError) as error:
        raise BadInput(f"{path}: cannot read the index's bars ({error})") from None
    if len(rows) < 2:
        what = "the file is empty" if not rows else "only a header"
        raise BadInput(f"{path}: {what}, no bars of the index ({symbol})")


def check_replay_data(source: Source, symbol: str, asked: date, replay: Replay, where: str) -> None:
    """Raise BadInput unless local data (a files directory, the cache) has the index's
    bar for the replayed session: a replay past its end would show the last session it
    has under the date asked for."""
    from core.sources.base import SourceError

    start = replay.session - timedelta(days=3660)
    try:
        bars = source.daily_bars([symbol], start, replay.session).get(symbol)
    except SourceError as error:
        raise BadInput(str(error)) from None
    last = None if bars is None or bars.empty else bars.index[-1].date()
    if last == replay.session:
        return
    shown = asked if asked == replay.session else f"{asked} (the session {replay.session})"
    before = f"the last one before it is {last}" if last else "none in the ten years before"
    raise BadInput(f"--as-of {shown}: {where} has no {symbol} bar for it ({before})")


def replay_of(args: argparse.Namespace) -> Replay | None:
    """The replay `--as-of` asks for, or None when live."""
    from core.replay import Replay

    as_of: date | None = getattr(args, "as_of", None)
    return None if as_of is None else Replay(as_of)


def build_engine(
    settings: Settings,
    replay: Replay | None,
    theses: Mapping[str, Thesis] | None = None,
    *,
    remember: bool = False,
    alerts: Mapping[str, Alert] | None = None,
) -> Engine:
    """Open the configured source and wrap it in an engine; raises BadInput. With
    `remember`, the engine keeps its latest Snapshot on disk for the next start; with
    `alerts`, it watches them (live: logged in the stored log, which also keeps what
    already fired; a replay logs nothing)."""
    from core.clock import system_clock
    from core.engine import Engine
    from core.last_snapshot import last_snapshot_path
    from core.session import MarketSession
    from core.sources.base import SourceError
    from core.sources.select import open_source

    check_inputs(settings.source, settings.symbols.index, replay)
    session = MarketSession(system_clock)
    try:
        # Only the live monitor shares the machine's one Yahoo fetcher (see select).
        opened = open_source(settings, clock=system_clock, share=remember and replay is None)
    except SourceError as error:
        raise BadInput(str(error)) from None
    note = None
    if replay is not None:
        asked = replay.session
        try:
            replay, note = replay.on_sessions(session)
        except ValueError as error:
            raise BadInput(f"--as-of {replay.session}: {error}") from None
        if opened.source.historical or opened.source.cached:
            where = settings.source if opened.source.historical else "the cache"
            check_replay_data(opened.source, settings.symbols.index, asked, replay, where)
    watcher = None
    if alerts is not None:
        from core.alerts.journal import open_journal
        from core.alerts.watcher import AlertWatcher
        from tui.log_command import log_source

        journal = None
        if replay is None:
            journal, problem = open_journal()
            if problem is not None:
                note = problem if note is None else f"{note}; {problem}"
        kind = log_source(opened.source.kind)
        watcher = AlertWatcher(list(alerts.values()), kind, journal, session)
    return Engine(
        settings,
        opened.source,
        clock=system_clock,
        replay=replay,
        session=session,
        warm_source=opened.warm,
        source_detail=note,
        theses=theses,
        snapshot_path=last_snapshot_path() if remember else None,
        watcher=watcher,
    )


def run_snapshot(args: argparse.Namespace) -> int:
    """`regime snapshot`: one refresh, printed; exit 2 when the source failed."""
    settings = load(args)
    theses = load_theses(settings, getattr(args, "config", None))
    engine = build_engine(settings, replay_of(args), theses)
    snapshot = engine.refresh()
    if args.format == "json":
        print(snapshot.model_dump_json(indent=2))
    else:
        from core.report import render_text

        print(render_text(snapshot))
    if engine.failures:
        for failure in engine.failures:
            print(f"regime: error: {failure}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


def run_config(args: argparse.Namespace) -> int:
    """`regime config check|path`."""
    from core.config import ConfigError, load_settings
    from core.view_settings import default_config_path

    if args.config_command == "path":
        print(default_config_path())
        return 0
    path = args.path or getattr(args, "config", None) or default_config_path()
    try:
        settings = load_settings(path)
    except ConfigError as error:
        fail(str(error))
    check_theme(settings.theme, path)
    theses = load_theses(settings, path)
    from tui.log_command import alerts_of

    alerts = alerts_of(settings, path)
    counts = ", ".join(f"{name} {len(thesis.items)}" for name, thesis in theses.items())
    print(
        f"{path}: ok · source {settings.source} · theme {settings.theme} · "
        f"{len(settings.levels)} level{'s' if len(settings.levels) != 1 else ''} · "
        f"theses: {counts} · {len(alerts)} alerts"
    )
    return 0


Configure = Callable[[], "tuple[Settings, Mapping[str, Thesis]]"]
"""Loads the full Settings and the theses (after the first frame); raises BadInput."""

RESTORE_FIRST = 5.0
"""Seconds the engine's thread waits for the last run's reading to be restored before
it loads the settings: the two threads then never import pydantic or build the same
models at once (pydantic's model building is not thread-safe: pydantic/pydantic#11849,
#13419), and the last reading is always shown before the fresh one. Both threads
share one interpreter lock, so the wait costs the fresh data nothing measurable."""


def make_monitor(
    view: ViewSettings | Settings,
    replay: Replay | None,
    configure: Configure,
    config: Path | None = None,
) -> RegimeApp:
    """The monitor drawn with `view`: it restores the last run's readings (not in
    replay) and, after the first frame, calls `configure` and builds the engine from
    what it returns, keeping the latest Snapshot and watching the alerts (`config`,
    the config file, names where a bad alert is); a BadInput from either ends the app
    with the reason in `refusal` (exit status 2)."""
    from tui.app import FeedRefused, RegimeApp

    restore_done = threading.Event()

    def restore() -> Snapshot | None:
        try:
            # A replay has its own data: it neither shows nor keeps the last live reading.
            if replay is not None:
                return None
            from core import last_snapshot

            saved = last_snapshot.load(last_snapshot.last_snapshot_path(), view.source)
            return None if saved is None else last_snapshot.restored(saved)
        finally:
            restore_done.set()

    def feed() -> Engine:
        restore_done.wait(RESTORE_FIRST)
        try:
            settings, theses = configure()
            from tui.log_command import alerts_of

            alerts = alerts_of(settings, config)
            return build_engine(settings, replay, theses, remember=replay is None, alerts=alerts)
        except BadInput as error:  # after the first frame: the app ends, then says why
            raise FeedRefused(str(error)) from None

    return RegimeApp(view, feed_factory=feed, restore=restore)


def make_app(settings: Settings, replay: Replay | None, theses: Mapping[str, Thesis]) -> RegimeApp:
    """The monitor for settings and theses already loaded (see `make_monitor`)."""
    return make_monitor(settings, replay, lambda: (settings, theses))


def run_monitor(args: argparse.Namespace) -> int:
    """Start the Textual monitor: drawn from the view settings, configured after."""
    view = load_view(args)
    replay = replay_of(args)
    check_inputs(view.source, view.index, replay)
    config = getattr(args, "config", None)

    def configure() -> tuple[Settings, Mapping[str, Thesis]]:
        settings = settings_of(args)
        return settings, theses_of(settings, config)

    app = make_monitor(view, replay, configure, config)
    app.run()
    if app.refusal is not None:
        raise BadInput(app.refusal)
    return app.return_code or 0  # 128 + the signal's number after SIGTERM, SIGHUP, SIGINT


def run_history(args: argparse.Namespace) -> int:
    """`regime history`: every section's readings, one row per session, as CSV or JSON."""
    from core.history import HistoryError, readings_history, to_csv, to_json
    from core.sources.base import SourceError
    from core.sources.select import open_source

    settings = load(args)
    theses = load_theses(settings, getattr(args, "config", None))
    check_inputs(settings.source, settings.symbols.index, None)
    if args.start > date.today():
        raise BadInput(f"--from {args.start} is in the future")
    try:
        source = open_source(settings).source
        if source.simulated and settings.source != "sim":
            # A script must not get simulated numbers it did not ask for.
            raise BadInput(f"{source.detail or 'no market data'} (ask for it: --source sim)")
        table = readings_history(
            settings,
            source,
            args.start,
            args.end,
            keys=args.sections,
            theses=theses,
            warn=lambda message: print(f"regime: warning: {message}", file=sys.stderr),
        )
    except (HistoryError, SourceError) as error:
        raise BadInput(str(error)) from None
    sys.stdout.write(to_csv(table) if args.format == "csv" else to_json(table) + "\n")
    return 0


def study_span(args: argparse.Namespace) -> tuple[date | None, date | None]:
    """The span `regime study` asks for: --from, and the earlier of --to and --as-of;
    raises BadInput for a day in the future or an end before the start."""
    start: date | None = args.start
    to: date | None = args.end
    as_of: date | None = getattr(args, "as_of", None)
    today = date.today()
    for flag, day in (("--from", start), ("--to", to), ("--as-of", as_of)):
        if day is not None and day > today and flag != "--to":
            raise BadInput(f"{flag} {day} is in the future")
    ends = [(day, flag) for flag, day in (("--as-of", as_of), ("--to", to)) if day is not None]
    end, flag = min(ends) if ends else (None, "")
    if start is not None and end is not None and end < start:
        raise BadInput(f"{flag} {end} is before --from {start}")
    return start, end


def run_study_command(args: argparse.Namespace) -> int:
    """`regime study`: one study over the index's history as text, JSON or CSV, or the
    list of studies."""
    from core.history import HistoryError
    from core.replay import Replay
    from core.session import MarketSession
    from core.sources.base import SourceError
    from core.sources.select import open_source
    from core.studies.over_history import run_studies
    from core.studies.report import csv_text, listing, text
    from core.studies.study import StudyError, load_studies

    settings = load(args)
    config = getattr(args, "config", None)
    try:
        studies = load_studies(settings, origin=config_origin(config))
    except StudyError as error:
        raise BadInput(str(error)) from None
    if args.list:
        print(listing(studies))
        return 0
    if args.name is None:
        raise BadInput("study: name a study (regime study --list shows them)")
    study = studies.get(args.name)
    if study is None:
        raise BadInput(f"no study named {args.name!r} (studies: {', '.join(studies)})")
    start, end = study_span(args)
    theses = load_theses(settings, config)
    check_inputs(settings.source, settings.symbols.index, None)
    try:
        source = open_source(settings).source
        if source.simulated and settings.source != "sim":
            raise BadInput(f"{source.detail or 'no market data'} (ask for it: --source sim)")
        as_of: date | None = getattr(args, "as_of", None)
        if as_of is not None and (source.historical or source.cached) and end == as_of:
            # Local data that ends before the day would answer as of its last session.
            calendar = MarketSession()
            try:
                replay, _ = Replay(as_of).on_sessions(calendar)
            except ValueError as error:
                # Before the calendar's first year the history itself says which
                # sessions there were (the cut is the day; data goes on after it).
                if as_of >= calendar.span()[0]:
                    raise BadInput(f"--as-of {as_of}: {error}") from None
            else:
                where = settings.source if source.historical else "the cache"
                check_replay_data(source, settings.symbols.index, as_of, replay, where)
        (result,) = run_studies(
            settings,
            source,
            [study],
            start,
            end,
            theses=theses,
            warn=lambda message: print(f"regime: warning: {message}", file=sys.stderr),
        )
    except (HistoryError, SourceError, StudyError) as error:
        raise BadInput(str(error)) from None
    if result.span_to is None:
        raise BadInput(f"no session of {settings.symbols.index} from {start} to {end}")
    if args.format == "json":
        print(result.model_dump_json(indent=2))
    elif args.format == "csv":
        sys.stdout.write(csv_text(result))
    else:
        print(text(result))
    return 0


def run_gamma(args: argparse.Namespace) -> int:
    """`regime gamma`: the gamma section of one chain file, as JSON or text."""
    from core.options.files import read_chain
    from core.sections.gamma import of_chain, text
    from core.sources.base import DataFormatError

    settings = load(args)
    path: Path = args.chain
    if not path.exists():
        raise BadInput(f"--chain {path}: no such file")
    if path.is_dir():
        raise BadInput(f"--chain {path}: a directory, not a chain file")
    try:
        chain = read_chain(path, as_of=getattr(args, "as_of", None), spot=args.spot)
    except DataFormatError as error:
        raise BadInput(str(error)) from None
    section = of_chain(chain, settings)
    if args.format == "json":
        print(section.model_dump_json(indent=2))
    else:
        print("\n".join(text(section)))
    return 0


EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE
"""The status of a writer whose reader went away (`regime snapshot | head -1`): what a
shell reports for `yes | head -1`, the convention of every Unix filter."""

OUTPUT_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
"""Write errors of an output with no room left (`> /dev/full`, a full disk)."""


def output_lost(error: OSError) -> int:
    """The exit status once stdout could not take the output: EXIT_BROKEN_PIPE and no
    word when the reader closed it, one line and 1 (as coreutils) when it is full."""
    # Python flushes stdout once more at exit: aimed at /dev/null, that flush cannot
    # fail a second time (Python's own advice, in the signal module's SIGPIPE note).
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if isinstance(error, BrokenPipeError):
        return EXIT_BROKEN_PIPE
    print(f"regime: error: cannot write the output: {error.strerror}", file=sys.stderr)
    return 1


def check_clock() -> None:
    """Raise BadInput if the hidden benchmark clock (REGIME_CLOCK_START, see
    core.clock) is set to a bad value."""
    from core.clock import check_clock_start

    try:
        check_clock_start()
    except ValueError as error:
        raise BadInput(str(error)) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `regime` console script."""
    args = build_parser().parse_args(argv)
    from core import logfile

    logfile.setup()  # warnings and failures' whole text: to a file, never the terminal
    try:
        check_clock()
        if args.command is None:
            return run_monitor(args)
        if args.command == "snapshot":
            status = run_snapshot(args)
        elif args.command == "config":
            status = run_config(args)
        elif args.command == "gamma":
            status = run_gamma(args)
        elif args.command == "study":
            status = run_study_command(args)
        elif args.command in ("log", "alerts"):
            from tui.log_command import run_alerts, run_log

            status = run_log(args) if args.command == "log" else run_alerts(args)
        elif args.command == "serve":
            from tui.serve_command import run_serve

            status = run_serve(args)
        else:
            status = run_history(args)
        sys.stdout.flush()  # a write that fails does so here, not in Python's exit
        return status
    except BadInput as error:
        fail(str(error))
    except OSError as error:
        # A write to stdout names no file; any other failure is not this one.
        if error.filename is not None or not (
            isinstance(error, BrokenPipeError) or error.errno in OUTPUT_FULL
        ):
            raise
        return output_lost(error)


if __name__ == "__main__":
    # The imported module's main, not this copy's: the subcommands' modules import
    # tui.cli, and two copies would raise a BadInput this one does not catch.
    from tui import cli

    sys.exit(cli.main())
