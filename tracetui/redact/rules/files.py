"""Credential files as a tool read them: `.netrc`, INI-style credential files, JSON objects
with a value beside its key, `.pgpass`, a key file's whole body, Kubernetes secrets."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator

from tracetui.redact import kinds
from tracetui.redact.finding import AUTO, SUGGESTED, Finding
from tracetui.redact.gate_words import in_lowered
from tracetui.redact.rules.assignments import _QUOTED_VALUE
from tracetui.redact.rules.judge import _NAME_OK, _judge
from tracetui.redact.rules.stand_in_files import is_stand_in_file_base64
from tracetui.redact.syntax import SECRET_FILE, syntax_of_path
from tracetui.redact.text_checks import (
    LINE_NUMBER,
    UUID_RE,
    entropy,
    has_letter_and_digit,
    is_filler,
    is_placeholder,
    is_reference,
    is_stand_in_base64,
    random_enough,
)

# A .netrc / _netrc entry (`machine HOST login USER password PASS`, one line or spread over a few):
# tokens separated by spaces, so no `=` or `:` tells the assignment rules a value follows. The grammar
# itself names the field, so a value there is a password whatever it looks like.
# (No backslash in a bare value: inside a JSON string, `\n` ends the line the value is on.)
_NETRC_PASSWORD = re.compile(r"(?<![\w\-.])password[ \t]+(\"[^\"\r\n\\]{1,400}\"|[^\s\"\\]{1,400})")
_NETRC_ENTRY = re.compile(r"(?<![\w\-.])(?:machine[ \t]+[\w.\-:\[\]]+|default|login[ \t]+\S+)(?![\w\-.])")
_NETRC_LOOKBACK = 300  # the entry's `machine`/`login` is on the same line or a line or two above


def _literal_password(value: str) -> bool:
    """A value a credential file's password slot holds, worth a question: not a template, a reference,
    a filler or a word of a sentence."""
    return (
        len(value) >= 6 and not is_placeholder(value) and not is_reference(value) and not is_filler(value)
        and any(c.isalpha() for c in value) and (not value.isalpha() or random_enough(value, 8, 3.0))
    )


# A credential file's password, token or secret line (`.pypirc`, `.npmrc`, AWS' `credentials`, `.netrc`
# flattened), where a value is always a literal: under a `[section]` or an npm registry's `//host/:`.
_CRED_FILE_LINE = re.compile(
    rf"(?im)(?:^(?:{LINE_NUMBER})?|(?<=\\n))[ \t]*(?:(//[^\s:]{{1,200}}/:)?(_password|_authtoken|_auth)"
    r"|(password|aws_secret_access_key|aws_session_token))[ \t]*[=:][ \t]*([^\s\"'#;\\]{1,400})[ \t]*(?=\r?$|\\[nr])"
)
_SECTION = re.compile(r"(?m)(?:^|\\n)[ \t]*\[[\w .:\-]{1,80}\][ \t]*(?:\r?$|\\[nr])")


def credential_file_findings(text: str, lowered: str) -> Iterator[Finding]:
    """Suggestions for the values of credential files' lines that the other rules judge as words (a
    passphrase, a kebab-cased password): those files hold no code, so the value is the secret."""
    has = in_lowered(lowered)
    if "password" not in has and "_auth" not in has and "aws_s" not in has:
        return
    section: bool | None = None
    for m in _CRED_FILE_LINE.finditer(text):
        if m.group(4) is not None and UUID_RE.fullmatch(m.group(4)):
            continue  # a UUID token: the assignment rules judge it (a v1 UUID is a clock, not a token)
        if m.group(1) is None:  # not an npm registry's line: only under a section
            if section is None:
                section = _SECTION.search(text) is not None
            if not section:
                continue
        value = m.group(4)
        if _literal_password(value):
            kind = kinds.PASSWORD if "pass" in (m.group(2) or m.group(3) or "").lower() else kinds.SECRET
            yield Finding(m.start(4), m.end(4), kind, SUGGESTED, "rule:credential-file")


def netrc_findings(text: str, lowered: str) -> Iterator[Finding]:
    has = in_lowered(lowered)
    if "password" not in has or ("machine" not in has and "login" not in has):
        return
    for m in _NETRC_PASSWORD.finditer(lowered):
        if not _NETRC_ENTRY.search(lowered, max(0, m.start() - _NETRC_LOOKBACK), m.start()):
            continue
        start, end = m.start(1), m.end(1)
        if text[start] == '"':
            start, end = start + 1, end - 1
        # Unquoted: a plain word after `password` is prose ("login and password manually"), not a value.
        judged = False
        for f in _judge("password", text[start:end], start, False, True):
            judged = True
            yield Finding(f.start, f.end, kinds.PASSWORD, AUTO, "rule:netrc")
        value = text[start:end]
        if not judged and _literal_password(value):
            # A .netrc's password is a literal whatever it looks like (a passphrase in words, symbols).
            yield Finding(start, end, kinds.PASSWORD, SUGGESTED, "rule:netrc")


# A `value` field whose object says what it holds: Terraform's `"db_password": {"sensitive": true, …,
# "value": "…"}`, SSM's `{"Name": "/prod/db/password", "Type": "SecureString", "Value": "…"}`. The name
# is the object's key, or a `name` field of the same object; other fields may sit between.
# (The key is found by its literal word, which `re` searches for fast; the quote before it is checked after.)
_VALUE_KEY = re.compile(r"value\\?[\"'][ \t]*:[ \t]*")
_OBJECT_KEY = re.compile(r"[A-Za-z_/][\w.\-/:]{0,120}")
_NAME_FIELD = re.compile(r"(\\?[\"'])(?:name|key|parameter_?name)\1[ \t]*:[ \t]*(\\?[\"'])([A-Za-z_/][\w.\-/:]{0,120})\2")
_OBJECT_REACH = 400


def _key_before(text: str, at: int) -> str | None:
    """The quoted key of the object opening at `at` (`"db_password": {`), read backwards a character at
    a time: a regex searched over the window before every `value` key would cost its length each."""
    j = at
    while j > 0 and text[j - 1] in " \t":
        j -= 1
    if j == 0 or text[j - 1] != ":":
        return None
    j -= 1
    while j > 0 and text[j - 1] in " \t":
        j -= 1
    if j == 0 or text[j - 1] not in "\"'":
        return None
    end = j - 1
    start = text.rfind(text[end], max(0, end - 122), end)
    if start < 0:
        return None
    name = text[start + 1 : end].rstrip("\\")
    return name if _OBJECT_KEY.fullmatch(name) else None


def object_value_findings(text: str, lowered: str) -> Iterator[Finding]:
    if "value" not in in_lowered(lowered) or "{" not in text:
        return
    for m in _VALUE_KEY.finditer(lowered):
        if m.start() == 0 or text[m.start() - 1] not in "\"'":
            continue
        lo = max(0, m.start() - _OBJECT_REACH)
        opening = text.rfind("{", lo, m.start())
        if opening < 0 or "}" in text[opening : m.start()]:
            continue
        name = None
        window = lowered[opening : m.start()]
        field = _NAME_FIELD.search(window) if "name" in window or "key" in window else None
        if field is not None and _NAME_OK.search(field.group(3)):
            name = text[opening + field.start(3) : opening + field.end(3)]
        else:
            key = _key_before(text, opening)
            if key is not None and _NAME_OK.search(key.lower()):
                name = key
        if name is None:
            continue
        quoted = _QUOTED_VALUE.match(text, m.end())
        if quoted is not None:
            yield from _judge(name, quoted.group(2), quoted.start(2), True, False)


# A .pgpass line: `host:port:database:user:password`, the port a number or `*`. No name is written; the
# fifth field of that shape is the password.
# The line may stand inside a JSON string (after its quote or an escaped line break) or an `echo "…"` that
# writes the file, and then ends at the string's quote or escaped break.
_PGPASS = re.compile(
    rf"(?m)(?:^(?:{LINE_NUMBER}|\+)?|(?<=\\n)|(?<=[\"']))[ \t]*(?:[\w.\-]+|\*|\[[0-9A-Fa-f:]+\]):(?:\d{{1,5}}|\*):"
    r"(?:[\w.\-$]*[A-Za-z_][\w.\-$]*|\*):(?:[\w.\-@$]*[A-Za-z_][\w.\-@$]*|\*):"
    r"(\S{1,400}?)(?:[ \t]*\r?$|(?=\\[nr])|(?=\\?[\"'][ \t]*(?:[>,;}\]|)]|$)))"
)  # the database and the user are names or `*`: a sequencer's read id (`HWI-ST565:4:1101:5508:…`) is numbers


# What a .pgpass line holds past its host, found first: most texts have none, and the line-start search
# costs a step per character.
_PGPASS_HINT = re.compile(r":(?:\d{1,5}|\*):[^\s:]+:[^\s:]+:\S")


def pgpass_findings(text: str, lowered: str) -> Iterator[Finding]:
    if ":" not in text or _PGPASS_HINT.search(text) is None:
        return
    for m in _PGPASS.finditer(text):
        value = m.group(1)
        if is_placeholder(value) or is_reference(value) or is_filler(value):
            continue
        if has_letter_and_digit(value) and random_enough(value, 8, 3.0):
            yield Finding(m.start(1), m.end(1), kinds.PASSWORD, AUTO, "rule:pgpass")
        elif random_enough(value, 6, 2.5):
            yield Finding(m.start(1), m.end(1), kinds.PASSWORD, SUGGESTED, "rule:pgpass")


# The whole text of a file named for a credential (syntax SECRET_FILE): one token, perhaps after a
# Read tool's line number. A file of several words or lines is read by the other rules.
_KEY_FILE_BODY = re.compile(rf"(?:<file>\s*)?(?:{LINE_NUMBER})?[ \t]*([^\s<]\S{{11,4095}})\s*(?:</file>\s*)?")


# A diff or patch of such files (all of its files are, or the syntax would not say so): the lines it adds
# or removes, one token each.
_KEY_FILE_DIFF_LINE = re.compile(r"(?m)^[+\-](?![+\-]{2} )[ \t]*(\S{12,4096})[ \t]*\r?$")


def _key_file_value(value: str) -> bool:
    return not (is_placeholder(value) or is_filler(value) or is_reference(value)) and random_enough(value, 12, 3.0)


def key_file_findings(text: str) -> Iterator[Finding]:
    m = _KEY_FILE_BODY.fullmatch(text.lstrip("\r\n"))
    if m is not None:
        if _key_file_value(m.group(1)):
            start = len(text) - len(text.lstrip("\r\n")) + m.start(1)
            yield Finding(start, start + len(m.group(1)), kinds.SECRET, AUTO, "rule:key-file")
        return
    if "\n" in text and ("*** Begin Patch" in text or "\n+++ " in text or text.startswith(("--- ", "diff "))):
        for line in _KEY_FILE_DIFF_LINE.finditer(text):
            if _key_file_value(line.group(1)):
                yield Finding(line.start(1), line.end(1), kinds.SECRET, AUTO, "rule:key-file")


# The same file pasted into a message: its name, then a fenced block holding one token.
# (A title joins the lines with spaces, so a space may stand for the line break.)
_FENCED_TOKEN = re.compile(r"```[\w\-]*[ \t]*[\r\n ][ \t\r\n]*([^`\s]{12,4096})[ \t\r\n]*```")
_PATH_WORD = re.compile(r"[\w.~/\\\-]+")


def quoted_key_file_findings(text: str) -> Iterator[Finding]:
    if "```" not in text:
        return
    for m in _FENCED_TOKEN.finditer(text):
        before = text[max(0, m.start() - 200) : m.start()]
        if any(syntax_of_path(w.group(0).rstrip(".,:;")) == SECRET_FILE for w in _PATH_WORD.finditer(before)):
            if _key_file_value(m.group(1)):
                yield Finding(m.start(1), m.end(1), kinds.SECRET, AUTO, "rule:key-file")


# A diff or patch of the manifest puts `+`, `-` or a space before each line.
_K8S_SECRET = re.compile(r"(?im)^[+\-]?[ \t]*kind:[ \t]*[\"']?secret[\"']?[ \t]*$")
_K8S_DATA_VALUE = re.compile(r"(?m)^[+\-]?[ \t]+[\w.\-]+:[ \t]*[\"']?([A-Za-z0-9+/]{8,}={0,2})[\"']?[ \t]*$")


# A TLS Secret's `tls.crt` and `ca.crt`: base64 of certificates (or a public key) that every client is
# sent. A value that decodes to one, with no private key among them, is no secret.
_PUBLIC_ARMOR = ("-----BEGIN CERTIFICATE-----", "-----BEGIN PUBLIC KEY-----", "-----BEGIN RSA PUBLIC KEY-----")


def _public_armor(value: str) -> bool:
    if not value.startswith("LS0tLS1CRUdJTi"):  # base64 of `-----BEGIN`
        return False
    try:
        decoded = base64.b64decode(value, validate=True).decode("ascii")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    return decoded.startswith(_PUBLIC_ARMOR) and "PRIVATE" not in decoded


def k8s_secret_findings(text: str, lowered: str) -> Iterator[Finding]:
    """The base64 values of a Kubernetes Secret manifest: encoded, so no format rule sees them."""
    has = in_lowered(lowered)
    if "kind:" not in has or "secret" not in has or "data:" not in has or not _K8S_SECRET.search(text):
        return
    for m in _K8S_DATA_VALUE.finditer(text):
        value = m.group(1)
        if is_placeholder(value) or _public_armor(value) or is_stand_in_base64(value) \
                or is_stand_in_file_base64(value):
            continue  # a template, certificates or a public key, base64 of `${DB_PASSWORD}` or a file of them
        if value.endswith("=") or entropy(value) > 3.5:
            yield Finding(m.start(1), m.end(1), kinds.K8S_SECRET, AUTO, "rule:k8s-secret-data")
