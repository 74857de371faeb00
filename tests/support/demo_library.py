"""The demo bucket built once for a test module and opened as a library: the body of the module
fixtures that export, donate or check it (`yield from module_demo(tmp_path_factory, NAME)`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def module_demo(factory: pytest.TempPathFactory, name: str) -> Iterator[tuple[Path, Any]]:
    """(the module's folder, the demo library opened under it), closed once the module is done."""
    from tracetui.demo.build import build, open_library

    root = factory.mktemp(name)
    bucket = open_library(build(root / "demo"))
    try:
        yield root, bucket
    finally:
        bucket.close()
