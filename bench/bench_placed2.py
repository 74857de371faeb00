"""A second, independent battery of agent-log contexts for the labelled secrets (issue 14, round 9).

    .venv/bin/python bench/bench_placed2.py [--seeds 14 15 16] [--show 40]

`tests/support/placed.py` and `tests/agent_creds.py` place secrets in about 14 and 64 contexts, and the
detectors were tuned until both scored 100%. This battery puts the *shared* labelled secrets (every row
of `../shared/secrets` with a bare secret inside its text) in other shapes that agents record: the
numbered views of a file (Claude's `→`, `cat -n`, grep's `path:12:`), Codex's `apply_patch` input,
Claude's `structuredPatch`, Gemini's pretty-printed JSON, Go's `\\u003d` escapes, CRLF files, ANSI
colour, a terminal wrap inside a box border, shell forms of other platforms (PowerShell, cmd), Docker,
Kubernetes and package-manager credential files (base64 `auth` and `data:` values), `gh auth status -t`,
markdown tables, Python dict reprs, TOML inline tables, heredocs, `sed -i`, env dumps, HTTP dumps and a
stack trace with a connection string. Every context is written here from the format's shape; no corpus
text is read or kept. The shared rows are read at run time, as bench_redact.py reads them.

Scoring, as placed.py's: a positive is *found* when findings (any tier) cover every character of each
span of the secret as it stands in that context (escaped, encoded, or both halves of a wrap); *sure*
when sure findings alone do. A hard negative is *flagged* when any finding touches its span. Hard
negatives are the shared `fp`/`should_flag: false` rows whose text is no positive's, and made-up
identifiers, hashes, digests, signatures, placeholders and image base64 from a seeded generator.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import re
import string
import sys
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the shared harness: tests/support

from tracetui.redact.detect import scan_text  # noqa: E402
from support.evaluate import covered, load_rows, pct  # noqa: E402
from tracetui.redact.finding import AUTO  # noqa: E402

SECRETS = Path(os.environ.get("TRACETUI_SECRETS", ROOT.parent / "shared" / "secrets"))

Spans = list[tuple[int, int]]
Placed = tuple[str, Spans] | None
# A context takes (line, secret, name): the labelled line holding the secret, the bare secret, and a
# credential's name to write it under when the context names its own value.
Context = Callable[[str, str, str], Placed]

_HEX = "0123456789abcdef"
_ALNUM = string.ascii_letters + string.digits
_B64 = string.ascii_letters + string.digits + "+/"


def _at(text: str, needle: str, start: int = 0) -> Spans:
    i = text.find(needle, start)
    return [] if i < 0 or not needle else [(i, i + len(needle))]


def _one_line(s: str) -> bool:
    return "\n" not in s and "\r" not in s


# --- Contexts that carry the labelled line as it is ---------------------------------------------------


def diff_removed(line: str, secret: str, name: str) -> Placed:
    """A diff that takes the line out (a secret removed from a file is still in the log)."""
    body = "\n".join("-" + x for x in line.split("\n"))
    text = (f"--- a/.env\n+++ b/.env\n@@ -3,3 +3,2 @@\n LOG_LEVEL=info\n{body}\n+# moved to the vault\n"
            " DEBUG=0\n")
    return text, _multi(text, secret)


def claude_read(line: str, secret: str, name: str) -> Placed:
    """Claude Code's Read result: right-aligned line numbers and an arrow, a long file's high numbers."""
    lines = ["# service settings", *line.split("\n"), "", "LOG_LEVEL=info"]
    text = "\n".join(f"{i + 118:>6}→{x}" for i, x in enumerate(lines))
    return text, _multi(text, secret)


def cat_n(line: str, secret: str, name: str) -> Placed:
    lines = ["[service]", *line.split("\n"), "retries = 3"]
    text = "$ cat -n config/service.ini\n" + "\n".join(f"{i + 1:>6}\t{x}" for i, x in enumerate(lines))
    return text, _multi(text, secret)


def grep_n(line: str, secret: str, name: str) -> Placed:
    if not _one_line(line):
        return None
    text = f"$ grep -rn TOKEN config/\nconfig/app.env:12:{line}\nconfig/app.env:13:LOG_LEVEL=debug\n"
    return text, _at(text, secret)


def crlf_file(line: str, secret: str, name: str) -> Placed:
    lines = ["# written on Windows", *line.split("\n"), "DEBUG=false", ""]
    text = "\r\n".join(lines)
    if "\n" in secret:
        secret = secret.replace("\n", "\r\n")
    return text, _multi(text, secret)


def git_diff_nl(line: str, secret: str, name: str) -> Placed:
    """A diff that adds the line last in a file without a trailing newline."""
    body = "\n".join("+" + x for x in line.split("\n"))
    no_newline = "\\ No newline at end of file\n"
    text = ("diff --git a/config/.env b/config/.env\nindex 3b18e51..a9f0c2d 100644\n--- a/config/.env\n"
            f"+++ b/config/.env\n@@ -1,2 +1,2 @@\n LOG_LEVEL=info\n-PLACEHOLDER=changeme\n{no_newline}"
            f"{body}\n{no_newline}")
    return text, _multi(text, secret)


def structured_patch(line: str, secret: str, name: str) -> Placed:
    """Claude's `toolUseResult.structuredPatch`: hunks whose lines carry their diff marks, as JSON."""
    lines = [" [service]", *("+" + x for x in line.split("\n")), " retries = 3"]
    text = json.dumps({"filePath": "/srv/app/config.ini", "structuredPatch": [
        {"oldStart": 4, "oldLines": 2, "newStart": 4, "newLines": 3, "lines": lines}]})
    return text, _multi(text, json.dumps(secret)[1:-1])


def apply_patch(line: str, secret: str, name: str) -> Placed:
    """Codex's apply_patch call: the patch inside the JSON arguments string (escaped once)."""
    body = "\n".join("+" + x for x in line.split("\n"))
    patch = (f"*** Begin Patch\n*** Add File: deploy/.env.production\n{body}\n+NODE_ENV=production\n"
             "*** End Patch\n")
    # The record's `arguments` string, as the reader hands it on: the patch escaped once inside it.
    text = json.dumps({"input": patch})
    return text, _multi(text, json.dumps(secret)[1:-1])


def gemini_pretty(line: str, secret: str, name: str) -> Placed:
    """Gemini CLI's session files: pretty-printed JSON, the output one escaped string."""
    doc = {"type": "gemini", "toolCalls": [{"name": "run_shell_command", "args": {"command": "cat .env"},
                                            "result": [{"functionResponse": {"response": {
                                                "output": "Command: cat .env\nStdout: " + line + "\n"}}}]}]}
    text = json.dumps(doc, indent=2)
    return text, _multi(text, json.dumps(secret)[1:-1])


_GO_ESCAPES = {"=": "\\u003d", "&": "\\u0026", "<": "\\u003c", ">": "\\u003e"}


def _go_json(s: str) -> str:
    out = json.dumps(s)[1:-1]
    for a, b in _GO_ESCAPES.items():
        out = out.replace(a, b)
    return out


def json_unicode(line: str, secret: str, name: str) -> Placed:
    """Go's encoder escapes `=`, `&`, `<`, `>` as `\\u003d`, `\\u0026`, …; the secret as it stands there."""
    text = '{"kind":"exec","stdout":"' + _go_json("env:\n" + line + "\nok") + '","exit":0}'
    return text, _multi(text, _go_json(secret))


def ansi_line(line: str, secret: str, name: str) -> Placed:
    """Terminal colour codes around the line, and around the secret inside it."""
    if not _one_line(line):
        return None
    at = line.find(secret)
    coloured = line[:at] + "\x1b[1;33m" + secret + "\x1b[0m" + line[at + len(secret):]
    text = "\x1b[32m✓\x1b[0m loaded settings\n\x1b[2m" + coloured + "\x1b[0m\n"
    return text, _at(text, secret)


def box_wrap(line: str, secret: str, name: str) -> Placed:
    """A TUI's box: a fixed width cuts the line, and each row is closed and opened with `│`."""
    if not _one_line(line) or len(secret) < 24:
        return None
    at = line.find(secret)
    width = max(20, at + len(secret) // 2)  # the cut falls inside the secret
    rows = [line[i:i + width] for i in range(0, len(line), width)]
    rule = "─" * (width + 2)
    text = f"╭{rule}╮\n" + "\n".join(f"│ {r.ljust(width)} │" for r in rows) + f"\n╰{rule}╯"
    spans: Spans = []
    pos = 0
    for k, r in enumerate(rows):
        row_at = text.find("│ " + r, pos) + 2
        lo, hi = max(at, k * width), min(at + len(secret), k * width + len(r))
        if lo < hi:
            spans.append((row_at + lo - k * width, row_at + hi - k * width))
        pos = row_at + len(r)
    return text, spans


def markdown_cell(line: str, secret: str, name: str) -> Placed:
    if not _one_line(line) or "|" in line:
        return None
    text = f"| file | line |\n|---|---|\n| `.env` | `{line}` |\n| `app.yml` | `debug: false` |\n"
    return text, _at(text, secret)


def heredoc(line: str, secret: str, name: str) -> Placed:
    text = f"cat <<'EOF' > .env\n{line}\nEOF\nchmod 600 .env"
    return text, _multi(text, secret)


# --- Contexts that write the bare secret under a name of their own --------------------------------------


def _named(template: str, *, one_line: bool = True, forbid: str = "") -> Context:
    def ctx(line: str, secret: str, name: str) -> Placed:
        if (one_line and not _one_line(secret)) or any(c in secret for c in forbid):
            return None
        text = template.replace("{name}", name).replace("{s}", secret)
        return text, _at(text, secret)

    return ctx


def _b64_named(template: str, prefix: str = "") -> Context:
    def ctx(line: str, secret: str, name: str) -> Placed:
        enc = base64.b64encode((prefix + secret).encode()).decode()
        text = template.replace("{name}", name).replace("{b}", enc)
        return text, _at(text, enc)

    return ctx


def _url_password(template: str) -> Context:
    def ctx(line: str, secret: str, name: str) -> Placed:
        if not _one_line(secret):
            return None
        quoted = urllib.parse.quote(secret, safe="")
        text = template.replace("{s}", quoted)
        return text, _at(text, quoted)

    return ctx


def box_named(line: str, secret: str, name: str) -> Placed:
    return box_wrap(f"{name}={secret}", secret, name)


def ansi_named(line: str, secret: str, name: str) -> Placed:
    if not _one_line(secret):
        return None
    text = f"\x1b[36m{name}\x1b[0m=\x1b[33m{secret}\x1b[0m\n"
    return text, _at(text, secret)


def env_dump(line: str, secret: str, name: str) -> Placed:
    if not _one_line(secret):
        return None
    rows = sorted(["HOME=/home/dev", "LANG=C.UTF-8", "PATH=/usr/local/bin:/usr/bin:/bin", "SHLVL=1",
                   "TERM=xterm-256color", f"{name}={secret}", "PWD=/srv/app"])
    text = "$ env | sort\n" + "\n".join(rows) + "\n"
    return text, _at(text, secret)


def python_repr(line: str, secret: str, name: str) -> Placed:
    if not _one_line(secret):
        return None
    d = {"region": "eu-west-1", name.lower(): secret, "retries": 3}
    text = ">>> settings\n" + repr(d)
    return text, _at(text, repr(secret)[1:-1])


_SHELL = " '\"$`\\;&|"  # a value that would need quoting in a shell word is not placed there

NAMED: dict[str, Context] = {
    "powershell-env": _named('PS C:\\src\\app> $env:{name} = "{s}"', forbid='"`$'),
    "cmd-set": _named("C:\\src\\app>set {name}={s}\nC:\\src\\app>npm run deploy", forbid="%\"&|<>^"),
    "docker-run-e": _named("docker run --rm -e {name}={s} -p 8080:8080 ghcr.io/acme/api:1.4", forbid=_SHELL),
    "compose-config": _named(
        "$ docker compose config\nservices:\n  api:\n    environment:\n      {name}: {s}\n"
        "      LOG_LEVEL: info\n    image: acme/api",
        forbid="'\":#",
    ),
    "k8s-secret-data": _b64_named(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: api-credentials\ntype: Opaque\n"
        "data:\n  {name}: {b}\n  region: ZXUtd2VzdC0x\n"
    ),
    "docker-config-auth": _b64_named(
        '{\n\t"auths": {\n\t\t"registry.acme.io": {\n\t\t\t"auth": "{b}"\n\t\t}\n\t}\n}', prefix="ci-bot:"
    ),
    "npmrc": _named(
        "$ cat ~/.npmrc\n//npm.pkg.acme.io/:_authToken={s}\nregistry=https://npm.pkg.acme.io/", forbid=" "
    ),
    "pypirc": _named(
        "[distutils]\nindex-servers = acme\n\n[acme]\nrepository = https://pypi.acme.io/\n"
        "username = __token__\npassword = {s}\n",
        forbid="\n",
    ),
    "aws-credentials": _named("[profile-ci]\nregion = eu-west-1\naws_secret_access_key = {s}\n", forbid=" "),
    "git-credentials": _url_password("$ cat ~/.git-credentials\nhttps://ci-bot:{s}@git.acme.io\n"),
    "gh-auth-status": _named(
        "github.com\n  ✓ Logged in to github.com account ci-bot (keyring)\n  - Active account: true\n"
        "  - Git operations protocol: https\n  - Token: {s}\n  - Token scopes: 'gist', 'read:org', 'repo'\n"
    ),
    "markdown-named": _named(
        "| Variable | Value |\n|---|---|\n| `{name}` | `{s}` |\n| `REGION` | `eu-west-1` |", forbid="|`"
    ),
    "python-repr": python_repr,
    "toml-inline": _named('[deploy]\nauth = { user = "ci", token = "{s}" }\n', forbid='"\\'),
    "heredoc-named": _named("cat <<EOF > .env\n{name}={s}\nEOF", forbid="$`\\"),
    "sed-replace": _named(
        "sed -i 's/^{name}=.*/{name}={s}/' config/.env && grep -c {name} config/.env", forbid="/'&\\"
    ),
    "env-dump": env_dump,
    "http-bearer": _named(
        "> GET /v1/me HTTP/1.1\n> Host: api.acme.io\n> User-Agent: curl/8.5.0\n"
        "> Authorization: Bearer {s}\n> Accept: */*\n>\n< HTTP/1.1 200 OK",
        forbid=" ",
    ),
    "http-cookie": _named(
        "GET /dashboard HTTP/1.1\nHost: app.acme.io\nCookie: theme=dark; session_token={s}\n", forbid=" ;"
    ),
    "http-set-cookie": _named(
        "HTTP/2 200\ncontent-type: text/html\n"
        "set-cookie: auth_token={s}; Path=/; HttpOnly; Secure; SameSite=Lax\n",
        forbid=" ;",
    ),
    "stack-trace-dsn": _url_password(
        "Traceback (most recent call last):\n  File \"/srv/app/db.py\", line 14, in connect\n    engine ="
        " create_engine(url)\nsqlalchemy.exc.OperationalError: (psycopg2.OperationalError)"
        " could not connect\n"
        "url = 'postgresql://app:{s}@db.internal:5432/app'"
    ),
    "ansi-named": ansi_named,
    "box-named": box_named,
    # Commands and files that set a credential in other tools' own words.
    "fish-set": _named("set -gx {name} {s}", forbid=_SHELL),
    "systemd-environment": _named('[Service]\nEnvironment="{name}={s}"\nExecStart=/usr/bin/api', forbid='" '),
    "dotnet-appsettings-xml": _named(
        '<appSettings>\n  <add key="{name}" value="{s}" />\n</appSettings>', forbid='"<>& '
    ),
    "js-object-key": _named("const config = {\n  region: 'eu-west-1',\n  apiKey: '{s}',\n};", forbid="'\\ "),
    "go-struct-field": _named('cfg := Config{\n\tRegion: "eu-west-1",\n\tToken:  "{s}",\n}', forbid='"\\ '),
    "sql-password": _named("CREATE USER app_rw WITH LOGIN PASSWORD '{s}';", forbid="' "),
    "poetry-http-basic": _named("poetry config http-basic.acme ci-bot {s}", forbid=_SHELL),
    "gh-secret-set": _named("gh secret set {name} --body {s} --repo acme/api", forbid=_SHELL),
    "vault-kv-put": _named("vault kv put secret/api token={s}", forbid=_SHELL),
    "aws-configure-set": _named("aws configure set aws_secret_access_key {s} --profile ci", forbid=_SHELL),
    "access-log-query": _named(
        '10.0.3.7 - - [12/Mar/2026:10:01:22 +0000] "GET /v2/report?format=csv&api_key={s} HTTP/1.1" 200 5120',
        forbid=' "&#%',
    ),
    "authorization-token": _named(
        "> GET /user HTTP/2\n> authorization: token {s}\n> accept: */*", forbid=" "
    ),
    "yaml-block-scalar": _named("auth:\n  token: |\n    {s}\n  user: ci-bot\n", forbid="\n"),
    "netrc": _named("machine api.acme.io\n  login ci-bot\n  password {s}\n", forbid=" \n"),
    "printenv": _named("$ printenv {name}\n{s}\n$ ", forbid="\n"),
    "env-file": _named("$ docker run --env-file .env.prod acme/api\n$ cat .env.prod\n{name}={s}\nPORT=8080\n",
                       forbid="\n"),
    "crlf-named": _named("# .env\r\n{name}={s}\r\nPORT=8080\r\n", forbid="\r\n "),
    "powershell-setenv": _named(
        'PS> [Environment]::SetEnvironmentVariable("{name}", "{s}", "User")', forbid='"`$'
    ),
    "terraform-plan-change": _named(
        '  ~ resource "acme_key" "ci" {\n      ~ secret = "old-value-1" -> "{s}"\n    }', forbid='"\\'
    ),
}

LINE: dict[str, Context] = {
    "claude-read-arrow": claude_read,
    "cat-n": cat_n,
    "grep-n": grep_n,
    "crlf-file": crlf_file,
    "git-diff-no-newline": git_diff_nl,
    "structured-patch": structured_patch,
    "codex-apply-patch": apply_patch,
    "gemini-pretty-json": gemini_pretty,
    "json-unicode-escapes": json_unicode,
    "ansi-colour": ansi_line,
    "box-wrap": box_wrap,
    "markdown-cell": markdown_cell,
    "heredoc": heredoc,
    "diff-removed": diff_removed,
}

CONTEXTS: dict[str, Context] = {**LINE, **NAMED}
_NAMES = ("API_TOKEN", "SERVICE_API_KEY", "DEPLOY_SECRET", "AUTH_TOKEN", "CLIENT_SECRET", "ACCESS_KEY")


def _multi(text: str, secret: str) -> Spans:
    """The secret's span; a multi-line secret (a private key) is covered from its first line to its last."""
    if "\n" not in secret:
        return _at(text, secret)
    lines = secret.split("\n")
    first, last = lines[0], lines[-1] or lines[-2]
    a = text.find(first)
    if a < 0:
        return []
    b = text.find(last, a)
    return [] if b < 0 else [(a, b + len(last))]


# --- Hard negatives ---------------------------------------------------------------------------------------


def _r(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _uuid(rng: random.Random) -> str:
    h = _r(rng, _HEX, 32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _image(rng: random.Random, magic: bytes, n: int = 400) -> str:
    return base64.b64encode(magic + bytes(rng.getrandbits(8) for _ in range(n))).decode()


# Each maker gives (line, value): the value is what must stay unflagged, the line how a log shows it.
MADE_NEGATIVES: dict[str, Callable[[random.Random], tuple[str, str]]] = {
    "uuid": lambda rng: (lambda u: (f'"requestId": "{u}"', u))(_uuid(rng)),
    "git-commit": lambda rng: (lambda h: (f"commit {h} (HEAD -> main)", h))(_r(rng, _HEX, 40)),
    "sha256sum": lambda rng: (lambda h: (f"{h}  build/app.tar.gz", h))(_r(rng, _HEX, 64)),
    "sha1-etag": lambda rng: (lambda h: (f'etag: W/"{h}"', h))(_r(rng, _HEX, 40)),
    "image-digest": lambda rng: (lambda h: (f"image: ghcr.io/acme/api@sha256:{h}", "sha256:" + h))(
        _r(rng, _HEX, 64)),
    "sri-hash": lambda rng: (lambda h: (f'<script src="/a.js" integrity="{h}"></script>', h))(
        "sha384-" + base64.b64encode(bytes(rng.getrandbits(8) for _ in range(48))).decode()),
    "thinking-signature": lambda rng: (lambda s: (f'"signature": "{s}"', s))("EqoB" + _r(rng, _B64, 360)),
    "jpeg-base64": lambda rng: (lambda b: (f'"data": "{b}"', b))(
        _image(rng, b"\xff\xd8\xff\xe0\x00\x10JFIF")),
    "gif-data-uri": lambda rng: (lambda b: (f"url(data:image/gif;base64,{b})", b))(
        _image(rng, b"GIF89a", 200)),
    "placeholder": lambda rng: (lambda p: (f"API_TOKEN={p}", p))(
        rng.choice(["<your-token-here>", "YOUR_API_KEY", "xxxxxxxxxxxxxxxx", "${API_TOKEN}", "changeme",
                    "sk-...", "REDACTED", "<redacted>", "********"])),
    "aws-example": lambda rng: ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    "ulid": lambda rng: (lambda u: (f"job {u} queued", u))(
        "01H" + _r(rng, "0123456789ABCDEFGHJKMNPQRSTVWXYZ", 23)),
    "npm-integrity": lambda rng: (lambda h: (f'"integrity": "{h}"', h))(
        "sha512-" + base64.b64encode(bytes(rng.getrandbits(8) for _ in range(64))).decode()),
    "pgp-fingerprint": lambda rng: (lambda h: (f"Primary key fingerprint: {h}", h))(
        " ".join(_r(rng, "0123456789ABCDEF", 4) for _ in range(10))),
}


@dataclass(slots=True)
class Case:
    group: str
    context: str
    text: str
    spans: Spans
    positive: bool


@dataclass(slots=True)
class Cell:
    cases: int = 0
    ok: int = 0
    sure: int = 0
    failures: list[str] = field(default_factory=list)


# A bare secret is written under a name of ours only when it reads as one value in a shell or a file
# (detect-secrets' keyword cases hold spaces and quote-breaking symbols that only make sense quoted).
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9+/=_\-.~:@!#%*^]{8,}")


@dataclass(slots=True)
class Shared:
    positives: list[tuple[str, str, str]]  # (id, line, secret): found full span in its own line
    negatives: list[tuple[str, str]]  # (id, text): not flagged in its own line
    missed_alone: list[str]  # positives not found in their own line (bench_redact's misses): not placed
    flagged_alone: list[str]  # negatives flagged in their own line (bench_redact's): not placed


def shared_rows() -> Shared:
    """The rows of ../shared/secrets, each scanned on its own line first (as text of no known syntax):
    a context is scored on what it changes, so a positive missed alone or a negative flagged alone is
    counted apart. A negative whose text is another rule's positive is not scored."""
    out = Shared([], [], [], [])
    pos_texts: set[str] = set()
    rows = list(load_rows(SECRETS))
    for rid, row in rows:
        if row.positive:
            pos_texts.add(row.text)
            if row.secret and row.secret in row.text:
                a = row.text.find(row.secret)
                if covered(scan_text(row.text), a, a + len(row.secret)):
                    out.positives.append((rid, row.text, row.secret))
                else:
                    out.missed_alone.append(rid)
    for rid, row in rows:
        if not row.positive and row.text and row.text not in pos_texts and _one_line(row.text):
            if scan_text(row.text):
                out.flagged_alone.append(rid)
            else:
                out.negatives.append((rid, row.text))
    return out


# Negatives go in the contexts that carry a line as it is (a name of ours would make them a credential).
NEGATIVE_CONTEXTS = ("claude-read-arrow", "cat-n", "grep-n", "crlf-file", "git-diff-no-newline",
                     "structured-patch", "codex-apply-patch", "gemini-pretty-json", "json-unicode-escapes",
                     "ansi-colour", "markdown-cell", "heredoc", "diff-removed")


_SHARED: list[Shared] = []


def cases(seed: int) -> list[Case]:
    rng = random.Random(seed)
    shared = _SHARED or [shared_rows()]
    _SHARED[:] = shared
    pos, neg = shared[0].positives, shared[0].negatives
    out: list[Case] = []
    for rid, line, secret in pos:
        name = rng.choice(_NAMES)
        for ctx_name, ctx in CONTEXTS.items():
            if ctx_name in NAMED and not _TOKEN_LIKE.fullmatch(secret):
                continue
            placed = ctx(line, secret, name)
            if placed and placed[1]:
                out.append(Case(rid, ctx_name, placed[0], placed[1], True))
    made = [(f"made:{k}", *make(rng)) for k, make in MADE_NEGATIVES.items() for _ in range(3)]
    for gid, line, value in [(rid, t, t) for rid, t in neg] + made:
        for ctx_name in NEGATIVE_CONTEXTS:
            placed = CONTEXTS[ctx_name](line, value, "")
            if placed and placed[1]:
                out.append(Case(gid, ctx_name, placed[0], placed[1], False))
    return out


def run(seeds: tuple[int, ...]) -> dict[tuple[bool, str], Cell]:
    table: dict[tuple[bool, str], Cell] = {}
    for seed in seeds:
        for case in cases(seed):
            findings = scan_text(case.text)
            sure = [f for f in findings if f.tier == AUTO]
            if case.positive:
                ok = all(covered(findings, a, b) for a, b in case.spans)
                ok_sure = all(covered(sure, a, b) for a, b in case.spans)
                failed = not ok
            else:
                ok = any(f.start < b and a < f.end for f in findings for a, b in case.spans)
                ok_sure = any(f.start < b and a < f.end for f in sure for a, b in case.spans)
                failed = ok
            source = {"gl": "gitleaks", "ds": "detect-secrets"}.get(case.group[:2], "made")
            for key in ((case.positive, case.context), (case.positive, "*"), (case.positive, f"* {source}")):
                c = table.setdefault(key, Cell())
                c.cases += 1
                c.ok += int(ok)
                c.sure += int(ok_sure)
                if failed and not key[1].startswith("*"):
                    a = case.spans[0][0]
                    c.failures.append(f"{case.group}: {_show(case.text[max(0, a - 90):a + 130])}")
    return table


def _show(text: str, limit: int = 220) -> str:
    t = text.encode("unicode_escape").decode("ascii")
    return t if len(t) <= limit else t[:limit] + "…"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="*", default=[14, 15, 16])
    ap.add_argument("--show", type=int, default=10, help="failures listed per context")
    args = ap.parse_args()
    table = run(tuple(args.seeds))
    sh = _SHARED[0]
    print(f"shared rows placed: {len(sh.positives)} positives, {len(sh.negatives)} negatives; not placed:"
          f" {len(sh.missed_alone)} positives missed on their own line ({', '.join(sh.missed_alone)}),"
          f" {len(sh.flagged_alone)} negatives flagged on their own line ({', '.join(sh.flagged_alone)})")
    for positive in (True, False):
        print("\n## " + ("secrets placed" if positive else "hard negatives placed (flagged = any finding)"))
        print("| context | cases | " + ("found (full span) | sure |" if positive else "flagged | sure |"))
        print("|---|---|---|---|")
        for (p, ctx), c in sorted(table.items(), key=lambda kv: (kv[0][1].startswith("*"), kv[0][1])):
            if p == positive:
                ok, sure = f"{c.ok} ({pct(c.ok, c.cases)})", f"{c.sure} ({pct(c.sure, c.cases)})"
                print(f"| {ctx} | {c.cases} | {ok} | {sure} |")
    for (p, ctx), c in sorted(table.items()):
        if c.failures:
            print(f"\n{'missed' if p else 'flagged'} in {ctx}: {len(c.failures)}")
            for f in sorted(set(c.failures))[: args.show]:
                print("  " + f)


if __name__ == "__main__":
    main()
