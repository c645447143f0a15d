"""A section is the unit: a toy section declared in this file alone (its model, its
readings and computation, its fallback, its text, and its panel with a detail view) is
in the engine's Snapshot and its JSON, in the text report, in `regime history`'s table,
on the dashboard and in its detail view, without any other file naming it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
import pytest
from textual.reactive import reactive

from core import format as fmt
from core.clock import fixed_clock
from core.columns import flatten, unflatten
from core.config import Settings
from core.engine import Engine
from core.history import readings_history
from core.replay import Replay
from core.report import render_text
from core.section import Inputs, Registry, Section, builtin, last_date, latest
from core.session import MarketSession
from core.snapshot import PanelStatus, SectionModel
from tests.fake_source import FakeSource, trending_bars
from tests.tui.harness import make_app, wait_for_data
from tests.tui.sample import EVENING, FakeFeed
from tui.screens.detail import DetailScreen
from tui.screens.panels import panel_view, panels
from widgets.panel import PANEL_CLASSES, ReadingsPanel, value_cell

if TYPE_CHECKING:
    from core.snapshot import Snapshot

REPLAYED = date(2026, 1, 23)


class ToySection(SectionModel):
    """How far the index closes below its highest close so far."""

    drawdown_pct: float | None = None


def toy_readings(inputs: Inputs) -> pd.DataFrame:
    close = inputs.cycle.bars[inputs.settings.symbols.index]["close"]
    drawdown = (close / close.cummax() - 1.0) * 100.0
    return pd.DataFrame({"toy.drawdown_pct": drawdown})


def toy_compute(inputs: Inputs) -> ToySection:
    bars = inputs.cycle.bars[inputs.settings.symbols.index]
    row = latest(toy_readings(inputs))
    return ToySection(
        status=inputs.cycle.status(last_date(bars)), **unflatten(ToySection, "toy", row)
    )


TOY = Section(
    key="toy",
    model=ToySection,
    order=70,
    compute=toy_compute,
    fallback=lambda status, settings: ToySection(status=status),
    text=lambda toy: [f"Toy drawdown {fmt.signed_pct(toy.drawdown_pct)}"],
    symbols=lambda settings: (settings.symbols.index,),
    readings=toy_readings,
)


class ToyPanel(ReadingsPanel):
    """The toy's panel: one reading; its detail view says more."""

    PANEL_TITLE = "Toy drawdown"
    SECTION = "toy"
    POSITION = 70
    PANEL_NAME = "toy"
    MEANING = "How far the index closes below its highest close so far."
    EMPHASISED_IN = frozenset({"bear"})

    section: reactive[ToySection | None] = reactive(None)

    def watch_section(self, section: ToySection | None) -> None:
        if section is None:
            return
        rows = [("Drawdown", value_cell(fmt.signed_pct(section.drawdown_pct)))]
        if self.detailed:
            rows.append(("Meaning", value_cell("below the highest close so far")))
        self.show_readings(section.status, tuple(rows))


# Declaring the class registered it; other tests (collected later) must not see it.
PANEL_CLASSES.pop("toy")


@pytest.fixture(autouse=True)
def toy_panel_registered() -> Iterator[None]:
    """The toy panel is on the dashboard for this file's tests only."""
    PANEL_CLASSES["toy"] = ToyPanel
    yield
    PANEL_CLASSES.pop("toy", None)


def toy_registry() -> Registry:
    return builtin().with_sections(TOY)


def source() -> FakeSource:
    sessions = MarketSession().sessions(date(2024, 6, 3), date(2026, 1, 27))
    index = pd.DatetimeIndex([pd.Timestamp(day) for day in sessions])
    bars = {"^GSPC": trending_bars(index, drift=0.0), "^VIX": trending_bars(index, 15.0, 0.0)}
    return FakeSource(bars, kind="files")


def toy_snapshot() -> Snapshot:
    engine = Engine(
        Settings(),
        source(),
        clock=fixed_clock(EVENING),
        replay=Replay(REPLAYED),
        session=MarketSession(),
        sections=toy_registry(),
    )
    return engine.refresh()


def test_the_toy_is_in_the_snapshot_and_its_json() -> None:
    snapshot = toy_snapshot()
    payload = json.loads(snapshot.model_dump_json())
    assert payload["toy"]["drawdown_pct"] == pytest.approx(snapshot.toy.drawdown_pct)
    assert snapshot.toy.drawdown_pct is not None and snapshot.toy.drawdown_pct <= 0
    assert snapshot.toy.status.state == "REPLAY"
    # The built-in sections are all still there, the toy in its order, before the edge
    # and the checklist.
    assert list(payload)[-3:] == ["toy", "edge", "checklist"]


def test_the_toy_is_in_the_text_report() -> None:
    snapshot = toy_snapshot()
    expected = f"Toy drawdown {fmt.signed_pct(snapshot.toy.drawdown_pct)}"
    assert expected in render_text(snapshot).splitlines()


def test_the_toy_is_in_the_history_and_its_last_row_is_the_snapshot() -> None:
    table = readings_history(
        Settings(), source(), date(2026, 1, 2), REPLAYED, keys=["toy"], sections=toy_registry()
    )
    assert list(table.columns) == ["toy.drawdown_pct"]
    assert table.index[-1] == pd.Timestamp(REPLAYED)
    snapshot_readings = flatten(toy_snapshot().toy, "toy")
    assert table.iloc[-1].to_dict() == snapshot_readings


def test_a_failing_toy_costs_only_its_own_panel() -> None:
    def broken(inputs: Inputs) -> ToySection:
        raise ZeroDivisionError("toy")

    registry = builtin().with_sections(
        Section(
            key="toy",
            model=ToySection,
            order=70,
            compute=broken,
            fallback=lambda status, settings: ToySection(status=status),
            text=lambda toy: [],
        )
    )
    engine = Engine(
        Settings(),
        source(),
        clock=fixed_clock(EVENING),
        replay=Replay(REPLAYED),
        session=MarketSession(),
        sections=registry,
    )
    snapshot = engine.refresh()
    assert snapshot.toy.status == PanelStatus(
        state="ERROR", detail="could not compute: ZeroDivisionError('toy')"
    )
    assert snapshot.price.last is not None


async def test_the_toy_is_on_the_dashboard_and_in_its_detail_view() -> None:
    snapshot = toy_snapshot()
    assert panel_view("toy") is not None and panels()[-1].id == "toy"
    app = make_app(lambda: FakeFeed(snapshot), thesis="bear")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot)
        panel = app.dashboard.panel("toy")
        assert isinstance(panel, ToyPanel) and panel.section == snapshot.toy
        assert panel.has_class("-emphasised")
        shown = fmt.signed_pct(snapshot.toy.drawdown_pct)
        assert any(shown in str(row[1]) for row in panel.readings.rows)
        app.action_open_detail("toy")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        detail = screen.panel
        assert isinstance(detail, ToyPanel) and detail.detailed
        assert detail.section == snapshot.toy
        assert len(detail.readings.rows) == 2
