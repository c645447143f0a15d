"""What people see, pinned as SVG snapshots (tests/tui/__snapshots__): the dashboard
with the sample Snapshot in both thesis views at 80x24 (the smallest usable
terminal), 120x40 and 200x60 (the -huge layout); each panel's detail screen; the
light and ANSI themes; NO_COLOR; a narrow terminal; the shell before data; and the
help overlay. The clock is fixed, so the countdown reads the same every run.
Regenerate with `uv run pytest tests/tui --snapshot-update` and look at the result
before accepting."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from core.snapshot import Thesis
from tests.tui.harness import make_app, wait_for_data
from tests.tui.test_tui_app import SilentFeed
from tui.screens.panels import PanelView, panels

DASHBOARD_SIZES = [(80, 24), (120, 40), (200, 60)]


async def settle(pilot: Pilot[Any]) -> None:
    """Wait for the first Snapshot and the chart."""
    await wait_for_data(pilot)


@pytest.mark.parametrize("thesis", ["bull", "bear"])
@pytest.mark.parametrize("size", DASHBOARD_SIZES, ids=[f"{w}x{h}" for w, h in DASHBOARD_SIZES])
def test_dashboard(snap_compare: Any, thesis: Thesis, size: tuple[int, int]) -> None:
    app = make_app(thesis=thesis)
    assert snap_compare(app, terminal_size=size, run_before=settle)


@pytest.mark.parametrize("view", panels(), ids=[view.id for view in panels()])
def test_detail_120x40(snap_compare: Any, view: PanelView) -> None:
    app = make_app()
    assert snap_compare(app, terminal_size=(120, 40), run_before=settle, press=[view.key])


def test_light_theme_120x40(snap_compare: Any) -> None:
    app = make_app(theme="regime-light")
    assert snap_compare(app, terminal_size=(120, 40), run_before=settle)


def test_ansi_theme_bear_120x40(snap_compare: Any) -> None:
    app = make_app(theme="regime-ansi", thesis="bear")
    assert snap_compare(app, terminal_size=(120, 40), run_before=settle)


def test_no_color_bear_120x40(snap_compare: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(thesis="bear")
    assert snap_compare(app, terminal_size=(120, 40), run_before=settle)


def test_narrow_50x30(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=(50, 30), run_before=settle)


def test_shell_before_data_80x24(snap_compare: Any) -> None:
    assert snap_compare(make_app(SilentFeed), terminal_size=(80, 24))


def test_help_80x24(snap_compare: Any) -> None:
    app = make_app()
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle, press=["question_mark"])


def test_help_120x40(snap_compare: Any) -> None:
    app = make_app()
    assert snap_compare(app, terminal_size=(120, 40), run_before=settle, press=["question_mark"])
