"""`regime serve`: a real server started in a child process on a free local port
answers with textual-serve's page for Regime, and its websocket starts the monitor
(--source sim), whose first screen comes back; binding beyond loopback prints one
warning; a bad --port or a port in use is one line and exit 2. The flags given to
`serve` reach the command each browser tab runs. Only 127.0.0.1 is reachable
(pytest-socket's allow_hosts); the children get the test's own XDG folders."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.cli import BadInput, Parser
from tui.serve_command import add_serve_parser, app_command, is_loopback, run_serve

LOCAL = pytest.mark.allow_hosts(["127.0.0.1"])

# `regime serve ...` without relying on tui.cli's hook: the same parser and the same
# BadInput → one line and exit 2.
ENTRY = (
    "import sys\n"
    "from tui.cli import BadInput, Parser, fail\n"
    "from tui.serve_command import add_serve_parser, run_serve\n"
    "parser = Parser(prog='regime')\n"
    "add_serve_parser(parser.add_subparsers(dest='command'))\n"
    "try:\n"
    "    sys.exit(run_serve(parser.parse_args(sys.argv[1:])))\n"
    "except BadInput as error:\n"
    "    fail(str(error))\n"
)

XDG_FOLDERS = ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")
STARTUP = 60.0
"""Seconds a server or the monitor behind it may take to answer (a loaded machine)."""


def parse(*argv: str) -> argparse.Namespace:
    parser = Parser(prog="regime")
    add_serve_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["serve", *argv])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(tmp_path: Path, *flags: str) -> subprocess.Popen[bytes]:
    """`regime serve FLAGS` in its own process group, run from `tmp_path` with its
    folders; its output goes to tmp_path/out and tmp_path/err."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGIME_")}
    env.update({name: str(tmp_path / name.lower()) for name in XDG_FOLDERS})
    with (tmp_path / "out").open("wb") as out, (tmp_path / "err").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-c", ENTRY, "serve", *flags],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )


def stop(server: subprocess.Popen[bytes]) -> None:
    """End the server and every monitor it started (its process group)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):  # a monitor that outlived the server
        os.killpg(server.pid, signal.SIGKILL)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = free_port()
    server = start(tmp_path, "--port", str(port), "--source", "sim")
    try:
        yield port, server
    finally:
        stop(server)


def page(port: int, server: subprocess.Popen[bytes], tmp_path: Path) -> str:
    """The served page, once the server answers (bounded retries)."""
    deadline = time.monotonic() + STARTUP
    while True:
        if server.poll() is not None:
            pytest.fail(f"the server ended: {(tmp_path / 'err').read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                assert response.status == 200
                text: str = response.read().decode()
                return text
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


async def refused_status(url: str, origin: str) -> int | None:
    """The HTTP status the websocket's handshake gets from a page of `origin`
    (None: the handshake succeeded)."""
    import aiohttp

    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(url, headers={"Origin": origin}):
                return None
        except aiohttp.WSServerHandshakeError as error:
            return error.status


async def first_screen(url: str, origin: str | None = None) -> bytes:
    """What the monitor sends back over textual-serve's websocket after the browser's
    first message (its size), escape sequences removed, once it shows both theses."""
    import aiohttp

    received = b""
    headers = {} if origin is None else {"Origin": origin}
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{url}?width=120&height=40", headers=headers) as websocket,
    ):
        await websocket.send_str(json.dumps(["resize", {"width": 120, "height": 40}]))
        deadline = time.monotonic() + STARTUP
        while time.monotonic() < deadline:
            try:
                message = await websocket.receive(timeout=deadline - time.monotonic())
            except TimeoutError:
                break
            if message.type != aiohttp.WSMsgType.BINARY:
                assert message.type == aiohttp.WSMsgType.TEXT, message
                continue
            received += message.data
            text = re.sub(rb"\x1b(\[[0-9;?$<>=]*[A-Za-z~]|\][^\x07]*\x07)", b"", received)
            if b"Bull" in text and b"Bear" in text:
                return text
    pytest.fail(f"no first screen within {STARTUP}s: {received[:500]!r}")


@LOCAL
def test_serves_the_monitor_over_http_and_websocket(
    served: tuple[int, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    port, server = served
    html = page(port, server, tmp_path)
    assert "js/textual.js" in html  # textual-serve's page...
    assert "<div>Regime</div>" in html  # ...for Regime
    match = re.search(r'data-session-websocket-url="([^"]+)"', html)
    assert match is not None
    assert match.group(1) == f"ws://127.0.0.1:{port}/ws"
    screen = asyncio.run(first_screen(match.group(1), origin=f"http://127.0.0.1:{port}"))
    assert b"Price vs key levels" in screen
    # Another site's page, open in the same browser, may not drive the monitor; nor may
    # a name that only resolves here (DNS rebinding).
    assert asyncio.run(refused_status(match.group(1), "http://evil.example")) == 403
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/", headers={"Host": f"evil.example:{port}"}
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=5)
    assert raised.value.code == 403
    out = (tmp_path / "out").read_text()
    assert f"regime: serving the monitor on http://127.0.0.1:{port}" in out
    assert "warning" not in (tmp_path / "err").read_text()


@LOCAL
def test_a_host_beyond_loopback_warns_once(tmp_path: Path) -> None:
    server = start(tmp_path, "--host", "0.0.0.0", "--port", str(free_port()), "--source", "sim")
    try:
        deadline = time.monotonic() + STARTUP
        while "\n" not in (err := (tmp_path / "err").read_text()):
            assert server.poll() is None and time.monotonic() < deadline, err
            time.sleep(0.1)
    finally:
        stop(server)
    first = err.splitlines()[0]
    assert first.startswith("regime: warning: serving on 0.0.0.0:")
    assert "no authentication" in first
    assert err.count("regime: warning:") == 1


@LOCAL
def test_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = start(tmp_path, "--port", str(port), "--source", "sim")
        try:
            assert server.wait(timeout=STARTUP) == 2
        finally:
            stop(server)
    err = (tmp_path / "err").read_text()
    assert err == f"regime: error: --port {port}: already in use on 127.0.0.1\n"


@pytest.mark.parametrize("port", ["0", "65536", "-1", "80.5", "http"])
def test_a_bad_port_is_one_line_and_exit_2(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        parse("--port", port)
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert err == (
        f"regime: error: serve: argument --port: --port {port!r} is not a port from 1 to 65535\n"
    )


def test_defaults_are_localhost_and_8000() -> None:
    args = parse()
    assert (args.host, args.port) == ("127.0.0.1", 8000)


def test_a_bad_source_is_refused_before_serving(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="is not a directory"):
        run_serve(parse("--source", f"files:{tmp_path / 'missing'}"))


def test_the_flags_reach_each_tabs_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    args = parse(
        "--source",
        "files:data",
        "--config",
        "my config.toml",
        "--theme",
        "regime-light",
        "--thesis",
        "bear",
        "--as-of",
        "2025-03-14",
    )
    argv = shlex.split(app_command(args))
    assert argv[:3] == [sys.executable, "-P", "-c"]
    assert argv[4:] == [
        "--source",
        f"files:{tmp_path.resolve() / 'data'}",
        "--config",
        str(tmp_path.resolve() / "my config.toml"),
        "--theme",
        "regime-light",
        "--thesis",
        "bear",
        "--as-of",
        "2025-03-14",
    ]
    assert shlex.split(app_command(parse()))[4:] == []


@LOCAL  # resolving "localhost" reads the hosts file, not the network
def test_loopback_hosts() -> None:
    for host in ("127.0.0.1", "::1", "127.0.0.2", "localhost"):
        assert is_loopback(host), host
    for host in ("0.0.0.0", "::", "192.168.1.10", ""):
        assert not is_loopback(host), host
