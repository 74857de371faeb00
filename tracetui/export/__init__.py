"""Export: turn chosen sessions into a dataset, scrubbed and checked (docs/design.md, "Export").

Public API (the CLI and the app call only these):

- `export(library, dest, ExportOptions(format, accept_suggested, ref, repo, license, shard_rows,
  steps), Selection(agent, project, since, until, query, sessions), progress=None) -> ExportReport`:
  raises `SealRefused` (findings with `session`, never values) while suggestions wait for a
  decision; sessions the second gate stops are in `report.refused`; `progress(ExportProgress(phase,
  done, total, session))` is called as each session is reviewed and written.
- `check(dest) -> CheckReport`: every file against the manifest, and the detectors over every byte.
- `FORMATS`, `select(library, selection)`.

The core never imports Textual or Rich; formats that need pyarrow import it on use.
"""

from tracetui.export.check import CheckReport, check
from tracetui.export.run import (
    FORMATS,
    ExportOptions,
    ExportProgress,
    ExportReport,
    export,
)
from tracetui.selection import Selection, select

__all__ = [
    "FORMATS",
    "CheckReport",
    "ExportOptions",
    "ExportProgress",
    "ExportReport",
    "Selection",
    "check",
    "export",
    "select",
]
