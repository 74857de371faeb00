"""A credential named in plain words: "The staging db password is hunter2x!", "my API key for the
weather service: 3f2a…", "use token abc123… for the bot".

Prompts and chat carry secrets this way, with no `NAME=value` for the assignment rules to see. The
name is found first (a short list of words, on the lowered text), then a few words of phrase, a verb
or a colon, and one value; prose never gives a value its own shape, so the value must look made up
(letters with digits or symbols), and a plain word ("required", "wrong", "set") is never taken.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from tracetui.redact import kinds
from tracetui.redact.finding import AUTO, SUGGESTED, Finding
from tracetui.redact.gate_words import Words, in_lowered
from tracetui.redact.known import is_published_example
from tracetui.redact.text_checks import (
    has_letter_and_digit,
    is_placeholder,
    is_reference,
    is_structural,
    random_enough,
)

# `re` tries this at every character: the names' first letters are tested there first, a cheaper test
# than `\b`'s (a Unicode word test on both sides).
_NAME = re.compile(
    r"(?=[acklpst])\b(password|passwd|passphrase|passcode|pass ?word|pin code|secret|token|api[ _\-]?key|"
    r"access[ _\-]?key|secret[ _\-]?key|private[ _\-]?key|license[ _\-]?key|key|credentials?)\b"
)
# What may come between the name and its value: a short phrase ("for the vendor", "of the db").
_PHRASE = re.compile(r"(?:[ \t]+(?:for|of|to|on|at|in)(?:[ \t]+[\w.\-]{1,30}){1,4}?)?(?=[ \t]*(?::|is|was|=))")
_VERB = re.compile(
    r"[ \t]*(?::[ \t]|[ \t](?:(?:is|was|are|has been|will be|should be|would be)"
    r"(?:[ \t]+(?:now|still|(?:changed|set|reset|updated)[ \t]+to))?|(?:changed|set|reset|updated)[ \t]+to)\b[ \t]*:?)"
    r"[ \t]*(?:\r?\n[ \t]*)?"  # the value may start the next line ("my password is" / "Zq8v…")
)
_VALUE = re.compile(r"[\"'`“‘]?([^\s\"'`”’<>]{6,200})")
_TRAILING = ".,;:!?)]}"
_BARE = re.compile(r"[ \t]+[\"'`]?([A-Za-z0-9_\-]{16,200})(?![A-Za-z0-9_\-])")
_SYMBOLS = frozenset("!@#$%^&*+=?~")
_NAMES = ("pass", "secret", "token", "key", "credential", "pin code")
_ANY_NAME = Words(*_NAMES)


def prose_findings(text: str, lowered: str) -> Iterator[Finding]:
    has = in_lowered(lowered)
    if not _ANY_NAME.any_in(has):
        return
    for m in _NAME.finditer(lowered):
        phrase = _PHRASE.match(lowered, m.end())
        at = phrase.end() if phrase else m.end()
        verb = _VERB.match(lowered, at)
        if verb is None:
            # "here is the api key 3f2a…", "use token k3Jd…": no verb, so only a long generated value
            # right after a credential's full name counts.
            bare = _BARE.match(text, m.end())
            if bare is not None and m.group(1) not in ("key", "secret") and _generated(bare.group(1)):
                yield Finding(bare.start(1), bare.end(1), _kind(m.group(1)), SUGGESTED, "rule:plain-words")
            continue
        if verb.group(0).strip() == ":" and at == m.end() and " " not in m.group(1).strip():
            continue  # `password: x` is the assignment rules' (they know YAML from prose)
        v = _VALUE.match(text, verb.end())
        if v is None:
            continue
        value = v.group(1).rstrip(_TRAILING)
        start = v.start(1)
        tier = _tier(value, m.group(1))
        if tier is not None:
            yield Finding(start, start + len(value), _kind(m.group(1)), tier, "rule:plain-words")


def _generated(value: str) -> bool:
    """Made by a machine: mixed letters and digits, random, not an identifier; or 32 hex digits (which
    alone would be a hash, but here a credential's name stands right before it)."""
    if _HEX32.fullmatch(value):
        return True
    if _SNAKE.fullmatch(value) or is_structural(value) or is_placeholder(value) or is_published_example(value):
        return False
    return has_letter_and_digit(value) and random_enough(value, 16, 3.0)


_SNAKE = re.compile(r"[a-z]+(?:[_\-][a-z0-9]+)+|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_HEX32 = re.compile(r"[0-9a-f]{32}")


def _kind(name: str) -> str:
    return kinds.PASSWORD if "pass" in name or name == "pin code" else kinds.SECRET


def _tier(value: str, name: str) -> str | None:
    if len(value) < 6 or is_reference(value) or is_placeholder(value) or is_published_example(value):
        return None
    if "/" in value or value.startswith(("-", "$")) or any(c in value for c in "(){}[]"):
        return None  # a path, a URL, a flag or code
    letters = any(c.isalpha() for c in value)
    symbols = any(c in _SYMBOLS for c in value)
    if not letters or not (has_letter_and_digit(value) or symbols):
        return None  # "required", "missing", a number: prose
    if is_structural(value) and not ("key" in name or "token" in name or "secret" in name):
        return None  # a hash or an id named by a word other than a credential's
    if random_enough(value, 8, 2.5):
        return AUTO
    return SUGGESTED
