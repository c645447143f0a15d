"""What an SSH session sees, pinned as SVG snapshots (tests/tui/__snapshots__): the
dashboard in ASCII only (a locale that is not UTF-8) in the ANSI theme (16 colours) at
80x24, and the compact layout of a short, wide terminal (120x30). Regenerate with
`uv run pytest tests/tui --snapshot-update` and look at the result before accepting."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from tests.tui.harness import make_app, wait_for_data
from tui.app import RegimeApp


async def ascii_16_colours(pilot: Pilot[Any]) -> None:
    """The first Snapshot on screen, then the terminal as LANG=C TERM=xterm has it."""
    await wait_for_data(pilot)
    app = pilot.app
    assert isinstance(app, RegimeApp)
    app.fit_terminal("standard", utf8=False)
    await pilot.pause()  # the theme's notice is posted, then cleared: it would cover panels
    app.clear_notifications()
    await pilot.pause()


def test_ascii_ansi_80x24(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=ascii_16_colours)


def test_compact_120x30(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=(120, 30), run_before=wait_for_data)
