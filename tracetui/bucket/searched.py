"""What a search looks in: what the user, the agent and its tools said, not what a harness injected.

More in docs/internals/bucket.md, `bucket/searched.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tracetui.model import StepKind

# Blocks a harness writes into a step's text, at its start or its end, that no one in the session
# said. One in the middle of a text stays where it is (said): a file read may quote one.
INJECTED_TAGS = ("system-reminder", "current_datetime")
_OPEN = re.compile(r"\s*<(" + "|".join(INJECTED_TAGS) + r")>")
_CLOSES = tuple((f"</{tag}>", f"<{tag}>") for tag in INJECTED_TAGS)

KEY = "kind"
EVERY_KIND = "all"


def said_edges(kind: str, text: str) -> tuple[int, int] | None:
    """Where the said part of a step's text starts and ends, when injected blocks lead or trail it;
    None when the text is all said, or all injected (a CONTEXT step: its kind says so)."""
    if kind == StepKind.CONTEXT or not text:
        return None
    # A block leads with `<` (after white space) or trails with `>` (before it): most texts have
    # neither, and are all said without a look at the tags (`strip` copies nothing where nothing goes).
    if text.lstrip()[:1] != "<" and text.rstrip()[-1:] != ">":
        return None
    start = 0
    while (m := _OPEN.match(text, start)) is not None:
        close = text.find(f"</{m[1]}>", m.end())
        if close < 0:
            break
        start = close + len(m[1]) + 3
    end = len(text)
    while True:
        last = end
        while last > start and text[last - 1].isspace():
            last -= 1
        found = next(((c, o) for c, o in _CLOSES if text.endswith(c, start, last)), None)
        if found is None:
            break
        opening = text.rfind(found[1], start, last - len(found[0]))
        if opening < 0:
            break
        end = opening
    if start == 0 and end == len(text):
        return None
    return start, max(start, end)


def argument_words(value: Any) -> str | None:
    """What of a tool call's arguments is searched: their values (strings, and numbers as written),
    space-separated, in order; not their JSON, whose escapes glue words (`\\n` before a word) and
    whose key names would match every call that has them."""
    if value is None:
        return None
    if isinstance(value, dict) and all(type(v) is str for v in value.values()):
        return " ".join(value.values())  # most calls: the walk below, in one step
    strings: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            strings.append(item)
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list | tuple):
            stack.extend(reversed(item))
        elif item is not None:
            strings.append(str(item))
    return " ".join(strings)


def parts(kind: str, text: str, edges: tuple[int, int] | None) -> tuple[str, str]:
    """(said, injected) of a step's text, given its `said_edges`: what the index's generated columns
    `said` and `injected` hold (shards.SCHEMA), in Python."""
    if kind == StepKind.CONTEXT:
        return "", text
    if edges is None:
        return text, ""
    start, end = edges
    return text[start:end], text[:start] + " " + text[end:]


@dataclass(frozen=True, slots=True)
class StepQuery:
    """A search's words and the parts of steps it looks in (module docstring)."""

    words: str
    kinds: frozenset[str] | None = None  # the said parts of these kinds only; None: of every kind
    said: bool = True  # look in the said parts (of `kinds`)
    injected: bool = False  # look in the injected parts (of every step)
    unknown: tuple[str, ...] = ()  # `kind:` values that name no kind: they match nothing

    @property
    def usual(self) -> bool:
        """No `kind:` given (or only ones that name nothing): what was said, by every kind of step."""
        return self.kinds is None and self.said and not self.injected

    def covers(self, kind: str) -> bool:
        """Whether the said part of a step of this kind is looked in."""
        return self.said and (self.kinds is None or kind in self.kinds)


def query_text(text: str) -> str:
    """What a user typed (or a saved state holds), as text SQLite takes: a NUL separates words (FTS5
    reads a quoted term only up to it: the query failed as an unterminated string), and a lone
    surrogate (a command-line argument that was not UTF-8) is U+FFFD, which no stored text holds
    (binding it to a query raised UnicodeEncodeError)."""
    return sqlite_text(text.replace("\x00", " "))


def sqlite_text(text: str) -> str:
    """`text` with each lone surrogate as U+FFFD: SQLite takes UTF-8 only."""
    if text.isascii():
        return text
    return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)


def step_query(text: str) -> StepQuery:
    """A query's words, and its `kind:` terms read (module docstring)."""
    text = query_text(text)
    words: list[str] = []
    named: set[str] = set()
    unknown: list[str] = []
    every = False
    for word in text.split():
        key, sep, value = word.partition(":")
        if not (sep and value and key.lower() == KEY):
            words.append(word)
            continue
        for name in filter(None, value.lower().split(",")):
            if name == EVERY_KIND:
                every = True
                continue
            found = [k for k in StepKind.ALL if k.startswith(name)]
            if found:
                named.update(found)
            else:
                unknown.append(name)
    joined = " ".join(_once(words))
    if every:
        return StepQuery(joined, None, True, True, tuple(unknown))
    if not named:
        return StepQuery(joined, None, not unknown, False, tuple(unknown))
    said = named - {StepKind.CONTEXT}
    return StepQuery(joined, frozenset(said), bool(said), StepKind.CONTEXT in named, tuple(unknown))


def _once(words: list[str]) -> list[str]:
    """Each word once (its last place kept: the last word is the one a search also takes as a
    prefix). A word twice asks nothing more of a step, but the index matched and ranked it again
    each time: a pasted `the the the …` of 20,000 words ran for hours."""
    seen: set[str] = set()
    kept: list[str] = []
    for word in reversed(words):
        if word.lower() not in seen:
            seen.add(word.lower())
            kept.append(word)
    return kept[::-1]


def kind_names() -> str:
    """The values `kind:` takes, for a message."""
    return ", ".join((*StepKind.ALL, EVERY_KIND))


def unknown_kind(text: str) -> str | None:
    """What to tell a user whose query names a kind there is none of (`kind:bogus`), else None: the
    search refuses it, the session list says it beside its count."""
    unknown = step_query(text).unknown
    if not unknown:
        return None
    return f"no step kind starts with {unknown[0]!r} (kind: takes {kind_names()})"
