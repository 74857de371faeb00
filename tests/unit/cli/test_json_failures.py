"""Every command that takes --json fails the same way: exactly one JSON object with an "error"
sentence on stdout, the same sentence on stderr, and a non-zero exit."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from shared_data import FIXTURES

from tracetui.cli import build_parser, main

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402


def json_commands() -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    if any("--json" in a.option_strings for a in sub._actions):
                        found.add((*path, name))
                    walk(sub, (*path, name))

    walk(build_parser(), ())
    return found


def failing_inputs(tmp: Path) -> dict[tuple[str, ...], list[str]]:
    bucket = str(tmp / "bucket")
    not_a_dir = tmp / "a-file"
    not_a_dir.write_text("x")
    missing = str(tmp / "missing.capsule")
    return {
        ("keys",): ["keys", "--json", "--no-such-option"],
        ("sync",): ["sync", "--bucket", bucket, "--source", "nobody=/x", "--json"],
        ("ls",): ["ls", "--bucket", bucket, "--agent", "nobody", "--json"],
        ("cost",): ["cost", "--bucket", bucket, "--since", "last week", "--json"],
        ("show",): ["show", "zzz", "--bucket", bucket, "--json"],
        ("search",): ["search", "x", "--limit", "0", "--bucket", bucket, "--json"],
        ("trail",): ["trail", "zzz", "--bucket", bucket, "--json"],
        ("snapshot",): ["snapshot", "--session", "s1", "--repo", str(tmp), "--json"],
        ("scan",): ["scan", "zzz", "--bucket", bucket, "--json"],
        ("seal",): ["seal", "zzz", "-o", str(tmp / "x.capsule"), "--bucket", bucket, "--json"],
        ("capsule", "verify"): ["capsule", "verify", missing, "--json"],
        ("replay",): ["replay", missing, "--repo", str(tmp), "--json"],
        ("doctor",): ["doctor", "--bucket", str(not_a_dir), "--json"],
        ("rate",): ["rate", "nosuchsession", "good", "--bucket", bucket, "--json"],
        ("eval",): ["eval", "--by", "agent", "--compare", "a", "b", "c", "--bucket", bucket, "--json"],
        ("rm",): ["rm", "zzz", "--yes", "--bucket", bucket, "--json"],
        ("blame",): ["blame", str(tmp / "nowhere.py"), "--repo", str(tmp), "--bucket", bucket, "--json"],
        ("export",): ["export", str(tmp / "out"), "--format", "nope", "--bucket", bucket, "--json"],
        ("review",): ["review", "--agent", "nobody", "--bucket", bucket, "--json"],
        ("sql",): ["sql", "DROP TABLE sessions", "--dataset", str(tmp / "nowhere"), "--json"],
        ("resume",): ["resume", "zzz", "--step", "1", "--bucket", bucket, "--json"],
        ("donate",): ["donate", str(tmp / "gift"), "--push", "not a repo", "--bucket", bucket, "--json"],
    }


def assert_one_json_error(capsys, argv: list[str]) -> dict:
    code: int | str | None
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    out, err = capsys.readouterr()
    assert code not in (0, None), argv
    doc = orjson.loads(out)  # one document and nothing else: anything after it fails to parse
    assert isinstance(doc, dict) and isinstance(doc.get("error"), str) and doc["error"], (argv, out)
    assert f"tracetui: {doc['error']}" in err.splitlines(), (argv, err)
    assert "usage:" not in err and "Traceback" not in err
    return doc


def test_every_json_command_fails_with_one_json_error(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "stdin", open(os.devnull))  # snapshot reads a hook's JSON from stdin
    inputs = failing_inputs(tmp_path)
    assert set(inputs) == json_commands(), "a command with --json needs a failing input here"
    for argv in inputs.values():
        assert_one_json_error(capsys, argv)


def test_plain_failures_stay_plain(capsys):
    with pytest.raises(SystemExit):
        main(["ls", "--agent", "nobody"])
    out, err = capsys.readouterr()
    [line] = err.splitlines()  # one line, not argparse's usage above it
    assert out == "" and line.startswith("tracetui: argument --agent: invalid choice: 'nobody'")
    assert line.endswith("(see `tracetui ls --help`)")
    assert main(["show", "zzz", "--bucket", "/nonexistent-parent/b"]) != 0
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("tracetui: ")


def sealed(tmp_path: Path, capsys, *extra: str) -> tuple[Path, Path, str]:
    repo, _ = kit.make_repo(tmp_path)
    projects = tmp_path / "claude"
    kit.write_claude_log(projects, repo, prompt="add a test")
    bucket = str(tmp_path / "bucket")
    assert main(["sync", "--bucket", bucket, "--source", f"claude={projects}", "--json"]) == 0
    capsule = tmp_path / "ep.capsule"
    argv = ["seal", "--bucket", bucket, kit.CLAUDE_SESSION[:8], "-o", str(capsule), "--repo", str(repo)]
    assert main([*argv, "--accept-suggested", *extra, "--json"]) == 0
    capsys.readouterr()
    return capsule, repo, bucket


def test_every_capsule_verify_failure_is_one_json_error(capsys, tmp_path):
    capsule, _, _ = sealed(tmp_path, capsys)
    data = capsule.read_bytes()
    cases = {
        "missing": tmp_path / "none.capsule",
        "a folder": tmp_path,
        "not gzip": tmp_path / "text.capsule",
        "garbage gzip": tmp_path / "garbage.capsule",
        "cut short": tmp_path / "short.capsule",
        "a flipped byte": tmp_path / "flipped.capsule",
        "empty": tmp_path / "empty.capsule",
    }
    cases["not gzip"].write_text("hello")
    cases["garbage gzip"].write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xffgarbage")
    cases["cut short"].write_bytes(data[: len(data) // 2])
    cases["a flipped byte"].write_bytes(data[:-20] + bytes([data[-20] ^ 0xFF]) + data[-19:])
    cases["empty"].write_bytes(b"")
    fifo = tmp_path / "fifo.capsule"
    os.mkfifo(fifo)
    cases["a FIFO"] = fifo
    for what, path in cases.items():
        doc = assert_one_json_error(capsys, ["capsule", "verify", str(path), "--json"])
        assert doc["error"], what


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")
def test_an_invalid_signature_is_one_json_error(capsys, tmp_path):
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "alice", "-f", str(key)], check=True)
    capsule, _, _ = sealed(tmp_path, capsys, "--sign", str(key))
    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"alice@example.com {(tmp_path / 'other.pub').read_text().strip()}\n")
    doc = assert_one_json_error(capsys, ["capsule", "verify", str(capsule), "--allowed-signers", str(allowed), "--json"])
    assert doc["ok"] is False and doc["signature"]["state"] == "invalid" and "signature" in doc["error"]


def test_a_refused_seal_is_one_json_error(capsys, tmp_path):
    repo, _ = kit.make_repo(tmp_path)
    projects = tmp_path / "claude"
    kit.write_claude_log(projects, repo, prompt="add a test, then mail jane.doe@acme-corp.io")
    bucket = str(tmp_path / "bucket")
    assert main(["sync", "--bucket", bucket, "--source", f"claude={projects}", "--json"]) == 0
    capsys.readouterr()
    doc = assert_one_json_error(
        capsys, ["seal", "--bucket", bucket, kit.CLAUDE_SESSION[:8], "-o", str(tmp_path / "x.capsule"), "--json"]
    )
    assert doc["ok"] is False and doc["findings"]
