"""Folders built once per test run and shared by every xdist worker: the corpus synced into a bucket.

Syncing the corpus and scanning its sessions for secrets costs more than most corpus tests' own
work, and each module that did it paid it again (on each worker that ran one of its tests). A test
gets its own copy of the one built bucket, so what it writes (plans, exports) is its own.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

import shared_data as shared

AGENTS = ("claude", "codex", "pi", "gemini", "opencode", "copilot")
# The tests that read the planted corpus's exports or seal it run on one worker, one after another:
# they share one gate memo (`planted_gate_memo`), which one build holds at a time, so tests on two
# workers would wait on each other.
PLANTED_GROUP = pytest.mark.xdist_group("planted")


def built_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """`name`'s folder, made by `build(folder)` by the first worker to ask; the others wait for it."""
    base = _run_folder(factory)
    folder = base / name
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (base / f"{name}.done").exists():
            shutil.rmtree(folder, ignore_errors=True)
            build(folder)
            (base / f"{name}.done").touch()
    return folder


def _run_folder(factory: pytest.TempPathFactory) -> Path:
    """The run's temporary folder, the same for every xdist worker."""
    base = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the folder every worker's own temporary folder is in
    return base


def sync_and_scan(bucket_dir: Path, sources: Iterable[tuple[str, Path]]) -> None:
    """Sync `sources` into a bucket at `bucket_dir` and bring every session's redaction plan up to date."""
    from tracetui.bucket import Bucket
    from tracetui.cli import main
    from tracetui.redact import plan_store, refresh_plans

    args = [x for agent, folder in sources for x in ("--source", f"{agent}={folder}")]
    assert main(["--bucket", str(bucket_dir), "sync", *args, "--json"]) == 0
    with Bucket.open(bucket_dir) as bucket:
        rows = [r for r in bucket.list_sessions() if r.steps]
        sessions = (bucket.session(r.id) for r in rows)
        for _ in refresh_plans(sessions, plan_store(bucket), count=len(rows)):
            pass


def corpus_bucket(factory: pytest.TempPathFactory, dest: Path) -> Path:
    """A copy at `dest` of the bucket holding every corpus agent's sessions, their plans made: the
    planted corpus's (one Claude prompt carries made-up secrets), so the run syncs the corpus once."""
    return planted_bucket(factory, dest)


# The corpus with made-up secrets planted in one Claude session's first plain-text prompt (the gate
# tests define what is planted), and its exports: each format is exported once for the run and the
# tests of every module that checks an export of the corpus read the same folder. Eight exports of
# the corpus (a third of the suite's corpus time) were four formats made twice.
def planted_corpus(factory: pytest.TempPathFactory) -> Path:
    """The folder holding `bucket` (the planted corpus synced and scanned) and `planted` (the id of the
    session the secrets were planted in, support.planted)."""
    from support.planted import plant_carriers as plant

    if not shared.CORPUS.is_dir():
        pytest.skip(f"the real session logs are not at {shared.CORPUS}")

    def build(folder: Path) -> None:
        src = folder / "src"
        for agent in AGENTS:
            if (shared.CORPUS / agent).is_dir():
                shutil.copytree(shared.CORPUS / agent, src / agent)
        (folder / "planted").write_text(plant(src))
        sync_and_scan(folder / "bucket", [(a, src / a) for a in AGENTS if (src / a).is_dir()])

    return built_once(factory, "planted-corpus", build)


def planted_export(factory: pytest.TempPathFactory, fmt: str) -> tuple[Path, dict]:
    """The planted corpus exported as `fmt` with `--accept-suggested`, once for the run: the folder and
    the export's report (`export --json`)."""
    import json

    corpus = planted_corpus(factory)

    def build(folder: Path) -> None:
        from tracetui.bucket import Bucket
        from tracetui.export import ExportOptions, export

        bucket_dir = folder / "bucket"
        shutil.copytree(corpus / "bucket", bucket_dir)  # an export writes into its bucket's cache
        with planted_gate_memo(factory, bucket_dir), Bucket.open(bucket_dir) as bucket:
            report = export(bucket, folder / "out", ExportOptions(fmt, accept_suggested=True))
        (folder / "report.json").write_text(json.dumps(report.to_dict()))

    folder = built_once(factory, f"planted-export-{fmt}", build)
    return folder / "out", json.loads((folder / "report.json").read_text())


@contextlib.contextmanager
def planted_gate_memo(factory: pytest.TempPathFactory, bucket_dir: Path) -> Iterator[None]:
    """While held, the planted corpus's exports and seals in `bucket_dir` share one second gate's memo
    (`capsule/gate_memo.py`), as one user's exports of one bucket do: the run's one memo key (each test
    has its own home, so its own key, and no memo would be reused) and the memo the last of them left.

    The gate scans three quarters of an export's CPU, and every format carries mostly the strings
    another did: the first export of the run scans everything, the later ones what is new to them
    (raw, then parquet and atif on the corpus: 38, 16 and 11 s of CPU against 34 each cold).
    Held by one build at a time: a memo keeps the texts its last seal used."""
    base = _run_folder(factory)
    memo = base / "planted-gate-memo"
    with open(base / "planted-gate-memo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        was = os.environ.get("XDG_CONFIG_HOME")
        os.environ["XDG_CONFIG_HOME"] = str(base / "planted-config")
        gate = bucket_dir / "cache" / "gate"
        try:
            if memo.is_dir():
                shutil.rmtree(gate, ignore_errors=True)
                shutil.copytree(memo, gate)
            yield
            if gate.is_dir():
                shutil.rmtree(memo, ignore_errors=True)
                shutil.copytree(gate, memo)
        finally:
            if was is None:
                os.environ.pop("XDG_CONFIG_HOME", None)
            else:
                os.environ["XDG_CONFIG_HOME"] = was


def planted_bucket(factory: pytest.TempPathFactory, dest: Path) -> Path:
    """A copy at `dest` of the planted corpus's bucket (what `planted_export` exported)."""
    shutil.copytree(planted_corpus(factory) / "bucket", dest)
    return dest
