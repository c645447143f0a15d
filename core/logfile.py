"""The log file: warnings and errors from every part of Regime (and the libraries it
uses) go to `regime.log` in the platform's log directory (`platformdirs`, e.g.
`~/.local/state/regime/log` on Linux), rotated at 1 MB with three old files kept, and
never to the terminal, where they would tear through the monitor's screen. This is
where a failure's whole text is kept when a panel shows one line of it. The CLI sets
it up once per run (`setup`); a second call moves the log, it never doubles it. The
file and its directory are made at the first record, so a run that logs nothing
leaves nothing behind, and a log that cannot be written is dropped silently."""

from __future__ import annotations

import logging
from io import TextIOWrapper
from logging.handlers import RotatingFileHandler
from pathlib import Path

import platformdirs

FILE_NAME = "regime.log"
MAX_BYTES = 1_000_000
"""A log file is rotated past this size."""
BACKUPS = 3
"""Rotated files kept (`regime.log.1` ... `regime.log.3`)."""
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_path() -> Path:
    """Where the log is written: the platform's log directory for regime."""
    return Path(platformdirs.user_log_dir("regime")) / FILE_NAME


class LogFile(RotatingFileHandler):
    """The rotating log file, its directory made when the first record comes."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, delay=True)
        self.setFormatter(logging.Formatter(FORMAT))
        self.setLevel(logging.WARNING)

    def _open(self) -> TextIOWrapper:
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()

    def handleError(self, record: logging.LogRecord) -> None:
        """A log that cannot be written (a read-only or full disk) is not worth a word
        on the terminal: the record is dropped."""


def setup(path: Path | None = None) -> Path:
    """Send every warning and error to the log file at `path` (default `log_path()`)
    instead of the terminal, replacing a log file set up before; returns the path."""
    chosen = path or log_path()
    root = logging.getLogger()
    for handler in [handler for handler in root.handlers if isinstance(handler, LogFile)]:
        root.removeHandler(handler)
        handler.close()
    root.addHandler(LogFile(chosen))
    return chosen
