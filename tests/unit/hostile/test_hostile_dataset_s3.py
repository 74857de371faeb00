"""A team dataset on S3 is written by other machines: its object keys and bytes are hostile input to
the machine that reads it, as a local dataset's files and folders are (test_hostile_dataset_files.py,
test_hostile_dataset_columns.py). Served by moto's S3 on 127.0.0.1, read by `tracetui sql --dataset
s3://…` (which copies the tables into its cache folder first: tracetui.dataset.mirror) and by the app's
library (tracetui.dataset.open_dataset, which reads the objects where they are).

Each case is one dataset (its own prefix of one bucket): the small dataset of the local tests and the
hostile objects. What a local dataset can hold too (a damaged file, a hostile schema) is also written
to a local copy, and S3 must answer as the local copy does. What only an object store can hold (a key
with `..`, a NUL, a name too long for a file system, a folder marker) must give a clear one line or
be left out; nothing may be written outside the cache folder or read from outside the dataset.
S3 has no links and no FIFOs: those local attacks have no S3 form."""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from support.datasets import small_dataset
from support.moto_s3 import client, served_s3

from tracetui.cli import main

pytest.importorskip("s3fs", reason="the s3 extra (s3fs) is not installed")
pytest.importorskip("moto.server", reason="moto is not installed (the test extra: moto[s3], flask, flask-cors)")
pytest.importorskip("duckdb")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

pytestmark = pytest.mark.xdist_group("hostile-s3")  # one moto server for the file

BUCKET = "hostile-team"
PART = "data/sessions/machine=x/agent=pi/month=2026-01"  # the small dataset's sessions partition
SQL = "SELECT session_id FROM sessions ORDER BY 1"
TERMINAL = ("\x1b", "\x07", "\x9b", "\u202e")
SECONDS = 60  # a case that takes longer has hung on something


@pytest.fixture(scope="module")
def s3() -> Any:
    """moto's S3 server on a free port of 127.0.0.1, with one bucket; its environment and a client."""
    with served_s3(BUCKET) as env:
        yield env, client(env)


@pytest.fixture
def home(s3, tmp_path, monkeypatch) -> Path:
    """This machine's folders (its cache among them) in tmp_path, and moto's S3 in the environment."""
    env, _ = s3
    for key, value in {**env, "XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_STATE_HOME": str(tmp_path / "state"),
                       "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data")}.items():
        monkeypatch.setenv(key, value)
    return tmp_path


def _parquet(table: dict[str, list[Any]]) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table(table), sink)
    return sink.getvalue().to_pybytes()


def _session(sid: str) -> bytes:
    return _parquet({"session_id": [sid], "agent": ["pi"], "title": [sid]})


def _upload(s3, home: Path, name: str, extra: dict[str, bytes], local: bool = False) -> tuple[str, Path]:
    """The small dataset and `extra` (names inside the dataset, as the keys have them after `name/`)
    uploaded under `name/`; its URL, and a local copy holding `extra` too where `local`."""
    _, client = s3
    folder = small_dataset(home / "src" / name)
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            client.put_object(Bucket=BUCKET, Key=f"{name}/{path.relative_to(folder).as_posix()}", Body=path.read_bytes())
    for rel, data in extra.items():
        client.put_object(Bucket=BUCKET, Key=f"{name}/{rel}", Body=data)
        if local:
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(data)
    return f"s3://{BUCKET}/{name}", folder


def _sql(capsys, url: str, sql: str = SQL, *more: str) -> tuple[int, str, str]:
    capsys.readouterr()
    started = time.monotonic()
    code = main(["sql", "--dataset", url, sql, "--csv", *more])
    out, err = capsys.readouterr()
    assert time.monotonic() - started < SECONDS
    return code, out, err


def _app(url: str, cache: Path) -> tuple[list[str], str | None, dict[str, int]]:
    """The sessions the library lists, its note on what it left out, and each session's steps."""
    from tracetui.dataset import open_dataset

    started = time.monotonic()
    lib = open_dataset(url, cache=cache)
    try:
        ids = sorted(r.id for r in lib.list_sessions())
        steps = {sid: len(lib.session(sid).steps) for sid in ids}
        return ids, lib.loading(), steps
    finally:
        lib.close()
        assert time.monotonic() - started < SECONDS


def _written(home: Path) -> list[str]:
    """Files this machine wrote outside its cache folder (the source folders are the test's own)."""
    return sorted(p.relative_to(home).as_posix() for p in home.rglob("*")
                  if p.is_file() and p.relative_to(home).parts[0] not in ("cache", "src"))  # fmt: skip


def _safe(*texts: str | None) -> None:
    for text in texts:
        assert not any(c in (text or "") for c in TERMINAL), text


UP = "/".join([".."] * 6)  # from a partition folder to the bucket's root: what the key climbs to
KEYS = {
    # A key that climbs: copied down, it would land outside the cache folder; read where it is, a
    # reader that tidies the path reads another object of the bucket (planted there: "outside").
    "dot-dot": f"{PART}/{UP}/{{name}}-escape.parquet",
    "dot-dot-far": f"{PART}/{UP}/{UP}/{UP}/{{name}}-escape.parquet",
    # `name//data/…`: no file of `name/data/…`, which `sql` copies (fsspec lists no such folder) and the
    # app never lists: left out by both.
    "absolute": f"/{PART}/absolute.parquet",
    "empty-part": f"{PART}//double.parquet",
    "dot": f"{PART}/./dot.parquet",
    # On a POSIX file system a backslash is a character of a name: one file, in the partition.
    "backslash": f"{PART}/..\\..\\..\\..\\..\\..\\{{name}}-escape.parquet",
    "nul": f"{PART}/nul\x00.parquet",
    "control": f"{PART}/esc\x1b]0;PWNED\x07\x9b31m\u202e.parquet",
    "long": f"{PART}/{'L' * 300}.parquet",  # S3 takes 1,024 bytes a key; a file system 255 a name
    "case": f"{PART}/PART-00000.parquet",  # beside part-00000.parquet
    "nfd": f"{PART}/" + unicodedata.normalize("NFD", "café.parquet"),  # beside the NFC one below
}
REFUSED = {"dot-dot", "dot-dot-far", "empty-part", "dot", "nul", "long"}


@pytest.mark.parametrize("case", sorted(KEYS))
def test_a_hostile_key_is_one_line_or_its_object_read_as_it_is(s3, home, capsys, case):
    name = f"key-{case}"
    key = KEYS[case].format(name=name)
    extra = {key: _session("literal")}
    if case == "nfd":
        extra[f"{PART}/" + unicodedata.normalize("NFC", "café.parquet")] = _session("composed")
    _, client = s3
    client.put_object(Bucket=BUCKET, Key=f"{name}-escape.parquet", Body=_session("outside"))
    url, _ = _upload(s3, home, name, extra)

    code, out, err = _sql(capsys, url)
    _safe(out, err)
    assert _written(home) == []
    assert not list(home.rglob("*escape.parquet")) or case == "backslash"
    ids, note, steps = _app(url, home / "cache" / "listings")
    _safe(note)
    assert "outside" not in ids  # nothing read from outside the dataset
    if case in REFUSED:  # a name that is no local path: the copy is refused, in one line naming it
        assert code == 1 and out == "" and err.count("\n") == 1 and err.startswith("tracetui: "), err
        assert "no local path" in err or "cannot copy" in err
    else:
        assert code == 0, err
        assert {"s1", "s2"} <= set(out.split()[1:]) <= set(ids)
    # The library reads each object where its key says (S3 keys are names, not paths: no `..` is
    # walked), so it lists the planted session or leaves it out; never the one outside the dataset.
    assert {"s1", "s2"} <= set(ids) <= {"s1", "s2", "literal", "composed"}
    assert steps["s1"] == steps["s2"] == 1


SESSIONS_Y = "data/sessions/machine=y/agent=pi/month=2026-01/part-00000.parquet"  # another machine's file
GOOD = _parquet({"session_id": ["bad"], "agent": ["pi"], "title": ["bad"]})
ESCAPES = "ti\x1b]0;PWNED\x07[bold red]x[/]\x9b31m\u202etle"
CONTENTS: dict[str, bytes] = {
    "not-parquet": b"not parquet at all",
    "zero-bytes": b"",
    "magic-only": b"PAR1 not parquet at all PAR1",
    "truncated": GOOD[: len(GOOD) // 2],
    "cut-tail": GOOD[:-1],
    # The footer says its metadata is 4 GB long: a reader that believed it would ask for gigabytes.
    "footer-4gb": GOOD[:-8] + (0xFFFFFFF0).to_bytes(4, "little") + b"PAR1",
    "flipped": GOOD[:8] + bytes(b ^ 0xFF for b in GOOD[8:-8]) + GOOD[-8:],
    "wrong-types": _parquet({"session_id": [1, 2], "agent": [3, 4], "started": ["yesterday", "now"],
                             "steps": ["many", "few"], "models": [7, 8]}),
    "hostile-values": _parquet({"session_id": ["evil\x1b[2J"], "agent": ["pi"], "title": [ESCAPES * 3],
                                "cwd": ["[link=file:///etc/passwd]x[/link]" + ESCAPES],
                                "project": ["p" * (2 << 20)], "models": [[ESCAPES]]}),
    # A row that names what is not its own: its listing's `file`, a partition elsewhere; and a column
    # `filename`, which the listing's own read adds (DuckDB refuses the file: it is left out, with a
    # note). It took every other machine's sessions with it: each file read alone was read with the
    # columns of all the machines met in the batch, and machine x's file has no `cwd`.
    "names-outside": _parquet({"session_id": ["s9"], "agent": ["pi"], "machine": ["../../other"],
                               "file": [f"s3://{BUCKET}/other/{SESSIONS_Y}"],
                               "filename": [f"s3://{BUCKET}/other/{SESSIONS_Y}"], "cwd": ["/etc"]}),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CONTENTS))
def test_a_hostile_object_is_answered_on_s3_as_the_same_file_is_on_disk(s3, home, capsys, case):
    name = f"content-{case}"
    url, folder = _upload(s3, home, name, {SESSIONS_Y: CONTENTS[case]}, local=True)
    results = {}
    for where, place in (("s3", url), ("local", str(folder))):
        code, out, err = _sql(capsys, place)
        ids, note, steps = _app(place, home / "cache" / f"listings-{where}")
        results[where] = (code, out, err, ids, note, steps)
        _safe(out, err, note)
        assert err.count("\n") <= 1, err
    s3_code, s3_out, s3_err, s3_ids, s3_note, s3_steps = results["s3"]
    code, out, err, ids, note, steps = results["local"]
    # As on disk: the same rows or a one-line error for `sql` (a damaged file fails the query, its
    # name in the line), the same sessions listed by the app and the same note on what it left out.
    assert (s3_code, s3_out, s3_ids, s3_steps, s3_note is None) == (code, out, ids, steps, note is None)
    assert bool(s3_err) == bool(err) == (code == 1)
    assert s3_ids[-2:] == ["s1", "s2"] and s3_steps["s1"] == s3_steps["s2"] == 1
    assert _written(home) == []
