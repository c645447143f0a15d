"""The monitor's first frame is drawn before anything it does not need is imported:
the real command (`tui.cli.main([])`) runs in a fresh process, headless, and at its
first frame pydantic, pydantic-settings, the full settings, the theses, pandas, numpy,
the trading calendar and yfinance are not loaded yet; after that frame the engine is
built and its Snapshot reaches the screen. Import checks, not timings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LATER = (
    "pydantic",
    "pydantic_settings",
    "core.config",
    "core.thesis",
    "core.snapshot",
    "core.engine",
    "pandas",
    "numpy",
    "exchange_calendars",
    "yfinance",
)
"""Modules the first frame must do without."""

CHILD = r"""
import json, sys
from functools import partial
from tui import cli

LATER = sys.argv[1].split(",")
seen = {}
make_monitor = cli.make_monitor


def watched(*args, **kwargs):
    app = make_monitor(*args, **kwargs)

    class Watched(type(app)):
        def on_ready(self) -> None:
            seen["at_first_frame"] = [name for name in LATER if name in sys.modules]
            super().on_ready()

        def watch_snapshot(self, snapshot) -> None:
            super().watch_snapshot(snapshot)
            if snapshot is not None and not snapshot.source.label.endswith("last run"):
                seen["fresh"] = snapshot.source.kind
                seen["after"] = [name for name in LATER if name in sys.modules]
                self.exit()

    app.__class__ = Watched
    app.run = partial(app.run, headless=True, size=(120, 40))
    return app


cli.make_monitor = watched
status = cli.main(["--source", "sim"])
print(json.dumps(seen))
sys.exit(status)
"""


def test_the_first_frame_imports_none_of_the_engine_or_the_full_settings() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, ",".join(LATER)],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["at_first_frame"] == []
    # The check can fail: once the Snapshot is on screen, the same names are loaded.
    assert seen["fresh"] == "sim"
    assert set(LATER) - {"yfinance"} <= set(seen["after"])
