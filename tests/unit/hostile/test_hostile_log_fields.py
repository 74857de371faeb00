"""A hostile log's structure: every field a reader reads, given a value of every wrong type, and
numbers no 64-bit writer takes, cost at most the record that holds them, never the session.

The invariant checked after each read is the model's: every field has its declared type, every
count fits in 64 bits, and the session serialises (the bucket's sidecar, `show --json`)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from support.hostile_fields import each_field, picked_files, times_replaced, model_problems, ODD_TIMES, PICKS, WRONG
from shared_data import FIXTURES

from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.model import SessionFilter
from tracetui.sources import read_session, registry
from tracetui.sources.common.jsonl import clean

sys.path.insert(0, str(FIXTURES))
from hostile import SESSIONS, hostile_logs



@pytest.mark.parametrize("agent", list(PICKS))
def test_every_field_of_every_wrong_type_is_read_without_harm(tmp_path, agent):
    reader = registry.get(agent)
    tried = 0
    # Only the field's file differs from the picked log at any time (each_field writes every other
    # file back as it was), so a group without it holds the same bytes as the last time it was read:
    # it is read and checked once, not again for each field of its sibling's (half of Gemini's and
    # Copilot's reads).
    unchanged: set[tuple[Path, ...]] = set()
    for field in each_field(agent, tmp_path):
        for value in WRONG:
            field.write(value, None)
            for group in reader.group(field.files):
                if field.path not in group.all:
                    if tuple(group.all) in unchanged:
                        continue
                    unchanged.add(tuple(group.all))
                session = read_session(group)  # never raises
                problems = model_problems(session)
                assert not problems, (field.path.name, field.where, value, problems)
            tried += 1
    assert tried > 300


def test_numbers_no_64_bit_writer_takes_keep_every_session_and_step(tmp_path, capsys):
    """Times, counts, exit codes and line numbers at the edge of what JSON readers take, and the
    same written in text where readers parse them: every session is kept with every step."""
    plain = hostile_logs(tmp_path / "plain", tmp_path / "canary")
    forged = hostile_logs(tmp_path / "forged", tmp_path / "canary", numbers=True)
    steps: dict[str, list[int]] = {}
    for name, sources in (("plain", plain), ("forged", forged)):
        with Bucket.open(tmp_path / f"b-{name}") as bucket:
            report = bucket.sync(sources)
            assert report.sessions == SESSIONS, report.errors
            rows = bucket.list_sessions(SessionFilter(include_hidden=True))
            steps[name] = sorted(r.steps for r in rows)
            for row in rows:
                assert not model_problems(bucket.session(row.id))
    assert steps["forged"] == steps["plain"]
    with Bucket.open(tmp_path / "b-forged") as bucket:
        ids = [r.id for r in bucket.list_sessions(SessionFilter(include_hidden=True))]
    for sid in ids:
        assert main(["--bucket", str(tmp_path / "b-forged"), "show", sid, "--json"]) == 0
        out = capsys.readouterr().out
        assert out.startswith("{"), out[:300]
        orjson.loads(out)
        assert main(["--bucket", str(tmp_path / "b-forged"), "show", sid]) == 0
        capsys.readouterr()
    assert main(["--bucket", str(tmp_path / "b-forged"), "ls", "--json"]) == 0


def test_a_line_only_pythons_parser_reads_keeps_its_numbers_writable(tmp_path):
    """A lone surrogate sends a line to the salvage parser, which reads numbers of any length and
    NaN: they come out as orjson would have read them, and the session is kept."""
    line = (
        '{"type": "message", "id": "m1", "parentId": null, "timestamp": "2026-01-01T00:00:00Z", "message": '
        '{"role": "assistant", "content": [{"type": "text", "text": "hi \\ud800"}], "usage": {"input": '
        + "9" * 40
        + ', "output": NaN, "cacheRead": Infinity, "cacheWrite": -1}, "x": '
        + "9" * 400
        + "}}\n"
    )
    header = (
        '{"type": "session", "version": 3, "id": "s1", "timestamp": "2026-01-01T00:00:00Z", "cwd": "/p"}\n'
    )
    (tmp_path / "s.jsonl").write_text(header + line)
    with Bucket.open(tmp_path / "b") as bucket:
        report = bucket.sync({"pi": [tmp_path]})
        assert report.sessions == 1, report.errors
        (row,) = bucket.list_sessions(SessionFilter(include_hidden=True))
        session = bucket.session(row.id)
    assert not model_problems(session)
    assert any("hi" in s.text for s in session.steps)
    assert clean(10**40) == 1e40 and clean(-(10**400)) is None and clean(2**64 - 1) == 2**64 - 1


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0),
        ("-2", -2),
        ("127", 127),
        ("9" * 14, None),
        ("\u0663", None),
        ("1_0", None),
        ("", None),
        ("-", None),
    ],
)
def test_a_number_in_text_is_ascii_digits_in_range(text, value):
    from tracetui.sources.common.coerce import parse_count

    assert parse_count(text) == value


# Keys that carry ids or name a parent, a call or a message, in the six formats.
ID_KEYS = frozenset(
    {
        "uuid",
        "parentUuid",
        "logicalParentUuid",
        "id",
        "parentId",
        "parentID",
        "messageID",
        "callID",
        "call_id",
    }
    | {"tool_use_id", "toolCallId", "sessionId"}
)


def _remap(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {
            k: names.get(v, v) if k in ID_KEYS and isinstance(v, str) else _remap(v, names)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_remap(v, names) for v in value]
    return value


def _ids(value: Any, found: set[str]) -> set[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ID_KEYS and isinstance(v, str):
                found.add(v)
            _ids(v, found)
    elif isinstance(value, list):
        for v in value:
            _ids(v, found)
    return found


@pytest.mark.parametrize("agent", list(PICKS))
@pytest.mark.parametrize(
    "how", ["every line twice", "one id for all", "ids rotated into cycles", "lines reversed"]
)
def test_duplicate_and_cyclic_ids_end_and_keep_step_ids_unique(tmp_path, agent, how):
    """Parents that point at each other, or at themselves, and ids written twice: the read ends,
    every step id is unique (the app and the index find steps by id) and the shape is made."""
    from tracetui.views.session_shape import shape_of

    _, files = picked_files(agent, tmp_path)
    for path in files:
        if path.suffix != ".jsonl":
            continue
        lines = [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
        ids = sorted(_ids(lines, set()))
        if how == "every line twice":
            lines = lines + lines
        elif how == "one id for all":
            lines = _remap(lines, dict.fromkeys(ids, "same"))
        elif how == "ids rotated into cycles":
            lines = _remap(lines, dict(zip(ids, ids[1:] + ids[:1], strict=True)))
        else:
            lines = lines[:1] + lines[:0:-1]
        path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    for group in registry.get(agent).group(files):
        session = read_session(group)
        assert not model_problems(session)
        step_ids = [s.id for s in session.steps]
        assert len(set(step_ids)) == len(step_ids)
        shape_of(session)


@pytest.mark.parametrize("odd", ODD_TIMES, ids=lambda v: repr(v)[:24])
def test_times_out_of_range_or_malformed_keep_every_session_listable(tmp_path, capsys, odd):
    """Every time of every record (ISO strings, epoch numbers) set to one out-of-range or malformed
    value: every session is kept, listed (sorted, filtered by date) and shown."""
    sources: dict[str, list[Path]] = {}
    for agent, source in PICKS.items():
        dest = tmp_path / "src" / agent
        if source.is_dir():
            shutil.copytree(source, dest)
        else:
            dest.mkdir(parents=True)
            shutil.copyfile(source, dest / source.name)
        for path in dest.rglob("*"):
            if path.suffix == ".jsonl":
                lines = path.read_bytes().splitlines()
                path.write_bytes(
                    b"".join(orjson.dumps(times_replaced(orjson.loads(x), odd)) + b"\n" for x in lines if x.strip())
                )
            elif path.suffix == ".json":
                path.write_bytes(orjson.dumps(times_replaced(orjson.loads(path.read_bytes()), odd)))
        sources[agent] = [dest]
    with Bucket.open(tmp_path / "b") as bucket:
        report = bucket.sync(sources)
        ids = [r.id for r in bucket.list_sessions(SessionFilter(include_hidden=True))]
    assert report.sessions == SESSIONS, report.errors
    b = ["--bucket", str(tmp_path / "b")]
    for argv in (["ls"], ["ls", "--json"], ["ls", "--all"], ["search", "the"], ["search", "the", "--json"]):
        assert main([*b, *argv]) == 0
    for sid in ids:
        assert main([*b, "show", sid]) == 0
        assert main([*b, "show", sid, "--json"]) == 0
    capsys.readouterr()


def _deep(levels: int) -> bytes:
    return b"[" * levels + b'"bottom"' + b"]" * levels


@pytest.mark.parametrize("levels", [1_100, 100_000])
def test_a_record_nested_past_any_parser_keeps_its_step_with_the_deep_partreplaced(tmp_path, levels):
    """A JSONL record with one value nested thousands of levels deep (orjson stops at 1,024, Python
    near 1,000) is read with that value replaced and a note, not dropped."""
    header = b'{"type":"session","version":3,"id":"s1","timestamp":"2026-01-01T00:00:00Z","cwd":"/p"}\n'
    line = (
        b'{"type":"message","id":"m1","parentId":null,"timestamp":"2026-01-01T00:00:01Z","message":'
        b'{"role":"user","content":"keep me","extra":' + _deep(levels) + b"}}\n"
    )
    log = tmp_path / "s.jsonl"
    log.write_bytes(header + line)
    session = read_session(registry.get("pi").group([log])[0])
    assert any(s.text == "keep me" for s in session.steps)
    assert [e.line for e in session.errors] == [2] and "nested deeper" in session.errors[0].error
    assert not model_problems(session)


@pytest.mark.parametrize(
    ("agent", "document"),
    [
        (
            "gemini",
            FIXTURES / "gemini" / "tmp" / "garden" / "chats" / "session-2025-10-21T20-04-0b23aaaa.json",
        ),
        ("codex", FIXTURES / "codex" / "rollout-2025-08-19-7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d.json"),
    ],
)
def test_a_whole_document_log_nested_too_deep_in_one_place_keeps_its_session(tmp_path, agent, document):
    """Logs that are one JSON document (Gemini's v1, Codex's legacy rollouts): one value nested past
    the parsers' depth used to cost every step of the session."""
    plain = read_session(registry.get(agent).group([document])[0])
    doc = orjson.loads(document.read_bytes())
    doc["tracetui_deep"] = "PLACE"
    path = tmp_path / document.name
    path.write_bytes(orjson.dumps(doc).replace(b'"PLACE"', _deep(5_000)))
    session = read_session(registry.get(agent).group([path])[0])
    assert len(session.steps) == len(plain.steps) > 0
    assert any("nested deeper" in e.error for e in session.errors)
