"""The unread-lines report (`show`'s read: line, the app's ⚠ count) of a log whose unreadable lines
and file name are hostile: control and bidi characters, markup, NUL, a line of 1 MB, thousands of
bad lines. Nothing of them reaches the terminal raw, and the report stays one short line."""

from __future__ import annotations


import orjson

from shared_data import FIXTURES
from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.safe_text import safe_line
from tracetui.views import unread

EVIL = "\x1b]52;c;ZXZpbA==\x07\x1b[2J\u202e[@click=app.quit]x[/]\x9b\x00"


def _bucket(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    name = f"rollout-2025-10-01T09-00-00-0199aaaa{EVIL.replace(chr(0), '').replace('/', '')}.jsonl"
    body = (FIXTURES / "codex" / "current.jsonl").read_bytes()
    bad = [EVIL.encode("utf-8", "surrogatepass"), b"{" + EVIL.encode() * 3]
    bad += [b'"' + b"\x1b" * 1_000_000, b"\xff\xfe"]
    bad += [b"[" + str(n).encode() for n in range(3000)]
    lines = body.splitlines()
    (src / name).write_bytes(b"\n".join([lines[0], *bad, *lines[1:]]) + b"\n")
    b = Bucket.open(tmp_path / "b")
    b.sync({"codex": [src]})
    return b


def test_the_read_line_and_the_title_count_of_hostile_unread_lines(tmp_path, capsys):
    with _bucket(tmp_path) as b:
        sid = b.list_sessions()[0].id
        session = b.session(sid)
        assert len(unread.lost(session)) >= 3000
        assert unread.count_text(session) == f"{len(unread.lost(session))} lines not read"
        line = unread.report_line(session)
        assert line is not None and safe_line(line) == safe_line(safe_line(line))
        root = b.root
    assert main(["show", sid[:8], "--bucket", str(root)]) == 0
    out = capsys.readouterr().out
    read = [x for x in out.splitlines() if x.startswith("read:")]
    assert len(read) == 1 and len(read[0]) < 400
    for ch in ("\x1b", "\x07", "\x9b", "\u202e", "\x00"):
        assert ch not in out
    assert main(["show", sid[:8], "--bucket", str(root), "--json"]) == 0
    doc = orjson.loads(capsys.readouterr().out)
    assert doc["id"] == sid
