"""A replay stands at a past close: the status line names that close instead of a
countdown and a data age measured against today's clock."""

from __future__ import annotations

from tests.tui.harness import make_app, wait_for_data
from tests.tui.sample import FakeFeed, sample_snapshot


async def test_a_replay_names_its_close_instead_of_counting_down() -> None:
    snapshot = sample_snapshot()
    replay = snapshot.model_copy(
        update={"source": snapshot.source.model_copy(update={"replay": True, "label": "REPLAY"})}
    )
    app = make_app(lambda: FakeFeed(replay))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot)
        text = str(app.dashboard.status_line.clock_part.render())
        assert text == "replaying the close of Jan 28 16:00 ET"
        assert "opens in" not in text and "old" not in text
