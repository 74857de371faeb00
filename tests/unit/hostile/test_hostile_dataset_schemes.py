"""A dataset URL is any fsspec URL (docs/design.md), and a URL is often a stranger's word (a README's
`tracetui --dataset …`, a thread's `tracetui sql --dataset …`): whatever filesystem its scheme picks.

Found 2026-11-29 by a red team: `open_location` turned a filesystem's ValueError or OSError into one
line, but a filesystem's constructor raises what it likes. `git://` (pygit2's GitError for a folder
that is no repository), `reference://` and `jupyter://` (TypeError: options a URL cannot give),
`dir://` (AttributeError) and `dbfs://` ended `sql --dataset`, `export --check` and the app's
`--dataset` in a traceback. And a scheme whose package is missing was told to install an extra
tracetui does not have (`pip install 'tracetui[sftp]'`, `tracetui[wandb]`): now fsspec's own words
name the package, and only the extras tracetui has are named.

No case reaches the network: each fails in its filesystem's constructor, or is a filesystem of the
test's own that raises each kind of error when it is made."""

from __future__ import annotations

import pytest

from tracetui.cli import app_commands, main
from tracetui.dataset import open_location
from tracetui.errors import TracetuiError

pytest.importorskip("fsspec")


class _Boom(Exception):
    pass


def _raising(kind: type[BaseException]) -> type:
    from fsspec.spec import AbstractFileSystem

    class Raising(AbstractFileSystem):
        protocol = "atkraise"

        def __init__(self, *args: object, **kwargs: object) -> None:
            raise kind("made \x1b]0;PWNED\x07 \u202eno filesystem\nsecond line")

    return Raising


# (why, URL): each fails as fsspec opens it.
URLS = [
    ("a working folder that is no git repository", "git:///ds"),  # fsspec's git:// opens the cwd
    ("a filesystem needing options no URL gives", "reference://ds"),
    ("a filesystem needing a server's URL", "jupyter://127.0.0.1:9/ds"),
    ("a filesystem needing a token", "dbfs://x/ds"),
    ("a filesystem wrapping no path", "dir://ds"),
]
KINDS = [TypeError, AttributeError, KeyError, RuntimeError, _Boom, NotImplementedError, LookupError]


def _faces(url: str) -> list[list[str]]:
    return [["sql", "--dataset", url, "SELECT 1 FROM sessions"], ["export", "--check", url]]


def _one_line(err: str) -> str:
    said = err.strip()
    assert said.startswith("tracetui: ") and "\n" not in said and "Traceback" not in said, said
    assert not any(c in said for c in "\x1b\x07\u202e"), said
    return said


@pytest.mark.parametrize(("why", "url"), URLS, ids=[u[0] for u in URLS])
def test_a_url_whose_filesystem_will_not_open_is_one_line_in_every_face(why, url, capsys, tmp_path,
                                                                         monkeypatch):  # fmt: skip
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)  # no repository: pytest runs in this one
    for argv in _faces(url):
        capsys.readouterr()
        assert main(argv) == 1, (why, argv)
        assert url in _one_line(capsys.readouterr().err), why
    monkeypatch.setattr(app_commands, "_need_terminal", lambda: None)
    monkeypatch.setattr(app_commands, "_run", lambda lib, **kw: pytest.fail("the app opened"))
    capsys.readouterr()
    assert main(["--dataset", url]) == 1, why
    _one_line(capsys.readouterr().err)


@pytest.mark.parametrize("kind", KINDS, ids=[k.__name__ for k in KINDS])
def test_any_error_a_filesystem_raises_as_it_is_made_is_one_line(kind, capsys, tmp_path, monkeypatch):
    import fsspec

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    fsspec.register_implementation("atkraise", _raising(kind), clobber=True)
    url = "atkraise://bucket/ds"
    with pytest.raises(TracetuiError) as caught:
        open_location(url)
    said = str(caught.value)
    assert "\n" not in said and "\x1b" not in said and "\u202e" not in said, said
    for argv in _faces(url):
        capsys.readouterr()
        assert main(argv) == 1, argv
        _one_line(capsys.readouterr().err)


MISSING = [("sftp", "sftp://host/ds"), ("wandb", "wandb://x/ds"), ("smb", "smb://127.0.0.1/ds")]


@pytest.mark.parametrize(("scheme", "url"), MISSING, ids=[m[0] for m in MISSING])
def test_a_scheme_whose_package_is_missing_names_no_extra_tracetui_lacks(scheme, url, monkeypatch):
    import fsspec.core

    def missing(text: str, **kw: object) -> object:
        raise ImportError(f"Install the {scheme} package to access {scheme}")

    monkeypatch.setattr(fsspec.core, "url_to_fs", missing)
    with pytest.raises(TracetuiError) as caught:
        open_location(url)
    said = str(caught.value)
    assert "tracetui[" not in said and f"the {scheme} package" in said, said
