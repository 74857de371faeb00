"""Round 7 of hostile input, the detectors' side: a credential cut by what a terminal or a reader draws
as nothing, or spelled in letters a reader reads as ASCII ones. A terminal swallows more escapes than
colour codes (truecolour's `ESC[38:2:…m`, private `ESC[>4;2m`, `ESC(B` from `tput sgr0`, DCS strings,
the 8-bit CSI), draws no C0 or C1 control, takes a character back at each backspace (`man`'s bold
`k\\bk` and underline `_\\bk`), and Unicode's default-ignorable characters (a Hangul filler) draw
nothing; a JSON document escapes an invisible character (`\\u200b`), a page writes it as a reference
(`&#8203;`, `&shy;`); fullwidth and mathematical letters and combining marks read as the ASCII key.
Each was scanned as written, so the pieces matched nothing and the key went out in a capsule sealed
with --accept-suggested. Values are made up here."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest

from tracetui.capsule.archive import read_archive
from tracetui.capsule.manifest import ALLOWED
from tracetui.cli import main
from tracetui.redact import scan_text
from tracetui.redact.finding import AUTO

SID = "7b7b7b7b-1111-4222-8333-444455556666"


def _token(seed: int) -> str:
    rng = random.Random(seed)
    return "ghp_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(36))


def _fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isalnum() or c == "_" else c for c in s)


def _sans(s: str) -> str:  # mathematical sans-serif letters and digits
    def one(c: str) -> str:
        if c.islower():
            return chr(0x1D5BA + ord(c) - 97)
        if c.isupper():
            return chr(0x1D5A0 + ord(c) - 65)
        return chr(0x1D7E2 + ord(c) - 48) if c.isdigit() else c

    return "".join(one(c) for c in s)


def _cut(mark: str):
    return lambda t: t[:12] + mark + t[12:]


LAYOUTS = {
    "truecolour": _cut("\x1b[38:2:255:0:0m"),
    "private-csi": _cut("\x1b[>4;2m"),
    "charset": _cut("\x1b(B\x1b[m"),
    "dcs": _cut("\x1bP1$r0m\x1b\\"),
    "csi-8bit": _cut("\x9b1m"),
    "c0-control": _cut("\x00\x7f"),
    "c1-control": _cut("\x85"),
    "bold-backspaces": lambda t: "".join(f"{c}\b{c}" for c in t),
    "underline-backspaces": lambda t: "".join(f"_\b{c}" for c in t),
    "hangul-filler": _cut("\u3164"),
    "beam-control": _cut("\U0001d173"),
    "json-escaped-zwsp": _cut("\\u200b"),
    "json-escaped-shy": _cut("\\u00ad"),
    "reference-zwsp": _cut("&#8203;"),
    "reference-shy": _cut("&shy;"),
    "fullwidth": _fullwidth,
    "math-letters": _sans,
    "combining-underline": lambda t: "".join(c + "\u0332" for c in t),
}


def _spread(text: str, value: str, start: int) -> list[int]:
    """Where each character of `value` sits in `text` (from `start`), with other characters between."""
    out, at = [], start
    for c in value:
        at = text.index(c, at)
        out.append(at)
        at += 1
    return out


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_a_token_drawn_whole_is_found_whole(layout):
    token = _token(len(layout))
    hidden = LAYOUTS[layout](token)
    text = f"ok {hidden} done\n"
    found = [f for f in scan_text(text) if f.tier == AUTO]
    assert found and found[0].start <= 3 and found[0].end >= 3 + len(hidden) - 1, (layout, found)
    if layout not in ("fullwidth", "math-letters"):  # each character is the token's own there
        assert all(any(f.start <= k < f.end for f in found) for k in _spread(text, token, 3))


def test_text_with_these_characters_and_no_key_stays_clean():
    # Colour codes, a man page's bold and accented words are what logs hold every day.
    for text in ("\x1b[38:2:255:0:0mred\x1b[0m and \x1b(B\x1b[m plain\n", "N\bNA\bAM\bME\bE\n",
                 "cafe\u0301 na\u0308ive \uff21\uff22\uff23 report\n", "\u3164\u200b\x00 ok\n"):  # fmt: skip
        assert [f for f in scan_text(text) if f.tier == AUTO] == [], repr(text)


def _claude_log(folder: Path, outputs: list[str]) -> Path:
    lines, prev = [], None
    for n, (kind, content) in enumerate([("user", "show the config")] + [("tool", o) for o in outputs]):
        uuid = f"d-{n:03d}"
        base = {"isSidechain": False, "userType": "external", "cwd": "/srv/app", "sessionId": SID,
                "version": "2.0.30", "parentUuid": prev, "uuid": uuid,
                "timestamp": f"2026-03-01T10:00:{n:02d}.000Z"}  # fmt: skip
        if kind == "user":
            lines.append({**base, "type": "user", "message": {"role": "user", "content": content}})
        else:
            use = {"type": "tool_use", "id": f"toolu_{n}", "name": "Bash", "input": {"command": "cat cfg"}}
            lines.append({**base, "type": "assistant", "requestId": f"req_{n}",
                          "message": {"id": f"msg_{n}", "type": "message", "role": "assistant",
                                      "model": "claude-test", "content": [use], "stop_reason": None,
                                      "usage": {"input_tokens": 1, "output_tokens": 1}}})  # fmt: skip
            result = {"type": "tool_result", "tool_use_id": f"toolu_{n}", "content": content}
            lines.append({**base, "uuid": uuid + "r", "parentUuid": uuid, "type": "user",
                          "message": {"role": "user", "content": [result]}})  # fmt: skip
            uuid += "r"
        prev = uuid
    out = folder / "claude" / "-srv-app" / f"{SID}.jsonl"
    out.parent.mkdir(parents=True)
    out.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    return out.parent.parent


def test_a_capsule_carries_no_token_drawn_whole(tmp_path, capsys):
    tokens = {name: _token(100 + k) for k, name in enumerate(LAYOUTS)}
    outputs = [f"value: {LAYOUTS[name](token)}\n" for name, token in tokens.items()]
    logs = _claude_log(tmp_path / "logs", outputs)
    bucket = tmp_path / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"claude={logs}", "--json"]) == 0
    out = tmp_path / "s.capsule"
    capsys.readouterr()
    assert main(["--bucket", str(bucket), "seal", SID[:8], "--accept-suggested", "-o", str(out)]) == 0
    blob = b"\n".join(read_archive(out.read_bytes(), ALLOWED).values()).decode("utf-8", "replace")
    for name, token in tokens.items():
        hidden = LAYOUTS[name](token)
        for spelled in {hidden, json.dumps(hidden)[1:-1], token}:
            assert spelled[14:30] not in blob, name
