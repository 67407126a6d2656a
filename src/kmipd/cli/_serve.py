"""``kmipd serve``: start the local web app (FastAPI and uvicorn are imported only when it runs)."""

from __future__ import annotations

import argparse
import ipaddress
import socket
import sys
from pathlib import Path
from typing import Any, TextIO

from kmipd.cli._common import EXIT_OK, Formatter
from kmipd.errors import OptionError

__all__ = ["add_arguments", "run"]

DEFAULT_PORT = 8765

_EPILOG = """\
examples:
  kmipd serve                          # http://127.0.0.1:8765/ on this computer only
  kmipd serve --port 0                 # any free port (the address is printed)
  kmipd serve --data-dir ./kmipd-work  # keep the work in this folder

The work (studies, uploaded figures, corrections) is kept in an SQLite file in
the data folder: $XDG_DATA_HOME/kmipd or ~/.local/share/kmipd on Linux,
~/Library/Application Support/kmipd on macOS, %LOCALAPPDATA%\\kmipd on Windows.
The app listens on this computer only unless --host says otherwise; it has no
login, so only open it to a network you trust. The JSON API is described at
/api and /openapi.json.
"""


def add_arguments(commands: Any, name: str) -> None:
    """Register ``kmipd serve``."""
    sub = commands.add_parser(
        name,
        help="start the local web app (upload, check, reconstruct, compare)",
        description=(
            "Start the kmipd web app: upload a Kaplan-Meier figure or curve CSVs, check and\n"
            "correct what was read, reconstruct, compare arms across figures and download\n"
            "the data, figures, report and study file. Stop it with Ctrl+C."
        ),
        epilog=_EPILOG,
        formatter_class=Formatter,
    )
    sub.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this computer)",
    )
    sub.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free)"
    )
    sub.add_argument("--data-dir", metavar="DIR", help="folder of the app's store (see below)")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``; OptionError with a remedy if that fails."""
    if not 0 <= port <= 65535:
        raise OptionError(f"--port {port}: give a port between 1 and 65535 (or 0 for any free)")
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise OptionError(f"--host {host!r}: unknown address; e.g. 127.0.0.1 or 0.0.0.0") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        why = "is in use" if exc.errno in (48, 98, 10048) else f"cannot be used ({exc.strerror})"
        raise OptionError(
            f"port {port} on {host} {why}; choose another with --port (0: any free port)"
        ) from None
    return sock


def _address(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::"):
        shown = "127.0.0.1"
    return f"http://{shown}:{port}/"


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``kmipd serve`` until interrupted."""
    from kmipd.web import default_data_dir

    data_dir = Path(args.data_dir).expanduser() if args.data_dir else default_data_dir()
    if data_dir.exists() and not data_dir.is_dir():
        raise OptionError(f"--data-dir {str(data_dir)!r} is a file; give a folder")
    sock = _bind(args.host, args.port)
    try:
        import uvicorn

        from kmipd.web import create_app
        from kmipd.web._app import LOOPBACK_HOSTS

        loopback = _is_loopback(args.host)
        try:
            app = create_app(data_dir, allowed_hosts=LOOPBACK_HOSTS if loopback else None)
        except OSError as exc:
            raise OptionError(f"--data-dir {str(data_dir)!r}: {exc.strerror or exc}") from None
        if not loopback:
            sys.stderr.write(
                f"warning: listening on {args.host}: anyone who can reach this computer can use "
                "the app and its data (there is no login)\n"
            )
        out.write(f"kmipd serve: open {_address(sock)}  (data in {data_dir}; Ctrl+C to stop)\n")
        out.flush()
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
        server.run(sockets=[sock])
    finally:
        sock.close()
    return EXIT_OK
