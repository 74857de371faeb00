"""A value a notebook printed alone: a Jupyter output whose whole text is one generated token
(`get_token()` shown as `'sk9…'`, `print(key)` as a stream's one line), with no name beside it to say what
it is. Only a generated shape counts; a word, a path, a version or a digest printed alone stays. Unless the
cell shows a variable named for a credential as its last line (`api_key`, `print(db_password)`), in a
notebook's JSON or IPython's `In [3]:`: then whatever it printed alone is that credential (a short
password, words), a stand-in aside."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from tracetui.redact import kinds
from tracetui.redact.credential_words import names_a_credential
from tracetui.redact.finding import AUTO, Finding
from tracetui.redact.gate_words import in_lowered
from tracetui.redact.rules.judge import _base64_like
from tracetui.redact.text_checks import (
    has_letter_and_digit,
    is_filler,
    is_placeholder,
    is_reference,
    is_secret_reference,
    is_structural,
    names_no_secret,
    random_enough,
    spaced_stand_in,
)

# An output's text as a one-element list (or a string), its JSON quotes escaped where the notebook is
# itself inside a JSON string (a JSONL tool result); the token may sit in a repr's quotes and end a line.
_OUTPUT_TEXT = re.compile(
    r"(\\{0,3})\"(?:text/plain|text)\1\"[ \t]*:[ \t]*(?:\[(?:\s|\\[nrt])*)?\1\"(\\{0,3}[\"']|')?"
    r"([A-Za-z0-9_\-.~+/=]{20,4096})\2?(?:\\{1,3}n)?\1\"(?:(?:\s|\\[nrt])*\])?"
)
# A path or a URL's piece, not a token: it starts as a path does or holds an empty segment.
_PATH_LIKE = re.compile(r"^(?:\.{0,2}/|~)|//")


# What a viewer puts before a line: `cat -n`'s number, a diff's `+`, grep's `path:12:`.
_VIEWER = r"[ \t]*\d{1,7}\t|\+|[\w./\-]++:\d{1,7}+:"
# Any one-line text an output holds, spaces and symbols among it (the value a named cell printed).
_ANY_OUTPUT = re.compile(
    r"(\\{0,3})\"(?:text/plain|text)\1\"[ \t]*:[ \t]*"
    rf"(?:\[(?:\s|\\[nrt]|{_VIEWER})*)?\1\"(\\{{0,3}}[\"']|')?"
    r"([^\"'\\\r\n]{4,200})\2?(?:\\{1,3}n)?\1\"(?:(?:\s|\\[nrt])*\])?"
)
# A cell's last line (no line break after it, then the source's end) that shows one variable, or what the
# environment holds under a name (`os.environ["X"]`, `os.getenv("X")`, Colab's `userdata.get('X')`).
_LAST_LINE = re.compile(
    r"(?:\\{1,3}n|\\{0,3}\")[ \t]*(?:(?:print|display|pprint)\([ \t]*)?"
    r"(?:([A-Za-z_]\w{0,60})|(?:os\.environ(?:\.get)?|os\.getenv|getenv|userdata\.get)[ \t]*[\[(][ \t]*"
    r"\\{0,3}[\"']([A-Za-z_]\w{0,60})\\{0,3}[\"'][ \t]*[\])])"
    rf"[ \t]*\)?[ \t]*\\{{0,3}}\"(?:\s|\\[nrt]|{_VIEWER})*[\],}}]"
)
# IPython's console: `In [3]: api_key` then `Out[3]: '…'`, or `In [3]: print(api_key)` then the line.
_IPYTHON = re.compile(
    r"In \[\d{1,6}\]:[ \t]+(?:(?:print|display)\([ \t]*)?([A-Za-z_]\w{0,60})[ \t]*\)?[ \t]*(?:\r?\n|\\[nr])"
    rf"(?:{_VIEWER})?(?:Out\[\d{{1,6}}\]:[ \t]+(\\{{0,3}}['\"]|')?)?"
    r"([^\"'\\\r\n]{4,200})\2?(?=\r?\n|\\[nr\"]|$)"
)
# How far a cell's source is looked for around its output: a notebook's cell of a few lines.
_CELL_REACH = 3000


def notebook_output_findings(text: str, lowered: str) -> Iterator[Finding]:
    has = in_lowered(lowered)
    if "output_type" in has or "text/plain" in has:
        for m in _OUTPUT_TEXT.finditer(text):
            value = m.group(3)
            if _generated(value):
                yield Finding(m.start(3), m.end(3), kinds.SECRET, AUTO, "rule:notebook-output")
        shown: list[int] | None = None  # where a cell's last line shows a credential's variable, found once
        for m in _ANY_OUTPUT.finditer(text):
            if shown is None:
                shown = [n.start() for n in _LAST_LINE.finditer(text)
                         if _credential_variable(n.group(1) or n.group(2))]
            if _shown_credential(text, m.start(), m.end(), shown) and _printed_value(m.group(3)):
                yield Finding(m.start(3), m.end(3), kinds.SECRET, AUTO, "rule:notebook-output")
    if "in [" in has:
        for m in _IPYTHON.finditer(text):
            if _credential_variable(m.group(1)) and _printed_value(m.group(3)):
                yield Finding(m.start(3), m.end(3), kinds.SECRET, AUTO, "rule:notebook-output")


def _shown_credential(text: str, start: int, end: int, shown: list[int]) -> bool:
    """Whether the cell around an output (from the last `cell_type` before it to the next) ends its source
    with a line that shows a variable named for a credential (`shown`: where such lines are)."""
    lo = text.rfind("cell_type", max(0, start - _CELL_REACH), start)
    hi = text.find("cell_type", end, end + _CELL_REACH)
    lo = max(0, start - _CELL_REACH) if lo < 0 else lo
    hi = min(len(text), end + _CELL_REACH) if hi < 0 else hi
    at = bisect.bisect_left(shown, lo)
    return at < len(shown) and shown[at] < hi


# Code's names that hold a credential's word and no credential: a tokenizer, counts, a table's keys.
_NOT_A_CREDENTIAL = re.compile(
    r"(?i)tokeniz|tokens$|count|^max_|^num_|^n_|(?:^|_)len(?:$|_)|keys$|column|field|primary|foreign|index"
)


def _credential_variable(name: str) -> bool:
    return names_a_credential(name) and not names_no_secret(name) and not _NOT_A_CREDENTIAL.search(name)


def _printed_value(value: str) -> bool:
    """What a credential's variable printed, unless it is a stand-in: `None`, a template, a mask."""
    value = value.strip()
    if len(value) < 4 or value in ("None", "True", "False", "nan", "null") or value.startswith("In [") \
            or value.isdigit() and len(value) < 6:
        return False
    if is_placeholder(value) or is_reference(value) or is_filler(value) or is_secret_reference(value):
        return False
    return " " not in value or not spaced_stand_in(value)


def _generated(value: str) -> bool:
    if "/" in value and not _base64_like(value):
        return False  # a path (`ml/Checkpoints/RunB7x/epoch_12.pt`), not base64 with slashes
    if _PATH_LIKE.search(value) or is_structural(value) or is_placeholder(value) or is_filler(value) \
            or is_secret_reference(value):
        return False
    letters = [c for c in value if c.isalpha()]
    mixed_case = any(c.isupper() for c in letters) and any(c.islower() for c in letters)
    return has_letter_and_digit(value) and mixed_case and random_enough(value, 20, 3.8)
