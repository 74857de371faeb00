"""What `export --check` reads of a page (`*-steps-A-B.html`, `.md`): the log's text in it, cut at the
page's tags (HTML) or lines (Markdown), each part read but where it has the shape the writer gives
that part (`page`'s templates and tags)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from tracetui.export.check_views.shapes import INDEX, NUMBER, READ, Lined, either, lined, shape
from tracetui.export.labels import LINE_STATES
from tracetui.model import StepKind
from tracetui.sources.registry import READER_MODULES


@dataclass(frozen=True, slots=True)
class _PageShapes:
    """A page's own lines (`page`'s templates) as one page kind writes them, each a pattern whose groups
    hold the log's text."""

    number: str  # a step's number and the space after it
    title: re.Pattern[str]
    lines: list[re.Pattern[str]]  # the three lines about the session
    unknown: str  # the word for a time or project the log did not give, as the page writes it
    labels: str  # a step's label
    notes: list[re.Pattern[str]]  # a note: a subagent or model (its name read), a gap left out
    names: frozenset[str]  # a body's name
    summary: re.Pattern[str]  # a folded tool call's summary: the tool and what it did, both read
    reasoning: str
    tool: str
    state: str  # a diff's state, its commit read
    tags: _HtmlTags


@dataclass(frozen=True, slots=True)
class _HtmlTags:
    """The tags an HTML page writes its parts in (`page.TAG_*`), as the check sees one opened: its name
    and attributes."""

    doctype: str
    style: str
    style_text: str  # the page's style, as it writes it
    title: tuple[str, str]  # the page's title and its heading
    summary: str  # a folded step's summary
    meta: str  # a line about the session, a step's label, a note, a body's name, a diff's path
    badge: re.Pattern[str]  # a diff's state, its class the state's where the style colours it


def _html_tags() -> _HtmlTags:
    from tracetui.export import page

    badge = shape(page.TAG_BADGE, state=f"(?:{either(page.BADGED)})?")
    return _HtmlTags(
        doctype=page.DOCTYPE,
        style=page.TAG_STYLE,
        style_text=page._STYLE,
        title=(page.TAG_TITLE, page.TAG_HEADING),
        summary=page.TAG_SUMMARY,
        meta=page.TAG_META,
        badge=re.compile(badge),
    )


@functools.cache
def _page_shapes(kind: str) -> _PageShapes:
    from tracetui.export import page

    esc = page.ESCAPES[kind]

    def lit(text: str) -> str:
        return re.escape(esc(text))

    def shaped(template: str, **fields: str) -> str:
        return shape(template, esc, **fields)

    states = either(LINE_STATES)
    dollars = shaped(page.MONEY, value=r"[0-9,]+\.[0-9]{4}")
    money = f"(?:{lit(page.UNPRICED)}|{lit(page.NO_COST)}|{dollars})"
    exit_code = f"(?:{lit(page.UNKNOWN)}|-?{NUMBER})"
    tests = shaped(page.TESTS_RUN, n=NUMBER) + f"(?:{shaped(page.LAST_EXIT, code=exit_code)})?"
    per_state = shaped(page.STATE_LINES, n=NUMBER, state=states)
    every_state = f"{per_state}(?:{lit(page.SEP)}{per_state})*"
    outcome = shaped(page.OUTCOME, added=NUMBER, states=every_state, tests=tests)
    lines = [
        shaped(page.SESSION, agent=either(READER_MODULES), id=READ, started=READ, project=READ,
              version=r"(\S*?)", compact=f"(?:{lit(page.COMPACT)})?"),
        shaped(page.EPISODE, first=INDEX, last=INDEX, ref=READ, outcome=outcome, cost=money,
               copied=f"(?:{shaped(page.COPIED, n=NUMBER)})?"),
        shaped(page.WHOLE, steps=NUMBER, outcome=outcome, cost=money),
    ]  # fmt: skip
    notes = either(esc(page.label(k)) for k in page.NOTE_KINDS)
    gap = shaped(page.GAP, n=INDEX, first=INDEX, last=INDEX, chars=NUMBER)
    number = re.escape(page.NUMBERS[kind](1234567)).replace("1234567", INDEX) + " "
    return _PageShapes(
        number=number,
        title=re.compile(shaped(page.TITLE, title=READ, first=INDEX, last=INDEX), re.S),
        lines=[re.compile(p, re.S) for p in lines],
        unknown=esc(page.UNKNOWN),
        labels=either(esc(page.label(k)) for k in StepKind.ALL),
        notes=[re.compile(p, re.S) for p in (f"{notes}|{shaped(page.NOTE, kind=notes, name=READ)}", gap)],
        names=frozenset(esc(n) for n in (page.INPUT, page.RESULT, page.RESULT + page.ERROR)),
        summary=re.compile(shaped(page.SUMMARY, tool="(.*?)", what=READ), re.S),
        reasoning=esc(page.REASONING),
        tool=esc(page.TOOL),
        state=states + f"(?:{shaped(page.IN_COMMIT, commit='([0-9a-f]+)')})?",
        tags=_html_tags(),
    )


_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)((?:\s[^<>]*)?)/?>")


def html_view(data: bytes) -> bytes:
    """The log's text on an HTML page, a blank line between pieces (`html_lined`)."""
    return html_lined(data).data


def html_lined(data: bytes) -> Lined:
    """The log's text on an HTML page, with the page's line each piece starts on: each text between
    the page's tags, but where the tags before it say which part it is and it has that part's shape."""
    page = data.decode("utf-8", errors="replace")
    shapes = _page_shapes("html")
    pieces: list[tuple[int, str]] = []
    at, opened, line, counted = 0, "", 1, 0
    for tag in [*_TAG.finditer(page), None]:
        text = page[at : tag.start() if tag is not None else len(page)]
        if text:
            line += page.count("\n", counted, at)
            counted = at
            pieces += [(line + _lines_before(text, p), p) for p in _html_text(text, opened, at == 0, shapes)]
        if tag is None:
            break
        at = tag.end()
        opened = "" if tag.group(1) else tag.group(2).lower() + tag.group(3)
    return lined(pieces)


def _lines_before(text: str, piece: str) -> int:
    """The line breaks of `text` before `piece`, a part of it (a group of one of the page's shapes)."""
    at = text.find(piece)
    return text.count("\n", 0, at) if at > 0 else 0


def _html_text(text: str, opened: str, first: bool, shapes: _PageShapes) -> list[str]:
    """The log's pieces in a text after the tag `opened` (its name and attributes; "" after a closing
    tag), told apart by the tags the page writes its parts in (`page.TAG_*`)."""
    tags = shapes.tags
    if (first and text == tags.doctype) or (opened == tags.style and text == tags.style_text):
        return []
    if opened in tags.title:
        return _unless(shapes.title.fullmatch(text), text, (1,))
    if opened == tags.summary:
        return _summary(text, shapes)
    if opened == tags.meta:
        return _meta(text, shapes)
    if tags.badge.fullmatch(opened):
        return _unless(re.fullmatch(shapes.state, text), text, (1,))
    return [text]


@functools.cache
def _md_lines() -> dict[str, re.Pattern[str]]:
    """A Markdown page's lines around the log's text (`page.MD_*`), each with the group that holds
    what is inside it."""
    from tracetui.export import page

    shapes = _page_shapes("md")
    return {
        "title": re.compile(shape(page.MD_TITLE, text=READ), re.S),
        "step": re.compile(shape(page.MD_STEP, number=shapes.number[:-1], label=shapes.labels)),
        "summary": re.compile(shape(page.MD_SUMMARY, number=f"({shapes.number[:-1]}", summary=".*)"), re.S),
        "note": re.compile(shape(page.MD_NOTE, number=f"({shapes.number[:-1]}", text=".*)"), re.S),
        "path": re.compile(shape(page.MD_PATH, path=READ, state=shapes.state), re.S),
        "fence": re.compile(f"(`{{3,}})(?:{either(page.MD_FENCES)})"),
        "end": re.compile(re.escape(page.MD_FOLDED_END)),
    }


def md_view(data: bytes) -> bytes:
    """The log's text on a Markdown page, a blank line between pieces (`md_lined`)."""
    return md_lined(data).data


def md_lined(data: bytes) -> Lined:
    """The log's text on a Markdown page, with the page's line of each piece: every fenced block's
    lines, and each other line but where it has the shape of one of the page's own."""
    lines = _md_lines()
    pieces: list[tuple[int, str]] = []
    fence: str | None = None
    for n, line in enumerate(data.decode("utf-8", errors="replace").split("\n"), 1):
        if fence is not None:
            if line == fence:
                fence = None
            else:
                pieces.append((n, line))
            continue
        opening = lines["fence"].fullmatch(line)
        if opening is not None:
            fence = opening.group(1)
        elif line != "" and not lines["end"].fullmatch(line):
            pieces += [(n, p) for p in _md_line(line, lines, _page_shapes("md"))]
    return lined(pieces)


def _md_line(line: str, lines: dict[str, re.Pattern[str]], shapes: _PageShapes) -> list[str]:
    if (m := lines["title"].fullmatch(line)) is not None:
        return _unless(shapes.title.fullmatch(m.group(1)), line, (1,))
    if lines["step"].fullmatch(line) is not None:
        return []
    if (m := lines["summary"].fullmatch(line)) is not None:
        return _summary(m.group(1), shapes)
    if (m := lines["note"].fullmatch(line)) is not None and lines["path"].fullmatch(line) is None:
        return _meta(m.group(1), shapes, numbered=True)
    if (m := lines["path"].fullmatch(line)) is not None:
        return [g for g in m.groups() if g]
    return _meta(line, shapes, numbered=False)


def _summary(text: str, shapes: _PageShapes) -> list[str]:
    """A folded step's summary: `#N reasoning`, or `#N tool: what it did` (the tool's name and the rest
    are both the log's; `tool`, where the log named none, is the page's)."""
    m = re.fullmatch(rf"{shapes.number}(.*)", text, re.S)
    if m is None:
        return [text]
    rest = m.group(1)
    if rest == shapes.reasoning:
        return []
    call = shapes.summary.fullmatch(rest)
    if call is None:
        return [rest]
    tool, what = call.groups()
    return [tool if tool != shapes.tool else "", what]


def _meta(text: str, shapes: _PageShapes, numbered: bool = True) -> list[str]:
    """A meta line: a step's label, a note, a body's name, or the page's three lines about the session.
    `numbered`: a line that may start with a step's number (a Markdown page's body names and lines
    about the session stand alone, its labels and notes are numbered)."""
    if text in shapes.names:
        return []
    numbered_as = re.fullmatch(rf"{shapes.number}(.*)", text, re.S) if numbered else None
    if numbered_as is not None:
        rest = numbered_as.group(1)
        if re.fullmatch(shapes.labels, rest):
            return []
        for note in shapes.notes:
            if (m := note.fullmatch(rest)) is not None:
                return [g for g in m.groups() if g]
    for line in shapes.lines:
        if (m := line.fullmatch(text)) is not None:
            # `unknown` is the page's word for a time or project the log did not give.
            return [g for g in m.groups() if g != shapes.unknown]
    return [text]


def _unless(m: re.Match[str] | None, text: str, groups: tuple[int, ...]) -> list[str]:
    """The groups of a match that hold the log's text, or the whole text where it did not match."""
    return [text] if m is None else [m.group(g) or "" for g in groups]
