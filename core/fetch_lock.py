"""The machine's one-fetcher rule: a lock file beside the store (`<store>.fetcher.lock`)
that the process fetching from the network into that store holds, with
`fcntl.flock(LOCK_EX | LOCK_NB)`, for as long as it lives. The OS drops the lock when
the holder's file is closed or the process dies (even by kill -9), so the next process
that asks takes over; nothing is ever left to clean up. The holder writes its pid into
the file so the others can say who fetches. A flock belongs to one open file, so two
`FetcherLock`s in one process conflict like two processes do. A flock holds an
inode, not a name: if the file is deleted or replaced, the next process would lock a
new file and fetch too, so a lock is held only while the path still names the locked
file (`held` and `try_take` check it each time); a holder whose file is gone re-creates
and re-locks the path, or, if another took the new file first, stops fetching. Two
fetch at once at most until the first holder's next check (its next cycle)."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

LOCK_SUFFIX = ".fetcher.lock"
TAKE_ATTEMPTS = 3
"""Opens of the path tried when each locked file is found deleted or replaced."""


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
        """This lock (this open file) holds the fetcher's place: the file is locked and
        the path still names it. A file deleted or replaced is let go here (the next
        `try_take` re-creates the path and locks it, if no other did first)."""
        if self._fd is None:
            return False
        if _names(self.path, self._fd):
            return True
        fd, self._fd = self._fd, None
        os.close(fd)
        return False

    def try_take(self) -> bool:
        """Take the lock if no other holder has it (held already: True); write this
        process's pid into the file. False when another holds it, or the file cannot
        be opened (then nobody can take it here, and this process only reads)."""
        if self.held:
            return True
        for _ in range(TAKE_ATTEMPTS):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError:
                return False
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                return False
            if not _names(self.path, fd):  # deleted or replaced since it was opened
                os.close(fd)
                continue
            try:
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            except OSError:
                pass  # the pid is only for the others' message
            self._fd = fd
            return True
        return False

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


def _names(path: Path, fd: int) -> bool:
    """`path` still names the file open as `fd` (same device and inode)."""
    try:
        named, opened = os.stat(path), os.fstat(fd)
    except OSError:
        return False
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)
