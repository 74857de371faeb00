"""Issue 35: every session of ../shared/corpus is sealed and exported in every format with
`--accept-suggested`, and none is refused; values planted in one session (made up here, each in a
spelling a reader joins or decodes) are in no byte that leaves, decoded.

One bucket and one export of each dataset format for the run (`support.built_once`, whose exports
other modules' consumer tests read too); html and md once per session from this module's copy, where
the gate's memo answers the texts the formats share.
Marked slow."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import ahocorasick
import pytest
import shared_data as shared

from tracetui.bucket import Bucket
from tracetui.capsule import seal
from tracetui.capsule.archive import read_archive
from tracetui.capsule.manifest import ALLOWED
from tracetui.export import ExportOptions, export
from tracetui.redact import plan_store, refresh_plan

from support.built_once import PLANTED_GROUP, planted_corpus, planted_export, planted_gate_memo
from support.carriers import decoded_output
from support.planted import NEEDLES

pytestmark = [shared.requires_corpus, pytest.mark.corpus, pytest.mark.slow, PLANTED_GROUP]

AGENTS = ("claude", "codex", "pi", "gemini", "copilot", "opencode")


@pytest.fixture(scope="module")
def corpus_bucket(tmp_path_factory) -> Iterator[tuple[Bucket, str]]:
    """This module's copy (one a worker) of the planted corpus's bucket, synced and scanned once for
    the whole run; its tests share the gate's memo with the run's exports (`planted_gate_memo`)."""
    built = planted_corpus(tmp_path_factory)
    mine = tmp_path_factory.mktemp("gate") / "bucket"
    shutil.copytree(built / "bucket", mine)
    with Bucket.open(mine) as bucket:
        yield bucket, (built / "planted").read_text()


def _read(text: str) -> str:
    """The text as a reader would read it: `\\uXXXX` and `\\/` escapes (escaped once or more) read as
    their characters."""

    def char(m: re.Match[str]) -> str:
        code = int(m.group(1), 16)
        return m.group(0) if 0xD800 <= code < 0xE000 else chr(code)

    read = re.sub(r"\\+u([0-9a-fA-F]{4})", char, text)
    return re.sub(r"\\+([/\"])", r"\1", read)


def _needles() -> ahocorasick.Automaton:
    """Every planted spelling, found in one pass (25 searches of an export's 80 MB took 2 s)."""
    found = ahocorasick.Automaton()
    for name, needles in NEEDLES.items():
        for needle in needles:
            found.add_word(needle, name)
    found.make_automaton()
    return found


NEEDLE_FINDER = _needles()


def _absent(blob: bytes, where: str) -> None:
    text = blob.decode("utf-8", "replace")
    seen = "\n".join((text, _read(text), decoded_output(blob)))
    for _, name in NEEDLE_FINDER.iter(seen):
        raise AssertionError(f"{name} left in {where}")


def _every_byte(folder: Path) -> bytes:
    out = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            out.append(path.read_bytes())
            if path.suffix == ".parquet":
                pq = pytest.importorskip("pyarrow.parquet")
                out.append(json.dumps(pq.read_table(path).to_pylist(), default=str).encode())
    return b"\n".join(out)


@pytest.mark.parametrize("fmt", ["raw", "parquet", "atif"])
def test_every_corpus_session_exports_in_every_dataset_format(tmp_path_factory, fmt):
    # The export made once for the run (other modules check what their consumers read of it).
    dest, report = planted_export(tmp_path_factory, fmt)
    assert report["refused"] == [] and report["written"] == report["sessions"] > 40, report["refused"]
    _absent(_every_byte(dest), fmt)


@pytest.mark.parametrize("agent", AGENTS)
def test_every_corpus_session_exports_as_a_page(corpus_bucket, tmp_path, tmp_path_factory, agent):
    # Both page formats of a session in one test, so the second is gated from the first's memo; one
    # test an agent, so the whole corpus is no one worker's long tail.
    from tracetui.selection import Selection

    bucket, _ = corpus_bucket
    refused = []
    rows = [r for r in bucket.list_sessions() if r.steps and r.agent == agent]
    if not rows:
        pytest.skip(f"the corpus holds no {agent} session with steps")
    with planted_gate_memo(tmp_path_factory, bucket.root):
        for row in rows:  # a page shows an episode: a session without steps has none
            for fmt in ("html", "md"):
                dest = tmp_path / f"{fmt}-{row.id[:40]}"
                selection = Selection(sessions=(row.id,))
                report = export(bucket, dest, ExportOptions(fmt, accept_suggested=True), selection)
                refused += report.refused
                _absent(_every_byte(dest), f"{fmt} of {row.id}")
    assert refused == []


def test_every_corpus_session_seals(corpus_bucket, tmp_path_factory):
    bucket, planted = corpus_bucket
    store = plan_store(bucket)
    with planted_gate_memo(tmp_path_factory, bucket.root):
        sealed = _seal_every_session(bucket, planted, store)
    assert sealed > 40


def _seal_every_session(bucket: Bucket, planted: str, store) -> int:
    sealed = 0
    for row in bucket.list_sessions():
        session = bucket.session(row.id)
        if not session.steps:
            continue
        plan = refresh_plan(session, store)
        result = seal(session, plan, accept_suggested=True, store=store, cache_dir=bucket.cache_dir)
        if row.id == planted:
            _absent(b"\n".join(read_archive(result.data, ALLOWED).values()), "the capsule")
        sealed += 1
    return sealed
