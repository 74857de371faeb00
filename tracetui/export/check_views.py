"""What `export --check` reads of a page (`html`, `md`) and of a receipt: the log's text in it, worked
out from the file's own structure, not the words every export writes there (docs/internals/export.md).

Every part the writer writes in a fixed shape is matched whole against that shape; its fixed words are
left out and every place the log's text fills is read. A part of any other shape is read whole, so a
file the check did not write is read at least wherever the writer would have put the log's text.
"""

from __future__ import annotations

import bisect
import functools
import re
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from tracetui.export.labels import LINE_STATES
from tracetui.model import StepKind
from tracetui.redact.all_kinds import every_kind
from tracetui.redact.finding import TIERS
from tracetui.redact.plan import DECIDERS
from tracetui.sources.common.jsonl import TooDeep, loads_whole
from tracetui.sources.registry import READER_MODULES

_NUMBER = r"[0-9][0-9,]*"
_INDEX = "[0-9]+"
_READ = "(.*)"  # a value the check reads: a licence, a revision, a version, a page's id or project


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

    badge = _shape(page.TAG_BADGE, state=f"(?:{_either(page.BADGED)})?")
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

    def shape(template: str, **fields: str) -> str:
        return _shape(template, esc, **fields)

    states = _either(LINE_STATES)
    dollars = shape(page.MONEY, value=r"[0-9,]+\.[0-9]{4}")
    money = f"(?:{lit(page.UNPRICED)}|{lit(page.NO_COST)}|{dollars})"
    exit_code = f"(?:{lit(page.UNKNOWN)}|-?{_NUMBER})"
    tests = shape(page.TESTS_RUN, n=_NUMBER) + f"(?:{shape(page.LAST_EXIT, code=exit_code)})?"
    per_state = shape(page.STATE_LINES, n=_NUMBER, state=states)
    every_state = f"{per_state}(?:{lit(page.SEP)}{per_state})*"
    outcome = shape(page.OUTCOME, added=_NUMBER, states=every_state, tests=tests)
    lines = [
        shape(page.SESSION, agent=_either(READER_MODULES), id=_READ, started=_READ, project=_READ,
              version=r"(\S*?)", compact=f"(?:{lit(page.COMPACT)})?"),
        shape(page.EPISODE, first=_INDEX, last=_INDEX, ref=_READ, outcome=outcome, cost=money),
        shape(page.WHOLE, steps=_NUMBER, outcome=outcome, cost=money),
    ]  # fmt: skip
    notes = _either(esc(page.label(k)) for k in page.NOTE_KINDS)
    gap = shape(page.GAP, n=_INDEX, first=_INDEX, last=_INDEX, chars=_NUMBER)
    number = re.escape(page.NUMBERS[kind](1234567)).replace("1234567", _INDEX) + " "
    return _PageShapes(
        number=number,
        title=re.compile(shape(page.TITLE, title=_READ, first=_INDEX, last=_INDEX), re.S),
        lines=[re.compile(p, re.S) for p in lines],
        unknown=esc(page.UNKNOWN),
        labels=_either(esc(page.label(k)) for k in StepKind.ALL),
        notes=[re.compile(p, re.S) for p in (f"{notes}|{shape(page.NOTE, kind=notes, name=_READ)}", gap)],
        names=frozenset(esc(n) for n in (page.INPUT, page.RESULT, page.RESULT + page.ERROR)),
        summary=re.compile(shape(page.SUMMARY, tool="(.*?)", what=_READ), re.S),
        reasoning=esc(page.REASONING),
        tool=esc(page.TOOL),
        state=states + f"(?:{shape(page.IN_COMMIT, commit='([0-9a-f]+)')})?",
        tags=_html_tags(),
    )


_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)((?:\s[^<>]*)?)/?>")


def html_view(data: bytes) -> bytes:
    """The log's text on an HTML page, a blank line between pieces: each text between the page's tags,
    but where the tags before it say which part it is and it has that part's shape."""
    page = data.decode("utf-8", errors="replace")
    shapes = _page_shapes("html")
    pieces: list[str] = []
    at, opened = 0, ""
    for tag in [*_TAG.finditer(page), None]:
        text = page[at : tag.start() if tag is not None else len(page)]
        if text:
            pieces += _html_text(text, opened, at == 0, shapes)
        if tag is None:
            break
        at = tag.end()
        opened = "" if tag.group(1) else tag.group(2).lower() + tag.group(3)
    return "\n\n".join(p for p in pieces if p.strip()).encode("utf-8")


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
        "title": re.compile(_shape(page.MD_TITLE, text=_READ), re.S),
        "step": re.compile(_shape(page.MD_STEP, number=shapes.number[:-1], label=shapes.labels)),
        "summary": re.compile(_shape(page.MD_SUMMARY, number=f"({shapes.number[:-1]}", summary=".*)"), re.S),
        "note": re.compile(_shape(page.MD_NOTE, number=f"({shapes.number[:-1]}", text=".*)"), re.S),
        "path": re.compile(_shape(page.MD_PATH, path=_READ, state=shapes.state), re.S),
        "fence": re.compile(f"(`{{3,}})(?:{_either(page.MD_FENCES)})"),
        "end": re.compile(re.escape(page.MD_FOLDED_END)),
    }


def md_view(data: bytes) -> bytes:
    """The log's text on a Markdown page, a blank line between pieces: every fenced block's lines, and
    each other line but where it has the shape of one of the page's own."""
    lines = _md_lines()
    pieces: list[str] = []
    fence: str | None = None
    for line in data.decode("utf-8", errors="replace").split("\n"):
        if fence is not None:
            if line == fence:
                fence = None
            else:
                pieces.append(line)
            continue
        opening = lines["fence"].fullmatch(line)
        if opening is not None:
            fence = opening.group(1)
        elif line != "" and not lines["end"].fullmatch(line):
            pieces += _md_line(line, lines, _page_shapes("md"))
    return "\n\n".join(p for p in pieces if p.strip()).encode("utf-8")


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


@functools.cache
def _kind() -> str:
    """A finding's kind, as a receipt, a card and a donation write it: one of the detectors' own."""
    return _either(every_kind())


@functools.cache
def _receipt_words() -> dict[str, re.Pattern[str]]:
    """A receipt's own words, by key: what the writer puts there from its own vocabulary."""
    return {
        "agent": re.compile(_either(READER_MODULES)),
        "decided_by": re.compile(_either(DECIDERS)),
        "tier": re.compile(_either(TIERS)),
        "kind": re.compile(_kind()),
        "placeholder": re.compile(r"<[A-Z][A-Z0-9_]*>"),
    }


def receipt_view(data: bytes) -> bytes:
    """What the check reads of a session's receipt: every value but the receipt's own words under their
    keys (`_receipt_words`), its keys left out, as one JSON line; a file that is no JSON, or nested too
    deep to write again (a trail's note read as a list of its parts nests one level more), as it is."""
    try:
        return orjson.dumps(_receipt_strings(loads_whole(data)))
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return data


@functools.cache
def _notes_of_trail() -> list[re.Pattern[str]]:
    """The notes the trail writes on where it judged a session (`trail.mapping`'s templates): the
    folders, paths and the session's id are the log's, read."""
    from tracetui.trail import mapping

    command = re.escape(" ".join(mapping.TRAIL_COMMAND)) + " (.*)"
    hint = _shape(mapping.CLONE_HINT, command=command)
    return [re.compile(p, re.S) for p in (
        _shape(mapping.NOT_FOUND, where=_READ, hint=hint),
        _shape(mapping.READ_IN, logged=_READ, clone=_READ),
        _shape(mapping.NONE_HELD, where=_READ, n="[0-9]+", path=_READ),
    )]  # fmt: skip


def _receipt_strings(obj: Any) -> Any:
    if isinstance(obj, list):
        return [_receipt_strings(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    out: list[Any] = []
    words = _receipt_words()
    for k, v in obj.items():
        if isinstance(v, str) and k in words and words[k].fullmatch(v):
            continue
        note = next((m for p in _notes_of_trail() if (m := p.fullmatch(v))), None) if k == "note" and \
            isinstance(v, str) else None  # fmt: skip
        out.append(list(note.groups()) if note is not None else _receipt_strings(v))
    return out


def _shape(template: str, escape: Callable[[str], str] | None = None, **fields: str) -> str:
    """The pattern of a line the writer fills from `template`: its words as the writer writes them
    (through `escape`, a page's), each field as the pattern given for it (a group of it where the value
    is read)."""
    out = []
    for literal, name, _, _ in string.Formatter().parse(template):
        out.append(re.escape(escape(literal) if escape is not None and literal else literal))
        if name is not None:
            out.append(fields[name])
    return "".join(out)


def _either(words: Iterable[str]) -> str:
    return "(?:" + "|".join(sorted(map(re.escape, set(words)), key=len, reverse=True)) + ")"




@functools.cache
def _card_shapes() -> tuple[frozenset[str], list[re.Pattern[str]], frozenset[str], frozenset[str]]:
    """A dataset card's own lines, its lines' shapes (`card`'s templates), and the keys and values of its
    front matter (`card.metadata` of every agent, every size)."""
    from tracetui.export import card, raw, tables
    from tracetui.sources import registry
    from tracetui.trail import STATES

    def many(item: str) -> str:
        return rf"{item}(?:{re.escape(card.SEP)}{item})*"

    label = _either(registry.label(a) for a in READER_MODULES)
    month = r"[0-9]{4}-[0-9]{2}"
    agents = _shape(card.AGENTS, names=many(_shape(card.AGENT_COUNT, label=label, n=_NUMBER)))
    span = _shape(card.STARTED_IN, first=month) + "|" + _shape(card.STARTED_BETWEEN, first=month, last=month)
    sessions = _shape(card.SESSIONS, total=_NUMBER, s="s?", agents=f"(?:{agents})?", span=f"(?:{span})?")
    folders = many(_shape(card.FOLDER, folder=_either(raw.agent_folder(a) for a in READER_MODULES)))
    names = _either([*tables.TABLES, *STATES, *every_kind()])
    shapes = [
        _shape(card.DESCRIPTION, sessions=sessions, version=_READ),
        _shape(card.LICENSE, license=_READ),
        _shape(card.RAW_FILES, folders=f"(?:{folders}|{re.escape(card.NONE_YET)})"),
        _shape(card.TABLE_ROW, name=names, n=_NUMBER),
        _shape(card.PRODUCERS, producers=f"(?:{many(label)}|{re.escape(card.NONE_YET)})"),
        _shape(card.ANNOTATION, labels_where=_either(card.LABELS_WHERE.values()), ref=_READ),
        _shape(card.KEPT, kinds=many(_shape(card.KEPT_KIND, kind=_kind(), n=_NUMBER, s="s?"))),
        _shape(card.BIB_YEAR, year="[0-9]{4}"),
        _shape(card.BIB_NOTE, version=_READ, ref=_READ),
        _shape(card.AUTHORS, version=_READ),
    ]
    every = card.Contents({a: 1 for a in READER_MODULES}, {}, [])
    keys: set[str] = set()
    values = {card.size_category(n) for n in (0, 10**3, 10**4, 10**5, 10**6, 10**7, 10**8)}
    _front_words(card.metadata("cc-by-4.0", every, card.parquet_configs()), keys, values)
    values.discard("cc-by-4.0")  # the licence the user chose is read
    return card.own_lines(), [re.compile(s, re.S) for s in shapes], frozenset(keys), frozenset(values)


def _front_words(value: Any, keys: set[str], values: set[str]) -> None:
    if isinstance(value, dict):
        keys.update(value)
        for v in value.values():
            _front_words(v, keys, values)
    elif isinstance(value, list):
        for v in value:
            _front_words(v, keys, values)
    else:
        values.add(str(value).lower() if isinstance(value, bool) else str(value))


@dataclass(frozen=True, slots=True)
class Lined:
    """A view's text (pieces, a blank line between them) with the line of the file each piece is on,
    so that a finding is said on the line a user opens, not on the line of the view's text."""

    data: bytes
    starts: list[int]  # each piece's first character in the text
    lines: list[int]  # the file's line (from 1) each piece is on

    def line(self, char: int) -> int:
        """The file's line of the character `char` of the text."""
        i = bisect.bisect_right(self.starts, char) - 1
        return self.lines[max(i, 0)] if self.lines else 1


def _lined(pieces: Iterable[tuple[int, str]]) -> Lined:
    kept = [(n, p) for n, p in pieces if p.strip()]
    starts, at = [], 0
    for _, p in kept:
        starts.append(at)
        at += len(p) + 2
    return Lined("\n\n".join(p for _, p in kept).encode("utf-8"), starts, [n for n, _ in kept])


def card_view(data: bytes) -> bytes:
    """The log's text in a dataset card (README.md), a blank line between pieces (`card_lined`)."""
    return card_lined(data).data


def card_lined(data: bytes) -> Lined:
    """The log's text in a dataset card (README.md), with its lines: in its front matter, each value but
    the writer's own (`card.metadata`'s) under the writer's keys; in its body, each line but the
    writer's own (`card.own_lines`) and, in a line of one of the writer's templates, the values that
    are not the writer's words. Any other line is read whole."""
    own, shapes, keys, values = _card_shapes()
    lines = data.decode("utf-8", errors="replace").split("\n")
    pieces: list[tuple[int, str]] = []
    body = 0
    if lines[0] == "---" and "---" in lines[1:]:
        body = lines.index("---", 1) + 1
        front = enumerate(lines[1 : body - 1], 2)
        pieces += [(n, p) for n, line in front for p in _front_line(line, keys, values)]
    for n, line in enumerate(lines[body:], body + 1):
        if line not in own:
            pieces += [(n, p) for p in _templated(line, shapes)]
    return _lined(pieces)


def _front_line(line: str, keys: frozenset[str], values: frozenset[str]) -> list[str]:
    """A line of the card's front matter (YAML, as the writer or the Hub's writes it): its key where it
    is none of the writer's, and its value where it is none of the writer's."""
    item = re.fullmatch(r"(?: *- )* *(.*)", line)
    rest = item.group(1) if item is not None else line
    key = re.fullmatch(r"([A-Za-z_]+):(?: (.*))?", rest)
    if key is not None and key.group(1) in keys:
        rest = key.group(2) or ""
    if rest in values or _unquoted(rest) in values:
        return []
    return [rest]


def _unquoted(text: str) -> str | None:
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    if len(text) >= 2 and text[0] == text[-1] == '"':
        try:
            value = loads_whole(text)
        except (orjson.JSONDecodeError, TooDeep):
            return None
        return value if isinstance(value, str) else None
    return None


def _templated(line: str, shapes: list[re.Pattern[str]]) -> list[str]:
    """The values read of a line of one of the writer's templates (its groups), or the line whole."""
    for shape in shapes:
        if (m := shape.fullmatch(line)) is not None:
            return [g for g in m.groups() if g]
    return [line]


@functools.cache
def _donation_shapes() -> tuple[frozenset[str], list[re.Pattern[str]]]:
    from tracetui.export import receipt

    names = _either([*(receipt.cell(a) for a in READER_MODULES), *every_kind()])
    shapes = [
        _shape(receipt.MADE_BY, version=_READ, license=_READ),
        _shape(receipt.SESSIONS, n=_NUMBER),
        _shape(receipt.ROW, name=names, n=_NUMBER),
    ]
    return receipt.own_lines(), [re.compile(s, re.S) for s in shapes]


def donation_view(data: bytes) -> bytes:
    """The log's text in a donation's DONATION.md, a blank line between pieces (`donation_lined`)."""
    return donation_lined(data).data


def donation_lined(data: bytes) -> Lined:
    """The log's text in a donation's DONATION.md, with its lines: each line but the writer's own
    (`receipt.own_lines`) and, in a line of one of its templates, the values that are not the writer's
    words."""
    own, shapes = _donation_shapes()
    lines = enumerate(data.decode("utf-8", errors="replace").split("\n"), 1)
    return _lined((n, p) for n, line in lines if line not in own for p in _templated(line, shapes))


_RECEIPT_COLUMN = b'"receipt":'


def rows_view(rows: bytes) -> bytes:
    """A Parquet file's rows as JSON lines (`parquet_rows`), each row's `receipt` column (a session's
    receipt rows, as JSON text) read as a receipt file is (`receipt_view`): the writer's words in it
    are left out, its other values read. A row the check cannot read so is left as it is."""
    if _RECEIPT_COLUMN not in rows:
        return rows
    out = []
    for line in rows.split(b"\n"):
        if _RECEIPT_COLUMN in line:
            try:
                row = loads_whole(line)
                if isinstance(row, dict) and isinstance(row.get("receipt"), str):
                    row["receipt"] = _receipt_strings(loads_whole(row["receipt"]))
                    line = orjson.dumps(row)
            except (orjson.JSONDecodeError, orjson.JSONEncodeError, TooDeep):
                pass
        out.append(line)
    return b"\n".join(out)
