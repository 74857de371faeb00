"""Who may drive a served app: the browser that opened the address `tracetui serve` printed, and no
one else.

textual-serve relays the app's screen and keys over a websocket and checks nothing of who opens it.
On 127.0.0.1 that is any web page the user has open (a browser lets a page open a websocket to any
address, and a name a stranger controls can be made to resolve to 127.0.0.1) and any other user of
the machine: each could read every session the app shows. So each serve makes a secret token and
prints it in the address; the page opened with it sets the token as a cookie this address alone gets
back, and every other request needs that cookie, a Host naming this address, and from a browser an
Origin of this address. More in docs/design.md, `tracetui serve`.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

COOKIE = "tracetui_serve"
# textual-serve's own scripts and styles: the same for every install, nothing of the bucket's.
PUBLIC = "/static/"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def guard(token: str, host: str | None) -> Any:
    """An aiohttp middleware keeping the served app to the holder of `token`. `host`: the one Host
    (`name:port`) a request may name, where the server is bound to loopback (None: any, the token
    alone deciding, as on an address of the network whose names tracetui cannot know)."""
    from aiohttp import web

    def refused(why: str) -> Any:
        return web.Response(status=403, text=f"tracetui serve: {why}\n")

    @web.middleware
    async def check(request: Any, handler: Callable[[Any], Awaitable[Any]]) -> Any:
        if host is not None and request.host != host:
            # A name resolved to 127.0.0.1 by someone else (DNS rebinding) is no name of this server.
            return refused(f"this server answers as {host} only")
        if request.path.startswith(PUBLIC):
            return await handler(request)
        if request.path == "/" and _same(request.query.get("token"), token):
            # The token leaves the address bar for a cookie sent back to this address alone.
            response = web.Response(status=302, headers={"Location": "/"})
            response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/")
            return response
        if not _same(request.cookies.get(COOKIE), token):
            return refused("open the address `tracetui serve` printed: it holds this server's token")
        origin = request.headers.get("Origin")
        if origin is not None and origin != f"{request.scheme}://{request.host}":
            return refused("a page of another site may not drive this app")
        return await handler(request)

    return check


def _same(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())
