"""Every widget renders any value a Snapshot can hold: the sample Snapshot with its
numeric readings set to None, NaN, ±inf, 0, -1 or 1e308 (a whole section at a time,
every section at once, the chart series alone, and one point of each series among
finite ones) is shown on the dashboard and in every detail view, and the app keeps
running. A value the Snapshot's model refuses (None for a close, NaN for a count) is
left as it was: it cannot reach a widget. Also the three crashes found from the
outside, by name: an infinite or 1e308 close in the price history, a previous close
of 0, and a saved last Snapshot holding NaN closes."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from textual.content import Content

from core import last_snapshot
from core.clock import fixed_clock
from core.config import Settings
from core.snapshot import Snapshot
from tests.tui.harness import RecordingApp, make_app, wait_for_data
from tests.tui.sample import EVENING, SESSIONS, FakeFeed, complete_snapshot, sample_snapshot
from tui.app import RegimeApp
from tui.screens.detail import DetailScreen
from tui.screens.panels import panels
from widgets.price_chart import PriceChart
from widgets.price_panel import PricePanel, headline

SIZE = (120, 40)

VALUES: tuple[float | None, ...] = (
    None,
    math.nan,
    math.inf,
    -math.inf,
    0.0,
    -1.0,
    1e308,
)
"""What a reading may be besides a sensible number."""

SERIES = (
    ("price", "history", "closes"),
    ("rsi", "history", "values"),
    ("breadth", "history_200dma", "values"),
)
"""Where the charts' series live in a Snapshot."""

Path_ = tuple[str | int, ...]
"""Where a value sits in a Snapshot's dump: keys and indices."""


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def replaced(data: Any, where: Path_, chosen: Callable[[Path_], bool], value: object) -> Any:
    """`data` with every number at a path `chosen` accepts set to `value`."""
    if isinstance(data, dict):
        return {key: replaced(item, (*where, key), chosen, value) for key, item in data.items()}
    if isinstance(data, list | tuple):
        return [replaced(item, (*where, index), chosen, value) for index, item in enumerate(data)]
    return value if is_number(data) and chosen(where) else data


def put_back(data: Any, original: Any, loc: tuple[str | int, ...]) -> None:
    """Restore, in `data`, the number an error's `loc` leads to (a union's error adds
    the name of the type it tried, which is not in the data: the walk stops there)."""
    for key in loc:
        in_dict = isinstance(data, dict) and key in data
        in_list = isinstance(data, list) and isinstance(key, int) and key < len(data)
        if not (in_dict or in_list):
            return
        child = data[key]
        if is_number(child) or child is None:
            data[key] = original[key]
            return
        data, original = child, original[key]


def poisoned(snapshot: Snapshot, chosen: Callable[[Path_], bool], value: object) -> Snapshot:
    """`snapshot` with the numbers `chosen` picks set to `value`, where its model
    accepts that value (the rest keep theirs)."""
    original = snapshot.model_dump()
    data = replaced(original, (), chosen, value)
    for _ in range(50):
        try:
            return type(snapshot).model_validate(data)
        except ValidationError as error:
            for detail in error.errors():
                put_back(data, original, tuple(detail["loc"]))
    raise AssertionError("the poisoned Snapshot never validated")


def in_section(key: str) -> Callable[[Path_], bool]:
    return lambda where: where[:1] == (key,)


def in_series(where: Path_) -> bool:
    return any(where[: len(series)] == series for series in SERIES)


def last_point(where: Path_) -> bool:
    """The newest point of each chart series (a gap or spike among finite values)."""
    return in_series(where) and len(where) == 4 and where[3] == SESSIONS - 1


def variants(value: float | None) -> list[tuple[str, Snapshot]]:
    """Named Snapshots with `value` in one place or everywhere."""
    base = complete_snapshot()
    keys = [section.key for section in base.SECTIONS]
    named: list[tuple[str, Snapshot]] = [
        (f"section {key}", poisoned(base, in_section(key), value)) for key in keys
    ]
    named += [
        ("every section", poisoned(base, lambda where: where[0] in keys, value)),
        ("chart series", poisoned(base, in_series, value)),
        ("last point of each series", poisoned(base, last_point, value)),
    ]
    # A model may refuse the value in some places; the whole Snapshot must still take it.
    everywhere = named[len(keys)][1]
    assert everywhere.model_dump() != base.model_dump(), f"no reading took {value!r}"
    return named


async def show_each(app: RecordingApp, pilot: Any, named: list[tuple[str, Snapshot]]) -> None:
    """Show every Snapshot on the screen on top, failing with the one that broke it."""
    for name, snapshot in named:
        app.snapshot = snapshot
        await pilot.pause()
        await pilot.pause()
        if app._exception is not None or not app.is_running:
            raise AssertionError(f"{name} stopped the app: {app._exception!r}")


@pytest.mark.parametrize("value", VALUES, ids=[repr(value) for value in VALUES])
async def test_every_view_renders_any_value(value: float | None) -> None:
    named = variants(value)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await show_each(app, pilot, named)
        for view in panels():
            app.snapshot = complete_snapshot()
            await pilot.press(view.key)
            await pilot.pause()
            assert isinstance(app.screen, DetailScreen)
            await pilot.pause(0.05)  # the detail's chart mounts after its first paint
            await show_each(app, pilot, [(f"{view.id} detail, {n}", s) for n, s in named])
            await pilot.press("escape")
        assert app.is_running


def with_closes(closes: tuple[float, ...], **price: object) -> Snapshot:
    snapshot = sample_snapshot()
    history = snapshot.price.history.model_copy(update={"closes": closes})
    update = {"history": history, **price}
    return snapshot.model_copy(update={"price": snapshot.price.model_copy(update=update)})


@pytest.mark.parametrize("bad", [math.inf, -math.inf, 1e308], ids=["inf", "-inf", "1e308"])
async def test_an_absurd_close_in_the_history_is_a_gap(bad: float) -> None:
    """Regression: plotext raised OverflowError on such a close (widgets/price_chart.py)."""
    closes = sample_snapshot().price.history.closes
    snapshot = with_closes((*closes[:-3], bad, *closes[-2:]))
    app = make_app(lambda: FakeFeed(snapshot))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.pause()
        chart = app.dashboard.query_one(PricePanel).chart
        assert isinstance(chart, PriceChart)
        drawn = str(chart.render())
        assert "no price history" not in drawn
        assert "7,000" in drawn  # the axis still reads at the price's own scale
        assert app.is_running


async def test_every_close_unplottable_shows_no_data() -> None:
    closes = sample_snapshot().price.history.closes
    snapshot = with_closes(tuple(math.nan for _ in closes))
    app = make_app(lambda: FakeFeed(snapshot))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        await pilot.pause()
        chart = app.dashboard.query_one(PricePanel).chart
        assert chart is not None
        assert "no price history" in str(chart.render())


def test_a_previous_close_of_zero_has_no_day_change() -> None:
    """Regression: a previous close of 0 raised ZeroDivisionError (widgets/price_panel.py)."""
    section = sample_snapshot().price.model_copy(update={"prev_close": 0.0, "change_pct": None})
    text = headline(section).plain
    assert "6,978.03" in text
    assert "unknown" in text and "inf" not in text


@pytest.mark.parametrize("bad", [0.0, -6798.4], ids=["zero", "negative"])
def test_a_close_that_is_no_price_reads_invalid(bad: float) -> None:
    """A close of 0 or below is not shown as a price with a -198% change."""
    section = sample_snapshot().price.model_copy(
        update={"last": bad, "change_pct": (bad / 6965.63 - 1) * 100}
    )
    line = headline(section)
    assert isinstance(line, Content)
    text = line.plain
    assert "invalid" in text
    assert "%" not in text and "-198" not in text


async def test_a_saved_snapshot_with_nan_closes_starts(tmp_path: Path) -> None:
    """Regression: NaN closes in the last Snapshot crashed every start (the restore
    path renders them before the engine's first refresh)."""
    closes = sample_snapshot().price.history.closes
    saved = with_closes((math.nan, *closes[1:-1], math.nan), last=math.nan)
    path = tmp_path / "last-snapshot.json"
    last_snapshot.save(path, saved, "sim")
    loaded = last_snapshot.load(path, "sim")
    assert loaded is not None and math.isnan(loaded.price.history.closes[0])
    shown = last_snapshot.restored(loaded)

    class Silent:
        async def run(self, publish: object) -> None:
            import asyncio

            await asyncio.Event().wait()

        def refresh_now(self) -> None:
            pass

    app = RegimeApp(Settings(), Silent, clock=fixed_clock(EVENING), restore=lambda: shown)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(100):
            await pilot.pause(0.02)
            panel = app.dashboard.query_one(PricePanel)
            if app.snapshot is not None and panel.chart is not None:
                break
        await pilot.pause()
        assert app.snapshot is shown
        assert app.is_running and app._exception is None
