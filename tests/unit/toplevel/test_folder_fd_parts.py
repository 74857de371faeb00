"""One check of a path's names below a root, for every walk by descriptor (folder_fd.plain_parts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracetui import folder_fd
from tracetui.dataset.location import open_location
from tracetui.errors import TracetuiError


@pytest.mark.parametrize("parts", [(), ("",), (".",), ("a", ".."), ("a/b",), ("a\0b",), ("x", "", "y")])
def test_a_name_that_is_not_plain_is_refused_in_one_line(parts: tuple[str, ...]) -> None:
    with pytest.raises(TracetuiError, match="is not a plain path inside") as caught:
        folder_fd.plain_parts(parts, "/".join(parts) + "\x1b[2J\n", "/root")
    assert "\n" not in str(caught.value) and "\x1b" not in str(caught.value)


def test_plain_names_come_back_as_they_are() -> None:
    assert folder_fd.plain_parts(["a", "b..c", ".hidden"], "p", "/r") == ("a", "b..c", ".hidden")


def test_a_path_outside_its_root_is_refused() -> None:
    with pytest.raises(TracetuiError, match="is not inside"):
        folder_fd.parts_below("/etc/passwd", "/home/u/bucket")
    assert folder_fd.parts_below("/r/a/b", "/r") == ("a", "b")


def test_a_local_dataset_refuses_a_climbing_name(tmp_path: Path) -> None:
    with pytest.raises(TracetuiError, match="not a plain path"):
        open_location(tmp_path).open_read("steps/../../secret")
