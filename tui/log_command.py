"""The `regime log` and `regime alerts` commands. `regime log` prints the day's log
(every alert that fired and every checklist item whose status changed, as the monitor
stored them) since a date, as text, JSON or CSV; with `--replay --from D1 --to D2` it
steps through those sessions instead and prints the alerts that would have fired (and
the checklist changes), without reading or touching the stored log, so an alert can be
tried on the past before it is trusted. `regime alerts check [PATH]` validates the
alert definitions of a config file as `config check` does, and `regime alerts list`
names the alerts in force. Bad input is one line and exit 2 (tui.cli's BadInput)."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from tui.cli import (
    BadInput,
    Parser,
    _data_flags,
    _day,
    check_inputs,
    config_flag,
    config_origin,
    load,
    load_theses,
    span_flags,
)

if TYPE_CHECKING:
    from core.alerts.alert import Alert
    from core.config import Settings

__all__ = ["add_alerts_parser", "add_log_parser", "log_source", "run_alerts", "run_log"]


def log_source(kind: str) -> str:
    """The log's name for a source kind: the cache holds Yahoo's data, so what the
    monitor saw from either is one market's log (and one watch state)."""
    return "yahoo" if kind == "cache" else kind


def add_log_parser(commands: argparse._SubParsersAction[Parser]) -> None:
    """`regime log`'s flags."""
    log = commands.add_parser(
        "log",
        help="print the day's log of alerts and checklist changes, or replay a span",
        description=(
            "Print what the monitor logged: every alert that fired and every checklist "
            "item whose status changed, with the time, the session and the readings at "
            "that moment. --replay steps through --from..--to instead and prints the "
            "alerts that would have fired, without touching the stored log."
        ),
    )
    log.add_argument(
        "--since",
        type=_day("--since"),
        default=None,
        metavar="YYYY-MM-DD",
        help="from that day's start, New York time (default: the last session's day)",
    )
    log.add_argument(
        "--replay", action="store_true", help="replay --from..--to (the stored log is not read)"
    )
    span_flags(log, first="with --replay: the first session", last="with --replay: the last")
    log.add_argument("--format", choices=("text", "json", "csv"), default="text")
    _data_flags(log.add_argument_group("data"))


def add_alerts_parser(commands: argparse._SubParsersAction[Parser]) -> None:
    """`regime alerts check|list`'s flags."""
    alerts = commands.add_parser("alerts", help="check or list the alert definitions")
    actions = alerts.add_subparsers(dest="alerts_command", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="validate the alerts of a config file",
        description=(
            "Validate the built-in alerts with a config file's [alerts.ID] tables: an "
            "unknown field, a bad rule or a level that does not exist names the file and "
            "the alert (exit 2)."
        ),
    )
    check.add_argument(
        "path", nargs="?", type=Path, help="file to check (default: the config file)"
    )
    listing = actions.add_parser("list", help="list the alerts in force: id, severity, name")
    config_flag(listing)


def alerts_of(settings: Settings, config: Path | None) -> dict[str, Alert]:
    """The alerts in force; raises BadInput naming the file and the alert."""
    from core.alerts.alert import AlertError
    from core.alerts.catalog import load_alerts

    try:
        return load_alerts(settings, origin=config_origin(config))
    except AlertError as error:
        raise BadInput(str(error)) from None


def run_alerts(args: argparse.Namespace) -> int:
    """`regime alerts check|list`."""
    from core.alerts.alert import AlertError
    from core.alerts.catalog import check_alerts_file
    from core.config import ConfigError
    from core.view_settings import default_config_path

    if args.alerts_command == "list":
        settings = load(args)
        for alert in alerts_of(settings, getattr(args, "config", None)).values():
            print(f"{alert.id:<28} {alert.severity:<8} {alert.name}")
        return 0
    path = args.path or getattr(args, "config", None) or default_config_path()
    if not path.exists():
        raise BadInput(f"{path}: no such file")
    try:
        print(check_alerts_file(path))
    except (AlertError, ConfigError) as error:
        raise BadInput(str(error)) from None
    return 0


def _start_of(day: date) -> datetime:
    from core.clock import NEW_YORK

    return datetime.combine(day, time(0), tzinfo=NEW_YORK)


def _last_session_day() -> date:
    """The day `regime log` starts from by default: the session in progress in New
    York (from its pre-market on), else the last one."""
    from core.clock import NEW_YORK
    from core.session import MarketSession

    now = datetime.now(NEW_YORK)
    try:
        state = MarketSession().state(now)
    except ValueError:  # past the calendar: the day itself
        return now.date()
    return state.session if state.session is not None else state.last_session


def run_log(args: argparse.Namespace) -> int:
    """`regime log`: the stored log since a day, or (`--replay`) a span replayed."""
    if args.replay:
        return _replay(args)
    for flag in ("start", "end"):
        if getattr(args, flag) is not None:
            raise BadInput(f"--{'from' if flag == 'start' else 'to'} goes with --replay")
    from core.alerts.journal import Journal, JournalError, default_journal_path
    from core.alerts.log_format import render_log

    since = args.since if args.since is not None else _last_session_day()
    path = default_journal_path()
    entries = []
    if path.exists():
        # Read as it is: a log that cannot be read is said, never moved aside here
        # (the monitor heals it when it starts).
        try:
            journal = Journal(path)
        except JournalError as error:
            raise BadInput(str(error)) from None
        try:
            source = getattr(args, "source", None)
            wanted = None if source in (None, "auto") else log_source(source.split(":")[0])
            entries = journal.entries(since=_start_of(since), source=wanted)
        except JournalError as error:
            raise BadInput(str(error)) from None
        finally:
            journal.close()
    sys.stdout.write(render_log(entries, args.format))
    return 0


def _replay(args: argparse.Namespace) -> int:
    """`regime log --replay --from D1 --to D2`."""
    from core.alerts.log_format import render_replay
    from core.alerts.replay import replay_log
    from core.history import HistoryError
    from core.sources.base import SourceError
    from core.sources.select import open_source

    if args.start is None or args.end is None:
        raise BadInput("--replay needs --from and --to")
    if args.since is not None:
        raise BadInput("--since reads the stored log; a replay takes --from and --to")
    if args.format == "csv":
        raise BadInput("--replay prints text or json")
    if args.end < args.start:
        raise BadInput(f"--to {args.end} is before --from {args.start}")
    from core.clock import NEW_YORK

    if args.start > datetime.now(NEW_YORK).date():
        raise BadInput(f"--from {args.start} is in the future")
    settings = load(args)
    config = getattr(args, "config", None)
    alerts = alerts_of(settings, config)
    theses = load_theses(settings, config)
    check_inputs(settings.source, settings.symbols.index, None)
    try:
        source = open_source(settings).source
        if source.simulated and settings.source != "sim":
            raise BadInput(f"{source.detail or 'no market data'} (ask for it: --source sim)")
        entries = replay_log(
            settings, source, args.start, args.end, list(alerts.values()), theses=theses
        )
    except (HistoryError, SourceError) as error:
        raise BadInput(str(error)) from None
    sys.stdout.write(render_replay(entries, args.format))
    return 0
