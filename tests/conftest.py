"""Test-session guards shared by every test: no user config, cache or log, no
REGIME_* variables from the developer's shell, and no network (pytest-socket is
enabled for the whole session in pyproject's addopts; AF_UNIX stays allowed because
asyncio's event loop needs a socketpair)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

XDG_FOLDERS = ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")


@pytest.fixture(autouse=True, scope="session")
def isolated_session_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The same for what runs before a test's own folders exist: module-scoped
    fixtures (monitors started once for several tests) and their child processes."""
    import os

    home = tmp_path_factory.mktemp("session-home")
    saved = {name: os.environ.get(name) for name in XDG_FOLDERS}
    os.environ.update({name: str(home / name.lower()) for name in XDG_FOLDERS})
    yield home
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def isolated_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Point the platform config and cache directories at a fresh temporary folder."""
    home = tmp_path_factory.mktemp("home")
    for name in XDG_FOLDERS:
        monkeypatch.setenv(name, str(home / name.lower()))
    import os

    for name in list(os.environ):
        if name.startswith("REGIME_"):
            monkeypatch.delenv(name)
    yield home
