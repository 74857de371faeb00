"""Every kind a finding can have: those the detectors name (`kinds`), the token rules' and detect-secrets'
plugins'. Apart from `kinds`, which the detectors import, so that the tables' modules import nothing back."""

from __future__ import annotations

import functools

from tracetui.redact.ds import PLUGIN_KINDS
from tracetui.redact.kinds import NAMED
from tracetui.redact.rules.table import TOKEN_RULES


@functools.cache
def every_kind() -> frozenset[str]:
    """The kinds named in `kinds`, the token rules' and detect-secrets' plugins'."""
    return NAMED | frozenset(PLUGIN_KINDS.values()) | frozenset(r.kind for r in TOKEN_RULES)
