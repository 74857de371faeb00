"""The price table's version is read from its dist-info folder's name, as `importlib.metadata` reads it."""

from __future__ import annotations

from importlib import metadata

import pytest

from tracetui.cost import dist_info_version


@pytest.mark.parametrize("package", ["genai-prices", "orjson", "textual", "platformdirs", "detect-secrets"])
def test_the_folder_name_gives_the_version_metadata_gives(package: str) -> None:
    assert dist_info_version(package) == metadata.version(package)


def test_a_package_that_is_not_installed_has_no_version() -> None:
    assert dist_info_version("no-such-package-anywhere") is None
