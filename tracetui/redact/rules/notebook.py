"""A value a notebook printed alone: a Jupyter output whose whole text is one generated token
(`get_token()` shown as `'sk9…'`, `print(key)` as a stream's one line), with no name beside it to say what
it is. Only a generated shape counts; a word, a path, a version or a digest printed alone stays."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tracetui.redact import kinds
from tracetui.redact.finding import AUTO, Finding
from tracetui.redact.gate_words import in_lowered
from tracetui.redact.rules.judge import _base64_like
from tracetui.redact.text_checks import (
    has_letter_and_digit,
    is_filler,
    is_placeholder,
    is_secret_reference,
    is_structural,
    random_enough,
)

# An output's text as a one-element list (or a string), its JSON quotes escaped where the notebook is
# itself inside a JSON string (a JSONL tool result); the token may sit in a repr's quotes and end a line.
_OUTPUT_TEXT = re.compile(
    r"(\\{0,3})\"(?:text/plain|text)\1\"[ \t]*:[ \t]*(?:\[(?:\s|\\[nrt])*)?\1\"(\\{0,3}[\"']|')?"
    r"([A-Za-z0-9_\-.~+/=]{20,4096})\2?(?:\\{1,3}n)?\1\"(?:(?:\s|\\[nrt])*\])?"
)
# A path or a URL's piece, not a token: it starts as a path does or holds an empty segment.
_PATH_LIKE = re.compile(r"^(?:\.{0,2}/|~)|//")


def notebook_output_findings(text: str, lowered: str) -> Iterator[Finding]:
    has = in_lowered(lowered)
    if "output_type" not in has and "text/plain" not in has:
        return
    for m in _OUTPUT_TEXT.finditer(text):
        value = m.group(3)
        if _generated(value):
            yield Finding(m.start(3), m.end(3), kinds.SECRET, AUTO, "rule:notebook-output")


def _generated(value: str) -> bool:
    if "/" in value and not _base64_like(value):
        return False  # a path (`ml/Checkpoints/RunB7x/epoch_12.pt`), not base64 with slashes
    if _PATH_LIKE.search(value) or is_structural(value) or is_placeholder(value) or is_filler(value) \
            or is_secret_reference(value):
        return False
    letters = [c for c in value if c.isalpha()]
    mixed_case = any(c.isupper() for c in letters) and any(c.islower() for c in letters)
    return has_letter_and_digit(value) and mixed_case and random_enough(value, 20, 3.8)
