"""A held Parquet file rewritten in place (the same inode, opened for writing by the member who wrote
it) after its footer and page headers were checked and before the scan reads it.

Found 2026-11-28: `sql --dataset` and `export --check` hold each file and check what it says (its row
claim, its pages' claims), then pyarrow's scan opens it again by its /proc name and reads its pages:
rewritten between the two, a page bomb went unchecked. Now each file of up to 64 MiB (1 GiB in all)
is copied into a sealed memfd as it is held, checked and read there: read as checked. A file read in
place (past those sizes) is refused in one line where its size or times changed while it was held.
The rewrite is made deterministic by doing it once the table's files are checked (tables.held_table).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from shared_data import FIXTURES, ROOT
from support.datasets import small_dataset
from support.peak_memory import run_measured

pytest.importorskip("pyarrow")
pytest.importorskip("duckdb")

STEPS = "data/steps/machine=x/agent=pi/month=2026-01/part-00000.parquet"
# Runs the CLI with the steps file rewritten in place once its table is checked (argv[1]: "bomb", the
# same three pages each claiming 127 MiB, or "other", a sound file of other rows), reading in place
# every file whose size is past argv[2] bytes.
REWRITE = """import sys
ONE_MIB, MANY_MIB = b"\\x15\\x80\\x80\\x80\\x01", b"\\x15\\x80\\x80\\x80\\x7f"  # field 2, i32, zigzag
import pyarrow as pa, pyarrow.parquet as pq, io
from tracetui.dataset import held, tables
from tracetui.cli import main
made = tables.held_table
def rewrite():
    if sys.argv[1] == "bomb":  # each page's claim of 1 MiB made 127 MiB: its varint as long
        data = open(sys.argv[4], "rb").read().replace(ONE_MIB, MANY_MIB)
    else:
        out = io.BytesIO()
        pq.write_table(pa.table({"session_id": ["s9"], "agent": ["pi"], "text": ["other"]}), out)
        data = out.getvalue()
    with open(sys.argv[4], "r+b") as f:  # the same inode: the held descriptor sees it
        f.write(data)
        f.truncate()
def checked(files, names, folder, keys):
    out = made(files, names, folder, keys)
    if folder.endswith("data/steps"):
        rewrite()
    return out
tables.held_table = checked
held.SNAPSHOT_MOST = int(sys.argv[2])
sys.exit(main(sys.argv[5:]))
"""


def _run(root: Path, home: Path, how: str, most: int, *args: str) -> tuple[int, str, str, int]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(home / "cache"),
           "XDG_STATE_HOME": str(home / "state")}  # fmt: skip
    done = run_measured(REWRITE, how, str(most), str(FIXTURES), str(root / STEPS), *args, env=env)
    return done.returncode, done.stdout, done.stderr.strip(), done.peak_mb


SQL = "SELECT count(*) AS n, max(length(text)) AS most FROM steps"


def _honest(tmp_path: Path) -> Path:
    """The small dataset, its steps file three pages each claiming (and holding) 1 MiB, which the
    rewrite makes 127 MiB each (381 MiB: past what the check allows), nothing else moved."""
    sys.path.insert(0, str(FIXTURES))
    from parquet_forge import lying_parquet

    root = small_dataset(tmp_path / "ds")
    honest = lying_parquet(1 << 20, 1 << 20, 3)
    assert honest.count(b"\x15\x80\x80\x80\x01") == 3  # the pages' claims, as REWRITE finds them
    (root / STEPS).write_bytes(honest)
    return root


def test_a_page_bomb_written_in_place_after_the_check_is_not_what_is_read(tmp_path: Path) -> None:
    root = _honest(tmp_path)
    code, out, err, peak = _run(root, tmp_path, "bomb", 64 << 20, "sql", "--dataset", str(root), SQL, "--csv")
    assert code == 0, err
    assert out.split() == ["n,most", "3,0"]  # the file as it was checked: three empty values
    assert peak < 300, peak  # some 200 MB: the imports


def test_a_file_read_in_place_and_rewritten_so_is_refused_in_one_line(tmp_path: Path) -> None:
    root = small_dataset(tmp_path / "ds")
    code, out, err, _ = _run(root, tmp_path, "other", 0, "sql", "--dataset", str(root), SQL, "--csv")
    assert code != 0 and out == ""
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert "part-00000.parquet" in err and "rewritten while it was read" in err


def test_check_reads_a_file_rewritten_in_place_as_it_was_checked(tmp_path: Path) -> None:
    import orjson

    root = _honest(tmp_path)
    _, out, _, peak = _run(root, tmp_path, "bomb", 64 << 20, "export", "--check", f"file://{root}", "--json")
    report = orjson.loads(out)
    assert report["rows"]["steps"] == 3, report
    assert peak < 300, peak  # some 200 MB: the imports


def test_a_file_changed_while_it_is_copied_is_refused_and_the_budget_bounds_the_copies(
    tmp_path: Path, monkeypatch
) -> None:
    from tracetui.dataset import held
    from tracetui.errors import TracetuiError

    root = small_dataset(tmp_path / "ds")
    paths = sorted(str(p) for p in root.rglob("*.parquet"))
    sizes = [os.path.getsize(p) for p in paths]
    monkeypatch.setattr(held, "SNAPSHOT_BUDGET", sum(sizes[:2]))  # the first two copied, the rest not
    with held.held(str(root), paths) as names:
        links = [os.readlink(n) for n in names]
    assert [x.startswith("/memfd:tracetui-held") for x in links] == [True, True, False, False]
    assert links[2:] == paths[2:]  # read in place, by their descriptors

    copy = held._copy

    def grown(fd: int, into: int, most: int) -> int:
        with open(paths[1], "ab") as f:  # the member appends as the copy is made
            f.write(b"more")
        return copy(fd, into, most)

    monkeypatch.setattr(held, "_copy", grown)
    with pytest.raises(TracetuiError, match=r"part-00000\.parquet: rewritten while it was read"):
        with held.held(str(root), paths[1:2]):
            pass
