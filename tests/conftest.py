"""Test-session guards shared by every test: no user config, no user cache, no
REGIME_* variables from the developer's shell, and no network (pytest-socket is
enabled for the whole session in pyproject's addopts; AF_UNIX stays allowed because
asyncio's event loop needs a socketpair)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Point the platform config and cache directories at a fresh temporary folder."""
    home = tmp_path_factory.mktemp("home")
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(home / name.lower()))
    import os

    for name in list(os.environ):
        if name.startswith("REGIME_"):
            monkeypatch.delenv(name)
    yield home
