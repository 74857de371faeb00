"""Random strings built from a regular expression's own parse, to be matched by it: each item of the
pattern is spelled by a random choice (a branch, a class's character, a count within a repeat's bounds).
Lookarounds, anchors and back-references are not spelled, so a sample may fail to match: a caller keeps
those that do (`matches`). `spell` walks a parse with the choices a `Spelling` makes: the benches spell
gitleaks' own generator's with it.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from re import _constants as sre
from re import _parser as sre_parse
from typing import Any

_CATEGORY = {
    sre.CATEGORY_DIGIT: string.digits + "\u0663",
    sre.CATEGORY_NOT_DIGIT: string.ascii_letters + " -_é",
    sre.CATEGORY_SPACE: " \t\n\r\x0b\x0c\xa0",
    sre.CATEGORY_NOT_SPACE: string.ascii_letters + string.digits + "-_./é",
    sre.CATEGORY_WORD: string.ascii_letters + string.digits + "_é",
    sre.CATEGORY_NOT_WORD: " -./:=\"'\n",
}
_ANY = string.ascii_letters + string.digits + string.punctuation + " \té\u212a"


@dataclass(frozen=True, slots=True)
class Spelling:
    """What a walk of a pattern's parse picks where the pattern leaves a choice. `strict` raises
    ValueError at an item it cannot spell, where a sampler spells nothing and lets the match fail."""

    any: Callable[[random.Random], str]  # `.`
    not_literal: Callable[[int, random.Random], str]  # `[^x]` of one character
    in_class: Callable[[Any, random.Random], str]  # a class's parse -> one of its characters
    count: Callable[[int, int, random.Random], int]  # a repeat's bounds (MAXREPEAT: none) -> how many
    strict: bool = False


def spell(items: Any, rnd: random.Random, out: list[str], how: Spelling) -> None:
    """Append to `out` one string `items` (a parse's data) may match, choosing as `how` says."""
    for op, av in items:
        if op is sre.LITERAL:
            out.append(chr(av))
        elif op is sre.NOT_LITERAL:
            out.append(how.not_literal(av, rnd))
        elif op is sre.ANY:
            out.append(how.any(rnd))
        elif op is sre.IN:
            out.append(how.in_class(av, rnd))
        elif op is sre.BRANCH:
            spell(rnd.choice(av[1]), rnd, out, how)
        elif op is sre.SUBPATTERN:
            spell(av[3], rnd, out, how)
        elif op is sre.ATOMIC_GROUP:
            spell(av, rnd, out, how)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            for _ in range(how.count(av[0], av[1], rnd)):
                spell(av[2], rnd, out, how)
        elif op is sre.GROUPREF_EXISTS:
            spell(av[1], rnd, out, how)
        elif how.strict and op not in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            raise ValueError(f"regex op {op}")
        # AT, ASSERT, ASSERT_NOT, GROUPREF: nothing spelled (the sample may then not match)


def sample(pattern: re.Pattern[str], rnd: random.Random) -> str:
    """One string spelled from `pattern`'s parse."""
    out: list[str] = []
    spell(sre_parse.parse(pattern.pattern, pattern.flags).data, rnd, out, _SAMPLING)
    return "".join(out)


def matches(pattern: re.Pattern[str], rnd: random.Random, tries: int = 40) -> list[str]:
    """Samples of `pattern` that it matches whole (at most `tries` made)."""
    found = []
    for _ in range(tries):
        s = sample(pattern, rnd)
        if pattern.fullmatch(s) is not None:
            found.append(s)
    return found


def _count(low: int, high: int, rnd: random.Random) -> int:
    top = low + 4 if high is sre.MAXREPEAT else min(high, low + 4)
    return rnd.choice([low, low, top, rnd.randint(low, top)])


def _one_of(av: Any, rnd: random.Random) -> str:
    negate = bool(av) and av[0][0] is sre.NEGATE
    chars: list[str] = []
    for o, a in av[1:] if negate else av:
        if o is sre.LITERAL:
            chars.append(chr(a))
        elif o is sre.RANGE:
            chars.extend(chr(c) for c in rnd.sample(range(a[0], a[1] + 1), min(8, a[1] - a[0] + 1)))
        elif o is sre.CATEGORY:
            chars.extend(_CATEGORY.get(a, "x"))
    if negate:
        taken = set(chars)
        return rnd.choice([c for c in _ANY if c not in taken] or ["\x00"])
    return rnd.choice(chars or ["x"])


_SAMPLING = Spelling(
    any=lambda rnd: rnd.choice(_ANY),
    not_literal=lambda av, rnd: rnd.choice([c for c in _ANY if ord(c) != av]),
    in_class=_one_of,
    count=_count,
)
