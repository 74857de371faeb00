"""Every check and every apply is bounded, and a bound reached is said as such, never as a verdict.

Issue 32's attack ran 406 processes, a 2 GiB allocation, 300 MB files on the host's disk and in the
RAM-backed /tmp and two 20 s busy loops, bounded only by 600 s of wall clock per run; a 162 KB
capsule of one 10 M-line string and 20 steps took 93 s to apply, with no check at all."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import orjson
import pytest
from shared_data import FIXTURES

from tracetui.capsule import INCONCLUSIVE, CheckLimits, open_capsule, replay, seal
from tracetui.capsule import manifest as mf
from tracetui.capsule.archive import read_archive, write_archive
from tracetui.capsule.sandbox import find_sandbox

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit
from support.check_memory import GROUP, settled  # noqa: E402, F401  (settled: an autouse fixture)

pytestmark = GROUP

needs_sandbox = pytest.mark.skipif(find_sandbox() is None, reason="bubblewrap is not usable on this machine")
SECRET = b"\x06" * 32
MiB = 1 << 20


@pytest.fixture(scope="module")
def sealed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("limits")
    repo, _ = kit.make_repo(tmp)
    session = kit.make_session(repo)
    seal(session, kit.empty_plan(session), repo=repo, out=tmp / "ep.capsule", secret=SECRET)
    return repo, tmp / "ep.capsule"


def _run(sealed, check: str, **limits: int):
    repo, capsule = sealed
    started = time.monotonic()
    result = replay(capsule, repo, check=check, limits=CheckLimits(**limits) if limits else CheckLimits())
    return result, time.monotonic() - started


# A shell loop, not a fork bomb: it stops by itself at 400 whether or not a limit stops it first.
PROCESSES = "i=0; while [ $i -lt 400 ]; do sleep 30 & i=$((i+1)); done; echo STARTED=$i; wait; exit 1"
ALLOCATE = "python3 -c 'b = bytearray(2 << 30); print(\"ALLOCATED\")'; exit 1"
BIG_FILE = "truncate -s 1G big.bin && echo WRITTEN; exit 1"
WRITE_FILE = "head -c 12582912 /dev/zero > big.bin && echo WRITTEN; exit 1"
MANY_FILES = "i=0; while [ $i -lt 60 ]; do head -c 1048576 /dev/zero > f$i; i=$((i+1)); sleep 0.05; done; exit 1"
SPIN = "(while :; do :; done) & (while :; do :; done) & wait; exit 1"
RESIDENT = (
    "for i in 1 2 3; do python3 -c 'import time; b = b\"x\" * (120 << 20); time.sleep(20)' & done; wait; exit 1"
)
TMP_FILL = "head -c 100000000 /dev/zero > /tmp/fill && echo FILLED; exit 1"


@needs_sandbox
@pytest.mark.parametrize(
    ("check", "limits", "limit", "words"),
    [
        (PROCESSES, {}, "processes", "process limit (256 processes)"),
        (ALLOCATE, {}, "memory", "memory limit (2 GiB)"),
        (BIG_FILE, {}, "file_size", "file size limit (512 MiB)"),
        (WRITE_FILE, {"file_size": 4 * MiB}, "file_size", "file size limit (4 MiB)"),
        (MANY_FILES, {"disk": 16 * MiB}, "disk", "disk limit (16 MiB)"),
        (SPIN, {"cpu_seconds": 2}, "cpu_seconds", "CPU time limit (2 s)"),
        (RESIDENT, {"memory": 256 * MiB}, "memory", "memory limit (256 MiB)"),
    ],
    ids=["processes", "allocation", "sparse-file", "written-file", "disk", "cpu", "resident"],
)
def test_a_limit_hit_is_reported_as_such(sealed, check, limits, limit, words):
    result, took = _run(sealed, check, **limits)
    assert result.verdict == INCONCLUSIVE, result.reason
    assert result.base_check is not None and result.base_check.limit == limit, result.base_check.output
    assert result.reason == f"the check hit its {words} at the base commit"
    assert took < 60
    assert "ALLOCATED" not in result.base_check.output and "WRITTEN" not in result.base_check.output


@needs_sandbox
def test_the_private_tmp_is_capped(sealed):
    result, _ = _run(sealed, TMP_FILL, tmp=16 * MiB, small_tmp=16 * MiB)
    out = result.base_check.output if result.base_check else ""
    assert "FILLED" not in out and "No space left" in out


@needs_sandbox
def test_within_its_limits_a_check_gives_its_verdict(sealed):
    result, _ = _run(sealed, "i=0; while [ $i -lt 20 ]; do sleep 0.1 & i=$((i+1)); done; wait; exit 1")
    assert result.base_check is not None and result.base_check.limit is None and result.verdict != INCONCLUSIVE


def _forged(tmp_path: Path, records: list[dict]) -> Path:
    """A capsule whose trail is `records`, with a valid manifest (what an attacker can write)."""
    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "ok.capsule", secret=SECRET)
    members = read_archive((tmp_path / "ok.capsule").read_bytes(), mf.ALLOWED)
    manifest = orjson.loads(members[mf.MANIFEST])
    members[mf.TRAIL] = b"".join(orjson.dumps(r, option=orjson.OPT_SORT_KEYS) + b"\n" for r in records)
    payload = {k: v for k, v in members.items() if k in mf.PAYLOAD}
    manifest = {**manifest, "members": {k: mf.member_entry(v) for k, v in sorted(payload.items())}}
    out = tmp_path / "forged.capsule"
    out.write_bytes(write_archive({mf.MANIFEST: mf.canonical(manifest), **payload}))
    return out


def _touch_last_line(step: int, lines: int) -> dict:
    # A line number that is wrong on purpose: the matcher must search the whole file each time.
    return {"step": f"s{step}", "path": "big.txt", "op": "update", "old_start": 1,
            "hunks": [{"old_start": 1, "lines": [f"-x{lines - 1}", f"+x{lines - 1}"]}]}  # fmt: skip


def test_one_string_of_millions_of_lines_is_refused_at_once(tmp_path):
    # A million and a half lines in one JSON string (numbers: empty lines would inflate past the
    # capsule reader's compression-ratio limit and be refused before any replay).
    create = {"step": "s0", "path": "big.txt", "op": "create",
              "hunks": [{"lines": ["+" + "\n".join(str(i) for i in range(1_500_000))]}]}  # fmt: skip
    touch = {"step": "", "path": "big.txt", "op": "update", "old_start": 1, "hunks": [{"old_start": 1, "lines": ["-", "+y"]}]}
    capsule = _forged(tmp_path, [create, *({**touch, "step": f"s{i}"} for i in range(1, 21))])
    started = time.monotonic()
    result = replay(open_capsule(capsule), tmp_path / "proj")
    assert time.monotonic() - started < 20
    assert result.verdict == INCONCLUSIVE and result.applied == 0
    assert "too large" in (result.patches[0].reason or ""), result.patches[0].reason


def test_the_applies_budget_grows_with_the_patches(tmp_path, monkeypatch):
    """A sound capsule of many patches is applied whole on a busy machine: the applies' budget is a
    flat part and a part a patch (a flat 60 s cut one of 100,000 patches at 0.6 ms each)."""
    replay_mod = sys.modules["tracetui.capsule.replay"]  # the package's `replay` is the function
    records = [{"step": f"s{i}", "path": f"f{i}.txt", "op": "create", "hunks": [{"lines": ["+x"]}]}
               for i in range(5)]  # fmt: skip
    capsule = _forged(tmp_path, records)
    monkeypatch.setattr(replay_mod, "APPLY_SECONDS", 0.0)
    monkeypatch.setattr(replay_mod, "APPLY_SECONDS_A_PATCH", 60.0)
    result = replay(open_capsule(capsule), tmp_path / "proj")
    assert result.applied == 5, [p.reason for p in result.patches]
    monkeypatch.setattr(replay_mod, "APPLY_SECONDS_A_PATCH", 0.0)
    result = replay(open_capsule(capsule), tmp_path / "proj")
    assert result.applied == 0 and all("took too long" in (p.reason or "") for p in result.patches)


def test_many_steps_on_a_huge_file_end_within_the_replays_one_deadline(tmp_path):
    lines = 900_000  # under every per-file cap: only the deadline can end it
    create = {"step": "s0", "path": "big.txt", "op": "create",
              "hunks": [{"lines": ["+" + "\n".join(f"x{i}" for i in range(lines))]}]}  # fmt: skip
    capsule = _forged(tmp_path, [create, *(_touch_last_line(i, lines) for i in range(1, 2001))])
    started = time.monotonic()
    result = replay(open_capsule(capsule), tmp_path / "proj", seconds=3)  # the 2,000 steps need far more
    took = time.monotonic() - started
    assert took < 3 + 15, took
    assert result.verdict == INCONCLUSIVE and result.failed > 0
    assert any("took too long" in (p.reason or "") for p in result.patches)


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs root to become another user")
def test_a_checks_unwritable_leftovers_are_removed_as_an_ordinary_user(request):
    """As an ordinary user, `chmod 500` on a folder the check made keeps its files from being removed;
    `shutil.rmtree(ignore_errors=True)` left them behind silently."""
    top = Path(tempfile.mkdtemp(prefix="tracetui-nobody-", dir="/var/tmp"))  # pytest's tmp is root's alone
    request.addfinalizer(lambda: shutil.rmtree(top, ignore_errors=True))
    os.chown(top, 65534, 65534)
    # The child is an ordinary user who may not read root's interpreter or packages: it runs the two
    # clean-up functions' own source with the system's python3, which needs nothing else.
    import inspect

    from tracetui import folder_walk
    from tracetui.capsule import clone

    python = next((p for p in (sys.executable, "/usr/bin/python3") if _runs_as_nobody(p)), None)
    if python is None:
        pytest.skip("no python3 that an ordinary user may run")
    walking = inspect.getsource(folder_walk).replace("from __future__ import annotations\n", "")
    source = "from __future__ import annotations\n" + walking
    source += "import os, shutil, stat\nfrom pathlib import Path\n" + inspect.getsource(clone._open_up)
    source += inspect.getsource(clone.remove_tree)
    code = source + textwrap.dedent(
        f"""
        top = Path({str(top)!r}) / "tracetui-replay-x"
        (top / "clone" / "locked" / "deeper").mkdir(parents=True)
        (top / "clone" / "locked" / "deeper" / "f").write_text("x")
        (top / "clone" / "locked" / "g").write_text("x")
        os.chmod(top / "clone" / "locked" / "deeper", 0o500)
        os.chmod(top / "clone" / "locked", 0o500)
        os.chmod(top / "clone", 0o000)
        shutil.rmtree(top, ignore_errors=True)
        print("PLAIN", top.exists())
        left = remove_tree(top)
        print("LEFT", left, "EXISTS", top.exists())
        """
    )
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60, user=65534,
                          group=65534, extra_groups=[], cwd=top)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "PLAIN True" in done.stdout  # what the old clean-up left
    assert "LEFT [] EXISTS False" in done.stdout


def _runs_as_nobody(python: str) -> bool:
    try:
        done = subprocess.run([python, "-c", "pass"], capture_output=True, timeout=30, user=65534, group=65534,
                              extra_groups=[])  # fmt: skip
    except OSError:
        return False
    return done.returncode == 0


def test_what_clean_up_could_not_remove_is_said(sealed, monkeypatch, capsys):
    from tracetui.cli import main

    replay_mod = sys.modules["tracetui.capsule.replay"]  # the package's `replay` is the function

    real = replay_mod.remove_tree

    def stubborn(top):
        real(top)
        return [f"{top}/clone/locked"]

    monkeypatch.setattr(replay_mod, "remove_tree", stubborn)
    repo, capsule = sealed
    result = replay(capsule, repo)
    assert len(result.left_behind) == 1 and result.left_behind[0].endswith("/clone/locked")
    main(["replay", str(capsule), "--repo", str(repo)])
    assert "not removed:" in capsys.readouterr().err
