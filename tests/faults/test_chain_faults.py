"""Faults of the option chain's fetch (issue 10): a bug in a source's chain and a chain
dated outside the NYSE calendar are named once on the gamma panel (the chain's failure
is that panel's alone: the cycle is healthy, the other panels untouched) and asked again
after the chain's own backoff; a chain with no contracts is no failure, only gamma
unknown; the prices stay on show throughout."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from core.clock import NEW_YORK
from core.engine import Backoff
from core.options.chain import empty_contracts
from tests.fake_source import small_chain
from tests.test_engine import index_source, make_engine

NOW = datetime(2026, 1, 27, 11, 0, tzinfo=NEW_YORK)
TUESDAY = date(2026, 1, 27)


def test_a_bug_in_a_sources_chain_is_one_line_and_the_prices_stay() -> None:
    source = index_source(chains={TUESDAY: small_chain(NOW)})
    source.chain_fail_with = KeyError("impliedVolatility")
    engine = make_engine(source, backoff=Backoff(first=0.0, jitter=0.0))
    snapshot = engine.refresh()
    assert engine.failures == []
    assert snapshot.price.last is not None and snapshot.price.status.detail is None
    detail = snapshot.gamma.status.detail or ""
    assert detail.count("option chain: KeyError: 'impliedVolatility'") == 1 and "\n" not in detail
    source.chain_fail_with = None
    healed = engine.refresh()  # asked again once its backoff (none here) has passed
    assert healed.gamma.total_gex_bn is not None and healed.gamma.status.detail is None


def test_a_chain_dated_outside_the_calendar_is_a_failure_not_a_crash() -> None:
    far = datetime(1990, 1, 2, 11, 0, tzinfo=NEW_YORK)
    source = index_source(chains={TUESDAY: small_chain(far)})
    engine = make_engine(source, backoff=Backoff(first=0.0, jitter=0.0))
    snapshot = engine.refresh()
    detail = snapshot.gamma.status.detail or ""
    assert "option chain: ValueError" in detail and "outside the NYSE calendar" in detail
    assert snapshot.gamma.total_gex_bn is None and snapshot.price.last is not None
    engine.refresh()
    assert len(source.chain_calls) == 2  # not taken: asked again


def test_a_chain_with_no_contracts_leaves_gamma_unknown() -> None:
    empty = replace(small_chain(NOW), contracts=empty_contracts())
    source = index_source(chains={TUESDAY: empty})
    engine = make_engine(source)
    snapshot = engine.refresh()
    assert engine.failures == []
    assert snapshot.gamma.total_gex_bn is None
    assert "no contracts in the chain" in (snapshot.gamma.status.detail or "")
    assert snapshot.price.status.state == "LIVE"
