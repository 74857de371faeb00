"""Exit codes (issue 40): 0 success, 1 a runtime failure, 2 a usage error (argparse's own), and the
documented codes of `export`; every failure exited 2 before, usage and runtime alike."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from shared_data import FIXTURES, ROOT

from tracetui.cli import exit_codes, main

ONE = "11111111-aaaa-4bbb-8ccc-000000000001"


@pytest.fixture
def bucket(tmp_path: Path) -> list[str]:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("v1_linear.jsonl", "v3_tree.jsonl"):
        shutil.copyfile(FIXTURES / "pi" / name, src / name)
    args = ["--bucket", str(tmp_path / "b")]
    assert main([*args, "sync", "--source", f"pi={src}"]) == exit_codes.OK
    return args


def test_the_codes_are_the_conventional_ones():
    assert (exit_codes.OK, exit_codes.FAILED, exit_codes.USAGE, exit_codes.PARTIAL) == (0, 1, 2, 4)


@pytest.mark.parametrize(
    "words",
    [
        ["ls", "--limit"],  # argparse: an option without its value
        ["no-such-command"],
        ["ls", "--since", "yesterday"],
        ["ls", "--since", "2026-02-02", "--until", "2026-02-01"],
        ["export", "DEST"],  # no --format
        ["export", "DEST", "--format", "md", "--sessions", ONE, "--steps", "x:y"],
        ["blame", "--json"],  # nothing to blame
        ["--theme", "dark", "ls"],  # an app option given to a command
        ["review", "--limit", "0"],
    ],
)
def test_a_usage_error_exits_2(bucket, tmp_path, capsys, words):
    words = [str(tmp_path / "dest") if w == "DEST" else w for w in words]
    assert _code([*bucket, *words]) == exit_codes.USAGE, (words, capsys.readouterr().err)
    assert not (tmp_path / "dest").exists()


def _code(words: list[str]) -> int:
    """main's code, or argparse's (it raises SystemExit)."""
    try:
        return main(words)
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.mark.parametrize(
    "words",
    [
        ["show", "99999999-nope"],  # no such session
        ["export", "BUSY", "--format", "atif"],  # a folder that holds something else
        ["capsule", "verify", "MISSING"],
        ["export", "DEST", "--format", "atif", "--agent", "claude"],  # no session matches
    ],
)
def test_a_runtime_failure_exits_1(bucket, tmp_path, capsys, words):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "mine.txt").write_text("mine\n")
    names = {"DEST": tmp_path / "dest", "BUSY": busy, "MISSING": tmp_path / "missing.capsule"}
    words = [str(names[w]) if w in names else w for w in words]
    assert main([*bucket, *words]) == exit_codes.FAILED, capsys.readouterr().err


# Every command that takes a session id, ID standing for it: an empty id is a command line of the
# wrong shape (2) in each, as `rate ''` said it, and one no session has is a failure (1). `show ''`,
# `trail ''`, `seal ''` and the others exited 1 for the empty one.
ID_COMMANDS = [
    ["show", "ID"],
    ["rm", "ID", "--yes"],
    ["trail", "ID"],
    ["scan", "ID", "--no-save"],
    ["resume", "ID", "--step", "1"],
    ["seal", "ID", "-o", "DEST"],
    ["rate", "ID", "good"],
    ["export", "DEST", "--format", "md", "--sessions", "ID"],
    ["cost", "--sessions", "ID"],
]


@pytest.mark.parametrize("words", ID_COMMANDS, ids=lambda words: words[0])
@pytest.mark.parametrize(("given", "code"), [("", exit_codes.USAGE), ("  ", exit_codes.USAGE),
                                             ("99999999-nope", exit_codes.FAILED)])  # fmt: skip
def test_a_session_id_that_is_empty_is_a_usage_error_and_one_not_found_a_failure(
    bucket, tmp_path, capsys, words, given, code
):
    words = [given if w == "ID" else str(tmp_path / "dest") if w == "DEST" else w for w in words]
    capsys.readouterr()
    assert _code([*bucket, *words]) == code, words
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("tracetui: "), err
    assert not (tmp_path / "dest").exists()


def test_export_exits_4_when_partly_written_and_1_when_nothing_is(bucket, tmp_path, capsys, monkeypatch):
    from tracetui.export.run import Exporter

    real = Exporter.gated  # every format's gate goes through it
    refuse = {ONE}

    def gate(self, prepared, build, view=None, structural=None, warmed=None):
        if prepared.session.id in refuse:
            self.refuse(prepared.session.id, "the second gate found sure findings left", [])
            return None
        return real(self, prepared, build, view, structural, warmed)

    monkeypatch.setattr(Exporter, "gated", gate)
    assert main([*bucket, "export", str(tmp_path / "a"), "--format", "atif"]) == exit_codes.PARTIAL
    assert main([*bucket, "export", str(tmp_path / "a2"), "--format", "atif", "--json"]) == exit_codes.PARTIAL
    refuse.add("33333333-aaaa-4bbb-8ccc-000000000003")
    assert main([*bucket, "export", str(tmp_path / "c"), "--format", "atif"]) == exit_codes.FAILED


def test_help_and_readme_say_the_codes(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for line in ("0  success", "1  a runtime failure", "2  a usage error", "4  export: partly written"):
        assert line in out
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    assert "4 partly exported" in " ".join(capsys.readouterr().out.split())
    readme = (ROOT / "README.md").read_text()
    assert "## Exit codes" in readme and "| 4 |" in readme
