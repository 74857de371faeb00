"""The folder tracetui runs in is anyone's (a repository just cloned, a colleague's checkout, a
capsule's replay clone): a `python -m` child puts that folder first on its module path, so an
`orjson.py` or a `tracetui/` there was imported and run by every worker the sync, the review and
`eval` start, and by the app `serve` starts per browser tab. The children no longer look there."""

from __future__ import annotations

import shlex
import subprocess

import pytest

from tracetui.cli.serve import app_command
from tracetui.worker_pipes import spawn

WORKERS = ["tracetui.bucket.worker", "tracetui.redact.many", "tracetui.evals.worker"]


def _plant(folder, canary) -> None:
    code = f"open({str(canary)!r}, 'w').write('ran')\n"
    (folder / "orjson.py").write_text(code)
    (folder / "pygit2.py").write_text(code)
    (folder / "tracetui").mkdir()
    (folder / "tracetui" / "__init__.py").write_text(code)
    (folder / "tracetui" / "__main__.py").write_text(code)


@pytest.mark.parametrize("module", WORKERS)
def test_a_worker_imports_nothing_from_the_working_folder(tmp_path, monkeypatch, module):
    canary = tmp_path / "ran"
    _plant(tmp_path, canary)
    monkeypatch.chdir(tmp_path)
    proc = spawn(module)
    assert proc.stdin is not None
    proc.stdin.close()  # a worker whose first read is the end goes away
    proc.wait(timeout=60)
    assert not canary.exists(), f"{module} ran the working folder's code"


def test_the_served_app_imports_nothing_from_the_working_folder(tmp_path, monkeypatch):
    canary = tmp_path / "ran"
    _plant(tmp_path, canary)
    argv = [*shlex.split(app_command(str(tmp_path / "b"), writable=False)), "--version"]
    done = subprocess.run(argv, cwd=tmp_path, capture_output=True, timeout=60, check=False)
    assert not canary.exists(), "the served app ran the working folder's code"
    assert done.returncode == 0 and b"tracetui" in done.stdout
