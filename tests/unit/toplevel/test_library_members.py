"""Every Library answers every question of the protocol (`tracetui.library.Library`), so a face asks
it outright: the app's status line and the list's total asked `getattr(library, "loading")` and
`getattr(library, "is_whole")` of a source that might not have them (issue 33)."""

from __future__ import annotations

import inspect

import pytest

from tracetui.bucket import Bucket
from tracetui.capsule import OpenedCapsule
from tracetui.dataset import DatasetLibrary
from tracetui.library import Library, MemoryLibrary

# The protocol's methods (its data, `kind`, `root`, `notices`..., may be set per instance).
ASKED = sorted(name for name, value in vars(Library).items() if not name.startswith("_") and inspect.isfunction(value))


@pytest.mark.parametrize("source", [Bucket, MemoryLibrary, OpenedCapsule, DatasetLibrary])
def test_every_library_has_every_method_of_the_protocol(source):
    assert "loading" in ASKED and "is_whole" in ASKED
    missing = [name for name in ASKED if not hasattr(source, name)]
    assert missing == []


def test_a_source_read_whole_as_it_opens_says_so(tmp_path):
    memory = MemoryLibrary([])
    assert memory.loading() is None and memory.is_whole()
    with Bucket(tmp_path / "bucket") as bucket:
        assert bucket.loading() is None and bucket.is_whole()
