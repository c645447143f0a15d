"""Writing a cache file so that a reader never sees half of it: the bytes go to a
temporary file of a name of its own in the same folder (two processes saving at once
cannot interleave, and the rename stays on one file system), which then replaces the
file in one step. Used for the files kept between runs (the last Snapshot, the
calendar's schedule); losing one of them costs speed, never data, so a failure is
reported as an OSError for the caller to log, with no temporary file left behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step, creating its folder; raises OSError (the
    temporary file removed) when the folder cannot be written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
