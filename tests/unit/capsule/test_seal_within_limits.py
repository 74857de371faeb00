"""A seal never writes a capsule `open_capsule` would refuse: an episode past one of the limits a
capsule is read under (values parsed, patches, a record's size, a member's size) is said in one line,
and nothing is written. Each limit is made small here, so the fixture's episode passes it."""

from __future__ import annotations

import pytest
from support.fixture_bucket import synced

from tracetui.capsule import archive, opened
from tracetui.capsule import manifest as mf
from tracetui.capsule.opened import open_capsule
from tracetui.cli import exit_codes, main

LIMITS = [
    (opened, "MAX_VALUES", 10, "JSON values"),
    (opened, "MAX_PATCHES", 0, "patches"),
    (mf, "MAX_LINE", 40, "-byte limit"),
    (mf, "MAX_RECORD_VALUES", 2, "JSON values"),
]


@pytest.mark.parametrize(("module", "name", "small", "said"), LIMITS, ids=[c[1] for c in LIMITS])
def test_an_episode_past_a_capsule_s_limit_is_refused_in_one_line(tmp_path, capsys, monkeypatch, module, name,
                                                                  small, said):  # fmt: skip
    bucket = synced(tmp_path, main)
    monkeypatch.setattr(module, name, small)
    out = tmp_path / "out.capsule"
    capsys.readouterr()
    assert main([*bucket, "seal", "3", "-o", str(out)]) == exit_codes.FAILED
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "too big for one capsule" in err and said in err, err
    assert not out.exists()


def test_a_member_past_its_size_is_refused(tmp_path, capsys, monkeypatch):
    bucket = synced(tmp_path, main)
    monkeypatch.setattr(opened, "DEFAULT_LIMITS", archive.Limits(max_member=100))
    monkeypatch.setattr(opened.check_carried, "__defaults__", (archive.Limits(max_member=100),))
    capsys.readouterr()
    assert main([*bucket, "seal", "3", "-o", str(tmp_path / "out.capsule")]) == exit_codes.FAILED
    assert "-byte limit" in capsys.readouterr().err


def test_what_a_seal_writes_opens(tmp_path):
    bucket = synced(tmp_path, main)
    out = tmp_path / "out.capsule"
    assert main([*bucket, "seal", "3", "-o", str(out)]) == exit_codes.OK
    capsule = open_capsule(out)
    assert len(capsule.session(capsule.list_sessions()[0].id).steps) == 14
