"""The text a terminal or a JSON decoder would show, for scanning, with a way back to the text as logged.

More in docs/internals/redact.md, `redact/views.py`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from tracetui.redact.credential_words import names_a_credential
from tracetui.redact.finding import Finding
from tracetui.redact.gate_words import Holds, Words
from tracetui.redact.shapes import shape, table
from tracetui.safe_text import DEFAULT_IGNORABLE


def _run_of(char_class: str) -> re.Pattern[str]:
    """A run of `char_class`'s characters, led by one of them: `re` skips to a character of the class, where
    a pattern led by `[…]+` (a repeat, not a class) is tried at every character."""
    return re.compile(f"{char_class}{char_class}*")


# A CSI sequence (colour, cursor), raw or JSON-escaped, and OSC (a title or a link, ended by BEL or ST).
# A CSI is as ECMA-48 has it: parameters of `0-9:;<=>?` (`38:2:255:0:0` truecolour, `>4;2` private),
# intermediates, a final byte; the 8-bit CSI (U+009B) too. The other strings a terminal swallows (DCS,
# SOS, PM, APC) and two- and three-byte escapes (`ESC(B`, which `tput sgr0` prints, `ESC 7`) draw nothing
# either: a key cut by any of them reads whole on the screen.
_ESC = r"(?:\x1b|\\u001[bB])"
_ANSI = re.compile(
    rf"(?:{_ESC}\[|\x9b|\\u009[bB])[0-?]{{0,32}}[ -/]{{0,4}}[@-~]"
    rf"|{_ESC}[\]PX^_][^\x07\x1b\\]{{0,512}}(?:\x07|\x1b\\|\\u0007|\\u001[bB]\\\\)"
    r"|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]{0,512}[\x07\x9c]"
    rf"|{_ESC}[ -/]{{1,3}}[0-~]|{_ESC}[0-~]"
)
# What else a terminal draws nothing for: C0 controls but tab, line breaks, backspace and escape (read
# above), DEL, and the C1 controls.
_CONTROL = _run_of("[\x00-\x07\x0e-\x1a\x1c-\x1f\x7f-\x9f]")
# The same characters (all Latin-1) in a text's shape: whether it holds one, in two passes of C where
# `re` stopped at every character.
_CONTROL_SHAPE = table({"".join(c for c in map(chr, range(0x100)) if _CONTROL.fullmatch(c)): b"c"})
# Backspaces, each taking back the character before it: `man`'s bold (`k\bk`) and underline (`_\bk`),
# or a key whose every character follows another one rubbed out.
_BACKSPACES = re.compile("\x08+")
# Letters a reader reads as ASCII ones: fullwidth forms (a CJK input method's) and mathematical letters
# and digits (`𝗀𝗁𝗉_`), read as NFKC has them; and combining marks on an ASCII word's characters
# (`g̲h̲p̲`, an underline or strike-through drawn over a key).
_COMPATIBLE = re.compile("[\uff0d\uff10-\uff19\uff21-\uff3a\uff3f\uff41-\uff5a\U0001d400-\U0001d7ff]")
_MARKS = _run_of("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# The characters a mark is drawn over (checked after a match: a lookbehind first is tried at every character).
_MARKED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
# What opens an 8-bit CSI or a C1 string (`_ANSI`): a text past ASCII without one holds neither.
_C1_OPENER = re.compile("[\x90\x98\x9b\x9d\x9e\x9f]")
# A JSON `\u00XX` escape of a printable ASCII symbol (a letter or digit is never escaped by an encoder, so
# it is decoded only as `_LETTER_ESCAPES` says). At any depth of escaping: a JSON document inside a JSON
# string (a tool's output that prints one) writes `\\u003d`, and a reader of the inner document reads `=`.
_UNICODE_ESCAPE = re.compile(r"(?<!\\)\\+u00(2[1-9a-fA-F]|3[a-fA-F]|40|5[bBdDeE]|60|7[bBcCdDeE])")
# A JSON `\uXXXX` escape of a character past ASCII: an encoder that writes ASCII only (Python's `json.dumps`,
# by default) writes a password's `¨` or `¿`, and every letter of a non-Latin script, so. A surrogate pair
# is one character. At any depth, as above (a zero-width space escaped twice cuts a token as well).
_WIDE_ESCAPE = re.compile(
    r"(?<!\\)\\+u(00[a-fA-F][0-9a-fA-F]|0[1-9a-fA-F][0-9a-fA-F]{2}|[1-9a-cA-CeEfF][0-9a-fA-F]{3}"
    r"|[dD][0-7][0-9a-fA-F]{2}|[dD][89abAB][0-9a-fA-F]{2}\\+u[dD][c-fC-F][0-9a-fA-F]{2})"
)
_HEX4 = re.compile(r"u([0-9a-fA-F]{4})")
# A letter or digit written as an escape (`\u0067`, `\x67`; with `-`, `.` and `_`, which a token holds):
# decoded only inside a word (`\u0067hp_…`) or as a run of `\u` escapes spelling one out, so `see \u0041
# here` (text about escapes) is left as written, and so is a run of `\x` escapes alone (`encoded` decodes
# it whole, symbols and all). At any depth of escaping, as above.
_TOKEN_BYTE = r"(?:2[dDeE]|3[0-9]|4[1-9a-fA-F]|5[0-9aAfF]|6[1-9a-fA-F]|7[0-9aA])"
_LETTER_ESCAPES = re.compile(rf"(?<!\\)(?:\\+u00{_TOKEN_BYTE})+|(?<!\\)(?:\\+x{_TOKEN_BYTE})+")
_ONE_LETTER = re.compile(rf"\\+(u00|x)({_TOKEN_BYTE})")
_LETTER_RUN = 8  # `\u` escapes in a row that spell a word out on their own
# Characters a terminal does not draw (Unicode's default-ignorable code points, `DEFAULT_IGNORABLE`):
# zero-width spaces and joiners, the soft hyphen, bidi controls, the byte-order mark, selectors, tags, the
# Hangul fillers. A key cut by one reads whole on the screen.
_INVISIBLE = _run_of("[" + "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in DEFAULT_IGNORABLE) + "]")
# An HTML character reference: by number (`&#61;`, `&#x3d;`) or by a name of up to eight letters (`&quot;`).
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]{2,8});")
# A markdown table's row whose first cell is a setting's name and the next its value (`| `API_TOKEN` |
# `…` |`): an agent's summary of a config. The cells' separator is read as `=`, so the name judges the
# value as an assignment would (a description in words stays a description).
_TABLE_PAIR = re.compile(
    r"(?m)^[ \t]*\|[ \t]*`?[A-Za-z_][A-Za-z0-9_.\-]{0,80}(`?[ \t]*\|[ \t]*`?)(?=[^\s|`])"
)
# A row of a table drawn with bars but no outer border (`NAME            | value`, kubectl's and psql's
# output): read as `NAME=value` where the bar lines up with one on the row above or below, so a shell
# pipe (`ls | grep key`) is not read as one.
_BARE_PAIR = re.compile(r"(?m)^[ \t]*[A-Za-z_][\w.\-]{0,80}([ \t]+\|[ \t]+)(?=[^\s|])[^|\n]*$")
# A server's configuration directive that sets its password (redis.conf's `requirepass` and `masterauth`):
# the space after the directive is read as ` password=`, as `poetry config http-basic`'s is.
_CONF_PASSWORD = re.compile(r"(?m)^[ \t]*(?:requirepass|masterauth)([ \t]+)(?=[^\s#])")
# A sed substitution (`s/^NAME=.*/NAME=value/`): the replacement is a line the file will hold, so its
# delimiters are read as line breaks and `NAME=value` stands on a line of its own.
# One pattern per delimiter, the delimiter kept out of each part, so a run of `s/` costs one pass.
_SED_SUBST = re.compile(
    r"s(?<![\w\\]s)(?:"
    + "|".join(
        rf"{d}(?:[^{d}\\\n']|\\.){{1,400}}{d}((?:[^{d}\\\n']|\\.){{1,400}}){d}" for d in ("/", r"\|", "#")
    )
    + r")(?=[gIip0-9]*['\"])"
)
# A CLI that sets a named setting from its arguments (`aws configure set K V`, fish's `set -gx K V`, `npm
# config set K V`, `git config K V`, `dotnet user-secrets set K V`): the space between is read as `=`.
_SET_ARGS = re.compile(
    r"(?:aws configure set|(?:npm|yarn|pnpm) config set|git config(?: --(?:global|local|system))?"
    r"|dotnet user-secrets set|set(?<![\w\-.]set)(?: -[a-zA-Z]+)+)[ \t]+"
    r"[A-Za-z_/][\w.\-:/]{0,120}([ \t]+)(?=[^\s\-])"
)
# `gh secret set NAME --body VALUE` (or `-b`, `--body=`), other flags with their values between (`--repo
# acme/api`, `--env prod`): all of that is read as `=`.
_GH_SECRET = re.compile(
    r"\bgh secret set[ \t]+[A-Za-z_]\w{0,120}"
    r"((?:[ \t]+--?[a-zA-Z][\w\-]{0,20}(?:[ \t]+|=)[^\s\-]\S{0,200}){0,4}?[ \t]+(?:--body|-b)(?:[ \t]+|=))"
    r"(?=[^\s\-])"
)
# A literal a program falls back on when the environment has no value (`process.env.API_TOKEN || '…'`,
# `?? "…"`): the variable's value, so it is read as `API_TOKEN='…'`.
_ENV_FALLBACK = re.compile(r"process\.env\.[A-Za-z_]\w{0,120}([ \t]*(?:\|\||\?\?)[ \t]*)(?=['\"`])")
# Prose that sets a setting, the name and the value in code spans (`` `API_TOKEN` is now `…` ``, `` is set
# to ``, `` was ``, `` set `API_TOKEN` to `…` ``): read as `` `API_TOKEN=…` `` under a credential's name.
_SAID_SET = re.compile(
    r"`([A-Za-z_][\w.\-]{0,80})"
    r"(`[ \t]+(?:is|was)(?:[ \t]+now)?(?:[ \t]+(?:set|changed|updated)[ \t]+to)?[ \t]+`"
    r"|`[ \t]+to[ \t]+`)(?=[^`\s])"
)
# Terraform's `variable "NAME" { … default = "…" }`: the default is the variable's value, read as
# `"NAME" = "…"` (the block's other settings and their quoted strings between are passed over).
_TF_DEFAULT = re.compile(
    r"\bvariable[ \t]+\"[A-Za-z_][\w\-]{0,120}\"((?:[ \t]*\{)(?:[^{}\"]|\"[^\"\n]{0,200}\"){0,600}?"
    r"\bdefault[ \t]*=[ \t]*)(?=\")"
)
# `poetry config http-basic.REPO USER PASSWORD`: the second argument is the repository's password.
_POETRY_BASIC = re.compile(
    r"\bpoetry config http-basic\.[\w\-]{1,80}[ \t]+[^\s'\"]{1,120}([ \t]+)(?=[^\s\-])"
)
# A YAML block scalar of one line under a name (`token: |` then the value, indented, on the next line).
_YAML_BLOCK = re.compile(r"(?m)^[ \t]*[\w.\-]{1,120}:[ \t]*([|>][-+]?[ \t]*\n[ \t]+)(?=\S)")
# A plan's change of a setting (`~ secret = "old" -> "new"`): the new value is that setting's too.
_PLAN_ARROW = re.compile(r'"([ \t]*->[ \t]*)"')
_PLAN_LINE = re.compile(r'[ \t]*[~+\-]?[ \t]*([\w.\-]{1,120})[ \t]*=[ \t]*"[^"\n]{0,400}"')
# A command that prints one variable, and its output on the next line (`$ printenv API_TOKEN`, `$ echo
# "$API_TOKEN"`, PowerShell's `PS> $env:API_TOKEN`): read as `API_TOKEN=<output>`, judged by the name.
_PRINTED_VAR = re.compile(
    r"(?:printenv[ \t]+|echo[ \t]+\"?\$\{?|\$env:)([A-Za-z_]\w{1,80})(\}?\"?[ \t]*\r?\n)(?=[^\s$#>])"
)
# JSON escaped three deep and more (a file written through a tool, in a tool's result: `\\\"auth\\\": …`):
# a quote or a line break under three or more backslashes is read as one level of escape (`\"`, `\n`),
# which every rule reads inside a JSON string. Two levels are left as written (the rules read those).
_DEEP_ESCAPE = re.compile(r"(?<!\\)\\{3,}([\"nrt])")  # from a run's start only: a long run is read once
# A row of a drawn box: `│ content │`, the content padded to the box's width.
_BOX_ROW = re.compile(r"^[ \t]*│ ?(.*?)(?: ?│)[ \t]*$")
_ANY_BOX_ROW = re.compile(r"(?m)^[ \t]*│[^\n]*│[ \t]*$")
# A drawn table's row of two cells, a setting's name and its value (`│ API_TOKEN │ … │`): read as
# `NAME=value`, as a markdown table's (`_TABLE_PAIR`); a row of cells is never a wrap of the next row.
_BOX_PAIR = re.compile(r"[ \t]*([A-Za-z_][A-Za-z0-9_.\-]{0,80})[ \t]*│[ \t]*([^│]*)")


@dataclass(slots=True)
class View:
    text: str
    origin: list[int]  # origin[i]: where the view's character i starts in the logged text
    until: list[int]  # until[i]: where it ends there (past a whole `\u003d` for its `=`)

    def back(self, f: Finding) -> Finding:
        if not self.origin:
            return f
        start = self.origin[f.start] if f.start < len(self.origin) else self.until[-1]
        end = self.until[min(f.end, len(self.until)) - 1] if f.end > 0 else start
        return Finding(start, max(end, start), f.kind, f.tier, f.detector, f.step, f.field)


_SETTING_WORDS = ("config set", "configure set", "git config", "set -", "secret set", "secrets set")
_SETS_A_SETTING = Words(*_SETTING_WORDS)
# The words that call for the view, asked together: most texts hold none (`Words`).
_TRIGGER_WORDS = Words(
    "\\u", ": >", "->", *_SETTING_WORDS, "sed ", "http-basic.", "printenv", "echo", "$env:", "\\x",
    "process.env", "variable \"", "` is ", "` was ", "` to "
)


def _sets_a_setting(has: str | Holds) -> bool:
    return _SETS_A_SETTING.any_in(has)


_DEEP_MARK = "\\\\\\"  # three backslashes: a deep escape's start (`_DEEP_ESCAPE`)


def _has_trigger(text: str, has: str | Holds) -> bool:
    """`has` answers `word in text` (the text itself, or `gate_words.Holds` over it)."""
    return ("\x1b" in text or "│" in text or "|" in text or ("&" in text and ";" in text)
            or "\x08" in text or _TRIGGER_WORDS.any_in(has) or _has_control(text)
            or _DEEP_MARK in text or "requirepass" in text or "masterauth" in text
            or (not text.isascii() and _unusual(text)))


def _has_control(text: str) -> bool:
    return b"c" in shape(text, _CONTROL_SHAPE)


def _unusual(text: str) -> bool:
    return _INVISIBLE.search(text) is not None or _COMPATIBLE.search(text) is not None or bool(_marks(text))


def _marks(text: str) -> list[tuple[int, int, str | None]]:
    """Runs of combining marks drawn over an ASCII word's character (`g̲h̲p̲`), to drop."""
    return [(m.start(), m.end(), None) for m in _MARKS.finditer(text) if m.start() and text[m.start() - 1] in _MARKED]


def _wide_escapes(text: str) -> list[tuple[int, int, str | None]]:
    out: list[tuple[int, int, str | None]] = []
    for m in _WIDE_ESCAPE.finditer(text):
        units = [int(h, 16) for h in _HEX4.findall(m.group(0))]
        char = "".join(map(chr, units))
        if len(char) == 2:  # a pair
            char = char.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
        if len(char) == 1 and char.isprintable():
            out.append((m.start(), m.end(), char))
        elif len(char) == 1 and _INVISIBLE.match(char):  # escaped in a JSON document, and drawn as nothing
            out.append((m.start(), m.end(), None))
    return out


def _letter_escapes(text: str) -> list[tuple[int, int, str]]:
    """Runs of escaped letters and digits that are part of a word or spell one out, decoded."""
    out: list[tuple[int, int, str]] = []
    for m in _LETTER_ESCAPES.finditer(text):
        a, b = m.span()
        ones = list(_ONE_LETTER.finditer(text, a, b))
        inside = (a > 0 and (text[a - 1].isalnum() or text[a - 1] == "_")) or (
            b < len(text) and (text[b].isalnum() or text[b] == "_"))
        if not inside and (ones[0].group(1) == "x" or len(ones) < _LETTER_RUN):
            continue
        out += [(one.start(), one.end(), chr(int(one.group(2), 16))) for one in ones]
    return out


def _decode_letters(
    text: str, origin: list[int], until: list[int]
) -> tuple[str, list[int], list[int]] | None:
    """`_letter_escapes` of a view's text, with its map carried through."""
    pieces = _letter_escapes(text)
    return _spliced(text, origin, until, pieces) if pieces else None


def _spliced(
    text: str, origin: list[int], until: list[int], pieces: list[tuple[int, int, str]]
) -> tuple[str, list[int], list[int]]:
    """A view's text with each piece (start, end, by) made its one character `by`, its map carried through:
    the character stands for the whole piece."""
    out: list[str] = []
    org: list[int] = []
    unt: list[int] = []
    pos = 0
    for a, b, char in pieces:
        out.append(text[pos:a])
        org.extend(origin[pos:a])
        unt.extend(until[pos:a])
        out.append(char)
        org.append(origin[a])
        unt.append(until[b - 1])
        pos = b
    out.append(text[pos:])
    org.extend(origin[pos:])
    unt.extend(until[pos:])
    return "".join(out), org, unt


def _entities(text: str) -> list[tuple[int, int, str | None]]:
    out: list[tuple[int, int, str | None]] = []
    for m in _ENTITY.finditer(text):
        ref = m.group(0)
        char = " " if ref == "&nbsp;" else html.unescape(ref)
        if len(char) == 1 and char != ref and (char.isprintable() or char in "\n\t"):
            out.append((m.start(), m.end(), char))
        elif len(char) == 1 and char != ref and _INVISIBLE.match(char):  # `&shy;`, `&#8203;`: not drawn
            out.append((m.start(), m.end(), None))
    return out


def _rubbed_out(text: str) -> list[tuple[int, int, str | None]]:
    """Each run of backspaces, with the characters of its line it takes back, read as the characters
    written over them (so a finding covers both)."""
    out: list[tuple[int, int, str | None]] = []
    for m in _BACKSPACES.finditer(text):
        k = len(m.group(0))
        a = max(text.rfind("\n", max(0, m.start() - k), m.start()) + 1, m.start() - k)
        over = text[m.end() : m.end() + m.start() - a].split("\n", 1)[0]
        out.append((a, m.end() + len(over), over or None))
    return out


def _compatible(text: str) -> list[tuple[int, int, str | None]]:
    out: list[tuple[int, int, str | None]] = []
    for m in _COMPATIBLE.finditer(text):
        char = unicodedata.normalize("NFKC", m.group(0))
        if len(char) == 1 and char.isascii():
            out.append((m.start(), m.end(), char))
    return out


def _settings(text: str, has: str | Holds) -> list[tuple[int, int, str | None]]:
    """What stands between a setting's name and its value in a command or a block, read as `=`."""
    pieces: list[tuple[int, int, str | None]] = []
    if _sets_a_setting(has):
        pieces += [(m.start(1), m.end(1), "=") for m in _SET_ARGS.finditer(text)]
        if "gh secret" in has:
            pieces += [(m.start(1), m.end(1), "=") for m in _GH_SECRET.finditer(text)]
    if "process.env" in has:
        pieces += [(m.start(1), m.end(1), "=") for m in _ENV_FALLBACK.finditer(text)]
    if 'variable "' in has:
        pieces += [(m.start(1), m.end(1), " = ") for m in _TF_DEFAULT.finditer(text)]
    if "http-basic." in has:
        pieces += [(m.start(1), m.end(1), " password=") for m in _POETRY_BASIC.finditer(text)]
    if "` is " in has or "` was " in has or "` to " in has:
        said = _SAID_SET.finditer(text)
        pieces += [(m.start(2), m.end(2), "=") for m in said if names_a_credential(m.group(1))]
    return pieces


def terminal_view(text: str, present: frozenset[str] | None = None) -> View | None:
    """The text without colour codes, invisible characters, `\\u00XX` symbol escapes, character references,
    escaped letters and box borders (a wrapped row joined to the next); None when the text holds none.
    `present`: the scan's needles in the lowered text (`gate_words`), which answer most of its tests."""
    has: str | Holds = text if present is None else Holds(text, present)
    if not _has_trigger(text, has):
        return None
    # Pass 1: drop colour codes, decode symbol escapes, read table pairs and sed replacements; box rows after.
    pieces: list[tuple[int, int, str | None]] = []  # (start, end, replacement; None or "" to drop)
    if "\x1b" in text or "\\u001" in has or "\\u009" in has or (
        not text.isascii() and _C1_OPENER.search(text) is not None
    ):
        pieces += [(m.start(), m.end(), None) for m in _ANSI.finditer(text)]
    if "u00" in has:
        pieces += [(m.start(), m.end(), chr(int(m.group(1), 16))) for m in _UNICODE_ESCAPE.finditer(text)]
    if "\\u" in has:
        pieces += _wide_escapes(text)
    if "&" in text and ";" in text:
        pieces += _entities(text)
    if not text.isascii():
        pieces += [(m.start(), m.end(), None) for m in _INVISIBLE.finditer(text)]
        pieces += _marks(text)
        pieces += _compatible(text)
    if _has_control(text):
        pieces += [(m.start(), m.end(), None) for m in _CONTROL.finditer(text)]
    if "\x08" in text:
        pieces += _rubbed_out(text)
    if "|" in text:
        pieces += [(m.start(1), m.end(1), "=") for m in _TABLE_PAIR.finditer(text)]
    if "requirepass" in text or "masterauth" in text:
        pieces += [(m.start(1), m.end(1), " password=") for m in _CONF_PASSWORD.finditer(text)]
    if _DEEP_MARK in text:
        pieces += [(m.start(), m.end(), "\\" + m.group(1)) for m in _DEEP_ESCAPE.finditer(text)]
    pieces += _settings(text, has)
    if ": |" in has or ": >" in has:
        pieces += [(m.start(1), m.end(1), "") for m in _YAML_BLOCK.finditer(text)]
    if "->" in has:
        for m in _PLAN_ARROW.finditer(text):
            line = _PLAN_LINE.fullmatch(text, text.rfind("\n", 0, m.start()) + 1, m.start() + 1)
            if line is not None:
                pieces.append((m.start(1), m.end(1), "\n" + line.group(1) + " = "))
    if "printenv" in has or "echo" in has or "$env:" in has:
        pieces += [(m.start(2), m.end(2), "=") for m in _PRINTED_VAR.finditer(text)]
    if "sed " in has:
        for m in _SED_SUBST.finditer(text):
            k = next(i for i in (1, 2, 3) if m.group(i) is not None)  # the replacement, whichever delimiter
            pieces += [(m.start(k) - 1, m.start(k), "\n"), (m.end(k), m.end(k) + 1, "\n")]
    letters = ("\\u00" in has or "\\x" in has) and _LETTER_ESCAPES.search(text) is not None
    bars = "|" in text and (bool(pieces) or _BARE_PAIR.search(text) is not None)
    if not pieces and not letters and not bars and not ("│" in text and _ANY_BOX_ROW.search(text)):
        return None  # the usual case: nothing to read differently, and no map of the text built
    out: list[str] = []
    origin: list[int] = []
    until: list[int] = []
    changed = False
    pos = 0

    def keep(a: int, b: int) -> None:
        out.append(text[a:b])
        origin.extend(range(a, b))
        until.extend(range(a + 1, b + 1))

    pieces.sort(key=lambda p: (p[0], -p[1]))  # at one place the longest reading wins (a C1 CSI, its byte)
    for a, b, rep in pieces:
        if a < pos:
            continue
        keep(pos, a)
        if rep:
            out.append(rep)
            origin.extend([a] * len(rep))
            until.extend([b] * len(rep))
        pos = b
        changed = True
    keep(pos, len(text))
    flat = "".join(out)
    if letters:
        # After the codes, marks and references between them are gone, so a neighbour is a neighbour.
        decoded = _decode_letters(flat, origin, until)
        if decoded is not None:
            flat, origin, until = decoded
            changed = True
    if bars:
        table = _bare_table(flat, origin, until)
        if table is not None:
            flat, origin, until = table
            changed = True
    if "│" in flat:
        boxed = _unbox(flat, origin, until)
        if boxed is not None:
            flat, origin, until = boxed
            changed = True
    if not changed:
        return None
    return View(flat, origin, until)


def _unbox(text: str, origin: list[int], until: list[int]) -> tuple[str, list[int], list[int]] | None:
    """Box rows' contents without their borders; a row that runs to the border (no padding) is a wrap,
    joined to the next row."""
    out: list[str] = []
    org: list[int] = []
    unt: list[int] = []
    changed = False
    lines = text.split("\n")
    at = 0
    for k, line in enumerate(lines):
        m = _BOX_ROW.match(line) if "│" in line else None
        last = k == len(lines) - 1
        if m is None:
            out.append(line)
            org.extend(origin[at:at + len(line)])
            unt.extend(until[at:at + len(line)])
            if not last:
                out.append("\n")
                org.append(origin[at + len(line)])
                unt.append(until[at + len(line)])
        else:
            changed = True
            a, b = m.span(1)
            body = line[a:b]
            if "│" in body:  # a row of cells
                _cells(body, at + a, origin, until, out, org, unt)
                if not last:
                    out.append("\n")
                    org.append(origin[at + len(line)])
                    unt.append(until[at + len(line)])
                at += len(line) + 1
                continue
            wrapped = bool(body) and not body.endswith(" ") and not last and bool(
                _BOX_ROW.match(lines[k + 1]) if "│" in lines[k + 1] else None)
            content = body.rstrip(" ")
            out.append(content)
            org.extend(origin[at + a:at + a + len(content)])
            unt.extend(until[at + a:at + a + len(content)])
            if not last and not wrapped:
                out.append("\n")
                org.append(origin[at + len(line)])
                unt.append(until[at + len(line)])
        at += len(line) + 1
    return ("".join(out), org, unt) if changed else None


def _cells(
    body: str, at: int, origin: list[int], until: list[int], out: list[str], org: list[int], unt: list[int]
) -> None:
    """A drawn table's row (`_unbox`) without its borders: a name and a value as `NAME=value`
    (`_BOX_PAIR`), other rows as drawn."""
    m = _BOX_PAIR.fullmatch(body)
    if m is None or not m.group(2).strip(" \t"):
        content = body.rstrip(" ")
        out.append(content)
        org.extend(origin[at:at + len(content)])
        unt.extend(until[at:at + len(content)])
        return
    for k in (1, 2):
        a, b = m.span(k)
        b = a + len(body[a:b].rstrip(" \t"))  # the cell's padding is the table's, not the value's
        out.append(body[a:b])
        org.extend(origin[at + a:at + b])
        unt.extend(until[at + a:at + b])
        if k == 1:
            bar = body.index("│", b)
            out.append("=")
            org.append(origin[at + bar])
            unt.append(until[at + bar])


def _bare_table(text: str, origin: list[int], until: list[int]) -> tuple[str, list[int], list[int]] | None:
    """`_BARE_PAIR`'s rows read as `NAME=value`, where the row's bar lines up with one on a row beside it."""
    pieces: list[tuple[int, int]] = []
    for m in _BARE_PAIR.finditer(text):
        a = m.start()
        bar = text.index("|", m.start(1)) - a
        above_end = a - 1
        above = text[text.rfind("\n", 0, max(0, above_end)) + 1:max(0, above_end)] if a > 0 else ""
        nl = text.find("\n", m.end() + 1)
        below = text[m.end() + 1:nl if nl >= 0 else len(text)] if m.end() < len(text) else ""
        if above[bar:bar + 1] == "|" or below[bar:bar + 1] == "|":
            pieces.append(m.span(1))
    return _spliced(text, origin, until, [(a, b, "=") for a, b in pieces]) if pieces else None
