"""A bucket with one Pi fixture log synced into it: where many hostile tests start before they plant
something in the bucket, its caches or its exports. The log alone, or with its edit made in a
repository that holds the file it edits (`a.ts` at the repository's top)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from shared_data import FIXTURES

PI_LOG = FIXTURES / "pi" / "v3_tree.jsonl"
EDITED = ("a.ts", "const b = 2;\n")  # the file the fixture's edit changes, as it stood before


def log_folder(tmp: Path, repo: Path | None = None) -> Path:
    """`tmp`/src holding the fixture as a.jsonl; with `repo`, its edit is made in `repo`/a.ts."""
    src = tmp / "src"
    src.mkdir()
    log = PI_LOG.read_bytes()
    if repo is not None:
        log = log.replace(b"/work/proj", str(repo).encode()).replace(b"src/a.ts", b"a.ts")
    (src / "a.jsonl").write_bytes(log)
    return src


def synced(tmp: Path, run: Callable[[list[str]], int], repo: Path | None = None) -> list[str]:
    """`--bucket tmp/b`, once `run` (the CLI given its arguments, answering its exit code) has synced
    the fixture into it."""
    src = log_folder(tmp, repo)
    bucket = ["--bucket", str(tmp / "b")]
    assert run([*bucket, "sync", "--source", f"pi={src}"]) == 0
    return bucket
