"""SSH and small terminals (issue 8, item 7): a terminal of fewer than 256 colours gets
the ANSI theme, said once, and NO_COLOR still strips colour; a locale that is not
UTF-8 (LANG=C, which Python itself coerces to C.UTF-8) is seen through the coercion
and gets ASCII only, in the dashboard, a chart's detail and the help; at 80x24 every
panel's headline is on screen without scrolling. Headless runs (tests, snapshots)
keep the theme they ask for."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from textual.filter import Monochrome, NoColor

from tests.tui.harness import RecordingApp, make_app, wait_for_data
from themes.terminal import ANSI_THEME, locale_is_utf8, theme_for_terminal
from tui.app import RegimeApp
from widgets import look


def screen_text(app: RegimeApp) -> str:
    """What the terminal shows, as plain text (what `export_screenshot` draws)."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        record=True,
        color_system=None,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text()


# The theme for the terminal -------------------------------------------------


@pytest.mark.parametrize("color_system", ["standard", "windows", None])
def test_fewer_than_256_colours_get_the_ansi_theme(color_system: str | None) -> None:
    chosen = theme_for_terminal("regime-dark", color_system, ansi_requested=False, headless=False)
    assert chosen == ANSI_THEME


@pytest.mark.parametrize("color_system", ["256", "truecolor"])
def test_256_colours_or_more_keep_the_theme(color_system: str) -> None:
    chosen = theme_for_terminal("regime-light", color_system, ansi_requested=False, headless=False)
    assert chosen == "regime-light"


def test_a_headless_run_keeps_its_theme() -> None:
    assert theme_for_terminal("regime-dark", "standard", ansi_requested=False, headless=True) == (
        "regime-dark"
    )


def test_an_ansi_theme_asked_for_stays() -> None:
    assert theme_for_terminal("textual-ansi", "standard", ansi_requested=True, headless=False) == (
        "textual-ansi"
    )


async def test_a_16_colour_terminal_switches_to_ansi_once() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot)
        assert app.theme == "regime-dark"  # headless: as asked
        app.fit_terminal("standard", utf8=True)
        app.fit_terminal("standard", utf8=True)
        await pilot.pause()
        assert app.theme == ANSI_THEME
        assert len([note for note in app.notes if ANSI_THEME in note]) == 1
        assert not app.has_class(look.ASCII_CLASS)


async def test_a_truecolour_terminal_keeps_the_theme_silently() -> None:
    app = make_app(theme="regime-light")
    async with app.run_test(size=(120, 40)) as pilot:
        app.fit_terminal("truecolor", utf8=True)
        await pilot.pause()
        assert app.theme == "regime-light"
        assert app.notes == []


class TerminalApp(RecordingApp):
    """The app as a real terminal runs it (not headless), on a 16-colour console."""

    @property
    def is_headless(self) -> bool:
        return False


async def test_mount_suits_a_real_16_colour_non_utf8_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("tui.app.terminal_is_utf8", lambda: False)
    base = make_app()
    app = TerminalApp(base.settings, base._feed_factory, clock=base.clock)
    app.console = Console(color_system="standard", force_terminal=True, file=io.StringIO())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot)
        assert app.theme == ANSI_THEME
        assert app.has_class(look.ASCII_CLASS)
        assert screen_text(app).isascii()


async def test_no_color_still_strips_colour_in_the_ansi_theme(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot)
        app.fit_terminal("standard", utf8=False)
        await pilot.pause()
        filters = app.get_line_filters()
        assert app.no_color and app.theme == ANSI_THEME
        assert any(isinstance(f, NoColor | Monochrome) for f in filters)
        assert any(isinstance(f, look.AsciiOnly) for f in filters)


# The locale -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "coerced", "utf8"),
    [
        ({"LANG": "en_US.UTF-8"}, False, True),
        ({"LANG": "C.utf8"}, False, True),
        ({"LANG": "de_DE.utf-8@euro"}, False, True),
        ({"LANG": "C"}, False, False),
        ({"LC_ALL": "C", "LANG": "en_US.UTF-8"}, False, False),
        ({"LC_ALL": "POSIX"}, False, False),
        ({"LANG": "en_US.ISO-8859-1"}, False, False),
        ({}, False, False),
        # LANG=C as Python leaves it: LC_CTYPE coerced to C.UTF-8 (PEP 538).
        ({"LANG": "C", "LC_CTYPE": "C.UTF-8"}, True, False),
        ({"LC_CTYPE": "C.UTF-8"}, True, False),
        # A UTF-8 LANG whose locale is not installed was coerced too: LANG decides.
        ({"LANG": "en_US.UTF-8", "LC_CTYPE": "C.UTF-8"}, True, True),
        # LC_CTYPE set by the user (no coercion) is the user's word.
        ({"LANG": "C", "LC_CTYPE": "C.UTF-8"}, False, True),
    ],
)
def test_the_declared_locale_decides_utf8(
    environ: dict[str, str], coerced: bool, utf8: bool
) -> None:
    assert locale_is_utf8(environ, coerced=coerced) is utf8


def test_glyphs_keep_their_meaning_in_ascii() -> None:
    assert look.to_ascii("▲ +12.40 ▼ ✓ ✗ · … – −") == "^ +12.40 v + x . . - -"
    assert look.to_ascii("╭─╮│╰╯━╌╋") == "+-+|++=-+"
    assert look.to_ascii("▁▂▃▄▅▆▇█") == "_.,-=+*#"
    assert look.to_ascii("⣀⠉⣿⠀") == ".': "
    # Cell for cell: a wide character becomes as many question marks as cells.
    assert look.to_ascii("中") == "??"


# ASCII on screen ------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "shown"),
    [
        ([], "6,978.03"),
        (["1"], "6,978.03"),
        (["2"], "RSI (14)"),
        (["question_mark"], "Keys"),
        (["question_mark", "end"], "Historical edge"),
    ],
    ids=["dashboard", "price", "rsi", "help", "help-end"],
)
async def test_ascii_mode_draws_nothing_outside_ascii(keys: list[str], shown: str) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot)
        app.use_ascii()
        for key in keys:
            await pilot.press(key)
        await pilot.pause(0.3)
        text = screen_text(app)
        outside = sorted({char for char in text if not char.isascii()})
        assert not outside, outside
        assert shown in text  # the screen is drawn, not blank


async def test_ascii_charts_use_ascii_markers() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot)
        from widgets.price_chart import PriceChart

        chart = app.dashboard.query_one(PriceChart)
        assert chart.line_marker == "braille"
        app.use_ascii()
        await pilot.pause()
        assert (chart.line_marker, chart.point_marker) == ("*", "o")


# 80x24 ----------------------------------------------------------------------

HEADLINES = {
    "price": "6,978.03",
    "rsi": "61.84",
    "breadth": "58.4%",
    "vix": "16.42",
    "trend": "+52%",
    "checklist": "BULL 3/6",
}
"""Each panel's headline in the sample Snapshot."""


@pytest.mark.parametrize("size", [(80, 24), (120, 30)], ids=["80x24", "120x30"])
async def test_every_headline_in_view_at_80x24(size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_data(pilot)
        await pilot.pause()
        height = size[1]
        lines = screen_text(app).splitlines()
        assert len(lines) == height
        assert "Bull 3/6" in lines[1]  # the verdict
        for panel_id, headline in HEADLINES.items():
            panel = app.dashboard.panel(panel_id)
            top, bottom = panel.region.y, panel.region.bottom
            assert top >= 0 and bottom <= height - 1, (panel_id, panel.region)
            inside = [line[panel.region.x : panel.region.right] for line in lines[top:bottom]]
            assert any(headline in line for line in inside[:4]), (panel_id, inside)


async def test_a_panel_detail_is_one_key_away_at_80x24() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot)
        await pilot.press("5")
        await pilot.pause()
        assert app.screen.id != "dashboard"
        await pilot.press("escape")
        assert app.screen is app.dashboard
