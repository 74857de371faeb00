"""DuckDB for a dataset's queries and their parse: the one locked connection (docs/dataset.md, "Queries").

Everything that runs or parses someone's SQL takes its connection from here, so no query reaches a
file, a URL, an extension or a setting that names the user, whichever module asked.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import uuid
from typing import Any

from tracetui.errors import TracetuiError

MEMORY = "2GB"


def module() -> Any:
    """The duckdb module; a one-line TracetuiError where it is not installed."""
    try:
        import duckdb
    except ImportError:
        raise TracetuiError("SQL needs duckdb (pip install 'tracetui[team]')") from None
    return duckdb


_SPILL_LOCK = threading.Lock()
_SPILL_TOP: list[str] = []


def spill_folder() -> str:
    """A folder of this process's own, not there yet, for one connection's spill files.

    DuckDB's default is `.tmp` under the working folder, and it lets every query read that folder
    even with external access off: a recipe run in a project with a `.tmp` read the project's files.
    DuckDB makes the folder when it first spills and removes it when the connection closes; the
    private parent (mode 700) goes when the process ends."""
    with _SPILL_LOCK:
        if not _SPILL_TOP:
            top = tempfile.mkdtemp(prefix="tracetui-duckdb-")
            atexit.register(shutil.rmtree, top, True)
            _SPILL_TOP.append(top)
        return os.path.join(_SPILL_TOP[0], uuid.uuid4().hex)


def connect(tables: dict[str, Any]) -> Any:
    """An in-memory DuckDB connection holding `tables` (name: an Arrow table or dataset) and nothing
    else it can reach."""
    duckdb = module()
    spill = spill_folder()
    # No setting a query can read names this machine's user or place: DuckDB's secret folder is
    # under $HOME (a recipe's `current_setting('secret_directory')` wrote the home, and with it the
    # user's name, into the dataset it made) and its time zone is the machine's (UTC, as the logs).
    config = {"memory_limit": MEMORY, "threads": 2, "temp_directory": spill, "secret_directory": spill}
    con = duckdb.connect(":memory:", config=config)
    con.execute("SET TimeZone = 'UTC'")  # (ICU's setting: not one `connect` takes)
    for name, table in tables.items():
        con.register(name, table)
    con.execute("SET enable_external_access = false")
    con.execute("SET python_enable_replacements = false")  # no scan of a Python variable by its name
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET lock_configuration = true")
    return con
