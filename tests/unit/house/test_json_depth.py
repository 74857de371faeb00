"""Where a log or a record a stranger wrote is read, JSON goes through the readers' one place for it,
`tracetui/sources/common/jsonl.py` (`loads_within_depth`, `load_document`, `iter_entries`), which
cuts values nested past 200 levels: a plain `orjson.loads` reads 1,024, and a value past 254 fails
wherever the session is written again (a stage's copy, a resume, `show --json`, the index).

The test forbids any use of `orjson.loads` (a call, an alias, `from orjson import loads`) under the
readers and the resume writers, outside jsonl.py and the few places listed with their reason.
A listed place that no longer uses it fails the test until its entry is removed.
"""

from __future__ import annotations

import ast

from shared_data import ROOT

PACKAGE = ROOT / "tracetui"
# Where readers of hostile logs and records live: the agents' readers, stages and resume writers
# (tracetui/sources/<agent>/writer.py), and the resume planning.
FOLDERS = ("sources", "resume")
HOME = "sources/common/jsonl.py"

# path::function -> why its orjson.loads reads no stranger's JSON, or none that is kept.
ALLOWED: dict[str, str] = {
    # The readers' own snapshots (ResumeState bodies), written by orjson.dumps (so at most 254 levels)
    # from sessions already cut; a damaged one is caught and means a full read.
    "sources/claude/reader.py::_read_main": "the reader's own snapshot body",
    "sources/codex/reader.py::resume": "the reader's own snapshot body",
    "sources/pi/reader.py::_resume": "the reader's own snapshot body",
    "sources/common/resumable.py::split_head": "the head line of a snapshot tracetui wrote",
    # The byte ranges a snapshot keeps are where the log holds exactly orjson's encoding of a value
    # already cut (`Spans._find`): what they parse back to is within depth.
    "sources/common/resumable.py::Spans.unpack": "spans equal to the encoding of a cut value",
    # A stage's state file in the bucket, written by tracetui; a damaged one means the stage starts over.
    "sources/common/staged_files.py::load_state": "the bucket's own stage state",
}


def _uses() -> dict[str, int]:
    """path::function -> how many uses of orjson.loads it holds, over FOLDERS outside HOME."""
    found: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str, where: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = prefix
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}.{child.name}" if prefix else child.name
            if _is_loads(child):
                key = f"{where}::{name or '<module>'}"
                found[key] = found.get(key, 0) + 1
            visit(child, name, where)

    for folder in FOLDERS:
        for path in sorted((PACKAGE / folder).rglob("*.py")):
            where = path.relative_to(PACKAGE).as_posix()
            if where != HOME:
                visit(ast.parse(path.read_text(encoding="utf-8")), "", where)
    return found


def _is_loads(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr == "loads" and isinstance(node.value, ast.Name) and node.value.id == "orjson"
    if isinstance(node, ast.ImportFrom):
        return node.module == "orjson" and any(a.name == "loads" for a in node.names)
    return False


def test_hostile_json_is_read_within_depth():
    bare = sorted(set(_uses()) - set(ALLOWED))
    assert bare == [], (
        "read a stranger's JSON with loads_within_depth or load_document (tracetui/sources/common/"
        f"jsonl.py), or list the place in ALLOWED with why it is safe: {bare}"
    )


def test_every_allowed_place_still_reads_json():
    stale = sorted(set(ALLOWED) - set(_uses()))
    assert stale == [], f"remove these from ALLOWED: {stale}"


def test_the_check_sees_each_form_of_use():
    sample = "import orjson\nfrom orjson import loads\nload = orjson.loads\norjson.loads(b'1')\n"
    assert sum(_is_loads(n) for n in ast.walk(ast.parse(sample))) == 3
