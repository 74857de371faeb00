"""Made-up secrets of a real shape, the same for the same name on every run (none is, or was, a live
key): each test case plants its own, so a finding names the case it came from."""

from __future__ import annotations

import binascii

_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


HEX = "0123456789abcdef"


def drawn(name: str, n: int, alphabet: str = _ALNUM) -> str:
    """`n` characters of `alphabet` drawn from `name`: the body of a made-up key."""
    out, x = [], binascii.crc32(name.encode()) or 1
    for _ in range(n):
        x = (x * 1103515245 + 12345) % 2**31
        out.append(alphabet[x % len(alphabet)])
    return "".join(out)


def github_token(name: str) -> str:
    """A GitHub token (`ghp_` and 36 letters and digits) drawn from `name`."""
    return "ghp_" + drawn(name, 36)
