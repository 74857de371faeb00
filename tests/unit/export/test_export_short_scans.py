"""The export's second gate scans less of what it cannot learn anything new from: a short text (a step
id, a word) once per identity for the export (`export/short_scans.py`), and a Parquet row's column
names, the writer's own keys, not at all (`scrub.gate_texts`); the files are those it made before."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest
from support.gate_kit import V3, scanned_texts, twins_bucket

from tracetui.bucket import Bucket
from tracetui.capsule import scrub
from tracetui.export import ExportOptions, export
from tracetui.export import short_scans as short_scans_module
from tracetui.export.run import Exporter
from tracetui.export.short_scans import SHORT, ShortScans
from tracetui.export.tables import OWN_KEYS
from tracetui.redact import Identity, Scanning, TextScanner
from tracetui.redact.finding import AUTO, GATE_OUT_OF_TIME, Finding

pq = pytest.importorskip("pyarrow.parquet")

TWINS = [V3, "44444444-aaaa-4bbb-8ccc-000000000004", "55555555-aaaa-4bbb-8ccc-000000000005"]


class _Counting:
    """A TextScanner's face that says what it was asked to scan, and finds `found` in a text."""

    def __init__(self, found: dict[str, list[Finding]] | None = None, later: bool = False) -> None:
        self.asked: list[str] = []
        self.found = found or {}
        self.later = later  # answers come from `results`, as from the workers
        self.pending: dict[int, list[list[Finding]]] = {}

    def submit(self, texts: list[str], identity: Identity | None) -> Scanning:
        self.asked.extend(texts)
        answers = [list(self.found.get(t, [])) for t in texts]
        if not self.later:
            return Scanning(done=answers)
        self.pending[len(self.pending)] = answers
        return Scanning(tickets=[len(self.pending) - 1])

    def results(self, scanning: Scanning) -> list[list[Finding]]:
        return scanning.done if scanning.done is not None else self.pending[scanning.tickets[0]]

    def scan(self, texts: list[str], identity: Identity | None) -> list[list[Finding]]:
        return self.results(self.submit(texts, identity))

    def close(self) -> None:
        pass


def _short(
    found: dict[str, list[Finding]] | None = None, later: bool = False
) -> tuple[ShortScans, _Counting]:
    inner = _Counting(found, later)
    return ShortScans(inner), inner  # type: ignore[arg-type]  # the scanner's face is all it uses


def test_a_short_text_is_scanned_once_per_identity():
    scans, inner = _short({"L12": [Finding(0, 3, "host-name", AUTO, "identity:host-name")]})
    alice, bob = Identity(host_names={"L12"}), Identity(host_names={"bob-box"})
    long = "x" * (SHORT + 1)
    first = scans.scan(["L12", long, "role"], alice)
    again = scans.scan(["role", "L12", long], alice)
    assert first[0] == again[1] and first[0][0].kind == "host-name"  # the answer given, in its place
    assert again[0] == [] and first[1] == again[2] == []
    assert inner.asked == ["L12", long, "role", long]  # the long text scanned every time it is given
    scans.scan(["L12"], bob)
    scans.scan(["L12"], None)
    assert inner.asked[-2:] == ["L12", "L12"]  # another identity's answer is its own


def test_texts_on_the_workers_are_remembered_once_their_answers_are_in():
    scans, inner = _short({"L7": [Finding(0, 2, "host-name", AUTO, "identity:host-name")]}, later=True)
    first = scans.submit(["L7", "role"], None)
    ahead = scans.submit(["role"], None)  # the next session's, before the first's answers are taken
    assert scans.results(first)[0][0].kind == "host-name" and scans.results(ahead) == [[]]
    assert scans.results(first) == scans.results(first)  # taken once, given again
    assert scans.scan(["role", "L7"], None)[1][0].kind == "host-name"
    assert inner.asked == ["L7", "role", "role"]


def test_an_answer_cut_short_by_the_time_limit_is_not_remembered():
    late = [Finding(0, 4, "unscanned", AUTO, GATE_OUT_OF_TIME)]
    scans, inner = _short({"slow": late})
    assert scans.scan(["slow"], None) == [late]
    assert scans.scan(["slow"], None) == [late]
    assert inner.asked == ["slow", "slow"]


def test_the_memory_starts_again_past_its_bound(monkeypatch):
    monkeypatch.setattr(short_scans_module, "SHORT_MOST", 2)
    scans, inner = _short()
    scans.scan(["a1", "a2", "a3"], None)
    scans.scan(["a1", "a3"], None)
    assert inner.asked == ["a1", "a2", "a3", "a1"]  # a3 came after the start again


def test_gate_texts_leaves_out_the_writers_keys_at_the_top_of_a_record():
    row = {"role": "user", "text": "role", "meta": {"role": "x"}, "password": "hunter22"}
    members = {"steps.jsonl": orjson.dumps(row, option=orjson.OPT_SORT_KEYS)}
    every = [t for _, _, t in scrub.gate_texts(members)]
    own = [t for _, _, t in scrub.gate_texts(members, dict.fromkeys(("role", "text", "meta"), frozenset()))]
    assert {"role", "text", "meta"} <= set(every)
    # "role" is still read as a value and as a nested key; the credential's pair still as the record has it
    assert "text" not in own and "meta" not in own and "role" in own and "password" in own
    assert '{"password":"hunter22"}' in own and "hunter22" in own and "user" in own
    # A value that is one of its key's own words is the writer's too; any other value is read.
    worded = [t for _, _, t in scrub.gate_texts(members, {"role": frozenset({"user"}), "text": frozenset({"x"})})]
    assert "user" not in worded and "role" in worded and "x" in worded  # deeper: read


def _export(bucket: Path, dest: Path) -> dict[str, list[dict]]:
    with Bucket.open(bucket) as b:
        report = export(b, dest, ExportOptions("parquet"))
    assert report.written == len(TWINS) and report.refused == []
    return {
        p.relative_to(dest).as_posix(): pq.read_table(p).to_pylist() for p in sorted(dest.rglob("*.parquet"))
    }


def test_a_parquet_export_scans_no_column_name_and_a_step_id_once(tmp_path, monkeypatch):
    bucket = twins_bucket(tmp_path, TWINS)
    texts = scanned_texts(monkeypatch)
    made = _export(bucket, tmp_path / "out")
    # A column's name is scanned only where a row holds it as a value (a patch's state `added`).
    values = {v for rows in made.values() for row in rows for v in _strings(list(row.values()))}
    assert texts and set(OWN_KEYS) & set(texts) <= values and len(set(OWN_KEYS) - values) > 40
    short = [t for t in texts if len(t) <= SHORT]
    assert short and len(short) == len(set(short))  # the twins share an identity: once for the three
    # The files are those of a gate that reads every text of every session.
    shutil.rmtree(bucket / "cache")
    monkeypatch.setattr(Exporter, "__init__", _reading_everything(Exporter.__init__))
    assert _export(bucket, tmp_path / "every") == made


def _strings(obj: object) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for k, v in obj.items() for s in [k, *_strings(v)]]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return []


def _reading_everything(init):
    def reading(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.scanner, self.own_keys = TextScanner(), frozenset()

    return reading
