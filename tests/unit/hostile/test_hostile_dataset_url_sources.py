"""A dataset URL opens any fsspec filesystem (docs/dataset.md), so it must come from the user's own
command line (`--dataset`, `sql --dataset`, `export DEST`, `export --check`), never from a file a
stranger wrote. Red-teamed 2026-11-29 (atk17): no such file names one. A recipe's keys are a closed
set with no destination (`recipe._KEYS`: an unknown key is refused); its SQL runs in a DuckDB with
external access off and its settings locked (`duck.connect`), so `read_parquet('s3://…')` reaches
nothing; a team dataset's manifests name files only as paths inside the dataset, under the machine's
own partition (`publish.remote_rel`), read only where the dataset's own listing holds them; the card is
written, never read back; a capsule's `remote` is recorded, never fetched (a replay runs on a folder the
user names). Each case below pins one of these: a URL planted there is refused or reaches nothing."""

from __future__ import annotations

import json
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from support.datasets import cli_in_child as _cli
from support.datasets import three_session_bucket

from tracetui.dataset.recipe import RecipeError, parse_recipe
from tracetui.errors import TracetuiError

pytest.importorskip("pyarrow")
pytest.importorskip("duckdb")

MACHINE = "alpha"


@contextmanager
def _listener() -> Iterator[tuple[int, list[int]]]:
    """A port on 127.0.0.1 and the count of connections it took (the list's one item)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.1)
    taken, done = [0], threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                sock.accept()[0].close()
                taken[0] += 1
            except OSError:
                continue

    worker = threading.Thread(target=accept, daemon=True)
    worker.start()
    try:
        yield sock.getsockname()[1], taken
    finally:
        done.set()
        worker.join(5)
        sock.close()


# Where a recipe could name a dataset to write into or read from, were it a key.
_DESTINATIONS = [
    ({"dest": "s3://theirs/ds"}, "dest"),
    ({"dataset": "http://127.0.0.1:9/ds"}, "dataset"),
    ({"url": "hf://datasets/them/ds"}, "url"),
    ({"output": {"dest": "gs://theirs/ds"}}, "output.dest"),
    ({"output": {"dataset": "az://theirs/ds"}}, "output.dataset"),
    ({"output": {"url": "file:///home/dev/.ssh"}}, "output.url"),
    ({"select": {"dataset": "s3://theirs/ds"}}, "select.dataset"),
    ({"review": {"push": "them/ds"}}, "review.push"),
]


@pytest.mark.parametrize("planted, key", _DESTINATIONS, ids=[k for _, k in _DESTINATIONS])
def test_a_recipe_names_no_dataset_to_write_or_read(planted, key):
    with pytest.raises(RecipeError, match=f"unknown key '{key}'"):
        parse_recipe({"name": "theirs", **planted})


# A recipe's SQL naming a URL of every scheme tracetui documents, and a few it does not.
_URLS = ["http://127.0.0.1:{port}/x.parquet", "https://127.0.0.1:{port}/x.csv", "s3://theirs/x.parquet",
         "gs://theirs/x.parquet", "az://theirs/x.parquet", "hf://datasets/them/ds/x.parquet",
         "file:///etc/hostname", "/etc/hostname", "ftp://127.0.0.1:{port}/x"]
_READERS = ["read_parquet", "read_csv", "read_json", "read_text"]


@pytest.mark.parametrize("reader", _READERS)
@pytest.mark.parametrize("url", _URLS)
def test_a_recipe_s_sql_reaches_no_url(reader, url):
    import pyarrow as pa

    from tracetui.dataset.query import run

    with _listener() as (port, taken):
        sql = f"SELECT * FROM {reader}('{url.format(port=port)}')"
        with pytest.raises(TracetuiError, match="the query failed"):
            run({"sessions": pa.table({"session_id": ["s1"]})}, sql, timeout=10, bounded=True)
    assert taken == [0]


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """A dataset machine alpha exported a bucket into."""
    home = tmp_path_factory.mktemp("url-sources")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(home / "cache"))
        patch.setenv("XDG_STATE_HOME", str(home / "state"))
        bucket = three_session_bucket(home)
    done = _cli("--bucket", str(bucket), "export", f"file://{home / 'ds'}", "--format", "parquet",
                "--accept-suggested", "--machine", MACHINE, home=home)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return home / "ds"


_MANIFEST_NAMES = ["http://127.0.0.1:{port}/x.parquet", "s3://theirs/x.parquet",
                   "data/sessions/machine=alpha/http://127.0.0.1:{port}/x", "file:///etc/hostname",
                   "/etc/hostname", "data/sessions/machine=alpha/../../../../etc/hostname",
                   "../../../etc/hostname"]


@pytest.mark.parametrize("name", _MANIFEST_NAMES)
def test_a_manifest_s_file_names_reach_nothing_outside_the_dataset(exported, tmp_path, name):
    """A member's manifest is anyone's: one naming a file by a URL, or a path out of the dataset, is a
    damaged manifest, its files never fetched or opened where the name points."""
    dataset = tmp_path / "ds"
    shutil.copytree(exported, dataset, symlinks=True)
    path = dataset / "machines" / MACHINE / "manifest.json"
    manifest = json.loads(path.read_text())
    with _listener() as (port, taken):
        planted = name.format(port=port)
        manifest["files"][planted] = {"sha256": "0" * 64, "size": 12}
        path.write_text(json.dumps(manifest))
        done = _cli("export", "--check", f"file://{dataset}", "--json", home=tmp_path)
    assert taken == [0]
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    problems = json.loads(done.stdout)["problems"]
    # The manifest's shape is refused before any file it names is looked for (`check._manifest`).
    damaged = "damaged: it names a file outside the export"
    assert {"file": f"machines/{MACHINE}/manifest.json", "problem": damaged} in problems, problems
