"""The dealer-gamma items of the built-in theses (issue 10), read from the gamma section:
the bull's `positive_gamma` (net exposure above 0 and the index above the flip; with no
flip within 0.8-1.2 x spot the profile keeps the net's sign over that whole range, so a
positive net passes and a negative one fails) and the bear's `gamma_ceiling` (the call
wall is the nearest 1,000-point milestone above the index, at most 2 % above it). Pass,
fail and unknown on hand-built Snapshots, unknown (never a fail) without a chain, and
what both say on the real chain of 2026-08-14, through the section and the checklist."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from core.config import Settings
from core.options.files import chain_for_session
from core.section import CycleData, builtin
from core.sections.checklist import ChecklistItem
from core.sections.gamma import of_chain
from core.session import MarketSession
from core.snapshot import Snapshot
from core.sources.files import FilesSource
from core.thesis import builtin_theses, judge
from tests.market_data import require_market_data
from tests.thesis.helpers import snapshot

REAL_SESSION = date(2026, 8, 14)


def gamma(index: float | None = None, **readings: Any) -> Snapshot:
    """A Snapshot whose gamma section has these readings (the rest missing), and the
    index's last price `index` (default: the chain's spot, when given)."""
    fields = {f"gamma.{name}": value for name, value in readings.items()}
    last = readings.get("spot") if index is None else index
    if last is not None:
        fields["price.last"] = last
    return snapshot(**fields)


def positive(shot: Snapshot) -> ChecklistItem:
    return judge(builtin_theses()["bull"].item("positive_gamma"), shot)


def ceiling(shot: Snapshot) -> ChecklistItem:
    return judge(builtin_theses()["bear"].item("gamma_ceiling"), shot)


def wall(spot: float, call_wall: float | None, milestone: float) -> Snapshot:
    """The gamma readings of a chain whose call wall is `call_wall` (None: no calls)."""
    distance = None if call_wall is None else (call_wall / spot - 1) * 100
    return gamma(
        spot=spot,
        total_gex_bn=4.2,
        call_wall=call_wall,
        call_wall_distance_pct=distance,
        milestone_strike=milestone,
    )


# -- positive gamma ---------------------------------------------------------------------


def test_positive_net_with_the_index_above_the_flip_passes() -> None:
    item = positive(gamma(total_gex_bn=31.77, spot=7785.76, zero_gamma=7716.06))
    assert item.status == "pass" and item.reason is None
    assert item.value == "+31.8 $bn"


@pytest.mark.parametrize(
    ("total", "spot", "flip"),
    [
        (-20.85, 4697.24, 4734.72),  # negative gamma, below the flip (the 2024 reference)
        (-3.0, 7000.0, 6950.0),  # negative net even above a flip
        (5.0, 7000.0, 7050.0),  # positive at spot, but the flip is above the index
        (0.0, 7000.0, 6900.0),  # exactly 0 is not positive
    ],
)
def test_negative_net_or_an_index_below_the_flip_fails(
    total: float, spot: float, flip: float
) -> None:
    item = positive(gamma(total_gex_bn=total, spot=spot, zero_gamma=flip))
    assert item.status == "fail" and item.reason is None


def test_the_index_below_the_flip_fails_though_the_chains_spot_was_above() -> None:
    # A chain carried from an earlier session: its spot above the flip, the index since
    # fallen under it (2026-08-18 against the chain of 08-14).
    shot = gamma(index=7691.76, total_gex_bn=31.77, spot=7785.76, zero_gamma=7716.06)
    assert positive(shot).status == "fail"


def test_no_flip_in_range_follows_the_sign_of_the_net() -> None:
    # No sign change from 0.8 to 1.2 x spot: the profile never turns negative when the
    # net at spot is positive (pass), never positive when it is negative (fail).
    assert positive(gamma(total_gex_bn=12.0, spot=7000.0, zero_gamma=None)).status == "pass"
    assert positive(gamma(total_gex_bn=-12.0, spot=7000.0, zero_gamma=None)).status == "fail"


def test_no_chain_leaves_positive_gamma_unknown() -> None:
    missing = snapshot(**{"gamma.status.detail": "no option chain from this source"})
    for shot in (missing, gamma(spot=7000.0, zero_gamma=6900.0)):
        item = positive(shot)
        assert item.status == "unknown" and item.value is None
        assert item.reason == "gamma.total_gex_bn is unknown"


# -- the gamma ceiling ------------------------------------------------------------------


def test_a_call_wall_at_the_next_milestone_within_2_pct_passes() -> None:
    item = ceiling(wall(6950.0, 7000.0, 7000.0))  # 0.72 % below 7,000
    assert item.status == "pass" and item.reason is None
    assert item.value == "7,000"


def test_the_2_pct_boundary() -> None:
    just_within = gamma(index=6863.0, call_wall=7000.0, milestone_strike=7000.0)  # 1.996 %
    just_beyond = gamma(index=6860.0, call_wall=7000.0, milestone_strike=7000.0)  # 2.041 %
    assert ceiling(just_within).status == "pass" and ceiling(just_beyond).status == "fail"


def test_the_ceiling_is_measured_from_the_index_not_the_chains_spot() -> None:
    # The chain's spot was 0.7 % under 7,000; the index has since fallen 4 % under it.
    shot = gamma(index=6720.0, spot=6950.0, call_wall=7000.0, milestone_strike=7000.0)
    assert ceiling(shot).status == "fail"


@pytest.mark.parametrize(
    ("spot", "call_wall", "milestone"),
    [
        (7785.76, 7800.0, 8000.0),  # the wall is a closer strike, not the milestone
        (6800.0, 7000.0, 7000.0),  # at the milestone, but 2.94 % above the index
        (6950.0, 8000.0, 7000.0),  # a milestone, but not the next one
    ],
)
def test_a_wall_elsewhere_or_too_far_fails(spot: float, call_wall: float, milestone: float) -> None:
    item = ceiling(wall(spot, call_wall, milestone))
    assert item.status == "fail" and item.reason is None
    assert item.value == f"{call_wall:,.0f}"


def test_no_chain_or_no_calls_leaves_the_ceiling_unknown() -> None:
    no_chain = ceiling(snapshot())
    assert no_chain.status == "unknown" and no_chain.value is None
    assert no_chain.reason is not None and "gamma.call_wall is unknown" in no_chain.reason
    no_calls = ceiling(wall(6950.0, None, 7000.0))  # a chain of puts only
    assert no_calls.status == "unknown" and "gamma.call_wall" in str(no_calls.reason)


# -- the real chain of 2026-08-14 -------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> Snapshot:
    """The Snapshot as the engine assembles it on 2026-08-14 from the files source: the
    index's bars and that session's chain (options/SPX/2026-08-14.csv)."""
    data = require_market_data("GSPC.csv", f"options/SPX/{REAL_SESSION}.csv")
    settings = Settings()
    index = settings.symbols.index
    bars = FilesSource(data).daily_bars([index], date(2024, 1, 1), REAL_SESSION)
    chain = chain_for_session(data, REAL_SESSION)
    assert chain is not None
    market = MarketSession()
    cycle = CycleData(
        bars=bars,
        members=None,
        state="REPLAY",
        detail=None,
        close_time=market.session_close,
        chains={REAL_SESSION: chain},
    )
    envelope = {
        "as_of": market.session_close(REAL_SESSION),
        "source": {"kind": "files", "simulated": False, "label": f"REPLAY {REAL_SESSION}"},
        "market": {"phase": "closed", "next_open": None, "next_close": None},
    }
    return builtin().assemble(settings, cycle, envelope)


def test_the_real_chain_of_2026_08_14(real: Snapshot) -> None:
    g = real.gamma
    assert g.session == REAL_SESSION and g.total_gex_bn is not None
    assert g.spot is not None and g.zero_gamma is not None
    print(
        f"\n{REAL_SESSION}: net {g.total_gex_bn:+.2f} $bn, spot {g.spot:,.2f}, flip"
        f" {g.zero_gamma:,.2f}, call wall {g.call_wall:,.0f}, milestone {g.milestone_strike:,.0f}"
    )
    # The reading pinned in tests/signals/test_gamma.py: +31.77 $bn/1%, flip 7,716.1,
    # below the index's 7,785.76; the largest call exposure sits at 7,800, not at 8,000.
    assert round(g.total_gex_bn, 2) == 31.77 and round(g.zero_gamma, 1) == 7716.1
    assert g.spot > g.zero_gamma
    assert (g.call_wall, g.milestone_strike) == (7800.0, 8000.0)
    # The checklist the engine scores in the same Snapshot says the same.
    bull = {item.id: item for item in real.checklist.bull.items}
    bear = {item.id: item for item in real.checklist.bear.items}
    assert (bull["positive_gamma"].status, bull["positive_gamma"].value) == ("pass", "+31.8 $bn")
    assert (bear["gamma_ceiling"].status, bear["gamma_ceiling"].value) == ("fail", "7,800")
    # One chain alone through the section (as `regime gamma` computes it) judges alike.
    alone_gamma = of_chain(chain_of(REAL_SESSION), Settings())
    alone = snapshot(**{"gamma": alone_gamma.model_dump(), "price.last": alone_gamma.spot})
    assert positive(alone).status == "pass" and ceiling(alone).status == "fail"


def chain_of(session: date) -> Any:
    chain = chain_for_session(require_market_data(), session)
    assert chain is not None
    return chain
