"""The writer's templates as the patterns `export --check` reads a file by (`shape`), the words it fills
some fields from (`either`, `finding_kind`), and a view's text with the file's own line of each piece
(`Lined`)."""

from __future__ import annotations

import bisect
import functools
import re
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tracetui.redact.all_kinds import every_kind

NUMBER = r"[0-9][0-9,]*"
INDEX = "[0-9]+"
READ = "(.*)"  # a value the check reads: a licence, a revision, a version, a page's id or project


def shape(template: str, escape: Callable[[str], str] | None = None, **fields: str) -> str:
    """The pattern of a line the writer fills from `template`: its words as the writer writes them
    (through `escape`, a page's), each field as the pattern given for it (a group of it where the value
    is read)."""
    out = []
    for literal, name, _, _ in string.Formatter().parse(template):
        out.append(re.escape(escape(literal) if escape is not None and literal else literal))
        if name is not None:
            out.append(fields[name])
    return "".join(out)


def either(words: Iterable[str]) -> str:
    return "(?:" + "|".join(sorted(map(re.escape, set(words)), key=len, reverse=True)) + ")"


@functools.cache
def finding_kind() -> str:
    """A finding's kind, as a receipt, a card and a donation write it: one of the detectors' own."""
    return either(every_kind())


def templated(line: str, shapes: list[re.Pattern[str]]) -> list[str]:
    """The values read of a line of one of the writer's templates (its groups), or the line whole."""
    for pattern in shapes:
        if (m := pattern.fullmatch(line)) is not None:
            return [g for g in m.groups() if g]
    return [line]


@dataclass(frozen=True, slots=True)
class Lined:
    """A view's text (pieces, a blank line between them) with the line of the file each piece starts on,
    so that a finding is said on the line a user opens, not on the line of the view's text."""

    text: str
    starts: list[int]  # each piece's first character in the text
    lines: list[int]  # the file's line (from 1) each piece starts on

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8")

    def line(self, char: int) -> int:
        """The file's line of the character `char` of the text: its piece's, and the piece's own line
        breaks before it (a page's text between two tags may run over lines)."""
        i = bisect.bisect_right(self.starts, char) - 1
        if not self.lines:
            return 1
        i = max(i, 0)
        return self.lines[i] + self.text.count("\n", self.starts[i], max(char, self.starts[i]))


def lined(pieces: Iterable[tuple[int, str]]) -> Lined:
    kept = [(n, p) for n, p in pieces if p.strip()]
    starts, at = [], 0
    for _, p in kept:
        starts.append(at)
        at += len(p) + 2
    return Lined("\n\n".join(p for _, p in kept), starts, [n for n, _ in kept])
