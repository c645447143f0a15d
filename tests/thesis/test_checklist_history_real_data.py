"""The checklist as history equals the live checklist, on real data
(../shared/market-data, skipped where absent): for 20 sessions drawn (seeded) from
January to June 2026, the Snapshot `regime snapshot --as-of D --source files:<data>
--config examples/seven-k.toml` gives (built in-process: the engine replaying D) has
the same status for every item and the same scores as row D of `regime history`
(`readings_history(..., keys=["checklist"])`), where the rules run over the joined
columns of every section's readings at once. What cannot be compared is said and
checked for what it must be: an item reading a section without readings as history,
or a column no section produces for past sessions, is unknown on every row of the
history (never a fail), and the history's score leaves out exactly those items."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from core.config import Settings, load_settings
from core.engine import Engine
from core.history import readings_history
from core.replay import Replay
from core.rules import Attr, Binary, Call, Name, Node, Unary, path_of
from core.section import builtin
from core.session import MarketSession
from core.sources.files import FilesSource
from core.thesis import ThesisItem, load_theses
from tests.market_data import require_market_data

ROOT = Path(__file__).resolve().parents[2]
START, END = date(2026, 1, 2), date(2026, 6, 30)
SESSIONS = 20


def fields_read(node: Node) -> set[str]:
    """The Snapshot fields a rule reads by path (`price.last`); level() aside."""
    if isinstance(node, Name):
        return {node.name}
    if isinstance(node, Attr):
        return {path_of(node)} if isinstance(_root(node), Name) else fields_read(node.obj)
    if isinstance(node, Call):
        return set().union(*(fields_read(arg) for arg in node.args))
    if isinstance(node, Unary):
        return fields_read(node.operand)
    if isinstance(node, Binary):
        return fields_read(node.left) | fields_read(node.right)
    return set()


def _root(node: Node) -> Node:
    return _root(node.obj) if isinstance(node, Attr) else node


@pytest.fixture(scope="module")
def setup() -> tuple[Settings, FilesSource, pd.DataFrame, pd.DataFrame]:
    data = require_market_data("GSPC.csv", "VIX.csv", "RUT.csv", "IXIC.csv")
    settings = load_settings(ROOT / "examples" / "seven-k.toml")
    source = FilesSource(data)
    checklist = readings_history(settings, source, START, END, keys=["checklist"])
    produced = readings_history(settings, source, START, END)
    return settings, source, checklist, produced


def sessions() -> list[date]:
    return sorted(random.Random(7).sample(MarketSession().sessions(START, END), SESSIONS))


def comparable(item: ThesisItem, columns: pd.Index) -> str | None:
    """Why the item's history cannot equal its live status, or None when it must."""
    registry = builtin()
    for field in sorted(fields_read(item.rule.node)):
        key = field.split(".", 1)[0]
        if key in registry and registry[key].readings is None:
            return f"section {key} has no readings as history yet"
        if field not in columns:
            return f"{field} is not a reading of a past session"
    return None


@pytest.mark.parametrize("session", sessions(), ids=str)
def test_history_row_equals_the_live_checklist(
    setup: tuple[Settings, FilesSource, pd.DataFrame, pd.DataFrame], session: date
) -> None:
    settings, source, history, produced = setup
    row = history.loc[pd.Timestamp(session)]
    live = Engine(settings, source, replay=Replay(session)).refresh().checklist
    theses = load_theses(settings.theses)
    for name in ("bull", "bear"):
        card = getattr(live, name)
        thesis = theses[name]
        left_out = 0
        for item in card.items:
            ours = row[f"checklist.{name}.items[{item.id}].status"]
            why = comparable(thesis.item(item.id), produced.columns)
            if why is None or item.status == "unknown":
                assert ours == item.status, (session, name, item.id, item.reason)
                continue
            print(f"{session} {name}.{item.id}: live {item.status}, history {ours} ({why})")
            assert ours == "unknown", (session, name, item.id, why)
            left_out += item.status == "pass"
        assert row[f"checklist.{name}.total"] == card.total
        assert row[f"checklist.{name}.score"] == card.score - left_out, (session, name)


def test_a_column_no_section_produces_is_unknown_on_every_session(
    setup: tuple[Settings, FilesSource, pd.DataFrame, pd.DataFrame],
) -> None:
    _, _, history, produced = setup
    assert "breadth.top10_concentration_pct" not in produced.columns
    statuses = history["checklist.bear.items[top10_concentration].status"]
    assert set(statuses) == {"unknown"}
    for name in ("bull", "bear"):
        items = [
            column for column in history.columns if column.startswith(f"checklist.{name}.items")
        ]
        passes = (history[items] == "pass").sum(axis=1)
        assert (history[f"checklist.{name}.score"] == passes).all()
        assert history[f"checklist.{name}.score"].dtype.kind == "i"
