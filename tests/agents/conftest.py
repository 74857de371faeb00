"""The agents' tests on one xdist worker (CI: `--dist loadgroup`): each module fixture runs its program
once, not once per worker (as tests/ui's snapshot demo)."""

import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if "/tests/agents/" in str(item.path):
            item.add_marker(pytest.mark.xdist_group("agents"))
