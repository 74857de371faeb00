"""The release a user installs (issue 40): `python -m build` makes an sdist and, from it, a wheel;
the wheel is installed into a fresh virtual environment (outside this checkout) and its `tracetui`
script runs `--version` and `demo --build-only`, so the data files, .tcss sheets and bundled themes
are all in the package. The fresh environment takes the dependencies already installed here (a .pth
line; nothing is downloaded); only tracetui comes from the wheel."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tracetui import __version__

ROOT = Path(__file__).resolve().parents[2]

pytest.importorskip("build", reason="the build package is not installed (in the test extra)")


def _source_copy(dest: Path) -> None:
    """The checkout's tracked files (links kept as links: bundled_themes is one), else its tree."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True)
    if listed.returncode != 0:
        shutil.copytree(ROOT, dest, symlinks=True, ignore=shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info"))
        return
    for rel in filter(None, listed.stdout.decode().split("\0")):
        src, out = ROOT / rel, dest / rel
        if not src.exists() and not src.is_symlink():
            continue  # deleted in the work tree, not yet committed
        out.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            out.symlink_to(os.readlink(src))
        else:
            shutil.copy2(src, out)


@pytest.mark.slow
def test_the_built_wheel_installs_and_runs(tmp_path):
    source = tmp_path / "src"
    _source_copy(source)
    dist = tmp_path / "dist"
    # No isolation: the build runs offline with the setuptools installed here (the test extra's).
    built = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)],
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    wheel = next(dist.glob(f"tracetui-{__version__}-*.whl"))
    assert next(dist.glob(f"tracetui-{__version__}.tar.gz"))
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True, timeout=120)
    python = env_dir / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                    "-q", str(wheel)], check=True, timeout=300)  # fmt: skip
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())  # fmt: skip
    # The dependencies installed here, after the fresh environment's own folder (so its tracetui wins);
    # a path named in a .pth is not a site folder, so this checkout's editable finder is not run.
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    script = env_dir / "bin" / "tracetui"
    home = tmp_path / "home"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8"}

    def run(*args: str) -> str:
        done = subprocess.run([str(script), *args], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    assert run("--version").strip() == f"tracetui {__version__}"
    where = subprocess.run([str(python), "-c", "import tracetui; print(tracetui.__file__)"], capture_output=True,
                           text=True, cwd=tmp_path, env=env, check=True).stdout  # fmt: skip
    assert Path(where.strip()).is_relative_to(site), where  # the wheel's copy, not this checkout
    demo = tmp_path / "demo"
    assert run("demo", "--build-only", str(demo)).strip() == str(demo)
    assert (demo / "bucket").is_dir()
    # The app's sheets and bundled themes are in the installed package.
    installed = site / "tracetui"
    assert {p.name for p in (installed / "ui" / "bundled_themes").glob("*.toml")} >= {"tracetui-dark.toml"}
    assert (installed / "ui" / "app.tcss").is_file() and list((installed / "ui" / "screens").glob("*.tcss"))
    assert "tracetui" in run("man") and "complete" in run("completion", "bash")
