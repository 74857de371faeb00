"""Round 6 of hostile input, what leaves the machine: hand-made Claude Code and Codex logs whose prompts,
tool inputs, tool outputs, edits and titles hold made-up tokens hidden as text carries them and as an
attacker would hide them, sealed (`seal --accept-suggested`) and exported in every format. Every byte
written is read back (the capsule inflated in memory, parquet through pyarrow) and searched for each
token, as written and in the easy re-encodings a reader would undo (escapes, references, invisible
characters, URL-encoding, base64, gzip).
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import re
import unicodedata
import urllib.parse
from pathlib import Path
from typing import Any

import orjson
import pytest
from support.made_up import github_token as _token

from tracetui.capsule.archive import read_archive
from tracetui.capsule.manifest import ALLOWED
from tracetui.cli import main

CLAUDE = "6a6a6a6a-1111-4222-8333-444455556666"
CODEX = "0199bbbb-1111-7222-8333-444455556666"


TOKENS: dict[str, str] = {}


def tok(name: str) -> str:
    TOKENS[name] = _token(name)
    return TOKENS[name]


def _cut(token: str, mark: str) -> str:
    return token[:12] + mark + token[12:]


# -- the logs --------------------------------------------------------------------------------------


def _claude_log(folder: Path) -> Path:
    """A Claude Code transcript: every hiding place and spelling in one session."""
    lines: list[str] = []
    state: dict[str, Any] = {"n": 0, "prev": None}

    def record(kind: str, content, **extra) -> dict:
        state["n"] += 1
        uuid = f"h-{state['n']:03d}"
        r = {"isSidechain": False, "userType": "external", "cwd": "/srv/app", "sessionId": CLAUDE,
             "version": "2.0.30", "gitBranch": "main", "parentUuid": state["prev"], "uuid": uuid,
             "timestamp": f"2026-03-01T10:{state['n'] // 60:02d}:{state['n'] % 60:02d}.000Z", "type": kind}
        if kind == "user":
            r["message"] = {"role": "user", "content": content}
        else:
            r["requestId"] = "req_" + uuid
            r["message"] = {"id": "msg_" + uuid, "type": "message", "role": "assistant",
                            "model": "claude-opus-test", "content": content, "stop_reason": None,
                            "usage": {"input_tokens": 1, "output_tokens": 1}}
        r.update(extra)
        state["prev"] = uuid
        return r

    def call(tool: str, args: dict, output, raw_output: str | None = None) -> None:
        call_id = f"toolu_{state['n'] + 1:03d}"
        lines.append(json.dumps(record("assistant", [{"type": "tool_use", "id": call_id, "name": tool,
                                                      "input": args}])))
        r = record("user", [{"type": "tool_result", "tool_use_id": call_id, "content": output}])
        line = json.dumps(r)
        if raw_output is not None:  # the output as the log's own bytes spell it
            line = line.replace(json.dumps(output), raw_output)
        lines.append(line)

    lines.append(json.dumps(record("user", f"deploy with {_cut(tok('prompt-zwsp'), chr(0x200B))} please")))
    call("Bash", {"command": f"gh auth login --with-token {_cut(tok('input-shy'), chr(0xAD))}"}, "ok")
    for name, mark in (("output-zwj", "\u200d"), ("output-bom", "\ufeff"), ("output-bidi", "\u202e"),
                       ("output-tag", "\U000e0020")):
        call("Bash", {"command": "cat notes"}, f"ok {_cut(tok(name), mark)} done\n")
    script = f"gh auth login {_cut(tok('edit-wj'), chr(0x2060))}\n"
    call("Write", {"file_path": "/srv/app/deploy.sh", "content": script}, "File created")
    token = tok("html-references")
    page = "<p>" + "".join(f"&#x{ord(c):x};" for c in token) + "</p>"
    call("WebFetch", {"url": "https://example.test/"}, page)
    token = tok("html-first-letter")
    call("WebFetch", {"url": "https://example.test/2"}, f"<code>&#103;{token[1:]}</code>")
    token = tok("text-escaped-letter")
    call("Bash", {"command": "cat cfg.json"}, '{"token": "\\u0067' + token[1:] + '"}')
    token = tok("text-x-escapes")
    call("Bash", {"command": "cat run.sh"}, "printf '\\x67\\x68\\x70\\x5f" + token[4:] + "'")
    token = tok("base64-gzip")
    blob = base64.b64encode(gzip.compress(f"token: {token}\n".encode(), mtime=0)).decode()
    call("Bash", {"command": "kubectl get secret release -o yaml"}, f"data:\n  release: {blob}\n")
    token = tok("log-escaped-letters")  # the log's own JSON spells the token's letters as escapes
    spelled = "".join(f"\\u{ord(c):04x}" for c in token)
    call("Bash", {"command": "cat env"}, "x", raw_output=f'"ok {spelled}"')
    title = f"fix {_cut(tok('title-zwnj'), chr(0x200C))}"
    lines.append(json.dumps({"type": "custom-title", "customTitle": title, "sessionId": CLAUDE}))
    lines.append(json.dumps(record("user", "thanks")))
    folder = folder / "claude" / "-srv-app"
    folder.mkdir(parents=True)
    (folder / f"{CLAUDE}.jsonl").write_text("\n".join(lines) + "\n")
    return folder.parent


def _codex_log(folder: Path) -> Path:
    """A Codex rollout: tool arguments and outputs are JSON inside JSON strings; the log names a commit."""
    stamp = iter(range(1, 60))

    def line(payload_type: str, payload: dict) -> str:
        return json.dumps({"timestamp": f"2026-03-01T11:00:{next(stamp):02d}.000Z", "type": payload_type,
                           "payload": payload}, separators=(",", ":"))

    meta = {"id": CODEX, "timestamp": "2026-03-01T11:00:00.000Z", "cwd": "/srv/demo",
            "originator": "codex_cli_rs", "cli_version": "0.60.1", "source": "cli",
            "model_provider": "openai",
            "git": {"commit_hash": tok("git-commit"), "branch": "main",
                    "repository_url": "https://example.test/dev/demo.git"}}
    lines = [
        line("session_meta", meta),
        line("response_item", {"type": "message", "role": "user",
                               "content": [{"type": "input_text", "text": "go"}]}),
        line("turn_context", {"cwd": "/srv/demo", "model": "gpt-5-codex"}),
    ]
    token = tok("arguments-escaped-letter")
    arguments = json.dumps({"command": ["bash", "-lc", f"echo {token}"], "workdir": "/srv/demo"})
    lines.append(line("response_item", {"type": "function_call", "name": "shell", "call_id": "call_1",
                                        "arguments": arguments.replace(token, "\\u0067" + token[1:])}))
    token = tok("output-escaped-letter")
    output = json.dumps({"output": f"tok {token}", "metadata": {"exit_code": 0}})
    lines.append(line("response_item", {"type": "function_call_output", "call_id": "call_1",
                                        "output": output.replace(token, "\\u0067" + token[1:])}))
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8w9vT3kL"  # AWS's documented example key's shape
    TOKENS["arguments-escaped-slashes"] = secret
    arguments = json.dumps({"command": ["bash", "-lc", f"export AWS_SECRET_ACCESS_KEY={secret}"]})
    lines.append(line("response_item", {"type": "function_call", "name": "shell", "call_id": "call_2",
                                        "arguments": arguments.replace("/", "\\/")}))
    lines.append(line("response_item", {"type": "function_call_output", "call_id": "call_2", "output": "ok"}))
    lines.append(line("response_item", {"type": "message", "role": "assistant",
                                        "content": [{"type": "output_text", "text": "done"}]}))
    folder = folder / "codex" / "2026" / "03" / "01"
    folder.mkdir(parents=True)
    (folder / f"rollout-2026-03-01T11-00-00-{CODEX}.jsonl").write_text("\n".join(lines) + "\n")
    return folder.parents[2]


# -- reading back what was written -------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _pair(m: re.Match[str]) -> str:
    high, low = int(m.group(1), 16), int(m.group(2), 16)
    return chr(0x10000 + (high - 0xD800) * 0x400 + low - 0xDC00)


def _readings(blob: bytes) -> str:
    """The bytes as text, and as a reader would undo escapes, references, invisible characters, URL
    encoding and base64 (of gzip too) in them."""
    text = blob.decode("utf-8", "replace")
    s = text
    for _ in range(3):
        s = re.sub(r"\\+u(d[89ab][0-9a-f]{2})\\+u(d[c-f][0-9a-f]{2})", _pair, s)
        s = re.sub(r"\\+u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), s)
        s = re.sub(r"\\+x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), s)
        s = re.sub(r"\\+/", "/", s)
        s = urllib.parse.unquote(html.unescape(s))
    s = _ANSI.sub("", s)
    s = re.sub(r"<U\+[0-9A-F]{4,6}>", "", "".join(c for c in s if unicodedata.category(c) != "Cf"))
    decoded = []
    for m in re.finditer(r"[A-Za-z0-9+/_-]{16,}={0,2}", text):
        run = m.group(0)
        for _ in range(2):
            try:
                alphabet = b"-_" if "-" in run or "_" in run else None
                raw = base64.b64decode(run + "=" * (-len(run) % 4), altchars=alphabet)
                run = (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode("latin-1")
            except (ValueError, OSError, EOFError):
                break
            decoded.append(run)
    return "\n".join([text, s, *decoded])


def _left(blob: bytes) -> list[str]:
    readings = _readings(blob)
    return sorted(name for name, token in TOKENS.items() if token[6:30] in readings)


@pytest.fixture(scope="module")
def bucket(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("round6")
    claude, codex = _claude_log(root / "logs"), _codex_log(root / "logs")
    bucket = root / "bucket"
    sources = ["--source", f"claude={claude}", "--source", f"codex={codex}"]
    assert main(["--bucket", str(bucket), "sync", *sources, "--json"]) == 0
    return bucket


def _export(bucket: Path, dest: Path, fmt: str, capsys, *more: str) -> dict:
    capsys.readouterr()
    code = main(["--bucket", str(bucket), "export", str(dest), "--format", fmt, "--accept-suggested",
                 "--json", *more])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["refused"] == [], doc
    return doc


def _written(dest: Path) -> bytes:
    blobs = []
    for path in sorted(p for p in dest.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            blobs.append(orjson.dumps(pq.read_table(path).to_pylist(), default=str))
        else:
            blobs.append(path.read_bytes())
    return b"\n".join(blobs)


@pytest.mark.parametrize("session", [CLAUDE, CODEX])
def test_a_capsule_carries_no_hidden_token(bucket, tmp_path, capsys, session):
    out = tmp_path / "s.capsule"
    capsys.readouterr()
    code = main(["--bucket", str(bucket), "seal", session[:8], "--accept-suggested", "-o", str(out),
                 "--json"])
    assert code == 0, capsys.readouterr()
    members = read_archive(out.read_bytes(), ALLOWED)
    assert _left(b"\n".join(members.values())) == []


@pytest.mark.parametrize("fmt", ["raw", "parquet", "atif"])
def test_a_dataset_carries_no_hidden_token(bucket, tmp_path, capsys, fmt):
    _export(bucket, tmp_path / fmt, fmt, capsys)
    assert _left(_written(tmp_path / fmt)) == []


@pytest.mark.parametrize("fmt", ["html", "md"])
@pytest.mark.parametrize("session", [CLAUDE, CODEX])
def test_a_page_carries_no_hidden_token(bucket, tmp_path, capsys, fmt, session):
    _export(bucket, tmp_path / fmt, fmt, capsys, "--sessions", session)
    assert _left(_written(tmp_path / fmt)) == []


def test_every_hiding_place_is_in_the_logs(bucket):
    """The logs hold each token, hidden: a test that found none would prove nothing."""
    raw = b"".join(p.read_bytes() for p in bucket.parent.joinpath("logs").rglob("*.jsonl"))
    assert _left(raw) == sorted(TOKENS)
    assert all(token not in raw.decode() for name, token in TOKENS.items() if name != "git-commit")
