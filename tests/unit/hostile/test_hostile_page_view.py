"""The second gate reads a page through its log text (`page.Rendered.log_text`), not the page whole: so
every piece of the log a page shows must be in that view, or a credential there would leave unread. A
log whose every string carries a marker of its own is rendered as html and md, whole and compact, and
each marker on the page must be in the view the gate reads. Markers are made up.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.export import ExportOptions, export
from tracetui.export import page as page_module

SID = "7a7a7a7a-1111-4222-8333-444455556666"
MARK = re.compile(r"zqmk[a-z0-9]+")


def _log(folder: Path) -> Path:
    cwd = "/srv/zqmkproject"
    base: dict[str, Any] = {"sessionId": SID, "cwd": cwd, "version": "2.0.30", "isSidechain": False,
                            "userType": "external", "gitBranch": "zqmkbranch"}
    write_input = {"file_path": f"{cwd}/zqmkpath.py", "content": "zqmkcontent = 1\n"}
    records: list[dict[str, Any]] = [
        {**base, "type": "user", "uuid": "u1", "parentUuid": None, "timestamp": "2026-03-01T10:00:01.000Z",
         "message": {"role": "user", "content": "zqmkprompt please"}},
        {**base, "type": "assistant", "uuid": "u2", "parentUuid": "u1", "timestamp": "2026-03-01T10:00:02.000Z",
         "message": {"id": "m1", "type": "message", "role": "assistant", "model": "claude-zqmkmodel",
                     "content": [{"type": "thinking", "thinking": "zqmkthought", "signature": "c2ln"},
                                 {"type": "tool_use", "id": "t1", "name": "mcp__zqmkserver__zqmktool",
                                  "input": {"zqmkkey": "zqmkvalue", "list": ["zqmkitem"]}}],
                     "usage": {"input_tokens": 1}}},
        {**base, "type": "user", "uuid": "u3", "parentUuid": "u2", "timestamp": "2026-03-01T10:00:03.000Z",
         "message": {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1",
                                                  "content": "zqmkresult line\nzqmksecond line"}]}},
        {**base, "type": "assistant", "uuid": "u4", "parentUuid": "u3", "timestamp": "2026-03-01T10:00:04.000Z",
         "message": {"id": "m2", "type": "message", "role": "assistant", "model": "claude-zqmkmodel",
                     "content": [{"type": "tool_use", "id": "t2", "name": "Write", "input": write_input}],
                     "usage": {"input_tokens": 1}}},
        {**base, "type": "user", "uuid": "u5", "parentUuid": "u4", "timestamp": "2026-03-01T10:00:05.000Z",
         "message": {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t2",
                                                  "content": "zqmkwritten"}]},
         "toolUseResult": {"type": "create", "filePath": write_input["file_path"],
                           "content": write_input["content"], "structuredPatch": []}},
        {**base, "type": "assistant", "uuid": "u6", "parentUuid": "u5", "timestamp": "2026-03-01T10:00:06.000Z",
         "message": {"id": "m3", "type": "message", "role": "assistant", "model": "claude-zqmkother",
                     "content": [{"type": "text", "text": "zqmkanswer done"}], "usage": {"input_tokens": 1}}},
    ]
    path = folder / "claude" / "-srv-zqmkproject" / f"{SID}.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return folder / "claude"


@pytest.fixture()
def bucket(tmp_path) -> Path:
    bucket = tmp_path / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"claude={_log(tmp_path / 'logs')}", "--json"]) == 0
    return bucket


@pytest.mark.parametrize("compact", [False, True], ids=["whole", "compact"])
@pytest.mark.parametrize("fmt", ["html", "md"])
def test_every_marker_a_page_shows_is_in_what_the_gate_reads(bucket, tmp_path, monkeypatch, fmt, compact):
    rendered: list[page_module.Rendered] = []
    render = page_module.render

    def kept(*args: Any, **kwargs: Any) -> page_module.Rendered:
        out = render(*args, **kwargs)
        rendered.append(out)
        return out

    monkeypatch.setattr(page_module, "render", kept)
    with Bucket.open(bucket) as b:
        report = export(b, tmp_path / "out", ExportOptions(fmt, compact=compact))
    assert report.written == 1, report.refused
    assert rendered
    for out in rendered:
        shown = set(MARK.findall(out.page.decode()))
        read = set(MARK.findall(out.log_text.decode()))
        # The page shows the log's pieces (a test that saw none of them could not fail).
        assert {"zqmkprompt", "zqmkvalue", "zqmkresult", "zqmkanswer"} <= shown, shown
        assert shown <= read, sorted(shown - read)
