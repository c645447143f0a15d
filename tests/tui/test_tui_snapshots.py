"""What people see, pinned as SVG snapshots (tests/tui/__snapshots__): the dashboard
with the sample Snapshot at 80x24 (the smallest usable terminal) and 160x48, the bear
view, the light and ANSI themes, the shell before data, and the help overlay. The
clock is fixed, so the countdown reads the same every run. Regenerate with
`uv run pytest tests/tui --snapshot-update` and look at the result before accepting."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from tests.tui.harness import make_app, wait_for_data
from tests.tui.test_tui_app import SilentFeed


async def settle(pilot: Pilot[Any]) -> None:
    """Wait for the first Snapshot and the chart."""
    await wait_for_data(pilot)


def test_dashboard_80x24(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=settle)


def test_dashboard_160x48(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=settle)


def test_bear_view_160x48(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=settle, press=["t"])


def test_light_theme_120x40(snap_compare: Any) -> None:
    app = make_app(theme="regime-light")
    assert snap_compare(app, terminal_size=(120, 40), run_before=settle)


def test_ansi_theme_120x40(snap_compare: Any) -> None:
    app = make_app(theme="regime-ansi")
    assert snap_compare(app, terminal_size=(120, 40), run_before=settle)


def test_narrow_50x30(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=(50, 30), run_before=settle)


def test_shell_before_data_80x24(snap_compare: Any) -> None:
    assert snap_compare(make_app(SilentFeed), terminal_size=(80, 24))


def test_help_80x24(snap_compare: Any) -> None:
    app = make_app()
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle, press=["question_mark"])
