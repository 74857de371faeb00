"""Format rules run over a text: the table's rules chosen by their needles, and the formats a
regex alone cannot hold (private keys, Mailchimp, Facebook app tokens, Slack's legacy shapes)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tracetui.redact import kinds
from tracetui.redact.finding import AUTO, SUGGESTED, Finding
from tracetui.redact.gate_words import GATE_WORDS, bind, in_lowered
from tracetui.redact.needles import Needles
from tracetui.redact.rules.table import _LEFT_TOKEN_CHARS, TOKEN_RULES, Rule
from tracetui.redact.text_checks import (
    entropy,
    is_filler,
    is_filler_token,
    is_placeholder,
    is_reference,
    is_stand_in_token,
)

_PEM_BEGIN = re.compile(r"-----BEGIN[A-Z0-9 ]{0,30}PRIVATE KEY(?: BLOCK)?-----")
_PEM_END = re.compile(r"-----END[A-Z0-9 ]{0,30}PRIVATE KEY(?: BLOCK)?-----")
# Base64 lines, real or JSON-escaped newlines between them; a blank line ends the key.
_PEM_BODY = re.compile(r"(?:[A-Za-z0-9+/=]|\r?\n(?!\r?\n)|\\n(?!\\n))*")
# The smallest private key (an Ed25519 seed in PKCS#8) is 64 base64 characters: a body of fewer than 48
# (a margin for a cut excerpt) holds no key.
_PEM_MIN_BODY = 48
_BASE64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
_PEM_LIMIT = 16_384  # an 8192-bit RSA key with JSON-escaped newlines still fits


def pem_findings(text: str, lowered: str) -> Iterator[Finding]:
    """Whole private-key blocks: header, body and footer (detectors that stop at the header leak the body)."""
    if "private key" not in in_lowered(lowered):
        return
    for m in _PEM_BEGIN.finditer(text):
        end_m = _PEM_END.search(text, m.end(), m.end() + _PEM_LIMIT)
        if end_m is not None:
            end = end_m.end()
        else:  # cut short (an excerpt, a truncated tool output): take the key material that follows
            body = _PEM_BODY.match(text, m.end(), m.end() + _PEM_LIMIT)
            end = body.end() if body is not None else m.end()
            while end > m.end() and text[end - 1] in " \t\r\n":
                end -= 1
        body_end = end_m.start() if end_m is not None else end
        if sum(map(_BASE64_CHARS.__contains__, text[m.end():body_end])) < _PEM_MIN_BODY:
            continue  # `…KEY-----\nanything\n-----END…`, `…KEY-----...`: a placeholder, no key inside
        yield Finding(m.start(), end, kinds.PRIVATE_KEY, AUTO, "rule:private-key")


_MAILCHIMP_TAIL = re.compile(r"-us\d{1,2}(?![A-Za-z0-9_\-])")
_HEX32 = re.compile(r"[0-9a-f]{32}")


def mailchimp_findings(text: str, lowered: str) -> Iterator[Finding]:
    """`<32 hex>-us<dc>`: found from its literal tail, then the key checked behind it."""
    if "-us" not in text:
        return
    for m in _MAILCHIMP_TAIL.finditer(text):
        a = m.start() - 32
        if a >= 0 and _HEX32.fullmatch(text, a, m.start()) and (a == 0 or text[a - 1] not in _LEFT_TOKEN_CHARS):
            yield Finding(a, m.end(), kinds.MAILCHIMP_KEY, AUTO, "rule:mailchimp-key")


_FB_SEPARATOR = re.compile(r"\||%7C")
_FB_SECRET = re.compile(r"[A-Za-z0-9_\-]{27}(?![A-Za-z0-9_\-])")
_DIGITS_BEFORE = re.compile(r"\d{15,16}$")


def facebook_app_token_findings(text: str, lowered: str) -> Iterator[Finding]:
    """`<app id>|<secret>`: found from its separator, then both sides checked."""
    if "|" not in text and "%7c" not in in_lowered(lowered):
        return
    for m in _FB_SEPARATOR.finditer(text):
        secret = _FB_SECRET.match(text, m.end())
        if not secret:
            continue
        head = _DIGITS_BEFORE.search(text, max(0, m.start() - 16), m.start())
        if head is None or (head.start() > 0 and text[head.start() - 1] in _LEFT_TOKEN_CHARS):
            continue
        if entropy(secret.group(0)) >= 3.0:
            yield Finding(head.start(), secret.end(), kinds.FACEBOOK_TOKEN, AUTO, "rule:facebook-token")


# Every rule's needles, looked for in one search (`needles`): the rules to run are those with a needle in
# the text, in the table's order, as each rule's own `in` tests chose them, and a rule with no needle runs
# on every text. Over the corpus's fields token_findings took 1.9-2.1 s, most of it those tests and the
# loop asking them (185 needles, each reading a long text again); with the one search, 1.2 s.
# detect-secrets' plugins ask the same search (`ds.regex_plugin_findings`).
# The other detectors' gate words are looked for in the same search (`gate_words`): one pass answers both.
TOKEN_NEEDLES = Needles([*(n for r in TOKEN_RULES for n in r.needles), *(w.lower() for w in GATE_WORDS)])
bind(TOKEN_NEEDLES.present)


def _by_needle(table: list[Rule]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, rule in enumerate(table):
        for n in rule.needles:
            out.setdefault(n, []).append(i)
    return out


_RULES_BY_NEEDLE = _by_needle(TOKEN_RULES)
_ALWAYS = [i for i, r in enumerate(TOKEN_RULES) if not r.needles]  # none today


def _token_rules(lowered: str) -> list[Rule]:
    """The rules whose needles a text holds (any one of them), in the table's order."""
    present = TOKEN_NEEDLES.present(lowered)
    if not present:
        return [TOKEN_RULES[i] for i in _ALWAYS]
    wanted = set(_ALWAYS)
    for n in present:
        wanted.update(_RULES_BY_NEEDLE.get(n, ()))  # a gate word (`gate_words`) names no rule
    return [TOKEN_RULES[i] for i in sorted(wanted)]


def filler_after_prefix(value: str, needles: tuple[str, ...]) -> bool:
    """Filler judged on the body after the rule's literal prefix, which a long prefix would outweigh."""
    low = value.lower()
    for needle in needles:
        if len(needle) >= 4 and low.startswith(needle.lower()):
            return is_filler(value[len(needle):])
    return False


_MASK_AFTER = re.compile(r"[\-_.:/]?[*#•●]{4}")


def masked_after(text: str, end: int) -> bool:
    """Whether a run of masking characters goes on where a match stopped: the token was redacted."""
    return _MASK_AFTER.match(text, end) is not None


def _after_escaped_break(text: str, at: int) -> bool:
    """`…\\nsgp_…` in a JSON string: the `n` before the token is its escaped line break, not a letter of
    a longer word (a doubled backslash before it is a literal backslash and an `n`)."""
    return at >= 2 and text[at - 1] in "nrt" and text[at - 2] == "\\" and (at < 3 or text[at - 3] != "\\")


def token_findings(text: str, lowered: str) -> Iterator[Finding]:
    for rule in _token_rules(lowered):
        needles = rule.needles
        for m in rule.pattern.finditer(text):
            start, end = m.span(rule.group)
            if start < 0 or start == end:
                continue
            if rule.group == 0 and start > 0 and text[start - 1] in _LEFT_TOKEN_CHARS \
                    and not _after_escaped_break(text, start):
                continue
            value = text[start:end]
            if filler_after_prefix(value, needles):
                continue  # `GR1348941XXXX…`: the vendor's literal prefix, then a typed filler
            if masked_after(text, end):
                continue  # `xoxp-5723…-1881-####…`: the format's head, the rest masked by whoever printed it
            if is_reference(value) or is_filler_token(value) or is_stand_in_token(value):
                # `${TOKEN}`; `ghp_xxxx…`, `AKIAXXXX…`, a webhook URL ending in `XXXX…`, `xoxb-…TokenHere`
                continue
            tier: str | None = rule.tier
            if is_placeholder(value):
                tier = SUGGESTED  # the vendor's format with a filler body: show it, do not assume
            elif rule.check is not None:
                tier = rule.check(value)
            if tier is None:
                continue
            yield Finding(start, end, rule.kind, tier, f"rule:{rule.name}")


def holds_credential(value: str) -> bool:
    """Whether the format rules find a credential in `value` where a value begins: at its start, or after
    a character no credential is part of (`=`, `:`, a space), never after `+` or `/`. For a string that
    sits where a blob does (a signature, encrypted reasoning, a digest): it is left unread only when this
    says no. `+` and `/` are letters of standard base64, so a real signature holds them at random, and a
    loose rule (Artifactory's `AP…`) then matches after one: in 42 of 20,000 random signatures, while
    none matched from a start, nor did any of the corpus's 1,029 blobs."""
    return any(f.start == 0 or value[f.start - 1] not in "+/" for f in token_findings(value, value.lower()))
