"""Text every project holds is no evidence that a clone named as the agent's folder is the session's.

A stranger's log of a folder named `proj` (there are many `dotfiles`, `website`, `app`) whose edits
saw an MIT licence, a shebang, `from __future__ import annotations`, a page's doctype and viewport
tag, a lockfile's or a .gitignore's lines, held enough of them in common with any clone named `proj`
to be taken as its own. Such lines no longer count (`trail/boilerplate.py`); the project's own do.
"""

from __future__ import annotations

import pytest
from support.trail_kit import Repo, iso
from support.trail_logs import logged_elsewhere

from tracetui.trail import belongs
from tracetui.trail.boilerplate import own_line, taken_file

MIT = """MIT License

Copyright (c) 2024 Someone

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.
"""
HEAD = '#!/usr/bin/env python3\n"""Proj."""\nfrom __future__ import annotations\n\n'
MAIN = 'if __name__ == "__main__":\n    main()\n'
OURS = "def plot_the_southern_sky(catalogue):\n    return sorted(catalogue, key=magnitude_of_star)\n"
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta http-equiv="X-UA-Compatible" content="ie=edge">
"""
LOCK = '{\n  "lockfileVersion": 3,\n  "requires": true,\n  "packages": {\n' + "".join(
    f'    "node_modules/dep-{i}": {{"version": "1.0.{i}", "resolved": "https://r.example/d-{i}.tgz"}},\n'
    for i in range(8)
)
IGNORE = "# Byte-compiled / optimized / DLL files\n__pycache__/\n# Distribution / packaging\n"
IGNORE += "# Environments and secrets\n.env\n# Logs and editors' files\n"


def _mine(i: int) -> str:
    return f"def stranger_helper_{i}(records):\n    return [summarise_record(r) for r in records]\n"


@pytest.fixture
def clone(tmp_path) -> Repo:
    """The user's clone, named `proj` as the strangers' folders are."""
    repo = Repo(tmp_path / "mine" / "proj")
    repo.write("LICENSE", MIT)
    repo.write("sky.py", HEAD + OURS + MAIN)
    repo.write("index.html", PAGE + "<body><h1>Southern sky charts, drawn nightly</h1></body>\n")
    repo.write("package-lock.json", LOCK)
    repo.write(".gitignore", IGNORE)
    repo.commit("start", iso(9))
    return repo


# (who wrote the log in a folder named `proj`, its edits, whether the user's clone `proj` is its own)
CASES = [
    # a stranger's licence (its year changed) and its own code: only the licence is in common
    ("mallory", [("LICENSE", MIT, MIT.replace("2024", "2025")), ("tool.py", _mine(1), _mine(2))], False),
    # a stranger's script: its shebang, __future__ import and __main__ guard are every script's
    ("mallory", [("sky.py", HEAD + _mine(1) + MAIN, HEAD + _mine(3) + MAIN)], False),
    # a stranger's page: a doctype and the meta tags every page starts with
    ("mallory", [("index.html", PAGE + "<body>A page about cats</body>\n", PAGE + "<p>x</p>\n")], False),
    # a stranger's lockfile (the same dependencies) and .gitignore (the same template), its own code
    ("mallory", [("package-lock.json", LOCK, LOCK + "  }\n}\n"), (".gitignore", IGNORE, IGNORE + "dist/\n"),
                 ("tool.py", _mine(1), _mine(2))], False),  # fmt: skip
    # a log that kept nothing but taken text has shown nothing of its own
    ("mallory", [("LICENSE", MIT, MIT.replace("2024", "2025"))], False),
    # the owner's log: the project's own lines, besides the same boilerplate
    ("alice", [("sky.py", HEAD + OURS + MAIN, HEAD + OURS + "# plotted nightly\n" + MAIN)], True),
    ("alice", [("LICENSE", MIT, MIT.replace("2024", "2025")), ("sky.py", OURS, OURS + _mine(4))], True),
]


@pytest.mark.parametrize("who, edits, own", CASES)
def test_boilerplate_in_common_is_no_evidence_of_a_clone_s_text(clone, tmp_path, who, edits, own):
    assert belongs(logged_elsewhere(tmp_path, edits, who), clone.path) is own


# (a line, the file it is in, whether it has a word of the project's own)
LINES = [
    ("from __future__ import annotations", "a.py", False),
    ('if __name__ == "__main__":', "a.py", False),
    ("#!/usr/bin/env python3", "a.py", False),
    ('"use strict";', "a.js", False),
    ('<meta name="viewport" content="width=device-width, initial-scale=1.0">', "a.html", False),
    ("# SPDX-License-Identifier: Apache-2.0", "a.c", False),
    ("Copyright (c) 2021 Jane Doe and contributors", "a.py", False),
    ("THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR", "a.py", False),
    ('"devDependencies": {', "package.json", False),  # a key is the format's word
    ('"skipLibCheck": true,', "tsconfig.json", False),
    ('"name": "southern-sky-charts",', "package.json", True),  # a value is the project's
    ("return sorted(catalogue, key=magnitude_of_star)", "a.py", True),
    ("Proj draws the southern night sky for observers.", "README.md", True),
    ("export default function SkyChart() {", "a.tsx", True),
]


@pytest.mark.parametrize("line, path, own", LINES)
def test_a_line_counts_when_it_has_a_word_of_its_own(line, path, own):
    assert own_line(line, path) is own


# (a logged path, whether its text is one projects copy or generate rather than write)
FILES = [
    ("/p/LICENSE", True), ("/p/LICENSE.md", True), ("/p/COPYING", True), ("/p/NOTICE.txt", True),
    ("/p/yarn.lock", True), ("/p/package-lock.json", True), ("/p/go.sum", True), ("/p/.gitignore", True),
    ("/p/web/node_modules/x/index.js", True), ("/p/vendor/lib.php", True), ("/p/static/app.min.js", True),
    ("/p/src/license.py", False), ("/p/src/notice.ts", False), ("/p/README.md", False),
]  # fmt: skip


@pytest.mark.parametrize("path, taken", FILES)
def test_files_a_project_copies_or_generates_are_taken_text(path, taken):
    assert taken_file(path) is taken
