"""What the export gate's tests share: buckets of Pi sessions made from one fixture log, and the texts
the gate sends its scanner."""

from __future__ import annotations

from pathlib import Path

from shared_data import FIXTURES

from tracetui.cli import main
from tracetui.redact import TextScanner

V3 = "33333333-aaaa-4bbb-8ccc-000000000003"  # the session id of the fixture's v3 tree


def v3_tree() -> str:
    return (FIXTURES / "pi" / "v3_tree.jsonl").read_text()


def pi_bucket(tmp_path: Path, logs: dict[str, str]) -> Path:
    """A bucket synced from Pi logs (file name: text) written to `tmp_path/src`."""
    src = tmp_path / "src"
    src.mkdir()
    for name, text in logs.items():
        (src / name).write_text(text)
    bucket = tmp_path / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"pi={src}", "--json"]) == 0
    return bucket


def twins_bucket(tmp_path: Path, ids: list[str]) -> Path:
    """One session of the v3 tree per id (the first of `ids` is usually V3 itself): one partition."""
    tree = v3_tree()
    return pi_bucket(tmp_path, {f"s{n}.jsonl": tree.replace(V3, sid) for n, sid in enumerate(ids)})


def scanned_texts(monkeypatch) -> list[str]:
    """The texts sent to the gate's scanner from now on (filled as they are sent)."""
    texts: list[str] = []
    submit = TextScanner.submit

    def watched(self, batch, identity):
        texts.extend(batch)
        return submit(self, batch, identity)

    monkeypatch.setattr(TextScanner, "submit", watched)
    return texts


def no_value_in(dest: Path, value: str) -> None:
    """Assert no file below `dest` holds `value`, nor a Parquet file's rows once read."""
    import pyarrow.parquet as pq

    for path in dest.rglob("*"):
        if path.is_file():
            assert value.encode() not in path.read_bytes(), path
            if path.suffix == ".parquet":
                assert value not in str(pq.read_table(path).to_pylist()), path
