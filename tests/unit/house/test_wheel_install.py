"""The release a user installs (issue 40): `python -m build` makes an sdist and, from it, a wheel;
`uv tool install` puts the wheel in a tool folder of its own (UV_TOOL_DIR, UV_TOOL_BIN_DIR, all in a
temp folder, outside this checkout) and its `tracetui` script runs `--version` and
`demo --build-only`, so the entry point, data files, .tcss sheets and bundled themes are all in the
package.

Offline: nothing is downloaded. uv resolves only tracetui, from the wheel (`--offline --no-index`,
every package installed here named in `--excludes`), with this interpreter (no Python download); a
.pth line then gives the tool's environment the dependencies installed here, and the wheel's declared
requirements are held to them."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest
from shared_data import ROOT

from tracetui import __version__


pytest.importorskip("build", reason="the build package is not installed (in the test extra)")
uv = pytest.importorskip("uv", reason="uv is not installed (in the test extra)")

# Run in the tool's environment: the installed tracetui's requirements that what it sees does not meet.
UNMET = """
import importlib.metadata as meta
from packaging.requirements import Requirement
for line in meta.requires("tracetui") or []:
    need = Requirement(line)
    if need.marker is not None and not need.marker.evaluate({"extra": ""}):
        continue
    try:
        have = meta.version(need.name)
    except meta.PackageNotFoundError:
        have = None
    if have is None or not need.specifier.contains(have, prereleases=True):
        print(need, "has", have)
"""


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


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The sdist and the wheel, built once as a release would build them."""
    tmp = tmp_path_factory.mktemp("release")
    source = tmp / "src"
    _source_copy(source)
    out = tmp / "dist"
    # No isolation: the build runs offline with the setuptools installed here (the test extra's).
    built = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    (tmp / "build.log").write_text(built.stdout + built.stderr)
    return out


@pytest.mark.slow
def test_the_wheel_declares_its_licence_as_an_spdx_expression(dist):
    """setuptools deprecates the table form (`license = { text = ... }`), an error from 2027-02-18: the
    licence is an SPDX expression, its text shipped in the wheel and the sdist, and the build warns of
    nothing deprecated."""
    log = (dist.parent / "build.log").read_text()
    assert "deprecated" not in log.lower(), [line for line in log.splitlines() if "eprecat" in line]
    wheel = next(dist.glob(f"tracetui-{__version__}-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        info = f"tracetui-{__version__}.dist-info"
        metadata = z.read(f"{info}/METADATA").decode()
        assert z.read(f"{info}/licenses/LICENSE").startswith(b"MIT License")
    assert {"License-Expression: MIT", "License-File: LICENSE"} <= set(metadata.splitlines()), metadata[:800]
    with tarfile.open(next(dist.glob(f"tracetui-{__version__}.tar.gz"))) as sdist:
        assert f"tracetui-{__version__}/LICENSE" in sdist.getnames()


@pytest.mark.slow
def test_uv_tool_install_of_the_built_wheel_runs(dist, tmp_path):
    wheel = next(dist.glob(f"tracetui-{__version__}-*.whl"))
    assert next(dist.glob(f"tracetui-{__version__}.tar.gz"))
    home = tmp_path / "home"
    home.mkdir()
    tools, bin_dir = tmp_path / "tools", tmp_path / "bin"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8",
           "UV_TOOL_DIR": str(tools), "UV_TOOL_BIN_DIR": str(bin_dir), "UV_NO_CONFIG": "1",
           "UV_CACHE_DIR": str(tmp_path / "cache"), "UV_PYTHON_DOWNLOADS": "never"}  # fmt: skip
    # Every package installed here but tracetui: uv leaves them out of its resolution, so it needs no index.
    installed = {d.metadata["Name"] for d in importlib.metadata.distributions()} - {"tracetui", None}
    excludes = tmp_path / "excludes.txt"
    excludes.write_text("\n".join(sorted(installed)) + "\n")
    uv_bin = uv.find_uv_bin()
    done = subprocess.run([uv_bin, "tool", "install", "--offline", "--no-index", "--excludes", str(excludes),
                           "--python", sys.executable, str(wheel)],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    script = bin_dir / "tracetui"
    assert script.is_file()
    python = tools / "tracetui" / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())  # fmt: skip
    assert site.is_relative_to(tools)
    # The dependencies installed here, after the tool's own folder (so its tracetui wins); a path
    # named in a .pth is not a site folder, so this checkout's editable finder is not run.
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    def run(*args: str) -> str:
        done = subprocess.run([str(script), *args], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    assert run("--version").strip() == f"tracetui {__version__}"
    where = subprocess.run([str(python), "-c", "import tracetui; print(tracetui.__file__)"], capture_output=True,
                           text=True, cwd=tmp_path, env=env, check=True).stdout  # fmt: skip
    assert Path(where.strip()).is_relative_to(site), where  # the wheel's copy, not this checkout
    # The wheel's own requirements (its metadata, first on the tool's path), each met by what the
    # tool's environment sees: a missing or too old dependency fails here, not in a user's install.
    unmet = subprocess.run([str(python), "-c", UNMET], capture_output=True, text=True, cwd=tmp_path, env=env,
                           check=True).stdout  # fmt: skip
    assert unmet == "", unmet
    demo = tmp_path / "demo"
    assert run("demo", "--build-only", str(demo)).strip() == str(demo)
    assert (demo / "bucket").is_dir()
    # The app's sheets and bundled themes are in the installed package.
    package = site / "tracetui"
    assert {p.name for p in (package / "ui" / "bundled_themes").glob("*.toml")} >= {"tracetui-dark.toml"}
    assert (package / "ui" / "app.tcss").is_file() and list((package / "ui" / "screens").glob("*.tcss"))
    assert "tracetui" in run("man") and "complete" in run("completion", "bash")
    listed = subprocess.run([uv_bin, "tool", "list", "--offline"], capture_output=True, text=True, env=env,
                            timeout=60)  # fmt: skip
    assert f"tracetui v{__version__}" in listed.stdout, listed.stdout + listed.stderr
