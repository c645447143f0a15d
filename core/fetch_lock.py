"""The machine's one-fetcher rule: a lock file beside the store (`<store>.fetcher.lock`)
that the process fetching from the network into that store holds, with
`fcntl.flock(LOCK_EX | LOCK_NB)`, for as long as it lives. The OS drops the lock when
the holder's file is closed or the process dies (even by kill -9), so the next process
that asks takes over; nothing is ever left to clean up. The holder writes its pid into
the file so the others can say who fetches. A flock belongs to one open file, so two
`FetcherLock`s in one process conflict like two processes do."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

LOCK_SUFFIX = ".fetcher.lock"


def lock_path(store_path: Path) -> Path:
    """The fetcher lock file of the store at `store_path`."""
    return store_path.with_name(store_path.name + LOCK_SUFFIX)


class FetcherLock:
    """The fetcher lock of one store, taken without waiting and held until `release`."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """This lock (this open file) holds the fetcher's place."""
        return self._fd is not None

    def try_take(self) -> bool:
        """Take the lock if no other holder has it (held already: True); write this
        process's pid into the file. False when another holds it, or the file cannot
        be opened (then nobody can take it here, and this process only reads)."""
        if self._fd is not None:
            return True
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError:
            pass  # the pid is only for the others' message
        self._fd = fd
        return True

    def holder(self) -> int | None:
        """The pid the holder wrote into the file; None if unreadable or not yet written."""
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeError):
            return None
        return int(text) if text.isdigit() else None

    def release(self) -> None:
        """Give the place up (closing the file drops the flock); idempotent."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):  # no pid left of one that no longer fetches
                os.ftruncate(fd, 0)
            os.close(fd)
