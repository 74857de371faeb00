"""Lines that carry no content of their own (a shebang, a lone `fi`, `end`, `</div>`, `else:`) are not a
patch's lines surviving when they are all that survives (trail/bare.py).

Seen in a real OpenCode session (suhd550-dev/stunning-memory, ground_truth/truth_stunning_memory.py):
a script written whole was written whole again a minute later, before any commit, keeping only
`#!/bin/bash` and a `fi`; the second write was committed. The first read "transformed" at that commit,
those two lines counted as its own that reached it; it never reached one: lost.
"""

from __future__ import annotations

import pytest
from support.trail_kit import Repo, iso, session_of, write

from tracetui.trail import trail
from tracetui.trail.bare import carries_nothing

# (file, first write, second write that keeps only the first's bare lines), across languages
REWRITES = [
    (
        "sync.sh",
        "#!/bin/bash\nSRC=/workspace/a\nif [ -d \"$SRC\" ]; then\n  cp -r \"$SRC\" ~/a\nfi\n",
        "#!/bin/bash\nfor d in one two; do\n  rsync -a \"/srv/$d\" /backup/\ndone\n"
        "if [ -n \"$X\" ]; then\n  echo x\nfi\n",
    ),
    (
        "tool.rb",
        "# frozen_string_literal: true\nclass Puller\n  def pull\n    fetch_all\n  end\nend\n",
        "# frozen_string_literal: true\nmodule Sync\n  def self.push\n    send_all(force: true)\n"
        "  end\nend\n",
    ),
    (
        "page.html",
        "<div class=\"hero\">\n  <h1>Welcome home</h1>\n</div>\n",
        "<section id=\"about\">\n  <p>About the team</p>\n</div>\n",
    ),
    (
        "run.py",
        "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n"
        "if ready():\n    launch(all_hosts)\nelse:\n    pass\n",
        "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n"
        "for host in pending():\n    retry(host, times=3)\nelse:\n    pass\n",
    ),
]


@pytest.mark.parametrize("name,first,second", REWRITES, ids=[r[0] for r in REWRITES])
def test_a_rewrite_that_kept_only_bare_lines_leaves_the_first_write_lost(tmp_path, name, first, second):
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "project\n")
    repo.commit("init", iso(9))
    one = write(repo, name, first)
    two = write(repo, name, second)
    done = repo.commit("script", iso(12), name)
    session = session_of(repo.path, [(iso(10), one), (iso(11), two)])
    assert [(f.state, f.commit) for f in trail(session).fates] == [("lost", None), ("alive", done)]


def test_a_rewrite_that_kept_a_line_of_substance_still_carries_the_first_write(tmp_path):
    """One line of its own that says something reaching a commit is the patch committed (pi-mono,
    Lotto645): only bare lines alone are not."""
    first = "#!/bin/bash\nSRC=/workspace/a\nif [ -d \"$SRC\" ]; then\n  cp -r \"$SRC\" ~/a\nfi\n"
    second = "#!/bin/bash\nSRC=/workspace/a\nrsync -a \"$SRC\" /backup/\nfi\n"
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "project\n")
    repo.commit("init", iso(9))
    one = write(repo, "sync.sh", first)
    two = write(repo, "sync.sh", second)
    done = repo.commit("script", iso(12), "sync.sh")
    session = session_of(repo.path, [(iso(10), one), (iso(11), two)])
    assert [(f.state, f.commit) for f in trail(session).fates] == [("transformed", done), ("alive", done)]


def test_a_committed_script_rewritten_whole_but_its_bare_lines_is_reverted(tmp_path):
    first = "#!/bin/bash\nSRC=/workspace/a\nif [ -d \"$SRC\" ]; then\n  cp -r \"$SRC\" ~/a\nfi\n"
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "project\n")
    repo.commit("init", iso(9))
    one = write(repo, "sync.sh", first)
    done = repo.commit("script", iso(11), "sync.sh")
    repo.write("sync.sh", "#!/bin/bash\nwhile sleep 60; do\n  make deploy\ndone\nif true; then\n  :\nfi\n")
    repo.commit("by hand", iso(12), "sync.sh")
    session = session_of(repo.path, [(iso(10), one)])
    [fate] = trail(session).fates
    assert (fate.state, fate.commit, fate.kept) == ("reverted", done, 0)


@pytest.mark.parametrize(
    "line",
    ["", "   ", "}", "  fi", "done;", "esac", "end", "END;", "end.", "end)", "} else {", "else:", "#!/bin/sh",
     "#!/usr/bin/env -S node --no-warnings", "</div>", "  </ul>", "\\end{itemize}", "<?php", "?>", "@end",
     "End If", "endfunction", "pass", "try:", "finally:", "#", "//", "/*", " */", "--", "rem",
     "# -*- coding: utf-8 -*-", "begin", "then", "do", "# frozen_string_literal: true", "'use strict';"],
)  # fmt: skip
def test_lines_that_carry_nothing(line):
    assert carries_nothing(line)


@pytest.mark.parametrize(
    "line",
    ["fi_count = 0", "done = True", "end_time()", "# sync the workspace", "return value", "else if (x) {",
     "elif ready:", "<div class=\"hero\">", "</div><p>x</p>", "SRC=/workspace/a", "#include <stdio.h>",
     "import os", "endpoint"],
)  # fmt: skip
def test_lines_that_carry_something(line):
    assert not carries_nothing(line)


def test_a_commit_holding_only_the_bare_lines_of_a_patch_did_not_take_it(tmp_path):
    """Half of the lines are in the commit, but they are the shebang and the block closers: someone
    rewrote the script outside the session before committing, and the patch never reached a commit."""
    first = "#!/bin/bash\nif [ -n \"$1\" ]; then\n  docker compose up -d \"$1\"\nfi\n"
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "project\n")
    repo.commit("init", iso(9))
    one = write(repo, "run.sh", first)
    repo.write("run.sh", "#!/bin/bash\nif make check; then\n  make all\nfi\n")
    repo.commit("by hand", iso(11), "run.sh")
    [fate] = trail(session_of(repo.path, [(iso(10), one)])).fates
    assert (fate.state, fate.commit) == ("lost", None)
