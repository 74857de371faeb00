"""A masked hint of a value waiting for a decision: enough of its shape to tell which value it is
(whose address, which network, which vendor's key), never enough of it to use.

Review by value shows one row per value, and a row that says only "email, 9 findings" cannot be
decided without opening the session. The hint keeps what a person recognises and a reader of the
screen cannot use: an address's domain and first letter, a network's first number, a key's vendor
prefix and length. Never a card's, a national id's or a short password's digits or letters.
"""

from __future__ import annotations

import re

from tracetui.redact.pii import STREET_KINDS
from tracetui.redact.rules import FORMAT_PREFIXES

MASK = "•"
_LONGEST_FIRST = sorted(FORMAT_PREFIXES, key=len, reverse=True)  # `sk-ant-api03-` before `sk-`
_MAX = 48  # a hint is one cell of a table row


def value_hint(kind: str, value: str) -> str:
    """The masked hint of `value`, found as `kind` (a detector's kind: email, ip-address, …)."""
    value = value.strip()
    if not value:
        return ""
    # Plain text from a log: the faces make it safe to show, as every other cell.
    return _HINTS.get(kind, _secret)(value)[:_MAX]


def _email(value: str) -> str:
    local, at, domain = value.rpartition("@")
    if not at or not local:
        return _secret(value)
    return f"{local[0]}{MASK * 3}@{domain}"


def _ip(value: str) -> str:
    if ":" in value and "." not in value:  # IPv6: its first group says which network
        return value.split(":", 1)[0] + ":" + MASK * 3
    first = value.split(".", 1)[0]
    return f"{first}." + ".".join([MASK] * 3)


def _digits(value: str) -> str:
    """A card, a national id or a phone: how many digits, and the leading `+` country mark if any."""
    n = sum(c.isdigit() for c in value)
    lead = "+" if value.startswith("+") else ""
    return f"{lead}{MASK * 4} ({n} digits)"


def _iban(value: str) -> str:
    compact = re.sub(r"\s", "", value)
    return f"{compact[:2].upper()}{MASK * 4} ({len(compact)} characters)"


_STREET_KINDS = frozenset(STREET_KINDS)


def _address(value: str) -> str:
    """The street's kind (Street, Avenue) and nothing else: the number and the name are masked, and
    so is all that follows it (a unit, a city, a state, a ZIP+4 code that names a building). The last
    word was kept once, taken for the kind; after a city or a ZIP code it was that."""
    words = value.split()
    at = next((i for i, w in enumerate(words) if w.rstrip(".,") in _STREET_KINDS), None)
    if at is None or at == 0:
        return MASK * 4
    after = [MASK * 2] if at + 1 < len(words) else []
    return " ".join([MASK * 2] * at + [words[at].rstrip(".,")] + after)


def _person(value: str) -> str:
    """A home folder or a user name: the folder kept, the name's first letter."""
    head, slash, name = value.rstrip("/\\").rpartition("/" if "/" in value else "\\")
    return f"{head}{slash}{name[:1]}{MASK * 3}"


def _secret(value: str) -> str:
    """A vendor's prefix when the value starts with one, and its length: the body stays unseen."""
    lowered = value.lower()
    prefix = next((p for p in _LONGEST_FIRST if lowered.startswith(p)), "")
    return f"{value[:len(prefix)]}{MASK * 4} ({len(value)} characters)"


_HINTS = {
    "email": _email,
    "ip-address": _ip,
    "card-number": _digits,
    "national-id": _digits,
    "phone": _digits,
    "iban": _iban,
    "street-address": _address,
    "home-path": _person,
    "user-name": _person,
    "person-name": _person,
}
