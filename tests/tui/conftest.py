"""Fixtures for the TUI tests: the sample FakeFeed and an app that runs it."""

from __future__ import annotations

import pytest
import pytest_textual_snapshot

from tests.tui.harness import RecordingApp, make_app
from tests.tui.sample import FakeFeed

# pytest-textual-snapshot 1.0 names its file extension with syrupy's old attribute
# (`_file_extension`); the syrupy in uv.lock reads `file_extension`, and would save
# the SVG snapshots as `.raw`. Keep them `.svg`, so they open in any browser.
pytest_textual_snapshot.SVGImageExtension.file_extension = "svg"


@pytest.fixture
def feed() -> FakeFeed:
    """The fake engine the `app` fixture runs."""
    return FakeFeed()


@pytest.fixture
def app(feed: FakeFeed) -> RecordingApp:
    """The app, fed by `feed`."""
    return make_app(lambda: feed)
