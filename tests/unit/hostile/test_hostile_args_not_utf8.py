"""An argument that is not UTF-8 (Python keeps its bytes as lone surrogates, `\\udcff`) where the
command hands it to a library that takes only UTF-8 text: orjson (`eval`'s memo of --ref and --repo,
`snapshot`'s record of --session) and DuckDB (`sql`) refuse it with a TypeError, which reached the
terminal as a traceback. Each is one line now, as such an argument already was elsewhere."""

from __future__ import annotations

import pygit2
import pytest

from tracetui.cli import main

ODD = "ab\udcff"


@pytest.mark.parametrize(
    "argv",
    [["sql", ODD], ["eval", "--ref", ODD], ["eval", "--repo", "/tmp/" + ODD], ["snapshot", "--session", ODD]],
    ids=["sql", "eval-ref", "eval-repo", "snapshot-session"],
)
@pytest.mark.parametrize("as_json", [False, True])
def test_an_argument_that_is_not_utf8_is_one_line(tmp_path, capsys, argv, as_json):
    pygit2.init_repository(str(tmp_path / "repo"))
    (tmp_path / "repo" / "a.txt").write_text("a\n")
    (tmp_path / "b").mkdir()  # an empty bucket: a read of a missing one stops before the argument
    extra = ["--repo", str(tmp_path / "repo")] if argv[0] == "snapshot" else []
    as_json_too = ["--json"] if as_json else []
    code = main([argv[0], "--bucket", str(tmp_path / "b"), *argv[1:], *extra, *as_json_too])
    out, err = capsys.readouterr()
    assert code == 2 and "not UTF-8" in err and err.count("\n") == 1, err
    assert "\udcff" not in out + err
