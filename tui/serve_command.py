"""The `regime serve` command: serves the monitor to web browsers with textual-serve,
Textual's own server. Each browser tab that connects gets its own `regime` process,
started with the flags given to `serve` (--source, --config, --theme, --thesis,
--as-of) by this interpreter, so it runs from any folder and without `regime` on the
PATH; the processes share the store and its single fetcher as terminals do. It binds
to 127.0.0.1 unless --host says otherwise, and then warns on stderr that anyone who can
reach the address can use the monitor: textual-serve has no authentication. A bad
--port, a port already in use or a host that cannot be bound is one line and exit 2
(tui.cli's BadInput), before anything is served."""

from __future__ import annotations

import argparse
import errno
import ipaddress
import shlex
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tui.cli import BadInput, Parser, _shared_flags, check_inputs, load_view, replay_of

if TYPE_CHECKING:
    from aiohttp import web
    from textual_serve.server import Server

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "add_serve_parser", "app_command", "run_serve"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
"""textual-serve's own default port."""

# Runs tui.cli as an import, not as __main__ (`-m tui.cli`): as __main__ the module
# would be loaded twice and BadInput raised from tui.log_command would escape main's
# handler as a traceback. -P keeps the current folder off sys.path.
_ENTRY = "import sys; from tui.cli import main; sys.exit(main())"


def _port(text: str) -> int:
    """A parser of --port: a whole number from 1 to 65535."""
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"--port {text!r} is not a port from 1 to 65535")
    return port


def add_serve_parser(commands: argparse._SubParsersAction[Parser]) -> None:
    """`regime serve`'s flags."""
    serve = commands.add_parser(
        "serve",
        help="serve the monitor to web browsers (textual-serve)",
        description=(
            "Serve the monitor to web browsers with textual-serve: each tab runs the "
            "monitor with the data and view flags given here. It listens on 127.0.0.1 "
            "unless --host says otherwise; there is no authentication, so anyone who can "
            "reach another address can use it."
        ),
    )
    serve.add_argument(
        "--host",
        default=DEFAULT_HOST,
        metavar="HOST",
        help=f"address to listen on (default: {DEFAULT_HOST}, this machine only)",
    )
    serve.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        metavar="N",
        help=f"port to listen on (default: {DEFAULT_PORT})",
    )
    _shared_flags(serve)


def app_command(args: argparse.Namespace) -> str:
    """The shell command textual-serve runs for each browser tab: `regime` with the
    data and view flags given to `serve`, paths made absolute."""
    argv = [sys.executable, "-P", "-c", _ENTRY]
    source: str | None = getattr(args, "source", None)
    if source is not None:
        if source.startswith("files:"):
            folder = Path(source.removeprefix("files:")).expanduser().resolve()
            source = f"files:{folder}"
        argv += ["--source", source]
    config: Path | None = getattr(args, "config", None)
    if config is not None:
        argv += ["--config", str(config.expanduser().resolve())]
    for flag in ("theme", "thesis", "as_of"):
        value = getattr(args, flag, None)
        if value is not None:
            argv += [f"--{flag.replace('_', '-')}", str(value)]
    return shlex.join(argv)


def _addresses(host: str, port: int) -> list[tuple[int, tuple[object, ...]]]:
    """Each (family, address) `host` resolves to; raises BadInput if none."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise BadInput(f"--host {host!r}: cannot be resolved ({error})") from None
    return [(family, address) for family, _, _, _, address in found]


def is_loopback(host: str) -> bool:
    """True if every address `host` names is this machine's loopback."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name: what it resolves to
        pass
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return False
    hosts = {str(address[0]).split("%")[0] for *_, address in found}
    return bool(hosts) and all(ipaddress.ip_address(each).is_loopback for each in hosts)


def check_bind(host: str, port: int) -> None:
    """Raise BadInput unless `host`:`port` can be listened on now (aiohttp binds the
    same way, SO_REUSEADDR included, so a port in TIME_WAIT is not refused)."""
    for family, address in _addresses(host, port):
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as error:
                if error.errno == errno.EADDRINUSE:
                    raise BadInput(f"--port {port}: already in use on {host}") from None
                reason = error.strerror or str(error)
                raise BadInput(f"--host {host} --port {port}: cannot listen ({reason})") from None


LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
"""The names a browser on this machine uses for a monitor served on loopback."""


def refused(request: web.Request, host: str, port: int) -> None:
    """Raise 403 for a request another site's page makes (a websocket whose Origin is
    not the page's own host: any page open in the browser could otherwise start
    monitors and read them), or, served on loopback, one for a host name that is not
    loopback's (DNS rebinding). A client that is no browser sends no Origin."""
    from aiohttp import web
    from yarl import URL

    asked = request.host
    if is_loopback(host) and asked not in {f"{name}:{port}" for name in LOOPBACK_NAMES}:
        raise web.HTTPForbidden(text=f"regime serves {host}:{port} only to this machine")
    origin = request.headers.get("Origin")
    if origin is not None and URL(origin).raw_authority != asked:
        raise web.HTTPForbidden(text=f"regime: a page from {origin} may not use this monitor")


def _server(command: str, host: str, port: int) -> Server:
    """textual-serve's Server, with the page's URLs taken from the address the browser
    used (textual-serve builds them from --host, which is wrong for 0.0.0.0) and one
    line on start instead of its banner and command line."""
    from textual_serve.server import Server

    class RegimeServer(Server):
        async def handle_index(self, request: web.Request) -> web.StreamResponse:
            refused(request, host, port)
            # The handler has no await, so this URL is the one its page is built with.
            self.public_url = f"{request.scheme}://{request.host}"
            response: web.StreamResponse = await super().handle_index(request)
            return response

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            refused(request, host, port)
            socket_: web.WebSocketResponse = await super().handle_websocket(request)
            return socket_

        async def on_startup(self, app: web.Application) -> None:
            where = f"[{host}]" if ":" in host else host
            self.console.print(
                f"regime: serving the monitor on http://{where}:{port} (Ctrl+C to stop)",
                highlight=False,
            )

    return RegimeServer(command, host=host, port=port, title="Regime")


def run_serve(args: argparse.Namespace) -> int:
    """`regime serve`: check the flags as the monitor would, then serve until Ctrl+C."""
    view = load_view(args)
    check_inputs(view.source, view.index, replay_of(args))
    host: str = args.host
    port: int = args.port
    check_bind(host, port)
    if not is_loopback(host):
        print(
            f"regime: warning: serving on {host}:{port} to the network with no "
            "authentication: anyone who can reach it can use the monitor",
            file=sys.stderr,
            flush=True,
        )
    server = _server(app_command(args), host, port)
    try:
        server.serve()
    except OSError as error:  # lost the port between the check and the bind
        raise BadInput(f"--host {host} --port {port}: cannot listen ({error})") from None
    return 0
