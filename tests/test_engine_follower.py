"""The status line of a monitor that follows another's fetches (issue 13 item 3): its
data is as fresh as the fetcher's last quotes, so the label dates it by the store's
newest quote fetch, not its daily one; once that is three regular cadences old in
regular hours, the fetcher is stopped, hung or backing off, and the state is STALE
with a detail naming the silent pid and what to do. No network: the fake Yahoo of
tests/test_shared_fetcher.py fills the store."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from core.clock import NEW_YORK, fixed_clock
from core.config import Settings
from core.engine import Engine
from core.sources.shared import SharedFetcher
from tests.test_shared_fetcher import END, NOW, START, FakeYahoo, shared

PID = os.getpid()


def pair(tmp_path: Path) -> tuple[SharedFetcher, FakeYahoo, SharedFetcher]:
    """A fetcher that filled the store, and a follower of it."""
    fetcher, yahoo = shared(tmp_path / "c.db")
    follower, _ = shared(tmp_path / "c.db")
    fetcher.daily_bars(["^GSPC"], START, END)  # daily fetched at 10:55
    return fetcher, yahoo, follower


def test_a_follower_is_dated_by_the_fetchers_last_quotes(tmp_path: Path) -> None:
    fetcher, yahoo, follower = pair(tmp_path)
    yahoo.store.mark_fetched("quotes", NOW - timedelta(seconds=20))
    snapshot = Engine(Settings(), follower, clock=fixed_clock(NOW)).refresh()
    assert snapshot.source.label == "OFFLINE · quotes of Jan 27 10:59"
    assert snapshot.source.fetched_at == NOW - timedelta(seconds=20)
    assert snapshot.source.detail is not None and f"(pid {PID})" in snapshot.source.detail
    assert "silent" not in snapshot.source.detail
    assert snapshot.price.status.state == "OFFLINE"
    fetcher.close()
    follower.close()


def test_a_silent_fetcher_shows_stale_with_its_pid(tmp_path: Path) -> None:
    fetcher, yahoo, follower = pair(tmp_path)
    yahoo.store.mark_fetched("quotes", NOW - timedelta(seconds=46))  # 3 x 15 s ago, and more
    snapshot = Engine(Settings(), follower, clock=fixed_clock(NOW)).refresh()
    assert snapshot.source.label == "STALE · quotes of Jan 27 10:59"
    detail = snapshot.source.detail or ""
    assert detail.startswith(
        f"fetcher pid {PID} silent since 10:59; quit the other Regime to fetch here; "
    )
    assert "another Regime on this machine fetches" in detail
    assert snapshot.price.status.state == "STALE"
    # A slower regular cadence waits longer before calling it silent.
    slow = Settings.model_validate({"refresh": {"regular": 30.0}})
    patient = Engine(slow, follower, clock=fixed_clock(NOW)).refresh()
    assert patient.source.label == "OFFLINE · quotes of Jan 27 10:59"
    fetcher.close()
    follower.close()


def test_outside_regular_hours_old_quotes_are_not_silence(tmp_path: Path) -> None:
    fetcher, yahoo, follower = pair(tmp_path)
    evening = datetime(2026, 1, 27, 21, 0, tzinfo=NEW_YORK)
    yahoo.store.mark_fetched("quotes", evening - timedelta(minutes=10))
    snapshot = Engine(Settings(), follower, clock=fixed_clock(evening)).refresh()
    assert snapshot.source.label == "OFFLINE · quotes of Jan 27 20:50"
    assert "silent" not in (snapshot.source.detail or "")
    fetcher.close()
    follower.close()


def test_the_fetcher_itself_keeps_its_own_label(tmp_path: Path) -> None:
    fetcher, yahoo, follower = pair(tmp_path)
    yahoo.store.mark_fetched("quotes", NOW - timedelta(minutes=5))
    snapshot = Engine(Settings(), fetcher, clock=fixed_clock(NOW)).refresh()
    assert snapshot.source.label == "LIVE" and snapshot.source.fetched_at is None
    fetcher.close()
    follower.close()
