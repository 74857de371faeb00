"""What a search looks in: what the user, the agent and its tools said, not what a harness injected.

Every Codex session opens with its system prompt (a CONTEXT step of some 10,000 characters), every
Claude Code Read result ends with the same reminder, Copilot stamps the date on its prompts: a search
for a common word ("file", "test") would find every session there, and the session list's text
filter would keep them all. So a step's text is read as two parts (docs/design.md, "Command line",
`search`):
- **injected**: the whole text of a CONTEXT step (system prompts, developer and AGENTS.md
  instructions, environment, reminders sent as their own message, summaries a harness carries over),
  and the blocks a harness puts at the start or the end of another step's text (`INJECTED_TAGS`:
  Claude Code's and OpenCode's `<system-reminder>` after a file read, Copilot's `<current_datetime>`);
- **said**: the rest, with a tool call's argument words.
Words look in the said parts unless the query names kinds: `kind:context` looks in the injected parts
only, `kind:K` in the said parts of steps of kind K (the start of a name takes every kind it starts:
`kind:tool` is tool_call and tool_result), several (`kind:user,context`, or the key twice) in the
union, `kind:all` in everything. The bucket's index keeps the two parts in columns of their own
(`shards.py`), so the usual search costs what it did before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
