"""An evaluation (the app's Eval screen, `evaluate`) over a team dataset's sessions.

A dataset's rows are other machines': the working folder a session names is a stranger's word, and
the app already judges no foreign session's trail in it ("a capsule's or a dataset's trail is the one
it carries", the edit keys open only `--repo`). Found 2026-11-29 by a red team: the evaluation judged
each dataset session's work in the repository at the folder its row named, on the user's machine:
any repository of the user's it chose (its history walked, its work-tree files read, a stranger's
patches counted as the user's lines "alive" or "lost"), a path whose stat alone mounts a share
(`/net/HOST/...` under autofs: a connection this machine makes to a host the row chose), and so even
where a clone was given that is not the session's own (the fallback to the cwd). Now a foreign
session is judged only in a clone given for it that is its own (`--repo`, `--clones`), else not at
all, with a note that says so; the folder its row names is never looked at."""

from __future__ import annotations

import shutil
from pathlib import Path

import pygit2
import pytest

pytest.importorskip("duckdb")
pytest.importorskip("fsspec")

from tracetui.dataset import open_dataset  # noqa: E402
from tracetui.evals import evaluate  # noqa: E402


def _repository(folder: Path) -> Path:
    repo = pygit2.init_repository(str(folder))
    (folder / "a.ts").write_text("export const a = 1;\n")
    repo.index.add("a.ts")
    repo.index.write()
    sig = pygit2.Signature("dev", "dev@example.invalid")
    repo.create_commit("HEAD", sig, sig, "one", repo.index.write_tree(), [])
    return folder


def _dataset_naming(source: Path, dest: Path, cwd: str) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    shutil.copytree(source, dest)
    for path in dest.rglob("*.parquet"):
        if "sessions" in path.parts:
            table = pq.read_table(path)
            at = table.schema.get_field_index("cwd")
            pq.write_table(table.set_column(at, "cwd", pa.array([cwd] * table.num_rows, pa.string())), path)
    return dest


# (why, the folder a row names below the test's folder, whether a clone that is not its own is given)
CASES = [
    ("a repository of the user's", "mine", False),
    ("a folder inside a repository of the user's", "mine/src", False),
    ("a repository of the user's, beside a clone given that is not the session's", "mine", True),
    ("a folder that is not there (a share a stat would mount)", "net/evil.example/share", False),
]


@pytest.mark.parametrize(("why", "below", "other_clone"), CASES, ids=[c[0] for c in CASES])
def test_an_evaluation_looks_at_no_folder_a_dataset_row_names(team_dataset_root, tmp_path, monkeypatch, why,
                                                               below, other_clone):  # fmt: skip
    (tmp_path / "mine" / "src").mkdir(parents=True)
    _repository(tmp_path / "mine")
    named = tmp_path / below
    dataset = _dataset_naming(team_dataset_root / "dataset", tmp_path / "ds", str(named))
    repo = _repository(tmp_path / "unrelated") if other_clone else None
    looked: list[str] = []
    real_discover, real_isdir, real_exists = pygit2.discover_repository, Path.is_dir, Path.exists

    def discover(path, *args):
        looked.append(str(path))
        return real_discover(path, *args)

    def isdir(path):
        looked.append(str(path))
        return real_isdir(Path(path))

    monkeypatch.setattr(pygit2, "discover_repository", discover)
    monkeypatch.setattr("os.path.isdir", isdir)
    library = open_dataset(str(dataset))
    try:
        result = evaluate(library, "agent", repo=repo, workers=1)
    finally:
        library.close()
    assert not [p for p in looked if p.startswith(str(tmp_path / below.split("/")[0]))], (why, looked)
    labels = [label for cohort in result.to_dict()["cohorts"] for label in cohort["labels"]]
    assert labels and all("another machine" in (label.get("note") or "") for label in labels), (why, labels)
    assert real_exists(tmp_path / "mine" / "a.ts")
