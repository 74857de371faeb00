"""Personal data by rule: emails, phone numbers, public IP addresses. All are guesses ("suggested").

Written to stay quiet on what agent logs are full of: UUIDs, timestamps, version numbers, git
remotes (`git@github.com`), retina image names (`icon@2x.png`), noreply addresses.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

from tracetui.redact.finding import SUGGESTED, Finding

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])([A-Za-z0-9][A-Za-z0-9._%+\-]{0,63})@([A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}\.)+([A-Za-z]{2,24}))"
    r"(?![A-Za-z0-9\-])"
)
_FILE_TLDS = frozenset(
    "png jpg jpeg gif svg webp ico bmp js mjs cjs ts tsx jsx py rb go rs css scss json md txt html htm xml "
    "lock yml yaml toml ini cfg sh zip gz tar map wasm pdf csv log".split()
)
_SAFE_DOMAINS = ("example.com", "example.org", "example.net", "users.noreply.github.com", "localhost")
_SAFE_USERS = frozenset({"git", "noreply", "no-reply", "donotreply", "do-not-reply"})

_PHONE_BEFORE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+.:/#=")
_PHONE = re.compile(
    r"(?:"
    r"\+\d{1,3}[ .\-]?(?:\(\d{1,4}\)[ .\-]?)?\d{1,4}(?:[ .\-]\d{2,4}){1,4}"
    r"|\(\d{3}\)[ .\-]?\d{3}[.\-]\d{4}"
    r"|\d{3}([.\-])\d{3}\1\d{4}"
    r")(?![\w\-:/]|\.\d)"
)
_IPV4 = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\w\-]|\.\d)")
_IP_BEFORE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-")


def pii_findings(text: str, lowered: str) -> Iterator[Finding]:
    if "@" in text:
        for m in _EMAIL.finditer(text):
            user, domain, tld = m.group(1), m.group(2).lower(), m.group(3).lower()
            if tld in _FILE_TLDS or user.lower() in _SAFE_USERS or "noreply" in user.lower():
                continue
            token_start = max(text.rfind(" ", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
            if "://" in text[max(token_start, m.start() - 300): m.start()]:
                continue  # the user:password@host part of a URL, not an address
            if domain.endswith(_SAFE_DOMAINS) or domain.endswith((".example", ".test", ".invalid", ".local")):
                continue
            yield Finding(m.start(), m.end(), "email", SUGGESTED, "pii:email")
    for m in _PHONE.finditer(text):
        if m.start() > 0 and text[m.start() - 1] in _PHONE_BEFORE:
            continue  # inside an id, a version, a path or a longer number
        digits = sum(c.isdigit() for c in m.group(0))
        if 8 <= digits <= 15:
            yield Finding(m.start(), m.end(), "phone", SUGGESTED, "pii:phone")
    for m in _IPV4.finditer(text):
        if m.start() > 0 and text[m.start() - 1] in _IP_BEFORE:
            continue  # part of a version string, an OID or a longer number
        try:
            address = ipaddress.IPv4Address(m.group(0))
        except ValueError:
            continue
        # Private, loopback and documentation ranges identify nobody outside the user's network.
        if address.is_global:
            yield Finding(m.start(), m.end(), "ip-address", SUGGESTED, "pii:ip-address")
