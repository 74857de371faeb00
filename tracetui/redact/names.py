"""Person names where the text itself says a name is one: the display name beside an e-mail address.

A commit's author line (`Author: Ana Lima <ana@lima.dev>`, `Co-authored-by: …`), a mail header
(`From: "Lima, Ana" <…>`) or a package's `authors = ["Ana Lima <…>"]` put a person's name right before
the address in angle brackets. No model is needed to know that is a name, and no list of names either:
the shape says it. They are suggestions (kind `person-name`): a name may be a team's or a bot's, and the
user decides. Names anywhere else are not found (see the README).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from tracetui.redact import kinds
from tracetui.redact.example_addresses import is_example_address
from tracetui.redact.finding import SUGGESTED, Finding

# Two to four capitalised words (letters of any script, an apostrophe or a hyphen inside: O'Brien,
# Jean-Luc), or "Surname, Given" in quotes, then `<local@domain>`.
_WORD = r"[A-ZÀ-ÖØ-ÞĀ-ſ][A-Za-zÀ-ÖØ-öø-ÿĀ-ſ'’\-]{0,30}"
# The address is found first (its `<` is a literal `re` skips to), then the name right before it.
_ADDRESS = re.compile(r"<([A-Za-z0-9._%+\-]{1,64})@([A-Za-z0-9.\-]{1,253}\.[A-Za-z]{2,24})>")
_NAME_BEFORE = re.compile(
    rf"(?:\"({_WORD},[ ]{_WORD}(?:[ ]{_WORD})?)\"|(?<![\w@.])({_WORD}(?:[ ]{_WORD}){{1,3}}))[ \t]*\Z"
)
_REACH = 140  # characters before an address a display name may take
# Words of a display name that name a role or a program, not a person.
_NOT_A_PERSON = frozenset(
    {"bot", "team", "support", "admin", "noreply", "no-reply", "github", "gitlab", "dependabot", "renovate",
     "actions", "ci", "build", "release", "security", "info", "sales", "the", "project", "maintainers",
     "developers", "example", "user", "your", "name"}
)  # fmt: skip


def name_findings(text: str) -> Iterator[Finding]:
    if "<" not in text or "@" not in text:
        return
    for a in _ADDRESS.finditer(text):
        lo = max(0, a.start() - _REACH)
        m = None
        for start in range(lo, a.start()):  # the leftmost start whose name runs up to the address
            if start == lo or not text[start - 1].isalnum():
                m = _NAME_BEFORE.match(text[:a.start()], start)
                if m is not None:
                    break
        if m is None:
            continue
        k = 1 if m.group(1) is not None else 2
        name = m.group(k)
        words = {w.lower().strip("'’-") for w in re.split(r"[ ,]+", name)}
        if words & _NOT_A_PERSON or is_example_address(a.group(1), a.group(2).lower()):
            continue
        yield Finding(m.start(k), m.end(k), kinds.PERSON_NAME, SUGGESTED, "names:display-name")
