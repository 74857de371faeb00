"""A blame whose log strings are all remembered (`blame.log_gate`) imports no capsule module and no
detector: it scans nothing, and `tracetui.capsule`'s import (seal, bisect, replay, verify, the
detectors through `redact`) was 0.08 s of its CPU."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from support import blame_world
from support.blame_world import build, synced

from tracetui.cli import main

ROOT = Path(__file__).resolve().parents[3]
_LOADED = (
    "import sys; from tracetui.cli import main; code = main(sys.argv[1:]); "
    "print(sorted(m for m in sys.modules if m.startswith(('tracetui.capsule', 'detect_secrets'))"
    " or m in ('tracetui.redact.ds', 'tracetui.redact.rules', 'tracetui.redact.pii')), file=sys.stderr); "
    "sys.exit(code)"
)


def test_a_remembered_blame_imports_no_capsule_and_no_detector(tmp_path, capsys, monkeypatch):
    world = build(tmp_path)
    bucket = tmp_path / "bucket"
    synced(world, bucket)
    capsys.readouterr()
    monkeypatch.chdir(world.repo.path)
    assert main(["--bucket", str(bucket), "blame", "app.py", "--json"]) == 0  # the gate's memo filled
    first = capsys.readouterr().out
    assert blame_world.CLAUDE_SID in first
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    argv = [sys.executable, "-c", _LOADED, "--bucket", str(bucket), "blame", "app.py", "--json"]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=world.repo.path, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == first
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_blame_s_package_loads_no_redaction_module_until_its_gate_is_asked():
    """`import tracetui.blame` (the app's Blame screen, an export) loads no `tracetui.redact` module:
    its gate (`blame.logs_gated`, `log_gate.AnswersAhead`) is loaded where it is used."""
    probe = (
        "import sys, tracetui.blame as b; "
        "loaded = lambda: sorted(m for m in sys.modules if m.startswith(('tracetui.redact', 'tracetui.capsule'))); "
        "print(loaded()); b.logs_gated; print('tracetui.redact.identity' in loaded())"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", "True"]
