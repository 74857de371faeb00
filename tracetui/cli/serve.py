"""`tracetui serve`: the same app in a browser, through textual-serve (the `serve` extra).

textual-serve runs one app process per browser tab, from a shell command line, and relays its
screen over a websocket. The command is built here from quoted words, never from text a user or a
log gave unquoted. By default it is bound to 127.0.0.1 (a browser on another machine reaches it only
through a tunnel the user makes) and the app is read-only (`tracetui --read-only`: no sync, no
decisions, no seal, export or removal), since whoever holds the page drives the app; and only the
browser that opened the printed address (its token) holds it (`serve_guard.py`).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from tracetui.cli import Commands, add_bucket_option
from tracetui.cli.exit_codes import OK
from tracetui.errors import TracetuiError, UsageError
from tracetui.safe_text import safe_line

LOOPBACK = ("127.0.0.1", "::1", "localhost")


def register(subparsers: Commands) -> None:
    p = subparsers.add_parser(
        "serve",
        help="the app in a web browser (textual-serve), on 127.0.0.1 and read-only unless asked",
        description="Serve the app to a web browser: each tab runs its own app on your bucket. Bound to "
        "127.0.0.1 and read-only by default (--writable: the app as in a terminal, syncing and saving "
        "decisions). Needs textual-serve: pip install 'tracetui[serve]'. Ctrl-C stops it.",
    )
    p.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="the port (default: 8000)")
    p.add_argument("--writable", action="store_true",
                   help="let the served app sync and change the bucket, as it does in a terminal")
    p.add_argument("--demo", action="store_true", help="serve a throwaway demo bucket instead of yours")
    add_bucket_option(p)
    p.set_defaults(func=run_serve)


def app_command(bucket: str | None, writable: bool, repo: str | None = None) -> str:
    """The shell command line textual-serve runs for each browser tab: this Python, this tracetui."""
    # -P: not the working folder first on the module path (`-m` puts it there; a `tracetui/` in it would run).
    words = [sys.executable, "-P", "-m", "tracetui"]
    if bucket:
        words += ["--bucket", bucket]
    if repo:
        words += ["--repo", repo]
    if not writable:
        words.append("--read-only")
    return shlex.join(words)


def run_serve(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise UsageError("--port wants a number from 1 to 65535")
    try:
        from textual_serve.server import Server
    except ImportError:
        raise TracetuiError("serving needs textual-serve: pip install 'tracetui[serve]'") from None
    if args.host not in LOOPBACK:
        print(f"tracetui: serving on {safe_line(args.host)}: anyone who can reach it drives the app, with no "
              "password", file=sys.stderr)  # fmt: skip
    if args.demo:
        from tracetui.demo import open_library, throwaway_demo

        with throwaway_demo() as demo:
            open_library(demo).close()
            _serve(Server, args, str(demo.bucket), str(demo.repo))
        return OK
    if args.bucket is not None or not args.writable:
        from tracetui.bucket import Bucket

        # Said here, once, not in every tab: a bucket that cannot be opened (read-only needs an index).
        Bucket.open(args.bucket, read_only=not args.writable).close()
    _serve(Server, args, str(Path(args.bucket).expanduser()) if args.bucket else None, None)
    return OK


def _serve(server_class: Any, args: argparse.Namespace, bucket: str | None, repo: str | None) -> None:
    from tracetui.cli.serve_guard import guard, new_token

    if not callable(getattr(server_class, "_make_app", None)):
        # The guard goes in where textual-serve makes its application: without that hook it would serve
        # the app to anyone who reaches the port. Refused, not served unguarded.
        raise TracetuiError("this textual-serve has no hook for tracetui's guard of the page: "
                            "pip install 'textual-serve>=1.1,<2'")
    command = app_command(bucket, args.writable, repo)
    netloc = f"{'[' + args.host + ']' if ':' in args.host else args.host}:{args.port}"
    token = new_token()
    # Bound to loopback, a request must name this address (no rebound name); elsewhere the token decides.
    middleware = guard(token, netloc if args.host in LOOPBACK else None)

    class Guarded(server_class):
        async def _make_app(self) -> Any:
            app = await super()._make_app()
            app.middlewares.append(middleware)
            return app

    mode = "writable" if args.writable else "read-only"
    print(f"tracetui: serving the app ({mode}) at {safe_line(f'http://{netloc}/?token={token}')} (the address holds "
          "this server's token: give it to no one); Ctrl-C stops it", file=sys.stderr, flush=True)  # fmt: skip
    Guarded(command, host=args.host, port=args.port, title="tracetui").serve()
