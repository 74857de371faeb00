"""detect-secrets 1.5.0 used as a library on in-memory text, with exact spans.

Its own ad-hoc `scan_line` gives values without positions and, in its eager mode, reports every
token as an entropy hit. So this module drives the plugin classes directly:

- regex plugins: their compiled `denylist` patterns run over the whole text with `finditer`, so the
  span comes from the match object; spans that the pattern cuts short (GitHub's `ghp`, a JWT
  without its signature) are widened to the whole token;
- the keyword plugin: only on lines that hold one of its words, value mapped back into the line;
- Base64 entropy: the plugin's quoted-string regex and its own limit, with a fast entropy.

More in docs/internals/redact.md, `redact/ds.py`.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterator
from functools import lru_cache, partial
from typing import Any
from urllib.parse import unquote

from tracetui.redact import compare_pattern, kinds, semicolon_pattern, word_runs
from tracetui.redact.finding import AUTO, SUGGESTED, Finding
from tracetui.redact.gate_words import Holds, Words, in_lowered
from tracetui.redact.rules import (
    TOKEN_NEEDLES,
    filler_after_prefix,
    id_of_a_credential,
    jwt_tier,
    local_default_pair,
    masked_after,
    names_a_credential,
    names_a_setting,
    owned_by_format,
    prefix_on_counting,
    slack_tier,
    stand_in_url_pair,
    wrong_vendor_length,
)
from tracetui.redact.shapes import BASE64, shape
from tracetui.redact.syntax import CODE_C, UNKNOWN, Syntax
from tracetui.redact.text_checks import (
    entropy,
    has_letter_and_digit,
    is_filler,
    is_filler_token,
    is_fixture_name,
    is_named_digest,
    is_placeholder,
    is_reference,
    is_secret_reference,
    is_stand_in_token,
    is_structural,
    is_time_uuid,
    names_no_secret,
    random_enough,
)

DISABLED = frozenset(
    {
        "IbmCloudIamDetector",
        "IbmCosHmacDetector",
        "SoftlayerDetector",
        "CloudantDetector",
        "IPPublicDetector",
        "HexHighEntropyString",
        # Replaced by linear rules in rules/ that start with a literal: these patterns start with an
        # alternation or a character class, so `re` tries them at every position (a third of the
        # plugin time), and their formats are covered there.
        "ArtifactoryDetector",
        "MailchimpDetector",
        "TelegramBotTokenDetector",
    }
)

# Plugin -> our kind. Plugins whose pattern captures the value in group 1 are listed in _VALUE_GROUP.
PLUGIN_KINDS = {
    "AWSKeyDetector": "aws-key",
    "ArtifactoryDetector": "artifactory-token",
    "AzureStorageKeyDetector": "azure-storage-key",
    "BasicAuthDetector": "url-password",
    "DiscordBotTokenDetector": "discord-token",
    "GitHubTokenDetector": "github-token",
    "GitLabTokenDetector": "gitlab-token",
    "JwtTokenDetector": "jwt",
    "MailchimpDetector": "mailchimp-key",
    "NpmDetector": "npm-token",
    "OpenAIDetector": "openai-key",
    "PrivateKeyDetector": "private-key",
    "PypiTokenDetector": "pypi-token",
    "SendGridDetector": "sendgrid-key",
    "SlackDetector": "slack-token",
    "SquareOAuthDetector": "square-token",
    "StripeDetector": "stripe-key",
    "TelegramBotTokenDetector": "telegram-token",
    "TwilioKeyDetector": "twilio-key",
}
_VALUE_GROUP = {"BasicAuthDetector", "NpmDetector"}
# Literals without which a plugin cannot match (case-sensitive); saves running patterns that
# start with an alternation and so make `re` try every position.
_NEEDLES = {
    "ArtifactoryDetector": ("AKC", "AP"),
    "AWSKeyDetector": ("A3T", "AKIA", "ASIA", "ABIA", "ACCA", "aws", "AWS", "Aws"),
    "AzureStorageKeyDetector": ("AccountKey=",),
    "BasicAuthDetector": ("://",),
    "JwtTokenDetector": ("eyJ",),
    "MailchimpDetector": ("-us",),
    "NpmDetector": ("_authToken",),
    "OpenAIDetector": ("T3BlbkFJ",),
    "PypiTokenDetector": ("pypi-",),
    "SendGridDetector": ("SG.",),
    "SlackDetector": ("xox", "hooks.slack.com"),
    "SquareOAuthDetector": ("sq0csp-",),
    "StripeDetector": ("k_live_",),
    "TelegramBotTokenDetector": (":",),
    "TwilioKeyDetector": ("AC", "SK"),
    "GitHubTokenDetector": ("_",),
    "GitLabTokenDetector": ("gl", "GR1348941"),
}
# The plugins whose needles, lower-cased, the format rules look for too (all but a few): the rules' one
# pass over the lowered text (`Needles`, which keeps its last answer) says whether any is there, before
# the needles are looked for as written. A needle in a text is in its lowered text (`_lower_aligned` keeps
# each place, and the needles are ASCII).
_LOWERED_NEEDLES = {
    name: frozenset(n.lower() for n in needles)
    for name, needles in _NEEDLES.items()
    if all(n.isascii() and n.lower() in TOKEN_NEEDLES.needles for n in needles)
}
# A piece every match of a plugin holds, led by a literal `re` skips to: Discord's pattern starts with a
# class (`[MNO]`), tried at each of those capitals, and most texts hold no dot-separated piece like this.
_PIECES = {"DiscordBotTokenDetector": re.compile(r"\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}")}
# Patterns that stop before the end of the real token; their spans are widened over token chars.
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
_JWT_CHARS = _TOKEN_CHARS | frozenset(".=")
# Their patterns match a prefix or stop short of the real end: the span is widened to the token.
_WIDEN = frozenset(
    {
        "GitHubTokenDetector",
        "GitLabTokenDetector",
        "JwtTokenDetector",
        "SlackDetector",
        "OpenAIDetector",
        "DiscordBotTokenDetector",
    }
)
_EDGE_JUNK = " \t\r\n\"'=:"


def load() -> None:
    """Import detect-secrets now, outside any time budget: an alarm that lands inside the import
    leaves its modules half made, and every scan after that fails."""
    _plugins()
    _keyword_patterns(False)
    keyword_words()


@lru_cache(maxsize=1)
def _plugins() -> tuple[list[tuple[str, Any]], Any]:
    # Imported lazily: detect-secrets costs a few hundred milliseconds to import.
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins.base import RegexBasedDetector
    from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString

    regex_plugins: list[Any] = []
    plugin: Any  # detect-secrets ships no type information
    for plugin in get_mapping_from_secret_type_to_class().values():
        name = plugin.__name__
        if name in DISABLED or not issubclass(plugin, RegexBasedDetector):
            continue
        regex_plugins.append((name, plugin()))
    regex_plugins.sort(key=lambda p: p[0])
    return regex_plugins, Base64HighEntropyString()


_PluginRow = tuple[str, Any, tuple[str, ...] | None, frozenset[str] | None]


@lru_cache(maxsize=1)
def _plugin_table() -> tuple[tuple[_PluginRow, ...], tuple[_PluginRow, ...], frozenset[str]]:
    """The format plugins a scan runs, each with its needles as written and lower-cased (None where the
    rules' search does not hold them); those the lower-cased needles gate left out of the second list;
    and every such needle, which a text that holds none of them lets the scan pass over at once."""
    rows: list[_PluginRow] = []
    for name, plugin in _plugins()[0]:
        if name == "PrivateKeyDetector":
            continue  # the header alone is a leak-shaped span; rules.pem_findings takes whole blocks
        rows.append((name, plugin, _NEEDLES.get(name), _LOWERED_NEEDLES.get(name)))
    gated = frozenset().union(*(low for *_row, low in rows if low is not None))
    return tuple(rows), tuple(row for row in rows if row[3] is None), gated


def regex_plugin_findings(text: str, lowered: str | None = None) -> Iterator[Finding]:
    """detect-secrets' format plugins; `lowered` (scan_text's, as the format rules had it) lets the rules'
    needles say which plugins' needles cannot be there."""
    n = len(text)
    present = TOKEN_NEEDLES.present(lowered) if lowered is not None else None
    has: str | Holds = text if present is None else Holds(text, present)  # the needles as written
    table, ungated, gated = _plugin_table()
    if present is not None and present.isdisjoint(gated):
        table = ungated  # none of the plugins the rules' needles gate can match: most texts
    for name, plugin, needles, lowered_needles in table:
        if present is not None and lowered_needles is not None and present.isdisjoint(lowered_needles):
            continue
        if needles and not any(n in has for n in needles):
            continue
        piece = _PIECES.get(name)
        if piece is not None and piece.search(text) is None:
            continue
        kind = PLUGIN_KINDS.get(name, kinds.SECRET)
        for pattern in plugin.denylist:
            group = 1 if name in _VALUE_GROUP or (name == "AWSKeyDetector" and pattern.groups) else 0
            for m in pattern.finditer(text):
                a, b = m.span(group)
                if a < 0:
                    continue
                while a < b and text[a] in _EDGE_JUNK:
                    a += 1
                while b > a and text[b - 1] in _EDGE_JUNK:
                    b -= 1
                chars = _JWT_CHARS if name == "JwtTokenDetector" else _TOKEN_CHARS
                if group == 0:
                    b0 = b
                    while b < n and text[b] in chars:
                        b += 1
                    inside_word = a > 0 and text[a - 1] in _TOKEN_CHARS
                    if name not in _WIDEN and (b != b0 or inside_word):
                        continue  # a fixed-format match inside a longer word: not that format
                value = text[a:b]
                if masked_after(text, b) or filler_after_prefix(value, needles or ()):
                    continue  # the rest of the token masked (`…-####`), or filler after the prefix
                if b - a < 8 or is_reference(value) or is_filler_token(value) or is_stand_in_token(value):
                    continue  # a reference, or the plugin's format on a filler body (`npm_xxxx…`)
                if name == "BasicAuthDetector" and (stand_in_url_pair(text, a, b) or "%" in value
                                                     and is_placeholder(unquote(value))):
                    continue  # `user:password@localhost`: the URL's shape, written out; `%7Bpassword%7D`
                tier: str | None = AUTO
                if name == "JwtTokenDetector":
                    tier = jwt_tier(value)  # no JSON header: not a JWT; no payload: a suggestion
                elif is_placeholder(value) or entropy(value) < 2.5:
                    tier = SUGGESTED
                elif name == "BasicAuthDetector" and local_default_pair(text, a, b):
                    tier = SUGGESTED  # `postgres:postgres@localhost`, as the URL rule has it
                elif name == "SlackDetector" and value.startswith("xox"):
                    tier = slack_tier(value)
                    if tier is None:
                        continue
                if tier is not None:
                    yield Finding(a, b, kind, tier, f"detect-secrets:{name}")


# Every word of the plugin's DENYLIST holds one of these: a text without one has no hit (a few substring
# tests in C say so, before the alternation would stop at each of its words' first letters).
_KEYWORD_STEMS = ("key", "pass", "pwd", "secret", "contrase")
_ANY_STEM = Words(*_KEYWORD_STEMS)
# The name assigned to, just before a value, read backwards from the value: `fake_api_key = "`,
# `ibm_iam_key:= "`. A backslash before a quote: the same inside a JSON string (`signature = \"…`).
# Read forwards, the pattern ends in `$` and is tried at each of 80 starts: 70 µs a value.
_NAME_BEFORE_REVERSED = re.compile(r"(?:[@\"'`]\\?)*[ \t]*(?:=?=?[:!=]|=:|>=)?[ \t]*(?:[\"'\]]\\?)*([\w.\-]+)")


def name_before(text: str, i: int) -> tuple[str, str] | None:
    """The name assigned to just before `text[i]`, within 80 characters, and what says so (the name,
    its quotes and its sign); inside a JSON string, `\\nname` is a line break, then `name`."""
    end = i - 1 if i and text[i - 1] == "\n" else i  # as `$` does, a last line break is not in the way
    match = _NAME_BEFORE_REVERSED.match(text[max(0, i - 80) : end][::-1])
    if match is None:
        return None
    at = end - match.end(1)
    name, said = text[at : end - match.start(1)], text[at:end]
    if at > 0 and text[at - 1] == "\\" and name[:1] in ("n", "r", "t"):
        name = name[1:]
    return name, said


# A line longer than this (a minified file, a blob) is read in windows around its words instead.
_LONG_LINE = 4000
_BEFORE, _AFTER = 200, 400  # what a window keeps on each side of a word
_LONGEST_WORD = 32  # longer than any word of the DENYLIST
_WINDOW = _BEFORE + _LONG_LINE  # windows overlap by `_AFTER`: the plugin reads a long line 1.2 times
# Each of the plugin's patterns needs one of these after its word (or a quote before it).
_ASSIGNING = (":", "=", "(", '"', "'", "`")


def _keyword_windows(text: str, lowered: str, words: re.Pattern[str]) -> Iterator[tuple[int, int]]:
    """The spans to read: each line holding a word once, and on a long line windows that each reach
    `_BEFORE` before and `_AFTER` after every word they hold, so a line of a million words costs a few
    hundred reads, not one read and one match object per word."""
    line_start = looked = pos = 0
    while (hit := words.search(lowered, pos)) is not None:
        start = hit.start()
        line_start = text.rfind("\n", looked, start) + 1 or line_start
        looked = start
        line_end = text.find("\n", hit.end())
        if line_end < 0:
            line_end = len(text)
        if line_end - line_start <= _LONG_LINE:
            yield line_start, line_end
            pos = line_end
            continue
        lo = max(line_start, start - _BEFORE)
        hi = min(line_end, lo + _WINDOW)
        if any(map(text[lo:hi].__contains__, _ASSIGNING)):
            yield lo, hi
        # A word starting before `pos` ends at least `_AFTER` before `hi`: it was read with its value.
        pos = hi if hi == line_end else max(start + 1, hi - _AFTER - _LONGEST_WORD)


def keyword_kind(syntax: Syntax) -> bool:
    """All `keyword_findings` reads of a text's kind: whether it is of the C family. Two kinds alike
    here give the same findings, so a scan under both asks once (`detect._scan`)."""
    return syntax == CODE_C


def keyword_findings_as(
    text: str, lowered: str, syntax: Syntax, known: Syntax, found: list[Finding]
) -> list[Finding]:
    """`keyword_findings` under `syntax`, given `found`, its findings under `known`: those where the two
    kinds read alike (`keyword_kind`), the plugin asked again where they do not."""
    if keyword_kind(syntax) == keyword_kind(known):
        return found
    return list(keyword_findings(text, lowered, syntax))


def keyword_findings(text: str, lowered: str, syntax: Syntax = UNKNOWN) -> Iterator[Finding]:
    """detect-secrets' keyword patterns, per line, only on lines that hold one of its words.

    Its patterns are those it picks for the file type: quotes required (its default, and what it uses
    for Python, JavaScript, Java, Swift, Terraform, Apex), or the C family's double quotes. The plugin
    takes each pattern's first match on a line; every match is taken here, with its exact span."""
    has = in_lowered(lowered)
    if not _ANY_STEM.any_in(has):
        return
    readers = _keyword_readers(keyword_kind(syntax))
    told: set[int] = set()  # where findings began: overlapping windows of a long line find some twice
    for line_lo, line_hi in _keyword_windows(text, lowered, keyword_words()):
        line = text[line_lo:line_hi]
        for read in readers:
            found = read(line)
            for value, i in found:
                if line_lo + i in told or not _keyword_value_kept(value, line, i):
                    continue
                told.add(line_lo + i)
                tier = AUTO if random_enough(value, 10) and has_letter_and_digit(value) else SUGGESTED
                yield Finding(
                    line_lo + i, line_lo + i + len(value), kinds.SECRET, tier,
                    "detect-secrets:KeywordDetector",
                )


def _keyword_value_kept(value: str, line: str, i: int) -> bool:
    """The judgement on a keyword's value at `line[i:]`, given the name it is assigned to."""
    named = name_before(line, i)
    return _kept(value, named[0] if named else "")


@lru_cache(maxsize=4096)  # a log says the same assignment many times
def _kept(value: str, word: str) -> bool:
    """Random enough, and not a placeholder, a setting, a digest, a fixture or another vendor's key."""
    if not value or is_placeholder(value) or is_filler(value) or names_a_setting(value) \
            or is_named_digest(value) or is_time_uuid(value) or is_secret_reference(value):
        # A v1 UUID under a name; a format plugin (npm's `//host/:_authToken=`) judges its own; where a
        # secret manager keeps the value (`op://…`), as the assignment rule reads it.
        return False
    if not (random_enough(value, 10) and has_letter_and_digit(value)) and not random_enough(value, 6, 2.5):
        return False
    # Same judgement as the assignment rule: a fixture, or not that vendor's key.
    return not word or not (
        is_fixture_name(word)
        or wrong_vendor_length(word, value)
        or names_no_secret(word)
        or id_of_a_credential(word, value)
        or prefix_on_counting(word, value)
    )


@lru_cache(maxsize=1)
def keyword_words() -> re.Pattern[str]:
    """The plugin's words in one alternation, over lowered text: where its patterns can begin."""
    from detect_secrets.plugins.keyword import DENYLIST

    return re.compile("|".join(DENYLIST))


@lru_cache(maxsize=2)
def _keyword_patterns(c_family: bool) -> tuple[tuple[re.Pattern[str], int, bool], ...]:
    """The plugin's patterns, the group holding the value and whether it compares (a value, then `==`
    or `!=`): its default (quotes required), or C's (a string is `"…"` or `@"…"`)."""
    from detect_secrets.plugins.keyword import QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP, REGEX_BY_FILETYPE
    from detect_secrets.util.filetype import FileType

    table = REGEX_BY_FILETYPE[FileType.C] if c_family else QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP
    return tuple((p, g, compare_pattern.comparing(p)) for p, g in table.items())


_Reader = Callable[[str], Iterator[tuple[str, int]]]


@lru_cache(maxsize=2)
def _keyword_readers(c_family: bool) -> tuple[_Reader, ...]:
    """Each of `_keyword_patterns` as what reads a line for it: (value, its start) of each match its own
    `finditer` finds, in one pass where its backtracking costs the window's length at each of its words."""
    return tuple(_reader(p, g, comparing) for p, g, comparing in _keyword_patterns(c_family))


def _reader(pattern: re.Pattern[str], group: int, comparing: bool) -> _Reader:
    if comparing:
        # Its value backtracks to a closing quote from every quote: a megabyte of backticks and `==`
        # took 21 s (`compare_pattern`).
        return partial(compare_pattern.matches, pattern)
    if semicolon_pattern.closes_with_semicolon(pattern):
        # From each of its words it backtracks through the word's letters, 50 places and each quote's
        # value (a window of `pwd` repeated took 7 s); a line with no quote and `;` holds no match.
        def semicolon(line: str) -> Iterator[tuple[str, int]]:
            if not semicolon_pattern.quote_then_semicolon(line):
                return iter(())
            return semicolon_pattern.matches(pattern, line)

        return semicolon
    # From each of its words it backtracks through the word's run of letters (`word_runs`).
    cut = word_runs.run_pattern(pattern, group)
    if cut is not None:
        return cut.matches
    return lambda line: ((m.group(group), m.start(group)) for m in pattern.finditer(line))


# Unquoted candidates for the entropy check: long runs of base64-ish characters,
# `(?<![A-Za-z0-9+/=_\-~])[A-Za-z0-9+/_\-]{24,512}={0,2}(?![A-Za-z0-9+/=_\-~])` over the text.
# The lookbehind stays: without it `re` retries inside every short word (quadratic per word).
# `~` joins pieces of one encoded run too (CloudFront's URL-safe signatures write it for `=`).
# Found in the text's shape (`shapes.BASE64`, the alphabet as `x`), led by 24 literal letters `re` skips
# to: over the text, the lookbehind first was tried at each character.
_BARE_TOKEN = re.compile(b"x" * 24 + rb"(?<![x=~]x{24})x{0,488}={0,2}(?![x=~])")
# Keys and tokens without a format rule run 20 to 100 characters; an unnamed run longer than that is
# a signed URL's signature, an encrypted blob or a piece of a file (format rules find JWTs, PEM
# bodies and the long vendor tokens by their prefixes, and a name finds any value).
_BARE_TOKEN_MAX = 100
_BARE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=_-~")


def entropy_findings(text: str) -> Iterator[Finding]:
    """High-entropy strings (detect-secrets' Base64 plugin limit): suggestions only, never sure."""
    _, b64 = _plugins()
    limit = b64.entropy_limit
    min_len = int(2**limit) + 1  # shorter strings cannot reach the limit
    seen: set[tuple[int, int]] = set()
    for m in b64.regex.finditer(text):
        a, b = m.span(2)
        while b > a and text[b - 1] == "\\":
            b -= 1  # the escape of a closing quote inside a JSON string
        if b - a >= min_len:
            seen.add((a, b))
            value = text[a:b]
            if "\\" in value:
                continue  # escapes inside: a JSON-escaped text of several lines, not one token
            if _entropy_candidate(value, limit) and not _worded(value) and not _judged_elsewhere(text, a, b):
                yield Finding(a, b, kinds.HIGH_ENTROPY, SUGGESTED, "detect-secrets:Base64HighEntropyString")
    for m in _BARE_TOKEN.finditer(shape(text, BASE64)):
        a, b = m.span()
        if (a, b) in seen or (a > 0 and text[a - 1] in _BARE_CHARS):
            continue
        if a > 0 and text[a - 1] == "\\" and text[a] in "nrt":
            a += 1  # `\nAIza…` in a JSON string: the escape's letter is not part of the token
        if text[a] == "+" and (a == 0 or text[a - 1] == "\n" or text[a - 2 : a] == "\\n"):
            a += 1  # a diff's added line: its `+` marks the line, it is not the token's
        value = text[a:b]
        if b - a > _BARE_TOKEN_MAX:
            continue  # a long unnamed blob is data (a signature, ciphertext, an encoded file), not a key
        if _HASH_BEFORE.search(text, max(0, a - 12), a):
            continue  # a digest with its algorithm's label (`h1:` in go.sum, `sha256:`)
        # Unquoted text is mostly code and paths: ask for more before suggesting it.
        if (
            ("/" not in value.strip("/")[:-1] or value.count("/") <= 2)
            and _entropy_candidate(value, limit + 0.3)
            and _mixed(value)
            and not _worded(value)
            and not _judged_elsewhere(text, a, b)
        ):
            yield Finding(a, b, kinds.HIGH_ENTROPY, SUGGESTED, "entropy:bare-token")


# A format rule's prefix may sit before the candidate, joined by a dot (`SG.<id>..<secret>`, a JWT's
# payload after its header): the candidate is judged as part of that whole word.
# A file viewer's line-number arrow (`   12→`) ends the word before the line's text as a tab does.
_WORD_BREAK = frozenset(" \t\r\n\"'`=:,;()[]{}<>\u2192")


def _judged_elsewhere(text: str, a: int, b: int) -> bool:
    """Whether the rule that owns this string already turned it down: a format's prefix starts its
    word (an edited example, a cut-off head), or its name says a fixture or another vendor's shape."""
    if owned_by_format(text[_word_start(text, a) : b]):
        return True
    named = name_before(text, a)
    if named is None:
        return False
    word, said = named
    if is_fixture_name(word) or wrong_vendor_length(word, text[a:b]) or names_no_secret(word):
        return True
    # `sumOfExposures = 3Kof…`: assigned to a name that says what it holds, and no credential's word
    # is in it (the generic rule's own test; a vendor's token is still found by its format rule).
    # A stream's label (Gemini's `Stdout: …`) or grep's line number (`path:12:…`) names no value.
    if word.isdigit() or word.lower() in _OUTPUT_LABELS:
        return False
    return bool(_ASSIGNED.search(said)) and not names_a_credential(word)


_OUTPUT_LABELS = frozenset(
    {"stdout", "stderr", "output", "out", "result", "response", "text", "content", "body"}
)


_ASSIGNED = re.compile(r"[:=]")


def _word_start(text: str, a: int) -> int:
    end = a
    stop = max(0, a - 256)
    while a > stop and text[a - 1] not in _WORD_BREAK:
        a -= 1
    # A JSON string's escaped line break or tab ends the word before it; a diff's `+`/`-` marks its line.
    esc = text.rfind("\\", a, end - 1)
    if esc >= 0 and text[esc + 1] in "nrt":
        # A patch inside a JSON string (Codex's apply_patch): the line's `+`/`-` after the escape is its mark.
        return esc + 3 if text[esc + 2 : esc + 3] in ("+", "-") else esc + 2
    # A structured patch keeps each line's mark inside its JSON string (`"+sk-…"`).
    if a < len(text) and a <= end and text[a] in "+-" and (a == 0 or text[a - 1] in "\n\"'"):
        return a + 1
    return a


# Pieces of an identifier: a capital and lower-case letters, or lower-case letters alone.
_WORD_PIECE = re.compile(r"[A-Z]?[a-z]{2,}")
_VOWELS = frozenset("aeiouy")
_CONSONANT_RUN = re.compile(r"[^aeiouy]{4}")


def _worded(value: str) -> bool:
    """An identifier made of words (`desktop-rhf_SponsoredProductsRemoteSearchPagination`), not
    a generated string: most of its characters fall in pronounceable pieces of three or more
    letters. Random base-62 gives few such pieces (a capital then two lower-case letters, with a
    vowel and no four consonants in a row, is rare)."""
    covered = 0
    for piece in _WORD_PIECE.findall(value):
        low = piece.lower()
        if len(piece) >= 4 and _VOWELS.intersection(low) and not _CONSONANT_RUN.search(low):
            covered += len(piece)
    return covered >= 0.6 * len(value)


def _mixed(value: str) -> bool:
    return (
        any(c.isupper() for c in value)
        and any(c.islower() for c in value)
        and any(c.isdigit() for c in value)
    )


_HASH_BEFORE = re.compile(r"(?i)(?:\bh1:|sha(?:1|224|256|384|512)[:\-=]|md5[:=]|blake2b?[:\-])$")
_SRI = re.compile(r"^sha(?:1|256|384|512)-")


def _entropy_candidate(value: str, limit: float) -> bool:
    if is_structural(value) or is_placeholder(value) or _SRI.match(value) or value.startswith("gAAAAA"):
        return False  # ids, hashes, integrity digests, the API's own encrypted blobs: structure
    if value.count("/") >= 2 and not value.endswith("="):
        return False  # a path (/nix/store/<hash>-name, a/b/c), not an encoded secret
    if len(value) >= _MEDIA_RUN and _binary_base64(value):
        return False  # a piece of an image, an archive or another binary: media, not a credential
    return entropy(value) > limit


# Unnamed base64 this long that decodes to binary is media (an image cut anywhere, a font, a zip);
# credentials this long have a format (rules) or a name (assignments) that finds them instead.
_MEDIA_RUN = 160


def _binary_base64(value: str) -> bool:
    body = value.rstrip("=")
    body = body[: len(body) - len(body) % 4]
    try:
        raw = base64.b64decode(body.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return sum(1 for c in text if c.isprintable() or c in "\n\r\t") < 0.9 * len(text)
