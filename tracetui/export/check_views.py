"""What `export --check` reads of a page (`html`, `md`) and of a receipt: the log's text in it, worked
out from the file's own structure, not the words every export writes there (docs/internals/export.md).

Every part the writer writes in a fixed shape is matched whole against that shape; its fixed words are
left out and every place the log's text fills is read. A part of any other shape is read whole, so a
file the check did not write is read at least wherever the writer would have put the log's text.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from tracetui.export.labels import LINE_STATES
from tracetui.model import StepKind
from tracetui.sources.common.jsonl import loads_whole
from tracetui.sources.registry import READER_MODULES

_LABELS = "|".join(re.escape(k.replace("_", " ")) for k in StepKind.ALL)
_STATES = "|".join(LINE_STATES)
_NUMBER = r"[0-9][0-9,]*"
# The outcome and cost lines' own words (page._outcome_line, page._money): numbers and states only.
_OUTCOME = (rf"{_NUMBER} lines added, {_NUMBER} (?:{_STATES})(?:, {_NUMBER} (?:{_STATES}))*; "
            rf"tests run {_NUMBER}(?:, last exit (?:unknown|-?{_NUMBER}))?")  # fmt: skip
_NOTES = ("subagent start", "subagent end", "model change")


def _shapes(esc: str, close: str) -> list[tuple[re.Pattern[str], tuple[int, ...]]]:
    """A page's lines of a fixed shape, with the groups that hold the log's text; `esc` is how the page
    writes `(`, `)` and `#` outside code, `close` what ends a meta line."""
    o, c = re.escape(esc) + r"\(", re.escape(esc) + r"\)"
    money = rf"(?:unknown {o}a model the price table lacks{c}|none recorded|\$[0-9,]+\.[0-9]{{4}})"
    return [(re.compile(p, re.S), groups) for p, groups in [
        (rf"(?P<a>[a-z]+) session (.*), started (.*), project (.*); exported redacted by tracetui "
         rf"[0-9A-Za-z.+\\-]+(?: {o}compact: tool results folded to a line, long texts cut{c})?\.{close}",
         (2, 3, 4)),
        (rf"This episode {o}steps [0-9]+ to [0-9]+{c} at (.*): {_OUTCOME}; cost {money}\.{close}", (1,)),
        (rf"The whole session {o}{_NUMBER} steps{c}: {_OUTCOME}; cost {money}\.{close}", ()),
    ]]  # fmt: skip


_HTML_META = _shapes("", "")
_MD_META = _shapes("\\", "")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)((?:\s[^<>]*)?)/?>")


def html_view(data: bytes) -> bytes:
    """The log's text on an HTML page, a blank line between pieces: each text between the page's tags,
    but where the tags before it say which part it is and it has that part's shape."""
    page = data.decode("utf-8", errors="replace")
    from tracetui.export.page import _STYLE

    pieces: list[str] = []
    at, opened = 0, ""
    for tag in [*_TAG.finditer(page), None]:
        text = page[at : tag.start() if tag is not None else len(page)]
        if text:
            pieces += _html_text(text, opened, at == 0, _STYLE)
        if tag is None:
            break
        at = tag.end()
        opened = "" if tag.group(1) else tag.group(2).lower() + tag.group(3)
    return "\n\n".join(p for p in pieces if p.strip()).encode("utf-8")


def _html_text(text: str, opened: str, first: bool, style: str) -> list[str]:
    """The log's pieces in a text after the tag `opened` (its name and attributes; "" after a closing
    tag)."""
    if (first and text == "<!DOCTYPE html>\n") or (opened == "style" and text == style):
        return []
    if opened in ("title", "h1"):
        return _unless(re.fullmatch(r"(.*) \(steps [0-9]+ to [0-9]+\)", text, re.S), text, (1,))
    if opened == "summary":
        return _summary(text, r"#[0-9]+ ")
    if opened == 'p class="meta"':
        return _meta(text, r"#[0-9]+ ", _HTML_META, ("input", "result", "result (error)"))
    if opened.startswith('span class="badge'):
        return _unless(re.fullmatch(rf"(?:{_STATES})(?: in ([0-9a-f]+))?", text), text, (1,))
    return [text]


def md_view(data: bytes) -> bytes:
    """The log's text on a Markdown page, a blank line between pieces: every fenced block's lines, and
    each other line but where it has the shape of one of the page's own."""
    pieces: list[str] = []
    fence: str | None = None
    for line in data.decode("utf-8", errors="replace").split("\n"):
        if fence is not None:
            if line == fence:
                fence = None
            else:
                pieces.append(line)
            continue
        opening = re.fullmatch(r"(`{3,})(?:text|diff)", line)
        if opening is not None:
            fence = opening.group(1)
        elif line not in ("", "</details>"):
            pieces += _md_line(line)
    return "\n\n".join(p for p in pieces if p.strip()).encode("utf-8")


_MD_NUMBER = r"#&#8203;[0-9]+ "  # a step's number, unpinged (page._number)


def _md_line(line: str) -> list[str]:
    if line.startswith("# "):
        return _unless(re.fullmatch(r"# (.*) \\\(steps [0-9]+ to [0-9]+\\\)", line), line, (1,))
    if (m := re.fullmatch(rf"\*\*{_MD_NUMBER}(?:{_LABELS})\*\*", line)) is not None:
        return []
    if (m := re.fullmatch(r"<details><summary>(.*)</summary>", line)) is not None:
        return _summary(m.group(1), _MD_NUMBER)
    if (m := re.fullmatch(r"\*(.*)\*", line)) is not None and not line.startswith("**"):
        return _meta(m.group(1), _MD_NUMBER, [], ())
    if (m := re.fullmatch(rf"\*\*(.*)\*\*: (?:{_STATES})(?: in ([0-9a-f]+))?", line)) is not None:
        return [g for g in m.groups() if g]
    return _meta(line, "", _MD_META, ("input", "result", "result \\(error\\)"))


def _summary(text: str, number: str) -> list[str]:
    """A folded step's summary: `#N reasoning`, or `#N tool: what it did` (the tool's name and the rest
    are both the log's)."""
    m = re.fullmatch(rf"{number}(.*)", text, re.S)
    if m is None:
        return [text]
    rest = m.group(1)
    if rest == "reasoning":
        return []
    tool, colon, what = rest.partition(": ")
    return [tool if tool != "tool" or not colon else "", what] if colon else [rest]


def _meta(text: str, number: str, shapes: list[tuple[re.Pattern[str], tuple[int, ...]]],
          names: tuple[str, ...]) -> list[str]:  # fmt: skip
    """A meta line: a step's label, a note, a body's name, or the page's three lines about the session."""
    if text in names:
        return []
    if (m := re.fullmatch(rf"{number}(?:{_LABELS})", text)) is not None and number:
        return []
    if number and (m := re.fullmatch(rf"{number}(?:{'|'.join(_NOTES)})(?: (.*))?", text, re.S)) is not None:
        return [m.group(1) or ""]
    if number and re.fullmatch(rf"{number}[0-9]+ steps \\?\([0-9]+ to [0-9]+\\?\) left out to fit [0-9,]+ "
                               r"characters: export them with --steps [0-9]+:[0-9]+", text):  # fmt: skip
        return []
    for shape, groups in shapes:
        if (m := shape.fullmatch(text)) is not None and (not groups or "a" not in shape.groupindex
                                                          or m.group("a") in READER_MODULES):  # fmt: skip
            # `unknown` is the page's word for a time or project the log did not give.
            return [m.group(g) for g in groups if m.group(g) != "unknown"]
    return [text]


def _unless(m: re.Match[str] | None, text: str, groups: tuple[int, ...]) -> list[str]:
    """The groups of a match that hold the log's text, or the whole text where it did not match."""
    return [text] if m is None else [m.group(g) or "" for g in groups]


# A receipt's own words, by key: what the writer puts there from its own vocabulary.
_RECEIPT_WORDS: dict[str, re.Pattern[str]] = {
    "agent": re.compile("|".join(map(re.escape, READER_MODULES))),
    "decided_by": re.compile(r"detector|user|user \(--accept-suggested\)"),
    "tier": re.compile(r"auto|suggested|manual"),
    "kind": re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*"),
    "placeholder": re.compile(r"<[A-Z][A-Z0-9_]*>"),
}


def receipt_view(data: bytes) -> bytes:
    """What the check reads of a session's receipt: every value but the receipt's own words under their
    keys (`_RECEIPT_WORDS`), its keys left out, as one JSON line; a file that is no JSON as it is."""
    try:
        document = loads_whole(data)
    except orjson.JSONDecodeError:
        return data
    return orjson.dumps(_receipt_strings(document))


# The notes the trail writes on where it judged a session (trail.mapping): the folders and ids are the log's.
_NOTES_OF_TRAIL = [re.compile(p, re.S) for p in (
    r"repository not found for (.*): states are unknown; to judge them in a clone of its repository: "
    r"tracetui trail (.*) --repo PATH",
    r"paths under (.*) \(as logged\) are read in (.*)",
    r"(.*) holds none of the session's files \(looked for [0-9]+, e\.g\. (.*)\): states are unknown",
)]  # fmt: skip


def _receipt_strings(obj: Any) -> Any:
    if isinstance(obj, list):
        return [_receipt_strings(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    out: list[Any] = []
    for k, v in obj.items():
        if isinstance(v, str) and k in _RECEIPT_WORDS and _RECEIPT_WORDS[k].fullmatch(v):
            continue
        note = next((m for p in _NOTES_OF_TRAIL if (m := p.fullmatch(v))), None) if k == "note" and \
            isinstance(v, str) else None  # fmt: skip
        out.append(list(note.groups()) if note is not None else _receipt_strings(v))
    return out
