"""Personal data by rule: emails, phone numbers, public IP addresses. All are guesses ("suggested").

Written to stay quiet on what agent logs are full of: UUIDs, timestamps, version numbers, git
remotes (`git@github.com`), retina image names (`icon@2x.png`), noreply addresses.
"""

from __future__ import annotations

import ipaddress
import re
import string
from collections.abc import Iterator

from tracetui.redact import kinds
from tracetui.redact.example_addresses import is_example_address
from tracetui.redact.finding import SUGGESTED, Finding
from tracetui.redact.shapes import shape, table

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

# Exact prefilters: each names a piece that every match of the pattern holds, and starts with a literal
# character (`+`, `(`, `-`, `.`, `@`), which `re` skips to, where the patterns above start at any digit
# or letter and are tried at each one. A text none of them is found in has no match of the pattern, so
# it is not searched for one (over the corpus's fields: phone numbers 0.56 -> 0.04 s, addresses 0.37 ->
# 0.02 s, e-mails 0.17 -> 0.07 s; each search only where the prefilter finds something).
# `_PHONE`'s first two branches as they are (from its `+` or `(`), and the third's two separators with the
# digits between and after them: `-ddd-dddd` or `.ddd.dddd`, since `\1` repeats the first.
_PHONE_PIECES = (
    re.compile(r"\+\d{1,3}[ .\-]?(?:\(\d{1,4}\)[ .\-]?)?\d{1,4}(?:[ .\-]\d{2,4}){1,4}"),
    re.compile(r"\(\d{3}\)[ .\-]?\d{3}[.\-]\d{4}"),
    re.compile(r"-\d{3}-\d{4}"),
    re.compile(r"\.\d{3}\.\d{4}"),
)
# A dotted quad from its first dot on.
_IPV4_PIECE = re.compile(r"\.\d{1,3}\.\d{1,3}\.\d")
# An address from its `@` on (which `re` skips to; the check of the character before follows it): the
# user's last character before it, then `_EMAIL`'s domain.
_EMAIL_PIECE = re.compile(r"@(?<=[A-Za-z0-9._%+\-]@)[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}\.)+[A-Za-z]{2,24}")
# `+169.254.169.254`: four dotted groups of at most three digits after a `+` are a diff's added line
# holding an address or a version, not an international number (its groups run to four digits, or more).
_PLUS_QUAD = re.compile(r"\+\d{1,3}(?:\.\d{1,3}){3}")
_DOC_NETS = tuple(ipaddress.IPv4Network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))
# `ip:203.0.113.5`, `host:…`: a word that names an address, glued to it. Any other `name:` before a dotted
# quad makes it a version tag (`supabase/postgres:17.6.1.136`, an image's), and `::ffff:` is IPv6.
_LABEL_COLON = re.compile(
    r"(?<![:\w.\-])(?:[A-Za-z][A-Za-z0-9]{0,20}[_\-.]){0,3}"  # `server_ip:`, `x-real-ip:`, `db.host:`
    r"(?i:ip|ipv4|ips|host|hostname|addr|address|server|client|src|dst|source|dest|destination"
    r"|from|to|remote|peer|inet|gateway|gw|dns|nameserver|proxy|endpoint|public|external|origin|target|node"
    r"|via):$"
)
_IP_BEFORE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-")


def pii_findings(text: str, lowered: str) -> Iterator[Finding]:
    yield from personal_id_findings(text, lowered)
    if "@" in text and _EMAIL_PIECE.search(text) is not None:
        for m in _EMAIL.finditer(text):
            user, domain, tld = m.group(1), m.group(2).lower(), m.group(3).lower()
            if tld in _FILE_TLDS or user.lower() in _SAFE_USERS or "noreply" in user.lower():
                continue
            lo = max(0, m.start() - 300)  # all that counts: a long line is not read again per address
            token_start = max(text.rfind(" ", lo, m.start()), text.rfind("\n", lo, m.start())) + 1
            if "://" in text[max(token_start, lo): m.start()]:
                continue  # the user:password@host part of a URL, not an address
            if _safe_domain(domain) or is_example_address(user, domain):
                continue  # reserved, a placeholder (`you@yourdomain.com`), a mail service's test address
            yield Finding(m.start(), m.end(), kinds.EMAIL, SUGGESTED, "pii:email")
    phones = any(p.search(text) is not None for p in _PHONE_PIECES)
    for m in _PHONE.finditer(text) if phones else ():
        if m.start() > 0 and text[m.start() - 1] in _PHONE_BEFORE:
            continue  # inside an id, a version, a path or a longer number
        if _PLUS_QUAD.fullmatch(m.group(0)):
            continue
        digits = sum(c.isdigit() for c in m.group(0))
        if 8 <= digits <= 15 and not _impossible_nanp(m.group(0)):
            yield Finding(m.start(), m.end(), kinds.PHONE, SUGGESTED, "pii:phone")
    resolved: set[str] | None = None
    for m in _IPV4.finditer(text) if _IPV4_PIECE.search(text) is not None else ():
        if m.start() > 0 and text[m.start() - 1] in _IP_BEFORE \
                and not _LABEL_COLON.search(text, max(0, m.start() - 80), m.start()):
            continue  # part of a version string, an OID or a longer number
        if _in_number_run(text, m.start(), m.end()) or _named_version(text, m.start()):
            continue
        if resolved is None:
            resolved = _resolved_addresses(text)
        if m.group(0) in resolved:
            continue
        try:
            address = ipaddress.IPv4Address(m.group(0))
        except ValueError:
            continue
        # Private and loopback ranges identify nobody outside the user's network; documentation ranges
        # (TEST-NET) are what made-up data uses, so they are shown like public ones.
        if address.is_global or any(address in net for net in _DOC_NETS):
            yield Finding(m.start(), m.end(), kinds.IP_ADDRESS, SUGGESTED, "pii:ip-address")


# Four numbers that their context calls a version: after a word `version` (`AssemblyVersion("`,
# `<FileVersion>`, `"version": "`, `Version `; not `conversion`), `v=`, or a package pin's operator
# (`==`, `>=`, `~=`, `^`).
_VERSION_BEFORE = re.compile(
    r"(?:Version|VERSION|(?<![a-z])version|(?<![A-Za-z])[Vv]er)\w{0,20}"
    r"[\"'>]?[ \t]*[:=(]?[ \t]*[\"'(]?[ \t]*$"
    r"|(?<![\w\-])[vV][=:][\"']?$"
    r"|(?:[=<>!~]=|===|\^|~>|\([ \t]*[<>]=?)[ \t]*$"
)


def _named_version(text: str, at: int) -> bool:
    return _VERSION_BEFORE.search(text, max(0, at - 48), at) is not None


def _impossible_nanp(number: str) -> bool:
    """A North American number no one can have: its area or exchange code starts with 0 or 1, which the
    numbering plan never assigns (`123-456-7890`, `(100) 200-3000`): a placeholder or another number."""
    digits = "".join(c for c in number if c.isdigit())
    if number.startswith("+"):
        if not number.startswith(("+1 ", "+1-", "+1.", "+1(")) or len(digits) != 11:
            return False
        digits = digits[1:]
    return len(digits) == 10 and (digits[0] in "01" or digits[3] in "01")


# Numbers written the compact way of SVG paths and coordinate lists (`2.874.118` is 2.874 then .118,
# `2.291-1.552` two numbers): no single number and no address is written so.
_COMPACT_NUMBERS = re.compile(r"-?\d*\.\d+(?:-?\d*\.\d+)+")
_NUMBER = re.compile(r"[+\-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+\-]?\d+)?")
_DOTTED_QUAD = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


def _neighbour(text: str, at: int, step: int) -> str:
    """The space- or comma-separated token next to position `at` (`step` -1: before, 1: after), looked
    for over a few characters only: a number is short."""
    back = min(step, 0)
    i = at
    while 0 <= i + back < len(text) and text[i + back] in " ," and abs(i - at) < 16:
        i += step
    j = i
    while 0 <= j + back < len(text) and text[j + back] not in " ,\t\r\n\"'" and abs(j - i) < 40:
        j += step
    return text[min(i, j): max(i, j)]


def _in_number_run(text: str, start: int, end: int) -> bool:
    """A dotted quad among numbers of a path or a list (`… 2.874.118 3.176.77.84 1.235 …` in an SVG `d`):
    four numbers, not an address. Both neighbours are numbers, one written the compact way."""
    before, after = _neighbour(text, start, -1), _neighbour(text, end, 1)
    if not before or not after:
        return False
    numbers = (before, after)
    numeric = all(_NUMBER.fullmatch(t) or _COMPACT_NUMBERS.fullmatch(t) for t in numbers)
    return numeric and any(_COMPACT_NUMBERS.fullmatch(t) and not _DOTTED_QUAD.fullmatch(t) for t in numbers)


# A tool printing the address a public name resolved to (ping, traceroute, curl -v, wget, host, dig,
# nslookup, ssh's known-hosts warning): the address of that named server, which DNS gives anyone and
# which says no more than the name beside it.
# A name starts a token (the lookbehind keeps the search linear on long dotted runs).
_HOST = r"(?<![A-Za-z0-9\-.])[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}\.)+[A-Za-z]{2,24}\.?"
_IP = r"(\d{1,3}(?:\.\d{1,3}){3})"
_RESOLVED = re.compile(
    rf"(?:\bPING6?|\btraceroute6?[ \t]+to|\bConnected[ \t]+to|\bConnecting[ \t]+to|\bResolving)[ \t]+"
    rf"{_HOST}[ \t]*"
    rf"(?:\({_HOST}\)[ \t]*)?(?:\(|\||\.\.\.[ \t]*){_IP}"
    rf"|{_HOST}[ \t]+has[ \t]+address[ \t]+{_IP}"
    rf"|{_HOST}[ \t]+\d+[ \t]+IN[ \t]+A[ \t]+{_IP}"
    rf"|Name:[ \t]*{_HOST}[ \t]*\r?\n[ \t]*Address(?:es)?:[ \t]*{_IP}"
    rf"|Permanently added '{_HOST},{_IP}'"
)
_RESOLVED_NEEDLES = (
    "PING", "traceroute", "Connect", "Resolving", "has address", "IN", "Name:", "Permanently added",
)


def _resolved_addresses(text: str) -> set[str]:
    if not any(n in text for n in _RESOLVED_NEEDLES):
        return set()
    return {next(g for g in m.groups() if g) for m in _RESOLVED.finditer(text)}


def _safe_domain(domain: str) -> bool:
    """A reserved or example domain, matched on a dot boundary: `corp-example.com` is not `example.com`."""
    if any(domain == d or domain.endswith("." + d) for d in _SAFE_DOMAINS):
        return True
    return domain.rsplit(".", 1)[-1] in ("example", "test", "invalid", "local", "localhost")


# Payment card numbers: 13-19 digits, grouped by spaces or dashes or not, with a known issuer prefix
# and a valid Luhn check digit (a random 16-digit number passes Luhn one time in ten).
# These patterns start with what they match, not with a lookbehind, so `re` skips ahead to a digit or
# a capital; the character before a match is checked in Python (`_after`).
_CARD = re.compile(r"\d\d\d\d(?:[ \-]?\d){9,15}(?![\d\-]|\.\d)")
# The first 13 digits of any card match, in the text's shape (`shapes`; a character past Latin-1 may be a
# digit to `\d`, and Latin-1's digits are ASCII's), led by four digits `re` skips to: most texts hold none.
_CARD_SHAPE = table({string.digits: b"9", " ": b" ", "-": b"-"}, wide=b"9")
_CARD_START = re.compile(rb"9999(?:[ \-]?9){9}")
_CARD_PREFIX = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|6(?:011|5|4[4-9])|35|3(?:0[0-5]|[68]))")
# US social security numbers (never 000/666/9xx area, 00 group, 0000 serial).
_DIGIT = re.compile(r"\d")
# Found from its `-dd-` middle (a literal start), then the area before it checked.
_SSN = re.compile(r"-(?!00)\d\d-(?<=\d\d\d-\d\d-)(?!0000)\d{4}(?![\w\-])")
_SSN_AREA = re.compile(r"(?!000|666|9)\d\d\d")
# IBAN: country, check digits, then the account in groups; checked with ISO 7064 mod 97.
# (`[A-Z][A-Z]`, not `[A-Z]{2}`: a pattern led by a class, not a repeat, is tried only where one stands.)
# It runs only where two capitals and two digits stand in a row in the text's shape (`shapes`), where a
# character past Latin-1 may be a digit to `\d` (Latin-1's digits are ASCII's): most texts hold none.
_IBAN_SHAPE = table({string.ascii_uppercase: b"A", string.digits: b"9"}, wide=b"9")
_IBAN = re.compile(r"[A-Z][A-Z]\d\d(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?(?![A-Za-z0-9])")
_STREET_TYPE = re.compile(r"(?:Street|Avenue|Road|Boulevard|Lane|Drive|Court|Way|Place|Terrace|Parkway|Circle|Highway|"
                          r"Square|St|Ave|Rd|Blvd|Ln|Dr|Ct|Pl|Pkwy|Cir|Hwy|Sq)\b")
# The words that end a street's name (the review's hint of an address keeps this word alone).
STREET_KINDS = ("Street", "St", "Avenue", "Ave", "Road", "Rd", "Boulevard", "Blvd", "Lane", "Ln", "Drive",
                "Dr", "Court", "Ct", "Way", "Place", "Pl", "Terrace", "Parkway", "Pkwy", "Circle", "Cir",
                "Highway", "Hwy", "Square", "Sq")  # fmt: skip
# A street address: a house number, one to four capitalised words, a street type.
_STREET = re.compile(
    r"\d{1,5}[A-Za-z]?(?:[ \t]+[A-Z][a-z]+\.?){1,4}[ \t]+(?:" + "|".join(STREET_KINDS) + r")\b\.?"
    r"(?:,?[ \t]+(?:Apt|Suite|Unit|#)\.?[ \t]*\w{1,6})?(?:,[ \t]*[A-Z][a-z]+(?:[ \t][A-Z][a-z]+){0,2})?"
    r"(?:,?[ \t]+[A-Z]{2})?(?:[ \t]+\d{5}(?:-\d{4})?)?"
)


def _may_hold_card(text: str) -> bool:
    return _CARD_START.search(shape(text, _CARD_SHAPE)) is not None


def _may_hold_iban(text: str) -> bool:
    return b"AA99" in shape(text, _IBAN_SHAPE)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_ok(value: str) -> bool:
    v = value.replace(" ", "")
    if not 15 <= len(v) <= 34:
        return False
    moved = v[4:] + v[:4]
    number = "".join(str(int(c, 36)) for c in moved)
    return int(number) % 97 == 1


def personal_id_findings(text: str, lowered: str) -> Iterator[Finding]:
    """Card numbers, national ids, IBANs and street addresses: suggestions, checked where a checksum exists."""
    if _DIGIT.search(text) is None:
        return
    for m in _CARD.finditer(text) if _may_hold_card(text) else ():
        if _after(text, m.start(), _DIGIT_DASH_DOT):
            continue
        digits = "".join(c for c in m.group(0) if c.isdigit())
        if 13 <= len(digits) <= 19 and _CARD_PREFIX.match(digits) and luhn_ok(digits):
            sep = set(m.group(0)) - set("0123456789")
            if len(sep) <= 1:
                yield Finding(m.start(), m.end(), kinds.CARD_NUMBER, SUGGESTED, "pii:card-number")
    if "-" in text:
        for m in _SSN.finditer(text):
            a = m.start() - 3
            if _SSN_AREA.match(text, a) and not _after(text, a, _WORD_DASH):
                yield Finding(a, m.end(), kinds.NATIONAL_ID, SUGGESTED, "pii:ssn")
    for m in _IBAN.finditer(text) if _may_hold_iban(text) else ():
        if not _after(text, m.start(), _ALNUM) and iban_ok(m.group(0)):
            yield Finding(m.start(), m.end(), kinds.IBAN, SUGGESTED, "pii:iban")
    for m in _STREET.finditer(text) if _STREET_TYPE.search(text) else ():
        if _after(text, m.start(), _WORD_DASH) or _NUMBERED_ITEM.search(text, max(0, m.start() - 16),
                                                                          m.start()):
            continue
        yield Finding(m.start(), m.end(), kinds.STREET_ADDRESS, SUGGESTED, "pii:street-address")


# A number after the word for a numbered item (`Step 1 Read Drive`, `line 42 Build Way`) counts items;
# a house number follows a name, `at`, `to`, a comma or a line's start.
_NUMBERED_ITEM = re.compile(
    r"(?i)(?<![a-z])(?:step|phase|part|chapter|section|line|item|task|stage|level|round|issue|option|case"
    r"|test|example|figure|table|page|no\.?|number|#)[ \t]*$"
)
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_WORD_DASH = _ALNUM | frozenset("_-")
_DIGIT_DASH_DOT = frozenset("0123456789-.")


def _after(text: str, at: int, chars: frozenset[str]) -> bool:
    """The match at `at` is the tail of a longer token: the character before it is one of `chars`."""
    return at > 0 and text[at - 1] in chars
