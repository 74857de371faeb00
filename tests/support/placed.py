"""Made-up secrets placed where agent logs carry them, and hard negatives placed the same way.

The labelled strings of `../shared/secrets` are lines on their own; a session holds them inside a
tool's output, a JSON tool input, a file written or edited, a diff, escaped inside a JSON string,
base64- or percent-encoded, or split over two lines or two strings. This module builds such cases
from a seeded generator (every value is random, none is a real credential), so the bench and a
threshold test measure the detectors on the shapes a session has, for formats the rules were not
tuned to string by string.

A positive is *caught* when findings cover every character of each of its spans (the secret as it
stands in that context: escaped, encoded, or both halves of a split); a hard negative is *flagged*
when any finding, sure or suggested, lands on it.
"""

from __future__ import annotations

import base64
import json
import random
import string
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from tracetui.redact.detect import scan_text
from support.evaluate import covered
from tracetui.redact.finding import AUTO

_ALNUM = string.ascii_letters + string.digits
_LOWER_ALNUM = string.ascii_lowercase + string.digits
_HEX = "0123456789abcdef"
_B64 = string.ascii_letters + string.digits + "+/"


@dataclass(slots=True)
class Case:
    group: str  # "positive" kind or negative class
    context: str
    text: str
    spans: list[tuple[int, int]]  # where the secret (or the negative) is in `text`
    positive: bool


@dataclass(slots=True)
class PlacedScore:
    cases: int = 0
    caught: int = 0  # positives: every span covered; negatives: any finding on a span
    sure: int = 0  # positives caught by sure findings alone; negatives flagged by a sure one
    failures: list[str] = field(default_factory=list)


def _r(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


# --- Secrets: each maker returns (line, secret) with the secret inside the line --------------------

Maker = Callable[[random.Random], tuple[str, str]]


def _line(template: str, secret: str) -> tuple[str, str]:
    return template.replace("{s}", secret), secret


def _password(rng: random.Random) -> str:
    return _r(rng, string.ascii_letters, 3) + _r(rng, _ALNUM + "!#%^*-_", 11) + rng.choice("!#%*") + str(rng.randint(0, 9))


SECRETS: dict[str, Maker] = {
    "curl-user": lambda rng: _line("curl -sS -u admin:{s} https://api.internal.acme.io/v2/status", _password(rng)),
    "curl-user-long": lambda rng: _line("curl --user 'deploy:{s}' -X POST https://ci.acme.io/job", _password(rng)),
    "wget-password": lambda rng: _line("wget --user=ops --password={s} https://dl.acme.io/pkg.tgz", _password(rng)),
    "httpie-auth": lambda rng: _line("http -a ops:{s} GET https://api.acme.io/me", _password(rng)),
    "url-credentials": lambda rng: _line("git clone https://builder:{s}@git.acme.io/team/app.git", _password(rng)),
    "export-password": lambda rng: _line('export ADMIN_PASSWORD="{s}"', _password(rng)),
    "export-unquoted": lambda rng: _line("export DB_PASSWORD={s}", _password(rng)),
    "env-secret": lambda rng: _line("SESSION_SECRET={s}", _r(rng, _ALNUM, 32)),
    "yaml-token": lambda rng: _line("  deploy_token: {s}", _r(rng, _ALNUM, 28)),
    "json-key": lambda rng: _line('{"SERVICE_API_KEY": "{s}"}', _r(rng, _ALNUM, 40)),
    "toml-secret": lambda rng: _line('client_secret = "{s}"', _r(rng, _ALNUM + "-_", 36)),
    "dynatrace": lambda rng: _line(
        "DT_API_TOKEN={s}", "dt0c01." + _r(rng, string.ascii_uppercase + string.digits, 24) + "."
        + _r(rng, string.ascii_uppercase + string.digits, 64)
    ),
    "teams-webhook": lambda rng: _line(
        "webhook: {s}",
        f"https://acme.webhook.office.com/webhookb2/{_uuid(rng)}@{_uuid(rng)}/IncomingWebhook/{_r(rng, _HEX, 32)}/"
        f"{_uuid(rng)}",
    ),
    "sumologic-id": lambda rng: _line("sumo_access_id: {s}", "su" + _r(rng, _ALNUM, 12)),
    "flyio": lambda rng: _line("FLY_API_TOKEN='{s}'", "FlyV1 fm2_" + _r(rng, _B64, 180) + "=="),
    "bedrock-long-lived": lambda rng: _line("bedrock: {s}", "ABSK" + _r(rng, _B64, 132)),
    "1password-service": lambda rng: _line(
        '{"env": {"OP_SERVICE_ACCOUNT_TOKEN": "{s}"}}', "ops_eyJ" + _r(rng, _B64, 300) + "="
    ),
    "sidekiq": lambda rng: _line("BUNDLE_ENTERPRISE__CONTRIBSYS__COM: {s}", _r(rng, _HEX, 8) + ":" + _r(rng, _HEX, 8)),
    "github-pat": lambda rng: _line("token {s}", "ghp_" + _r(rng, _ALNUM, 36)),
    "aws-access-key": lambda rng: _line("aws_access_key_id = {s}", "AKIA" + _r(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)),
    "anthropic": lambda rng: _line("ANTHROPIC_API_KEY={s}", "sk-ant-api03-" + _r(rng, _ALNUM + "-_", 93) + "AA"),
    "openai": lambda rng: _line("key: {s}", "sk-proj-" + _r(rng, _ALNUM + "-_", 60) + "T3BlbkFJ" + _r(rng, _ALNUM, 40)),
    "slack-bot": lambda rng: _line(
        "SLACK={s}", f"xoxb-{rng.randint(10**10, 10**11)}-{rng.randint(10**11, 10**12)}-{_r(rng, _ALNUM, 24)}"
    ),
    "stripe-live": lambda rng: _line("stripe.api_key = '{s}'", "sk_live_" + _r(rng, _ALNUM, 24)),
    "gitlab-pat": lambda rng: _line("glab auth login --token {s}", "glpat-" + _r(rng, _ALNUM + "_-", 20)),
    "private-key": lambda rng: _line(
        "{s}", "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(_r(rng, _B64, 70) for _ in range(5))
        + "\n-----END OPENSSH PRIVATE KEY-----"
    ),
    "postgres-url": lambda rng: _line("DATABASE_URL=postgres://app:{s}@db.acme.io:5432/app", _r(rng, _ALNUM, 20)),
    "plain-words-password": lambda rng: _line("The staging db password is {s} by the way", _password(rng)),
    "plain-words-key": lambda rng: _line("Use this API key for the vendor: {s}", _r(rng, _HEX, 32)),
    "airtable-pat": lambda rng: _line("AIRTABLE={s}", "pat" + _r(rng, _ALNUM, 14) + "." + _r(rng, _HEX, 64)),
    "clickhouse": lambda rng: _line("key {s}", "4b1d" + _r(rng, _ALNUM, 38)),
    "rubygems": lambda rng: _line("GEM_HOST_API_KEY: {s}", "rubygems_" + _r(rng, _HEX, 48)),
    "readme": lambda rng: _line("readme {s}", "rdme_" + _r(rng, _LOWER_ALNUM, 70)),
    "infracost": lambda rng: _line("infracost {s}", "ico-" + _r(rng, _ALNUM, 32)),
    "duffel": lambda rng: _line("duffel {s}", "duffel_live_" + _r(rng, _ALNUM + "_-", 43)),
    "frameio": lambda rng: _line("frameio {s}", "fio-u-" + _r(rng, _ALNUM + "_-", 64)),
    "vault-batch": lambda rng: _line("VAULT_TOKEN={s}", "hvb." + _r(rng, _ALNUM + "_-", 150)),
    "octopus": lambda rng: _line("octopus {s}", "API-" + _r(rng, string.ascii_uppercase + string.digits, 26)),
    "typeform": lambda rng: _line("typeform_token = {s}", "tfp_" + _r(rng, _LOWER_ALNUM + "_-", 59)),
    # Personal data (suggestions).
    "card-number": lambda rng: _line("charged card {s} for the order", _card(rng)),
    "us-ssn": lambda rng: _line("applicant SSN: {s}", f"{rng.randint(101, 665)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"),
    "iban": lambda rng: _line("wire to IBAN {s} today", _iban(rng)),
    "street-address": lambda rng: _line(
        "ship to {s} please", f"{rng.randint(10, 9999)} {rng.choice(['Oak', 'Maple', 'Cedar', 'Elm'])} "
        f"{rng.choice(['Street', 'Avenue', 'Road', 'Lane'])}, Springfield, IL {rng.randint(60000, 62999)}"
    ),
    "ipv4": lambda rng: _line("ssh deploy@{s}", f"{rng.randint(11, 99)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"),
    "email": lambda rng: _line("contact {s} for access", f"{_r(rng, string.ascii_lowercase, 6)}.doe@corp-example.com"),
}


def _card(rng: random.Random) -> str:
    body = "4" + "".join(str(rng.randint(0, 9)) for _ in range(14))
    total = 0
    for i, ch in enumerate(reversed(body + "0")):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    digits = body + str((10 - total % 10) % 10)
    return " ".join(digits[i:i + 4] for i in range(0, 16, 4))


def _iban(rng: random.Random) -> str:
    account = "".join(str(rng.randint(0, 9)) for _ in range(18))
    moved = account + "DE00"
    check = 98 - int("".join(str(int(c, 36)) for c in moved)) % 97
    return f"DE{check:02d}{account}"


def _uuid(rng: random.Random) -> str:
    h = _r(rng, _HEX, 32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# --- Contexts: (line, secret) -> (text, spans of the secret in text) -------------------------------

Context = Callable[[str, str], "tuple[str, list[tuple[int, int]]] | None"]


def _spans_of(text: str, needle: str) -> list[tuple[int, int]]:
    i = text.find(needle)
    return [] if i < 0 else [(i, i + len(needle))]


def _plain(prefix: str, suffix: str) -> Context:
    def ctx(line: str, secret: str) -> tuple[str, list[tuple[int, int]]]:
        text = prefix + line + suffix
        return text, _spans_of(text, secret)

    return ctx


def _numbered(line: str, secret: str) -> tuple[str, list[tuple[int, int]]]:
    lines = ["# settings", "", *line.split("\n"), "", "# end"]
    text = "\n".join(f"{i + 1:>6}\t{x}" for i, x in enumerate(lines))
    if "\n" in secret:  # a multi-line value is numbered too: cover from its first to its last line
        first, last = secret.split("\n")[0], secret.split("\n")[-1]
        a = text.find(first)
        b = text.find(last, a) + len(last)
        return text, [(a, b)]
    return text, _spans_of(text, secret)


def _diff(line: str, secret: str) -> tuple[str, list[tuple[int, int]]]:
    body = "\n".join("+" + x for x in line.split("\n"))
    text = f"diff --git a/.env b/.env\n--- a/.env\n+++ b/.env\n@@ -1,2 +1,3 @@\n LOG_LEVEL=info\n{body}\n DEBUG=0\n"
    if "\n" in secret:
        first, last = secret.split("\n")[0], secret.split("\n")[-1]
        a = text.find(first)
        return text, [(a, text.find(last, a) + len(last))]
    return text, _spans_of(text, secret)


def _json_escaped(line: str, secret: str) -> tuple[str, list[tuple[int, int]]]:
    text = json.dumps({"type": "tool_result", "content": "ok\n" + line + "\n"})
    return text, _spans_of(text, json.dumps(secret)[1:-1])


def _tool_input(line: str, secret: str) -> tuple[str, list[tuple[int, int]]]:
    text = json.dumps({"command": line, "description": "run it"}, indent=2)
    return text, _spans_of(text, json.dumps(secret)[1:-1])


def _base64(line: str, secret: str) -> tuple[str, list[tuple[int, int]]]:
    enc = base64.b64encode(line.encode()).decode()
    text = f"$ base64 < .env\n{enc}\n"
    return text, _spans_of(text, enc)


def _url_encoded(line: str, secret: str) -> tuple[str, list[tuple[int, int]]]:
    text = "GET https://hooks.acme.io/relay?payload=" + urllib.parse.quote(line, safe="") + "&v=2 HTTP/1.1"
    return text, _spans_of(text, urllib.parse.quote(secret, safe=""))


def _hex(line: str, secret: str) -> tuple[str, list[tuple[int, int]]] | None:
    """`xxd -p`: the line's bytes as bare hex, 60 digits a line."""
    digits = line.encode().hex()
    body = "\n".join(digits[i:i + 60] for i in range(0, len(digits), 60))
    text = f"$ xxd -p .env\n{body}\n$ "
    return text, [(text.index(body), text.index(body) + len(body))]


def _hexdump(line: str, secret: str) -> tuple[str, list[tuple[int, int]]] | None:
    """`xxd`: offset, hex in two-byte groups, the bytes as characters; the secret is in both columns."""
    raw = line.encode()
    if len(raw) != len(line) or "\n" in line:
        return None
    rows: list[str] = []
    spans: list[tuple[int, int]] = []
    at = raw.find(secret.encode())
    pos = len("$ xxd .env\n")
    for off in range(0, len(raw), 16):
        chunk = raw[off:off + 16]
        groups = [chunk[i:i + 2].hex() for i in range(0, len(chunk), 2)]
        hex_col = " ".join(groups).ljust(39)
        chars = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        row = f"{off:08x}: {hex_col}  {chars}"
        lo, hi = max(at, off), min(at + len(secret), off + len(chunk))
        if lo < hi:
            hex_at = pos + 10
            a, b = lo - off, hi - off
            spans.append((hex_at + a * 2 + a // 2, hex_at + b * 2 + (b - 1) // 2))
            spans.append((pos + 10 + 41 + a, pos + 10 + 41 + b))
        rows.append(row)
        pos += len(row) + 1
    return "$ xxd .env\n" + "\n".join(rows) + "\n", spans


def _wrapped(line: str, secret: str) -> tuple[str, list[tuple[int, int]]] | None:
    """The secret cut in two by a line break (a terminal's or a log's fixed width)."""
    if len(secret) < 24 or "\n" in secret:
        return None
    cut = len(secret) // 2
    at = line.find(secret)
    text = "output:\n" + line[: at + cut] + "\n" + line[at + cut:] + "\nexit 0"
    a = text.find(secret[:cut])
    b = text.find(secret[cut:], a)
    return text, [(a, a + cut), (b, b + len(secret) - cut)]


def _concatenated(line: str, secret: str) -> tuple[str, list[tuple[int, int]]] | None:
    """The secret built from two string literals, as code does to dodge a scanner or a line limit."""
    if len(secret) < 24 or any(c in secret for c in "\"\n\\"):
        return None
    cut = len(secret) // 2
    text = f'const secret = "{secret[:cut]}" +\n  "{secret[cut:]}";\nmodule.exports = secret;'
    a = text.find(secret[:cut])
    b = text.find(secret[cut:], a + cut)
    return text, [(a, a + cut), (b, b + len(secret) - cut)]


def _split_fields(line: str, secret: str) -> tuple[str, list[tuple[int, int]]] | None:
    """Name and value in separate fields of one JSON object (a secrets manager, a Kubernetes env list)."""
    if "\n" in secret:
        return None
    text = json.dumps({"env": [{"name": "SERVICE_TOKEN", "value": secret}, {"name": "REGION", "value": "eu-west-1"}]})
    return text, _spans_of(text, json.dumps(secret)[1:-1])


# Personal data is a suggestion in place, and inside base64 and hex blobs (the whole blob); it is
# not a token, so it is not looked for across a line break or two literals: those pairs are not scored.
PERSONAL = frozenset({"card-number", "us-ssn", "iban", "street-address", "ipv4", "email"})
WHOLE_BLOB_CONTEXTS = frozenset({"wrapped-line", "concatenated"})

CONTEXTS: dict[str, Context] = {
    "tool-output": _plain("$ cat .env.local\n", "\n$ "),
    "read-output": _numbered,
    "write-content": _plain("#!/bin/sh\nset -e\n", "\necho done\n"),
    "edit-new-string": _plain("", ""),
    "diff": _diff,
    "json-escaped": _json_escaped,
    "tool-input": _tool_input,
    "base64": _base64,
    "url-encoded": _url_encoded,
    "hex": _hex,
    "hexdump": _hexdump,
    "wrapped-line": _wrapped,
    "concatenated": _concatenated,
    "split-fields": _split_fields,
}


# --- Hard negatives: (text, value) with the value inside the text ----------------------------------

Negative = Callable[[random.Random], tuple[str, str]]


def _png_b64(rng: random.Random, n: int = 600) -> str:
    raw = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(rng.getrandbits(8) for _ in range(n))
    return base64.b64encode(raw).decode()


NEGATIVES: dict[str, Negative] = {
    "uuid": lambda rng: _line('{"sessionId": "{s}", "cwd": "/srv/app"}', _uuid(rng)),
    "uuid-in-text": lambda rng: _line("Created job {s} in queue default", _uuid(rng)),
    "git-sha": lambda rng: _line("commit {s}\nAuthor: CI <ci@acme.io>", _r(rng, _HEX, 40)),
    "git-short-sha": lambda rng: _line("{s} fix: handle empty input", _r(rng, _HEX, 7)),
    "sha256-digest": lambda rng: _line("{s}  dist/app.tar.gz", _r(rng, _HEX, 64)),
    "docker-digest": lambda rng: _line("image: ghcr.io/acme/app@{s}", "sha256:" + _r(rng, _HEX, 64)),
    "npm-integrity": lambda rng: _line(
        '"integrity": "{s}"', "sha512-" + base64.b64encode(bytes(rng.getrandbits(8) for _ in range(64))).decode()
    ),
    "go-sum": lambda rng: _line(
        "github.com/acme/lib v1.2.3 {s}", "h1:" + base64.b64encode(bytes(rng.getrandbits(8) for _ in range(32))).decode()
    ),
    "pip-hash": lambda rng: _line("requests==2.31.0 --hash={s}", "sha256:" + _r(rng, _HEX, 64)),
    "thinking-signature": lambda rng: _line(
        '{"type": "thinking", "thinking": "Let me check.", "signature": "{s}"}', "Eq" + _r(rng, _B64, 400) + "=="
    ),
    "thinking-signature-escaped": lambda rng: _line(
        '"{\\"type\\":\\"thinking\\",\\"thinking\\":\\"ok\\",\\"signature\\":\\"{s}\\"}"', "Er" + _r(rng, _B64, 300)
    ),
    "encrypted-reasoning": lambda rng: _line('{"encrypted_content": "{s}"}', "gAAAAAB" + _r(rng, _B64, 300)),
    "png-data-uri": lambda rng: _line('<img src="data:image/png;base64,{s}">', _png_b64(rng)),
    "png-json-source": lambda rng: _line(
        '{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "{s}"}}', _png_b64(rng)
    ),
    "png-fragment": lambda rng: (lambda b: _line("...{s}...", b[200:420]))(_png_b64(rng)),
    "aws-example-key-id": lambda rng: _line("aws_access_key_id = {s}", "AKIAIOSFODNN7EXAMPLE"),
    "aws-example-secret": lambda rng: _line(
        "aws_secret_access_key = {s}", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    ),
    "demo-key": lambda rng: _line("curl 'https://api.nasa.gov/planetary/apod?api_key={s}'", "DEMO_KEY"),
    "placeholder-angle": lambda rng: _line("export OPENAI_API_KEY={s}", "<your-api-key>"),
    "placeholder-words": lambda rng: _line('api_key = "{s}"', "your-api-key-here"),
    "placeholder-var": lambda rng: _line("TOKEN=${{s}}", "GITHUB_TOKEN"),
    "placeholder-stars": lambda rng: _line("password: {s}", "********"),
    "placeholder-replace": lambda rng: _line('"secret": "{s}"', "REPLACE_ME"),
    "message-id": lambda rng: _line('"id": "{s}"', "msg_01" + _r(rng, _ALNUM, 22)),
    "tool-use-id": lambda rng: _line("tool_use_id={s}", "toolu_01" + _r(rng, _ALNUM, 22)),
    "request-id": lambda rng: _line("x-request-id: {s}", "req_" + _r(rng, _ALNUM, 24)),
    "ssh-public-key": lambda rng: _line(
        "{s} ci@acme", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + _r(rng, _B64, 43)
    ),
    "pgp-signature": lambda rng: _line(
        "-----BEGIN PGP SIGNATURE-----\n\n{s}\n-----END PGP SIGNATURE-----",
        "\n".join(_r(rng, _B64, 64) for _ in range(4)),
    ),
    "etag": lambda rng: _line('ETag: "{s}"', _r(rng, _HEX, 32)),
    "md5-sum": lambda rng: _line("MD5 ({s}) = index.js", _r(rng, _HEX, 32)),
    "ipfs-cid": lambda rng: _line("pinned {s}", "bafybei" + _r(rng, "abcdefghijklmnopqrstuvwxyz234567", 52)),
    "css-hash-class": lambda rng: _line('<div class="css-{s}">', _r(rng, _LOWER_ALNUM, 7)),
    "webpack-chunk": lambda rng: _line("static/js/main.{s}.chunk.js", _r(rng, _HEX, 20)),
    "semver-build": lambda rng: _line("version 1.4.2+build.{s}", _r(rng, _HEX, 12)),
    "lockfile-resolved": lambda rng: _line(
        'resolved "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz#{s}"', _r(rng, _HEX, 40)
    ),
    "k8s-pod-name": lambda rng: _line("pod/api-{s} 1/1 Running", _r(rng, _LOWER_ALNUM, 10) + "-" + _r(rng, _LOWER_ALNUM, 5)),
    # Placeholders and near-misses in a vendor's shape (issue 14's last round).
    "vendor-filler": lambda rng: _line(
        rng.choice(["GITHUB_TOKEN={s}", "token: {s}", '"key": "{s}"']), _filler(rng)
    ),
    "stand-in-words": lambda rng: _line(
        rng.choice(['api_key = "{s}"', "DB_PASSWORD={s}", '"client_secret": "{s}"']),
        rng.choice(["put", "insert", "replace", "add"]) + rng.choice(["-", "_"])
        + rng.choice(["your", "the", "a"]) + "_" + rng.choice(["api_key", "token", "secret", "password"])
        + rng.choice(["_here", "-here", ""]),
    ),
    "fixture-name": lambda rng: _line(
        rng.choice(["invalid", "fake", "mock", "dummy", "expired"])
        + rng.choice(["Token", "_api_key", "Secret"]) + ' = "{s}"',
        _r(rng, _ALNUM, 24),
    ),
    "sops-ciphertext": lambda rng: _line(
        "    password: {s}",
        f"ENC[AES256_GCM,data:{_b64(rng, 12)},iv:{_b64(rng, 32)},tag:{_b64(rng, 16)},type:str]",
    ),
    "anthropic-near-miss": lambda rng: _line(
        "key {s}", "sk-ant-api03-" + _r(rng, _ALNUM, rng.randint(40, 80)) + "AA"
    ),
    "jwt-typed-header": lambda rng: _line(
        "see {s} in the docs",
        "eyJ" + _r(rng, _ALNUM, 30) + ".eyJ" + _r(rng, _ALNUM, 40) + "." + _r(rng, _ALNUM, 43),
    ),
    "worded-identifier": lambda rng: _line('<div data-widget="{s}">', _worded_id(rng)),
    # Classes gitleaks' own allowlists rule out (issue 14, round 2).
    "named-not-the-secret": lambda rng: _line(
        rng.choice(_NOT_SECRET_NAMES) + rng.choice([' = "{s}"', ": {s}", '" => "{s}"']), _r(rng, _ALNUM, 32)
    ),
    "credential-id": lambda rng: _line(
        rng.choice(["credentialsId: '{s}'", '"apiKeyId": "{s}"', "<UserSecretsId>{s}</UserSecretsId>"]),
        _uuid(rng),
    ),
    "masked-value": lambda rng: _line(
        rng.choice(['password: "{s}"', "API_SECRET={s}", '"client_secret": "{s}"']),
        _r(rng, _ALNUM, 4) + rng.choice("*#•") * rng.randint(4, 16) + _r(rng, _ALNUM, 4),
    ),
    "masked-token-tail": lambda rng: _line(
        "SLACK_TOKEN={s}",
        "xoxb-" + _r(rng, "0123456789", 12) + "-" + _r(rng, "0123456789", 12) + "-" + rng.choice("*#") * 24,
    ),
    "fill-in-slot": lambda rng: _line(
        rng.choice(['-H "Authorization: Basic {s}"', 'password = "{s}"', '"Authorization": "Bearer {s}"']),
        rng.choice(["{base64(%s:%s)}" % (rng.choice(["user", "email"]), rng.choice(["password", "pass"])),
                    "%(" + rng.choice(["db_password", "token", "secret"]) + ")s",
                    "{" + rng.choice(["token_for", "get_secret", "read_key"])
                    + "(" + rng.choice(["user", "svc"]) + ")}",
                    "${{ secrets." + rng.choice(["DEPLOY_TOKEN", "NPM_TOKEN", "DB_PASSWORD"]) + " }}",
                    "@" + rng.choice(["DB_PASSWORD", "API_KEY", "secret_key"]) + "@"]),
    ),
    "empty-key-block": lambda rng: _line(
        "{s}", "-----BEGIN " + rng.choice(["", "RSA ", "OPENSSH ", "EC "]) + "PRIVATE KEY-----\n"
        + rng.choice(["...", "<your key>", "REDACTED", "paste the key here", ""]) + "\n-----END "
        + "PRIVATE KEY-----",
    ),
    "stand-in-tail": lambda rng: _line(
        "--token={s}", rng.choice(["xoxb-1-", "xoxp-2-", "sha256~"])
        + "".join(rng.choice(_ID_WORDS) for _ in range(3))
        + rng.choice(["TokenHere", "KeyGoesHere", "TOKENHERE"]),
    ),
    "assigned-unrelated": lambda rng: _line(
        rng.choice(["sumOf", "total", "checksum", "layout"]) + rng.choice(["Exposures", "Window", "Offsets"])
        + rng.choice([" = {s};", ': "{s}"']), _r(rng, _ALNUM, 48),
    ),
}

_NOT_SECRET_NAMES: tuple[str, ...] = ("TOKEN_URL", "SECRET_NAME", "key_name", "public_key", "primaryKey",
                                      "csrf_token",
                     "authenticity_token", "TOKEN_FILE", "signature", "passwordLength", "auth_endpoint")


_FILLER_SHAPES = (("ghp_", 36), ("glpat-", 20), ("npm_", 36), ("AKIA", 16), ("hf_", 34), ("sk_live_", 24),
                  ("xoxb-", 40))
_ID_WORDS: tuple[str, ...] = ("Sortable", "Remote", "Grid", "Header", "Quick", "View", "Panel", "Jump", "Flex",
                              "Wrapper", "Pagination", "Click")


def _filler(rng: random.Random) -> str:
    prefix, n = rng.choice(_FILLER_SHAPES)
    return prefix + rng.choice("xXzZ0*") * n


def _worded_id(rng: random.Random) -> str:
    words = "".join(rng.choice(_ID_WORDS) for _ in range(6))
    return words + rng.choice(["V2", "K9", "X3"]) + rng.choice(["Box", "Zone"])


def _b64(rng: random.Random, n: int) -> str:
    return base64.b64encode(bytes(rng.getrandbits(8) for _ in range(n))).decode()


def _negative_spans(text: str, value: str) -> list[tuple[int, int]]:
    return _spans_of(text, value)


def cases(seed: int = 14, per_kind: int = 2) -> Iterator[Case]:
    rng = random.Random(seed)
    for kind, make in SECRETS.items():
        for _ in range(per_kind):
            line, secret = make(rng)
            for ctx_name, ctx in CONTEXTS.items():
                if kind in PERSONAL and ctx_name in WHOLE_BLOB_CONTEXTS:
                    continue
                placed = ctx(line, secret)
                if placed is None or not placed[1]:
                    continue
                text, spans = placed
                yield Case(kind, ctx_name, text, spans, True)
    negative_contexts = {k: CONTEXTS[k] for k in ("tool-output", "read-output", "json-escaped", "diff")}
    for kind, make_neg in NEGATIVES.items():
        for _ in range(per_kind):
            text0, value = make_neg(rng)
            for ctx_name, ctx in negative_contexts.items():
                placed = ctx(text0, value)
                if placed is None or not placed[1]:
                    continue
                text, spans = placed
                yield Case(kind, ctx_name, text, spans, False)


def evaluate_placed(seed: int = 14, per_kind: int = 2) -> dict[tuple[bool, str], PlacedScore]:
    """Scores keyed by (positive?, group), with (positive?, "*") totals and per-context rows (positive?, "@ctx")."""
    table: dict[tuple[bool, str], PlacedScore] = {}
    for case in cases(seed, per_kind):
        findings = scan_text(case.text)
        sure = [f for f in findings if f.tier == AUTO]
        if case.positive:
            ok = all(covered(findings, a, b) for a, b in case.spans)
            ok_sure = all(covered(sure, a, b) for a, b in case.spans)
        else:
            ok = any(f.start < b and a < f.end for f in findings for a, b in case.spans)
            ok_sure = any(f.start < b and a < f.end for f in sure for a, b in case.spans)
        failed = (not ok) if case.positive else ok
        for key in ((case.positive, case.group), (case.positive, "*"), (case.positive, "@" + case.context)):
            s = table.setdefault(key, PlacedScore())
            s.cases += 1
            s.caught += int(ok)
            s.sure += int(ok_sure)
            if failed and key[1] == case.group:
                s.failures.append(f"{case.group}@{case.context}")
    return table
