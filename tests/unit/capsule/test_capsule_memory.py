"""Hostile capsules built to cost memory: each is opened, verified and replayed (no check) in a child
process whose peak resident memory is held to a bound, and each one over a limit is refused in one
line that names the limit (docs/internals/capsule.md, "What opening may cost")."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from shared_data import FIXTURES
from support.peak_memory import run_measured

from tracetui.capsule import manifest as mf
from tracetui.capsule import opened
from tracetui.capsule.archive import read_archive, write_archive

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402

Members = dict[str, bytes]


@pytest.fixture(scope="module")
def sealed(tmp_path_factory) -> tuple[Path, Members]:
    from tracetui.capsule import seal

    tmp = tmp_path_factory.mktemp("memory")
    repo, _ = kit.make_repo(tmp)
    session = kit.make_session(repo)
    seal(session, kit.empty_plan(session), repo=repo, out=tmp / "ok.capsule", secret=b"\x07" * 32)
    return repo, read_archive((tmp / "ok.capsule").read_bytes(), mf.ALLOWED)


def _trail(members: Members) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in members[mf.TRAIL].splitlines()]


def _patches(count: int) -> Callable[[Members], Members]:
    """`count` one-line patches, each creating a file of its own: session 55's 310 KB capsule of
    50,000 of them took 143 MB to open."""

    def build(members: Members) -> Members:
        first = _trail(members)[0]
        hunk = {"old_start": 0, "old_lines": 0, "new_start": 1, "new_lines": 1}
        records = [{**first, "path": f"t/f{i}.txt", "op": "create", "step": first["step"],
                    "hunks": [{**hunk, "lines": [f"+{i}"]}]} for i in range(count)]  # fmt: skip
        return {**members, mf.TRAIL: mf.canonical_lines(records)}

    return build


def _values_in_trace(count: int) -> Callable[[Members], Members]:
    """Tool inputs of `count` numbers in all: the trace stays parsed, so its values are counted."""

    def build(members: Members) -> Members:
        records = [orjson.loads(line) for line in members[mf.TRACE].splitlines()]
        calls = [r for r in records if r.get("tool_input")]  # two: no record over the limit of one
        for i, call in enumerate(calls):
            call["tool_input"] = {**call["tool_input"], "wide": list(range(i, count, len(calls)))}
        return {**members, mf.TRACE: mf.canonical_lines(records)}

    return build


def _values_in_one_patch(count: int) -> Callable[[Members], Members]:
    """One patch whose hunk holds `count` lines of one character: a record parsed whole to be checked."""

    def build(members: Members) -> Members:
        first = _trail(members)[0]
        hunk = {"old_start": 0, "old_lines": 0, "new_start": 1, "new_lines": count, "lines": ["+"] * count}
        return {**members, mf.TRAIL: mf.canonical_lines([{**first, "hunks": [hunk]}])}

    return build


def _deep_patch(levels: int) -> Callable[[Members], Members]:
    """A patch nested deeper than orjson writes: written by hand, as no JSON writer would."""

    def build(members: Members) -> Members:
        line = mf.canonical(_trail(members)[0])
        return {**members, mf.TRAIL: line[:-1] + b',"z":' + b"[" * levels + b"]" * levels + b"}\n"}

    return build


def _deep_step(levels: int) -> Callable[[Members], Members]:
    """A tool input nested `levels` deep: the code that shows a trace step walks it."""

    def build(members: Members) -> Members:
        records = [orjson.loads(line) for line in members[mf.TRACE].splitlines()]
        deep: Any = "x"
        for _ in range(levels):
            deep = {"k": deep}
        next(r for r in records if r.get("tool_input"))["tool_input"]["deep"] = deep
        return {**members, mf.TRACE: mf.canonical_lines(records)}

    return build


def _huge_string(size: int) -> Callable[[Members], Members]:
    """One patch holding a string of `size` bytes that deflate cannot shrink much (a 64 KB random block
    repeated, longer than its window), so the capsule is not refused for its inflation first."""

    def build(members: Members) -> Members:
        block = os.urandom(48 << 10).hex()
        first = _trail(members)[0]
        text = "+" + (block * (size // len(block) + 1))[: size - 1]
        hunk = {"old_start": 0, "old_lines": 0, "new_start": 1, "new_lines": 1, "lines": [text]}
        record = {**first, "hunks": [hunk]}
        # The line, not only its string, is `size` bytes.
        record["hunks"][0]["lines"][0] = text[: size - (len(mf.canonical(record)) - size)]
        return {**members, mf.TRAIL: mf.canonical_lines([record])}

    return build


def _rewrap(members: Members) -> bytes:
    payload = {k: v for k, v in members.items() if k in mf.PAYLOAD}
    listed = {k: mf.member_entry(v) for k, v in sorted(payload.items())}
    manifest = {**orjson.loads(members[mf.MANIFEST]), "members": listed}
    return write_archive({mf.MANIFEST: mf.canonical(manifest), **payload})


# Open, verify and (where the capsule is read) replay with no check, in a child process: its verdict,
# and its peak resident memory (support.peak_memory).
CHILD = """
import sys
from pathlib import Path
from tracetui.capsule import CapsuleError, open_capsule, verify
from tracetui.capsule.replay import Replay
try:
    capsule = open_capsule(sys.argv[1])
    verify(sys.argv[1])
    steps = Replay(capsule, Path(sys.argv[2]), "0" * 40, sandbox=None).steps  # grouped, as a replay does
    applied = sum(1 for step in steps for _ in step.patches)
    print("accepted", applied)
except CapsuleError as exc:
    print("refused:", exc)
"""

# name, what the capsule is made of, what opening it says, the most resident memory it may take (MB).
# The interpreter and tracetui's imports take about 30 MB of it.
CASES = [
    ("patches at the limit", _patches(opened.MAX_PATCHES), "accepted 100000", 150),
    ("patches over the limit", _patches(opened.MAX_PATCHES + 1), "holds over 100000 patches", 150),
    ("values in the trace at the limit", _values_in_trace(opened.MAX_VALUES - 1_000), "accepted", 300),
    ("values in the trace over the limit", _values_in_trace(opened.MAX_VALUES), "over 2000000 JSON", 100),
    ("values in one patch at the limit", _values_in_one_patch(mf.MAX_RECORD_VALUES - 100), "accepted 1", 200),
    ("values in one patch over the limit", _values_in_one_patch(mf.MAX_RECORD_VALUES), "over 1000000", 100),
    ("a patch nested too deep", _deep_patch(2000), "trail.jsonl is not valid JSON", 100),
    ("a step nested too deep", _deep_step(200), "trace.jsonl line 3 is nested too deeply", 100),
    ("a huge string at the limit", _huge_string(mf.MAX_LINE - 4096), "accepted 1", 300),
    ("a huge string over the limit", _huge_string(mf.MAX_LINE + 1), "over the 33554432-byte limit", 300),
]  # fmt: skip


@pytest.mark.parametrize(("name", "build", "said", "most_mb"), CASES, ids=[c[0] for c in CASES])
def test_a_hostile_capsule_costs_bounded_memory_and_says_which_limit(sealed, tmp_path, name, build, said,
                                                                     most_mb):
    repo, members = sealed
    path = tmp_path / "hostile.capsule"
    path.write_bytes(_rewrap(build(dict(members))))
    out = run_measured(CHILD, str(path), str(repo), timeout=300)
    lines = out.stdout.splitlines()
    assert len(lines) == 1 and out.peak_kb > 0, out.stderr[-2000:]
    verdict, peak_mb = lines[0], out.peak_mb
    assert said in verdict, verdict
    assert "\n" not in verdict and len(verdict) < 200
    assert peak_mb <= most_mb, f"{name}: {peak_mb} MB"
    print(f"{name}: {peak_mb} MB, {path.stat().st_size} bytes: {verdict}")


def test_the_trail_is_read_from_its_bytes_and_gives_the_records_sealed(sealed, tmp_path):
    from tracetui.capsule import open_capsule
    from tracetui.capsule.trail_records import TrailRecords

    repo, members = sealed
    built = _patches(300)(dict(members))
    path = tmp_path / "many.capsule"
    path.write_bytes(_rewrap(built))
    capsule = open_capsule(path)
    assert isinstance(capsule.fates, TrailRecords)
    assert list(capsule.fates) == _trail(built) and len(capsule.fates) == 300
    assert capsule.fates[-1] == capsule.fates[299] == _trail(built)[299]
    assert capsule.fates[5:7] == _trail(built)[5:7]
    capsule.fates[0]["path"] = "changed"  # a reader's copy: nothing kept changes
    assert capsule.fates[0]["path"] == "t/f0.txt"
    with pytest.raises(IndexError):
        capsule.fates[300]


def test_a_long_apply_says_how_far_it_is_and_stops_when_told(sealed, tmp_path, monkeypatch):
    import importlib

    from tracetui.capsule import open_capsule, open_replay

    replay_mod = importlib.import_module("tracetui.capsule.replay")  # the package's `replay` is the function

    repo, members = sealed
    path = tmp_path / "many.capsule"
    built = _patches(200)(dict(members))
    records = _trail(built)
    for i, record in enumerate(records):
        record["step"] = f"s{i}"  # a step each: 200 steps
    path.write_bytes(_rewrap({**built, mf.TRAIL: mf.canonical_lines(records)}))
    capsule = open_capsule(path)
    monkeypatch.setattr(replay_mod, "PROGRESS_SECONDS", 0.0)
    said: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        said.append((done, total))
        if done == 120:
            raise KeyboardInterrupt  # Ctrl-C, or a face that closes the replay

    with open_replay(capsule, repo) as run:
        assert run.worktree is not None
        assert [s.step for s in run.steps] == [f"s{i}" for i in range(200)]
        with pytest.raises(KeyboardInterrupt):
            run.apply_all(progress)
        assert said == [(i, 200) for i in range(1, 121)]
        assert run.applied == 120 and run.failed == 0 and run.position == 120
        assert (run.worktree / "t" / "f119.txt").read_text() == "119\n"
        run.apply_all()
        assert run.applied == 200 and (run.worktree / "t" / "f199.txt").exists()
