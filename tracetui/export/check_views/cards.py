"""What `export --check` reads of a dataset card (README.md of a raw or parquet export) and of a
donation's DONATION.md: Markdown the writer fills from templates (`card`, `receipt`), each line read
but the writer's own, and in a line of a template the values that are not the writer's words; with
the file's own line of each piece (`Lined`)."""

from __future__ import annotations

import functools
import re
from typing import Any

import orjson

from tracetui.export.check_views.shapes import (
    NUMBER,
    READ,
    Lined,
    either,
    finding_kind,
    lined,
    shape,
    templated,
)
from tracetui.redact.all_kinds import every_kind
from tracetui.sources.common.jsonl import TooDeep, loads_whole
from tracetui.sources.registry import READER_MODULES


@functools.cache
def _card_shapes() -> tuple[frozenset[str], list[re.Pattern[str]], frozenset[str], frozenset[str]]:
    """A dataset card's own lines, its lines' shapes (`card`'s templates), and the keys and values of its
    front matter (`card.metadata` of every agent, every size)."""
    from tracetui.export import card, raw, tables
    from tracetui.sources import registry
    from tracetui.trail import STATES

    def many(item: str) -> str:
        return rf"{item}(?:{re.escape(card.SEP)}{item})*"

    label = either(registry.label(a) for a in READER_MODULES)
    month = r"[0-9]{4}-[0-9]{2}"
    agents = shape(card.AGENTS, names=many(shape(card.AGENT_COUNT, label=label, n=NUMBER)))
    span = shape(card.STARTED_IN, first=month) + "|" + shape(card.STARTED_BETWEEN, first=month, last=month)
    sessions = shape(card.SESSIONS, total=NUMBER, s="s?", agents=f"(?:{agents})?", span=f"(?:{span})?")
    folders = many(shape(card.FOLDER, folder=either(raw.agent_folder(a) for a in READER_MODULES)))
    names = either([*tables.TABLES, *STATES, *every_kind()])
    shapes = [
        shape(card.DESCRIPTION, sessions=sessions, version=READ),
        shape(card.LICENSE, license=READ),
        shape(card.RAW_FILES, folders=f"(?:{folders}|{re.escape(card.NONE_YET)})"),
        shape(card.TABLE_ROW, name=names, n=NUMBER),
        shape(card.PRODUCERS, producers=f"(?:{many(label)}|{re.escape(card.NONE_YET)})"),
        shape(card.ANNOTATION, labels_where=either(card.LABELS_WHERE.values()), ref=READ),
        shape(card.KEPT, kinds=many(shape(card.KEPT_KIND, kind=finding_kind(), n=NUMBER, s="s?"))),
        shape(card.BIB_YEAR, year="[0-9]{4}"),
        shape(card.BIB_NOTE, version=READ, ref=READ),
        shape(card.AUTHORS, version=READ),
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
            pieces += [(n, p) for p in templated(line, shapes)]
    return lined(pieces)


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


@functools.cache
def _donation_shapes() -> tuple[frozenset[str], list[re.Pattern[str]]]:
    from tracetui.export import receipt

    names = either([*(receipt.cell(a) for a in READER_MODULES), *every_kind()])
    shapes = [
        shape(receipt.MADE_BY, version=READ, license=READ),
        shape(receipt.SESSIONS, n=NUMBER),
        shape(receipt.ROW, name=names, n=NUMBER),
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
    return lined((n, p) for n, line in lines if line not in own for p in templated(line, shapes))
