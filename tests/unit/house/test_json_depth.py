"""Where a log or a record a stranger wrote is read, JSON goes through the readers' one place for it,
`tracetui/sources/common/jsonl.py` (`loads_within_depth`, `load_document`, `iter_entries`), which
cuts values nested past 200 levels: a plain `orjson.loads` reads 1,024, and a value past 254 fails
wherever the session is written again (a stage's copy, a resume, `show --json`, the index).

A value that must be seen whole or said to be wrong (a gate, a check) is read with `loads_whole`
there, which refuses one nested past 254 levels (TooDeep) rather than cut it.

The test forbids any use of `orjson.loads` or Python's `json.loads` (a call, an alias, `from orjson
import loads`) in FOLDERS, outside jsonl.py and the places listed with their reason.
A listed place that no longer uses it fails the test until its entry is removed.
"""

from __future__ import annotations

import ast

from shared_data import ROOT

PACKAGE = ROOT / "tracetui"
# Where JSON a stranger wrote is read: the agents' readers, stages and resume writers, the resume
# planning, and what reads an export, a capsule or a dataset someone else made (its manifest, its
# logs, traces and trajectories for `export --check`) or what an agent hands over (a hook's stdin).
# Left out: redact (its plans and reviews) and the top-level caches, tracetui's own files only.
FOLDERS = (
    "sources", "resume", "export", "capsule", "dataset", "evals", "trail", "bucket", "cli", "ui", "blame", "views",
    "demo",
)  # fmt: skip
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
    # Read only to tell whether the bytes parse (and as what): the value is dropped, never written.
    "bucket/store.py::_takes_torn_tail": "whether a log's last line parses as an object",
    "ui/step_blocks.py::_guess_language": "whether a step's text parses as JSON",
    "sources/common/json_tokens.py::token_value": "one JSON string token: a string nests nothing",
    # The bucket's index and files, written by tracetui with orjson (so at most 254 levels) from
    # sessions the readers already cut; a damaged one is refused or rebuilt.
    "bucket/core.py::Bucket.raw_files": "the index's list of a group's files",
    "bucket/core.py::Bucket.remove": "the index's list of a group's files",
    "bucket/index.py::_object": "a column of the bucket's index",
    "bucket/index.py::_shares": "a column of the bucket's index",
    "bucket/index.py::_strings": "a column of the bucket's index",
    "bucket/index.py::step_from_row": "a column of the bucket's index",
    "bucket/index.py::load_group_files": "a column of the bucket's index",
    "bucket/loading.py::_load": "a session the index wrote",
    "bucket/index.py::stored_price_table": "a column of the bucket's index",
    "bucket/index.py::summary_from_row": "a column of the bucket's index",
    "bucket/ratings.py::_parsed": "the bucket's own ratings file",
    "bucket/removed.py::load": "the bucket's own list of removed logs",
    "bucket/scoped.py::_group_of": "a column of the bucket's index",
    "bucket/scoped.py::_groups_by_main": "a column of the bucket's index",
    "bucket/scoped.py::_groups_under": "a column of the bucket's index",
    "bucket/scoped.py::_named_after": "a column of the bucket's index",
    "bucket/store.py::Store._read_sidecar": "the bucket's own sidecar of a copied log",
    # tracetui's own caches and state files, outside the bucket; a damaged one means starting over.
    "capsule/gate_memo.py::GateMemo._load": "the gate's own memo",
    "dataset/machine.py::machine_id": "the machine id tracetui keeps",
    "dataset/mirror.py::_read_index": "the mirror cache's own index",
    "trail/snapshot.py::_StatCache.load": "the trail's own stat cache",
    "trail/snapshot.py::_read_meta": "the snapshot metadata tracetui writes",
    "trail/trail_cache.py::_cache_load": "the trail's own cache",
    "export/spill.py::Spill.take": "the export's own spill of a worked-out plan",
    # Messages between tracetui and its own worker processes, written with orjson by the other side.
    "bucket/worker.py::_serve": "a job from the parent process",
    "evals/pool.py::Pool._answer": "a worker's answer",
    "evals/pool.py::_refusal": "a worker's setup failure",
    "evals/worker.py::serve": "the parent's setup and jobs",
    "capsule/tar_members.py::main": "the parent's settings line",
    # JSON tracetui itself wrote a moment before, with orjson: at most 254 levels.
    "export/atif.py::made_of": "the trajectory this export just wrote",
    "export/parquet.py::_rows_of": "rows the Parquet child wrote with orjson",
    "resume/inert.py::_inert": "a line a resume writer just wrote with orjson",
    "resume/inert.py::inert_document": "the document the OpenCode writer just wrote with orjson",
    # Bytes already read once with loads_whole and found canonical (orjson wrote them: at most 254 levels).
    "capsule/trail_records.py::TrailRecords._at": "a trail record that opening the capsule checked whole",
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
    # Python's parser too: it reads about 1,000 levels, then raises RecursionError, no ValueError.
    if isinstance(node, ast.Attribute):
        return node.attr == "loads" and isinstance(node.value, ast.Name) and node.value.id in ("orjson", "json")
    if isinstance(node, ast.ImportFrom):
        return node.module in ("orjson", "json") and any(a.name == "loads" for a in node.names)
    return False


def test_hostile_json_is_read_within_depth():
    bare = sorted(set(_uses()) - set(ALLOWED))
    assert bare == [], (
        "read a stranger's JSON with loads_within_depth, load_document or loads_whole (tracetui/sources/"
        f"common/jsonl.py), or list the place in ALLOWED with why it is safe: {bare}"
    )


def test_every_allowed_place_still_reads_json():
    stale = sorted(set(ALLOWED) - set(_uses()))
    assert stale == [], f"remove these from ALLOWED: {stale}"


def test_the_check_sees_each_form_of_use():
    sample = "import orjson\nfrom orjson import loads\nload = orjson.loads\norjson.loads(b'1')\n"
    assert sum(_is_loads(n) for n in ast.walk(ast.parse(sample))) == 3
    sample = "import json\nfrom json import loads\njson.loads('1')\njson.dumps(1)\n"
    assert sum(_is_loads(n) for n in ast.walk(ast.parse(sample))) == 2
