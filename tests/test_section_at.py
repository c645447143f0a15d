"""Replay stepping builds each section from its readings cut at a session
(`Section.at`) instead of computing them again (`compute`): the two must be equal. For
every built-in section with an `at`, a span is fetched once and its readings computed
once (`fetch_cycle`, `frames_of`), then on chosen sessions t — the span's first, one
inside, its last, sessions with an RSI divergence (regular and hidden) active, and
where breadth, RSP/SPY or the VIX term structure start or stop — `at(inputs_t,
frames[key].loc[:t])` equals `compute(inputs_t)` on the cycle cut at t. On the
simulated market (its RSP, VIX3M and members starting inside the span, no VIX9D) and
on the real data with its 503 members (skipped when absent). Option chains are left
out (the sections stepped here read none; a section that does is computed without)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import pandas as pd
import pytest

from core.clock import NEW_YORK, fixed_clock
from core.config import Settings
from core.history import fetch_cycle, frames_of, needed
from core.replay_timeline import cut_cycle
from core.section import CycleData, Inputs, Section, builtin
from core.session import MarketSession
from core.snapshot import MarketInfo, SectionModel, SourceInfo
from core.sources.base import MemberPanel, Source
from core.sources.files import FilesSource
from core.sources.sim import SimSource
from tests.fake_source import FakeSource
from tests.market_data import require_market_data

SETTINGS = Settings()
MINE = {"rsi", "breadth", "vix", "trend", "context"}
"""Sections whose `at` must be set (others are checked once they have one)."""
SESSION = MarketSession()


@dataclass(frozen=True)
class Span:
    """A span's data fetched once and its readings computed once."""

    cycle: CycleData
    frames: dict[str, pd.DataFrame]
    computed: tuple[Section[Any], ...]
    kind: str

    @property
    def sessions(self) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(self.frames["sessions"].index)


def stepped() -> tuple[Section[Any], ...]:
    return tuple(section for section in builtin() if section.at is not None)


def span_of(source: Source, start: date, end: date) -> Span:
    computed = needed(builtin(), stepped())
    cycle = fetch_cycle(SETTINGS, source, start, end, computed)
    frames = frames_of(SETTINGS, cycle, builtin(), computed, None, start)
    return Span(cycle, frames, computed, source.kind)


def steps(span: Span, t: pd.Timestamp) -> Iterator[tuple[str, SectionModel, SectionModel]]:
    """(key, at, compute) of every stepped section on session `t`, the sections computed
    in order, each reading the earlier ones and their frames cut at t."""
    registry = builtin()
    as_of = SESSION.session_close(t.date())
    cycle = replace(cut_cycle(span.cycle, t), close_time=SESSION.session_close)
    envelope = {
        "as_of": as_of,
        "source": SourceInfo(kind=span.kind, simulated=False, label="REPLAY", replay=True),
        "market": MarketInfo(phase="closed", next_open=None, next_close=None),
    }
    earlier: dict[str, SectionModel] = {}
    frames: dict[str, pd.DataFrame] = {"sessions": span.frames["sessions"].loc[:t]}
    for section in span.computed:
        inputs = Inputs(SETTINGS, cycle, None, dict(earlier), registry, dict(frames), envelope)
        computed = section.compute(inputs)
        frame = span.frames[section.key].loc[:t]
        if section.at is not None:
            yield section.key, section.at(inputs, frame), computed
        earlier[section.key] = computed
        frames[section.key] = frame


def check(span: Span, sessions: Sequence[pd.Timestamp]) -> dict[str, list[SectionModel]]:
    """Assert at == compute for every stepped section on each session; the models built."""
    built: dict[str, list[SectionModel]] = {}
    for t in sessions:
        for key, stepped_model, computed in steps(span, t):
            assert stepped_model == computed, (
                f"{key}.at differs from compute on {t.date()}:\n"
                f"at:      {stepped_model!r}\ncompute: {computed!r}"
            )
            built.setdefault(key, []).append(stepped_model)
    return built


def first(mask: pd.Series) -> pd.Timestamp:
    """The first session where `mask` holds (there must be one)."""
    hits = mask.index[mask.to_numpy(dtype=bool)]
    assert len(hits), f"no session where {mask.name} holds"
    stamp: pd.Timestamp = hits[0]
    return stamp


def last(mask: pd.Series) -> pd.Timestamp:
    hits = mask.index[mask.to_numpy(dtype=bool)]
    assert len(hits), f"no session where {mask.name} holds"
    stamp: pd.Timestamp = hits[-1]
    return stamp


def in_span(span: Span, column: pd.Series) -> pd.Series:
    """`column` on the span's sessions (sessions it lacks: NaN)."""
    return column.reindex(span.sessions)


def around(span: Span, stamp: pd.Timestamp) -> list[pd.Timestamp]:
    """The session before `stamp` (when in the span), `stamp`, and the one after."""
    position = span.sessions.get_loc(stamp)
    assert isinstance(position, int)
    chosen = span.sessions[max(0, position - 1) : position + 2]
    return list(chosen)


def divergence_sessions(span: Span) -> list[pd.Timestamp]:
    """A session on which each kind of divergence is confirmed, and one on which it has
    been active a few sessions."""
    rsi = span.frames["rsi"].reindex(span.sessions)
    chosen = []
    for name in ("divergence", "hidden_divergence"):
        active = rsi[f"rsi.{name}.sessions_active"]
        chosen.append(first(active == 0))
        chosen.append(last(active >= 3))
    return chosen


def base_sessions(span: Span) -> list[pd.Timestamp]:
    sessions = span.sessions
    return [sessions[0], sessions[len(sessions) // 2], sessions[-1], *divergence_sessions(span)]


def assert_divergences_checked(built: dict[str, list[SectionModel]]) -> None:
    """The sessions chosen had both kinds of divergence active, with their pivots."""
    rsi: list[Any] = built["rsi"]
    assert any(len(model.divergence.pivots) == 2 for model in rsi)
    assert any(len(model.hidden_divergence.pivots) == 2 for model in rsi)


NOW = datetime(2026, 3, 2, 18, 0, tzinfo=NEW_YORK)
SIM_SPAN = (date(2024, 6, 3), date(2026, 2, 27))
MEMBERS_START = date(2024, 9, 3)
STARTS = {SETTINGS.symbols.equal_weight: date(2025, 1, 6), SETTINGS.symbols.vix3m: date(2025, 3, 3)}
"""Where the simulated members', RSP's and VIX3M's data begin (inside the span)."""


@pytest.fixture(scope="module")
def sim_span() -> Span:
    """The simulated market with breadth, RSP/SPY and the term structure starting inside
    the span and no VIX9D at all."""
    sim = SimSource(seed=11, clock=fixed_clock(NOW), members=60)
    start, end = date(2022, 1, 3), SIM_SPAN[1]
    symbols = builtin().symbols(SETTINGS)
    bars = dict(sim.daily_bars(symbols, start, end))
    del bars[SETTINGS.symbols.vix9d]
    for symbol, first_day in STARTS.items():
        bars[symbol] = bars[symbol].loc[pd.Timestamp(first_day) :]
    members = sim.members(start, end)
    members = MemberPanel(
        closes=members.closes.loc[pd.Timestamp(MEMBERS_START) :], info=members.info
    )
    source = FakeSource(bars, members, kind="sim", simulated=True)
    return span_of(source, *SIM_SPAN)


def test_every_stepped_section_has_its_at() -> None:
    assert {section.key for section in stepped()} >= MINE


def test_at_equals_compute_on_the_simulated_market(sim_span: Span) -> None:
    span = sim_span
    breadth = span.frames["breadth"]
    sessions = base_sessions(span)
    sessions += around(span, breadth.index[0])  # breadth's first session, and the one before
    sessions += around(span, first(in_span(span, breadth["breadth.rsp_spy_ratio"]).notna()))
    sessions += around(span, first(in_span(span, breadth["breadth.rsp_spy_vs_50d_pct"]).notna()))
    sessions += around(span, first(in_span(span, span.frames["vix"]["vix.vix3m"]).notna()))
    built = check(span, sorted(set(sessions)))
    assert_divergences_checked(built)
    assert any(model.status.detail and "RSP" in model.status.detail for model in built["breadth"])


def test_a_lagging_at_is_caught(sim_span: Span) -> None:
    """The check is not vacuous: an `at` reading the row before the session's differs."""
    rsi = builtin()["rsi"]
    assert rsi.at is not None
    lagging = replace(rsi, at=lambda inputs, frame: rsi.at(inputs, frame.iloc[:-1]))  # type: ignore[misc]
    span = replace(
        sim_span, computed=tuple(lagging if s.key == "rsi" else s for s in sim_span.computed)
    )
    with pytest.raises(AssertionError, match=r"rsi\.at differs"):
        check(span, base_sessions(span))


class NoChains(FilesSource):
    """The real data without its option chains (the sections stepped here read none)."""

    def __init__(self, directory: Any) -> None:
        super().__init__(directory)
        self.capabilities = self.capabilities - {"option_chains"}


REAL_SPAN = (date(2023, 6, 1), date(2026, 8, 21))


def test_at_equals_compute_on_the_real_data() -> None:
    directory = require_market_data("GSPC.csv", "RSP.csv", "constituents/closes.csv")
    span = span_of(NoChains(directory), *REAL_SPAN)
    assert span.cycle.members is not None and span.cycle.members.closes.shape[1] >= 500
    ratio = in_span(span, span.frames["breadth"]["breadth.rsp_spy_ratio"])
    sessions = base_sessions(span) + around(span, last(ratio.notna()))  # RSP's data end
    built = check(span, sorted(set(sessions)))
    assert_divergences_checked(built)
