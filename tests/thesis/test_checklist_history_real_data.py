"""The checklist as history equals the live checklist, on real data
(../shared/market-data, skipped where absent): for 20 sessions drawn (seeded) from
January to June 2026, the Snapshot `regime snapshot --as-of D --source files:<data>
--config examples/seven-k.toml` gives (built in-process: the engine replaying D) has
the same status for every item and the same scores as row D of `regime history`
(`readings_history(..., keys=["checklist"])`), where the rules run over the joined
columns of every section's readings at once. An item reading a column no section
produces for past sessions (the top-10 weight: weights are today's) is unknown on
every row, as it is in a replay, never a fail."""

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
from core.session import MarketSession
from core.sources.files import FilesSource
from tests.market_data import require_market_data

ROOT = Path(__file__).resolve().parents[2]
START, END = date(2026, 1, 2), date(2026, 6, 30)
SESSIONS = 20


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


@pytest.mark.parametrize("session", sessions(), ids=str)
def test_history_row_equals_the_live_checklist(
    setup: tuple[Settings, FilesSource, pd.DataFrame, pd.DataFrame], session: date
) -> None:
    settings, source, history, _ = setup
    row = history.loc[pd.Timestamp(session)]
    live = Engine(settings, source, replay=Replay(session)).refresh().checklist
    for name in ("bull", "bear"):
        card = getattr(live, name)
        for item in card.items:
            ours = row[f"checklist.{name}.items[{item.id}].status"]
            assert ours == item.status, (session, name, item.id, item.reason)
        assert row[f"checklist.{name}.total"] == card.total
        assert row[f"checklist.{name}.score"] == card.score, (session, name)


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
