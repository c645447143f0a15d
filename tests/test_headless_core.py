"""core/ must never import textual or rich: every module of core is imported in a
fresh interpreter and the test asserts neither library was loaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def core_modules() -> list[str]:
    return sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in (ROOT / "core").rglob("*.py")
    )


def test_core_modules_are_found() -> None:
    modules = core_modules()
    assert "core.engine" in modules
    assert "core.sources.yahoo" in modules
    assert len(modules) > 10


def test_importing_all_of_core_loads_neither_textual_nor_rich() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"core imported: {result.stdout.strip()}"


def test_the_network_is_blocked_in_tests() -> None:
    import socket

    import pytest
    import pytest_socket

    with (
        pytest.warns(UserWarning, match="tried to use socket"),
        pytest.raises(pytest_socket.SocketBlockedError),
    ):
        socket.create_connection(("127.0.0.1", 9), timeout=0.1)
