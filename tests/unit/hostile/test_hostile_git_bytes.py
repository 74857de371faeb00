"""What git prints is the repository's bytes, and a repository is someone else's as often as ours: a
remote URL, a remote's name or a folder's name need not be UTF-8. git's output was decoded as strict
UTF-8, so sealing in a clone whose remote URL held a Latin-1 byte, or naming a repository by a path
that is not UTF-8 (`seal --repo`, `replay --repo`), stopped with a UnicodeDecodeError and a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import orjson
from shared_data import FIXTURES

from tracetui.cli import main

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402


def _sealed_setup(tmp_path, capsys):
    repo, base = kit.make_repo(tmp_path)
    kit.write_claude_log(tmp_path / "claude", repo)
    bucket = str(tmp_path / "bucket")
    assert main(["sync", "--bucket", bucket, "--source", f"claude={tmp_path / 'claude'}"]) == 0
    capsys.readouterr()
    return repo, base, bucket


def test_a_clone_whose_remote_url_is_not_utf8_still_seals(tmp_path, capsys):
    repo, base, bucket = _sealed_setup(tmp_path, capsys)
    url = os.fsdecode(b"https://example.com/r\xe9.git")  # Latin-1
    subprocess.run(["git", "-C", str(repo), "remote", "set-url", "origin", url], check=True)
    capsule = tmp_path / "ep.capsule"
    code = main(["seal", "--bucket", bucket, kit.CLAUDE_SESSION[:8], "-o", str(capsule), "--repo", str(repo),
                 "--accept-suggested", "--json"])  # fmt: skip
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), err
    assert orjson.loads(out)["base"] == base


def test_a_repository_path_that_is_not_utf8_is_one_line(tmp_path, capsys):
    repo, _, bucket = _sealed_setup(tmp_path, capsys)
    odd = os.fsdecode(bytes(tmp_path) + b"/no\xff\xfe")
    capsule = tmp_path / "ep.capsule"
    seal = ["seal", "--bucket", bucket, kit.CLAUDE_SESSION[:8], "-o", str(capsule), "--accept-suggested"]
    assert main([*seal, "--repo", str(repo)]) == 0
    capsys.readouterr()
    for argv in ([*seal, "--repo", odd], ["replay", "--bucket", bucket, str(capsule), "--repo", odd]):
        code = main(argv)
        err = capsys.readouterr().err
        assert code in (1, 2) and err.count("\n") == 1 and "U+DCFF" in err, err  # the byte, shown
