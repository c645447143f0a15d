"""The gamma section: dealer gamma exposure of the index's options (issue 10), from the
option chains a source serves (`CycleData.chains`, by session): net, call and put
exposure in $bn per 1 % move, the regime (positive or negative gamma), the zero-gamma
flip, the call and put walls with their distances from spot, the share of exposure
expiring within 1 and 5 sessions, the exposure at the next 1,000-point milestone
strike and its rank, what was used and what was left out, plus, for the panel, the
profile of net exposure from 0.8 to 1.2 × spot, exposure by strike around spot and by
expiry. `core.signals.gamma` computes them from one chain. Readings are one row per
session with a chain, carried forward over at most `MAX_CHAIN_AGE` sessions without one
(options are slow data: a chain stays the reading until a newer one, but a week-old
chain is no reading of today); today's reading is the last row. The flip and the walls
are price levels too (`levels`: kind `gamma` on the price panel)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from core import format as fmt
from core.columns import unflatten
from core.section import Inputs, Section, latest, noted, the_index
from core.snapshot import Frozen, PanelStatus, SectionModel

if TYPE_CHECKING:
    import pandas as pd

    from core.config import Settings
    from core.options.chain import OptionChain
    from core.signals.gamma import GammaReading

KEY = "gamma"

MAX_CHAIN_AGE = 5
"""Sessions a chain stays the reading after its own (a week of sessions): past that the
section is unknown, saying how old the latest chain is."""
BY_STRIKE_BAND = 0.05
"""Exposure by strike is kept for strikes within this fraction of spot (the panel's
bar chart; the walls may lie further out and are readings of their own)."""
LEVEL_NAMES = {"zero_gamma": "Gamma flip", "call_wall": "Call wall", "put_wall": "Put wall"}
"""The price levels the section adds, by reading."""
T_CONVENTION = (
    "T = max(weekdays from the as-of date to the expiry, 1) / 262, as numpy.busday_count "
    "counts them (the public GEX calculators' convention); r = q = 0"
)
"""How time to expiry is counted, as the detail view says it."""


class ProfilePoint(Frozen):
    """Net exposure if the index stood at `spot` (gamma re-priced there)."""

    spot: float
    gex_bn: float


class StrikeExposure(Frozen):
    """Exposure at one strike, all expiries summed."""

    strike: float
    call_gex_bn: float
    put_gex_bn: float
    """Negative (puts count −)."""

    @property
    def net_gex_bn(self) -> float:
        """Calls plus puts."""
        return self.call_gex_bn + self.put_gex_bn


class ExpiryExposure(Frozen):
    """Exposure of one expiry, all strikes summed."""

    expiry: date
    sessions: int
    """Sessions still to close up to and including the expiry's, counted in weekdays
    as T counts them, holidays not skipped (`signals.gamma.sessions_to_expiry`)."""
    call_gex_bn: float
    put_gex_bn: float
    net_gex_bn: float


class GammaSection(SectionModel):
    """Dealer gamma exposure of the index's options. Exposures in $bn per 1 % move;
    distances in % of spot, negative below it."""

    session: date | None = None
    """The session the chain belongs to."""
    as_of: datetime | None = None
    """When the chain's quotes are from."""
    fetched_at: datetime | None = None
    """When it was fetched from the network (None: read from files or simulated)."""
    chain_source: str | None = None
    """Where the chain came from: a file's path, `yahoo`, `sim`."""
    spot: float | None = None
    """The underlying at `as_of`."""
    total_gex_bn: float | None = None
    call_gex_bn: float | None = None
    put_gex_bn: float | None = None
    regime: Literal["positive", "negative"] | None = None
    """The sign of the net exposure at spot."""
    zero_gamma: float | None = None
    """The flip: where the re-priced net exposure changes sign nearest spot (None when
    it does not within 0.8–1.2 × spot)."""
    zero_gamma_distance_pct: float | None = None
    call_wall: float | None = None
    """The strike with the largest call exposure."""
    call_wall_distance_pct: float | None = None
    put_wall: float | None = None
    """The strike with the largest put exposure (it may lie above spot)."""
    put_wall_distance_pct: float | None = None
    share_within_1_session: float | None = None
    """Share of the absolute exposure expiring within 1 session, 0–1."""
    share_within_5_sessions: float | None = None
    milestone_strike: float | None = None
    """The nearest multiple of 1,000 above spot."""
    milestone_gex_bn: float | None = None
    """Net exposure at that strike."""
    milestone_strike_rank: int | None = None
    """Its rank among strikes by net exposure, 1 = the largest."""
    expiries_used: int | None = None
    contracts_used: int | None = None
    contracts_excluded: int | None = None
    excluded_expired: int | None = None
    """Contracts already expired at the as-of moment."""
    excluded_invalid_row: int | None = None
    """Rows that are no contract (no expiry, kind or positive strike)."""
    excluded_no_implied_vol: int | None = None
    """Implied vol missing or not positive (Yahoo's placeholders included)."""
    excluded_no_open_interest: int | None = None
    profile: tuple[ProfilePoint, ...] = ()
    """Net exposure from 0.8 to 1.2 × spot (a chart series, not a reading)."""
    by_strike: tuple[StrikeExposure, ...] = ()
    """Strikes within `BY_STRIKE_BAND` of spot, ascending (a chart series)."""
    by_expiry: tuple[ExpiryExposure, ...] = ()
    """Every expiry used, nearest first."""


_CACHE_SIZE = 4


class _Readings:
    """The last few chains' readings, by the chain object: one cycle asks for the same
    chain's reading three times (its row, today's section, the price levels). Safe to
    share between threads (an engine's cycle and a history may run at once)."""

    def __init__(self) -> None:
        self._kept: OrderedDict[int, tuple[OptionChain, GammaReading]] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, chain: OptionChain) -> GammaReading:
        from core.signals.gamma import gamma_reading

        with self._lock:
            kept = self._kept.get(id(chain))
            if kept is not None and kept[0] is chain:
                self._kept.move_to_end(id(chain))
                return kept[1]
        reading = gamma_reading(chain)
        with self._lock:
            self._kept[id(chain)] = (chain, reading)
            while len(self._kept) > _CACHE_SIZE:
                self._kept.popitem(last=False)
        return reading


_READINGS = _Readings()


def row_of(session: date, chain: OptionChain, reading: GammaReading) -> dict[str, Any]:
    """One session's readings, named as the section's columns are."""
    from core.signals.gamma import OPTIONAL_READINGS

    counts = reading.excluded_by_reason
    row: dict[str, Any] = {
        "session": session,
        "as_of": chain.as_of,
        "fetched_at": chain.fetched_at,
        "chain_source": chain.source,
        "spot": reading.spot,
        **{name: getattr(reading, name) for name in OPTIONAL_READINGS},
        "expiries_used": reading.expiries_used,
        "contracts_used": reading.contracts_used,
        "contracts_excluded": reading.contracts_excluded,
        **{f"excluded_{reason}": counts.get(reason, 0) for reason in counts},
    }
    return {f"{KEY}.{name}": value for name, value in row.items()}


def readings(inputs: Inputs) -> pd.DataFrame:
    """One row per session of the index and of the chains: each the reading of the
    latest chain on or before it, within `MAX_CHAIN_AGE` sessions; unknown before the
    first chain and where the latest is older."""
    import pandas as pd

    # One pass over the chains, in whatever order they come: a history's are loaded as
    # they are iterated (`core.chain_sessions.ChainsOfSessions`), never all held. A
    # session whose chain could not be had (None) is a row of its own, unknown, so that
    # no earlier chain is carried over it (as a replay of it shows none).
    rows = {
        pd.Timestamp(session): (
            {f"{KEY}.session": session}
            if chain is None
            else row_of(session, chain, _READINGS.of(chain))
        )
        for session, chain in inputs.cycle.chains.items()
    }
    frame = pd.DataFrame.from_dict(rows, orient="index", dtype=object).sort_index()
    if frame.empty:
        frame = pd.DataFrame(columns=[f"{KEY}.session"], index=pd.DatetimeIndex([]))
    frame = frame.infer_objects()
    index = inputs.cycle.bars.get(inputs.settings.symbols.index)
    sessions = frame.index if index is None else index.index.union(frame.index)
    if not sessions.equals(frame.index):
        frame = frame.reindex(sessions, method="ffill", limit=MAX_CHAIN_AGE)
    frame.index.name = "date"
    return frame


def levels(inputs: Inputs) -> dict[str, pd.Series]:
    """The flip and the walls by session, as price levels."""
    frame = inputs.frames.get(KEY)
    if frame is None:
        frame = readings(inputs)
    return {
        name: frame[f"{KEY}.{reading}"].astype("float64")
        for reading, name in LEVEL_NAMES.items()
        if f"{KEY}.{reading}" in frame
    }


def _series(
    chain: OptionChain, reading: GammaReading
) -> tuple[tuple[ProfilePoint, ...], tuple[StrikeExposure, ...], tuple[ExpiryExposure, ...]]:
    """The chart series of one chain: the profile, by strike near spot, by expiry."""
    from core.signals.gamma import sessions_to_expiry

    profile = tuple(
        ProfilePoint(spot=float(level), gex_bn=float(value))
        for level, value in zip(reading.profile_spot, reading.profile_gex_bn, strict=True)
    )
    spot = reading.spot
    near = abs(reading.strikes / spot - 1.0) <= BY_STRIKE_BAND + 1e-12  # 105 of 100 is in
    by_strike = tuple(
        StrikeExposure(strike=float(strike), call_gex_bn=float(call), put_gex_bn=float(put))
        for strike, call, put in zip(
            reading.strikes[near],
            reading.call_by_strike[near],
            reading.put_by_strike[near],
            strict=True,
        )
    )
    sessions = sessions_to_expiry(reading.expiries, chain.as_of)
    by_expiry = tuple(
        ExpiryExposure(
            expiry=expiry.astype("datetime64[D]").item(),
            sessions=int(count),
            call_gex_bn=float(call),
            put_gex_bn=float(put),
            net_gex_bn=float(net),
        )
        for expiry, count, call, put, net in zip(
            reading.expiries,
            sessions,
            reading.call_by_expiry,
            reading.put_by_expiry,
            reading.net_by_expiry,
            strict=True,
        )
    )
    return profile, by_strike, by_expiry


def _why_lines(reading: GammaReading) -> list[str]:
    """The reasons readings are unknown, each said once ("zero gamma: no sign change ...")."""
    said: dict[str, list[str]] = {}
    for field, why in reading.why.items():
        if field.endswith("_distance_pct"):
            continue
        said.setdefault(why, []).append(field.replace("_", " "))
    return [f"{', '.join(fields)}: {why}" for why, fields in said.items()]


def compute(inputs: Inputs) -> GammaSection:
    """Today's reading: the last row of the readings, with the latest chain's chart
    series and its notes; unknown, saying why, with no chain or a stale one."""
    import pandas as pd

    cycle = inputs.cycle
    if not cycle.chains:
        why = cycle.chains_missing or "no option chain from this source"
        return fallback(cycle.status(None, why), inputs.settings)
    frame = readings(inputs)
    row = latest(frame)
    session = row.get(f"{KEY}.session")
    if session is None:
        newest = max(cycle.chains)
        shown = frame.index[-1].date()
        why = (
            f"the latest option chain, of {newest}, is more than {MAX_CHAIN_AGE} sessions"
            f" before {shown}"
        )
        return fallback(cycle.status(None, why), inputs.settings)
    session = pd.Timestamp(session).date()
    chain = cycle.chains[session]
    if chain is None:
        why = cycle.chains_missing or f"the option chain of {session} could not be read"
        return fallback(cycle.status(None, why), inputs.settings)
    from core.signals.gamma import as_of_new_york

    reading = _READINGS.of(chain)
    status = cycle.status(pd.Timestamp(session))
    quoted = as_of_new_york(chain.as_of)
    if status.as_of is not None and quoted < status.as_of:
        status = status.model_copy(update={"as_of": quoted})
    fields = unflatten(GammaSection, KEY, row)
    profile, by_strike, by_expiry = _series(chain, reading)
    return GammaSection(
        **fields,
        status=noted(status, [*chain.notes, *_why_lines(reading)]),
        profile=profile,
        by_strike=by_strike,
        by_expiry=by_expiry,
    )


def fallback(status: PanelStatus, settings: Settings) -> GammaSection:
    """No readings."""
    return GammaSection(status=status)


def _signed_bn(value: float | None) -> str:
    return fmt.UNKNOWN if value is None else f"{value:+,.2f} $bn"


def _level(value: float | None, distance: float | None) -> str:
    if value is None:
        return fmt.UNKNOWN
    return f"{fmt.price(value)} ({fmt.signed_pct(distance)})"


def text(g: GammaSection) -> list[str]:
    """The regime and totals, the flip and the walls, the milestone strike, what was used."""
    regime = f"{g.regime} gamma " if g.regime else ""
    chain = f"chain of {g.as_of:%Y-%m-%d %H:%M}" if g.as_of else "no chain"
    lines = [
        f"Gamma: {regime}{_signed_bn(g.total_gex_bn)} per 1%"
        f" (calls {_signed_bn(g.call_gex_bn)}, puts {_signed_bn(g.put_gex_bn)})"
        f" · {chain}  {fmt.status_text(g.status)}",
        f"  flip {_level(g.zero_gamma, g.zero_gamma_distance_pct)}"
        f" · call wall {_level(g.call_wall, g.call_wall_distance_pct)}"
        f" · put wall {_level(g.put_wall, g.put_wall_distance_pct)}",
    ]
    if g.milestone_strike is not None:
        rank = fmt.count(g.milestone_strike_rank)
        lines.append(
            f"  {fmt.price(g.milestone_strike)} strike: {_signed_bn(g.milestone_gex_bn)}"
            f" (rank {rank} of the strikes)"
        )
    lines.append(
        f"  used {fmt.count(g.contracts_used)} contracts in {fmt.count(g.expiries_used)}"
        f" expiries · left out {fmt.count(g.contracts_excluded)}"
    )
    return lines


SECTION = Section(
    key=KEY,
    model=GammaSection,
    order=5,  # before the price section, which lists the flip and the walls as levels
    compute=compute,
    fallback=fallback,
    text=text,
    symbols=the_index,  # its readings lie on the index's sessions
    readings=readings,
    levels=levels,
    needs_chains=True,
)


def of_chain(chain: OptionChain, settings: Settings) -> GammaSection:
    """The section from one chain alone (`regime gamma --chain`), by `compute` on a cycle
    whose only data is that chain, in the state of a replay: the chain is the reading of
    the NYSE session on or before its date (a weekend export belongs to the Friday) and
    is dated, as in a Snapshot, no later than that session's close; outside the NYSE
    calendar (before 2000, over a year ahead) it is its own session, dated at its moment."""
    from collections.abc import Callable

    from core.section import CycleData, Registry
    from core.session import MarketSession

    calendar = MarketSession()
    close_time: Callable[[date], datetime] = calendar.session_close
    try:
        session = calendar.last_session_on_or_before(chain.as_of.date())
    except ValueError:
        session = chain.as_of.date()

        def close_time(day: date) -> datetime:
            return chain.as_of

    cycle = CycleData(
        bars={},
        members=None,
        state="REPLAY",
        detail=None,
        close_time=close_time,
        chains={session: chain},
    )
    envelope = {"as_of": chain.as_of}
    return compute(Inputs(settings, cycle, None, {}, Registry((SECTION,)), {}, envelope))
