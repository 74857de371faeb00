"""The one helper that makes untrusted log text safe to put on a terminal (docs/design.md, "Safety rules").

Log and capsule text is data. Rich and Textual pass ESC, C1 controls, DEL and bidi overrides
straight through to the terminal, so every widget and every CLI table that shows log text goes
through here first. Controls are made *visible* rather than stripped: a reviewer should see that
a log carried `␛]52;…` (a clipboard write), because that is itself worth flagging.

Markup is the other half of the rule: callers render the result with markup off (Textual
`Content`/`Text` objects, `markup=False`), never as a markup string.
"""

from __future__ import annotations

import re
import shlex
import unicodedata

# C0 controls (but tab and newline) -> the Unicode "control pictures" block: ESC -> ␛, NUL -> ␀.
_TABLE: dict[int, str] = {cp: chr(0x2400 + cp) for cp in range(0x20) if cp not in (0x09, 0x0A)}
_TABLE[0x7F] = "\u2421"  # DEL -> ␡
# C1 controls have no pictures; 0x9B alone is a full CSI on some terminals.
_TABLE.update({cp: f"\\x{cp:02x}" for cp in range(0x80, 0xA0)})
# Invisible format characters that reorder or hide text (bidi overrides, zero-width joiners...).
_TABLE.update(
    {
        cp: f"<U+{cp:04X}>"
        for cp in (
            0x00AD, 0x061C, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F,
            0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2060, 0x2061, 0x2062,
            0x2063, 0x2064, 0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF,
        )
    }
)  # fmt: skip
_TABLE[0x09] = "    "

_LINE_TABLE = dict(_TABLE)
_LINE_TABLE[0x0A] = "⏎"
_LINE_TABLE[0x09] = " "

# A character for each (`safe_chars`): the one-character stand-ins, and U+FFFD for the rest.
_CHAR_TABLE = {cp: to if len(to) == 1 else "\ufffd" for cp, to in _LINE_TABLE.items()}

# What a copy keeps (`safe_copy`): tabs, which code and diffs are made of.
_COPY_TABLE = {cp: to for cp, to in _TABLE.items() if cp != 0x09}

# What a resumed session's copy of a log's text makes visible (`safe_carried`): the controls alone, a CR
# before a newline kept (a CRLF line end moves no text).
_CARRIED = re.compile(r"\r(?!\n)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# Below this every code point is handled by the tables; above it a few Unicode categories need a look.
_FAST_LIMIT = 0x00AD

# Variation selectors ask the character before them for a form (`⚠️`, `#️⃣`): one directly after a
# character is kept. Any other spells bytes no reader sees (an emoji followed by a sentence of them).
_SELECTORS = frozenset((*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0), 0x180B, 0x180C, 0x180D, 0x180F))
# Unicode's Default_Ignorable_Code_Point property (DerivedCoreProperties.txt), as ranges: a renderer
# draws none of them. Most are format characters (Cf); the rest are the Hangul fillers, one of them a
# name in JavaScript, the combining grapheme joiner, Khmer's inherent vowels, the selectors, and those not
# assigned yet (the rest of the tag block among them). The redaction's views build their class from it.
DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)
IGNORABLE = frozenset(cp for low, high in DEFAULT_IGNORABLE for cp in range(low, high + 1))


def safe_text(text: str) -> str:
    """Text with every control and invisible format character replaced by a visible stand-in.

    Newlines are kept; tabs become four spaces.
    """
    return _finish(text.translate(_TABLE))


def safe_line(text: str) -> str:
    """Like `safe_text`, for a one-line summary: newlines become ⏎."""
    return _finish(text.translate(_LINE_TABLE))


def safe_chars(text: str) -> str:
    """Like `safe_line`, one visible character for each character: for a text field, whose cursor
    counts characters (Textual draws a field's value as it is). ESC is ␛, what has no picture �."""
    return _finish(text.translate(_CHAR_TABLE), "\ufffd")


def safe_copy(text: str) -> str:
    """Like `safe_text`, for the clipboard: the copy is pasted later, perhaps into a shell, where an
    ESC in a log's text could end a bracketed paste and have what follows run as typed (and a lone
    CR act as Enter). Tabs and newlines are kept (a line's CR LF is its newline); every other
    control and invisible character is made visible."""
    return _finish(text.replace("\r\n", "\n").translate(_COPY_TABLE))


def safe_carried(text: str) -> str:
    """A log's text as a resumed session carries it to the agent's own program, which may print it raw
    (its transcript, a tool's output): every C0 control but tab and newline, DEL and every C1 control
    (ESC starts an OSC 52 clipboard write, 0x9B alone a CSI) made visible as `safe_text` shows it, and
    every character no terminal draws (a bidi override that makes a command read as another, a
    zero-width space, a tag) as `<U+XXXX>`, but where it is part of what is drawn: an emoji's joiner,
    Persian's non-joiner, a flag's tags, the one variation selector after a character."""
    if _CARRIED.search(text):
        text = _CARRIED.sub(_carried_char, text)
    return text if text.isascii() or not UNSEEN.search(text) else _UNSEEN.sub(_unseen_char, text)


def _carried_char(match: re.Match[str]) -> str:
    return _TABLE[ord(match.group())]


# What `safe_carried` makes visible beyond the controls: the default-ignorable code points, and (kept
# whole) a subdivision flag, the one sequence of tags that draws something (England: 🏴, `gbeng`, a cancel).
# (The class alone is looked for first: a scan for one class runs twice as fast as for the alternatives.)
UNSEEN = re.compile("[" + "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in DEFAULT_IGNORABLE) + "]")
_UNSEEN = re.compile("(\U0001F3F4[\U000E0020-\U000E007E]{1,7}\U000E007F)|" + UNSEEN.pattern)
_JOINERS = (0x200C, 0x200D)


def _unseen_char(match: re.Match[str]) -> str:
    if match.group(1):
        return match.group(1)
    text, i = match.string, match.start()
    cp = ord(text[i])
    if cp <= 0xFE0F and i > 0 and _asks_form(text, i):
        return text[i]
    if cp in _JOINERS and _joins(text, i):
        return text[i]
    return f"<U+{cp:04X}>"


def _joins(text: str, i: int) -> bool:
    """Whether the joiner (or non-joiner) `text[i]` stands between two drawn characters of a script that
    joins (emoji: `👩‍💻`, `🏳️‍🌈`; Persian, Devanagari, Sinhala): never one in ASCII text, a command's."""
    before = i - 1 if i < 2 or text[i - 1] != "\ufe0f" else i - 2
    return before >= 0 and i + 1 < len(text) and _joined(text[before]) and _joined(text[i + 1])


def _joined(ch: str) -> bool:
    return ord(ch) > 0x7F and not _hidden(ch) and unicodedata.category(ch)[0] in "LMS"


def _finish(text: str, stand_in: str | None = None) -> str:
    # The remaining dangerous code points (other Cf characters such as the U+E00xx tag block, lone
    # surrogates, the ignorable ones) are rare; only pay for a per-character pass when one could be present.
    if text.isascii():
        return text
    # Most non-ASCII text holds none of them: its distinct characters (a set, made at C speed) are
    # looked at first, a step's text of 10,000 characters costing 40 us instead of 1 ms.
    if not any(_hidden(ch) for ch in set(text) if ord(ch) >= _FAST_LIMIT):
        return text
    out: list[str] | None = None
    for i, ch in enumerate(text):
        cp = ord(ch)
        hidden = cp >= _FAST_LIMIT and (cp in IGNORABLE or unicodedata.category(ch) in _HIDDEN_KINDS)
        if hidden and not (cp <= 0xFE0F and i > 0 and _asks_form(text, i)):
            if out is None:
                out = list(text[:i])
            out.append(f"<U+{cp:04X}>" if stand_in is None else stand_in)
        elif out is not None:
            out.append(ch)
    return text if out is None else "".join(out)


_HIDDEN_KINDS = ("Cf", "Cs", "Co")


def _hidden(ch: str) -> bool:
    return ord(ch) in IGNORABLE or unicodedata.category(ch) in _HIDDEN_KINDS


def _asks_form(text: str, i: int) -> bool:
    """Whether `text[i]` (a character no renderer draws) is the one variation selector directly after a
    character a reader sees (`❤️`, `#️⃣`): the form that character is drawn in."""
    return ord(text[i]) in _SELECTORS and not _hidden(text[i - 1])


# How a spreadsheet knows a cell for a formula (OWASP's CSV injection list): its first character, after
# any spaces. Tabs and CR are made visible by `safe_line` first.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """`text` as a CSV cell a spreadsheet shows and never runs: one that would start a formula
    (`=HYPERLINK(...)` sends the row away, `=cmd|...` runs a program where DDE is on) gets a leading
    `'`, which a spreadsheet reads as "this is text". For text only: a number's `-` is no formula."""
    return "'" + text if text.lstrip(" ").startswith(_FORMULA_START) else text


# GitHub makes `@name` in a page's text (outside code) a mention, which notifies that user or every
# member of `@org/team`, and `#123` a reference, which shows on that thread: it finds them in
# the rendered text, so neither a backslash nor an entity (`\\@`, `&#64;`) stops it. A zero-width space
# after the sign does, and the text reads the same (Dependabot and Renovate write mentions so); it is
# written as its entity, so the Markdown itself holds no invisible character. `&#` starts an entity.
_PINGS = re.compile(r"(?<![A-Za-z0-9_])@(?=[A-Za-z0-9])|(?<!&)#(?=[0-9])")
QUIET = "&#8203;"


def unpinged(markdown: str) -> str:
    """Markdown text outside code (where nothing pings), its `&` already written `&amp;`, with each
    `@mention` and `#123` reference made plain text that reads the same (`@&#8203;name`)."""
    return _PINGS.sub(lambda m: m.group(0) + QUIET, markdown)


def command_line(*words: str) -> str:
    """A command a person is told to run, as one safe line: each word quoted for a POSIX shell, as it is
    pasted into one. A session's id is the log's (`;rm -rf ~;#`), and a suggestion such as `tracetui trail
    ID` ran the rest of it once pasted."""
    return safe_line(shlex.join(words))


def exception_line(exc: BaseException, limit: int = 300) -> str:
    """An exception's first line, clipped and safe to show: a library's message may quote the
    untrusted input it failed on (a dataset's file name, a capsule's JSON)."""
    text = str(exc).strip()
    return safe_line(clip(text.splitlines()[0] if text else type(exc).__name__, limit))


def is_utf8(text: str) -> bool:
    """Whether `text` is UTF-8 text: False where it holds what Python keeps of bytes that were not
    (lone surrogates, from a file name, an argument or a program's output), which orjson, DuckDB and
    SQLite refuse."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, saying how much was left out (for huge single lines)."""
    if len(text) <= limit:
        return text
    rest = len(text) - limit
    return f"{text[:limit]}… ({_human(rest)} more)"


def _human(n: int) -> str:
    for unit in ("chars", "K chars", "M chars"):
        if n < 1000 or unit == "M chars":
            return f"{n} {unit}" if unit == "chars" else f"{n:.1f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return str(n)
