"""An `apply_patch` text (Codex's, and the shell's `apply_patch <<'EOF'`) that starts with a million
blank lines: 1 MB in a log. Its leading blank lines were dropped one at a time from the front of
the list of its lines, each drop moving every line after it: 200,000 took 2.9 s, doubling x4 (found
2026-11-28 by timing the patch parser on hostile shapes), so a million about 70 s, and a log may
hold such a patch at every call. Dropped at once now; the patch reads the same."""

from __future__ import annotations

import time

from tracetui.sources.common.apply_patch import parse_patch

PATCH = "*** Begin Patch\n*** Add File: notes.md\n+# Notes\n*** End Patch"


def test_a_patch_after_a_million_blank_lines_parses_in_linear_time():
    began = time.process_time()
    padded = parse_patch("\n" * 1_000_000 + PATCH + "\n" * 1_000_000)
    assert time.process_time() - began < 3.0  # about 70 s before
    assert padded == parse_patch(PATCH)
