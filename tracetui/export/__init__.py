"""Export: turn chosen sessions into a dataset, scrubbed and checked (docs/design.md, "Export").

Public API (the CLI and the app call only these):

- `export(library, dest, ExportOptions(format, accept_suggested, ref, repo, license, shard_rows,
  steps), Selection(agent, project, since, until, query, sessions), progress=None) -> ExportReport`:
  raises `SealRefused` (findings with `session`, never values) while suggestions wait for a
  decision; sessions the second gate stops are in `report.refused`; `progress(ExportProgress(phase,
  done, total, session))` is called as each session is reviewed and written.
- `check(dest) -> CheckReport`: every file against the manifest, and the detectors over every byte.
- `donation_plan`, `donate`, `push`, `repo_id`, `DonateOptions`: `tracetui donate` (donation.py).
- `FORMATS`, `select(library, selection)`.

The core never imports Textual or Rich; formats that need pyarrow import it on use.
"""

from tracetui.export.check import CheckReport, check
from tracetui.export.donation import DonateOptions, Donation, DonationPlan, donate, push, repo_id
from tracetui.export.donation import plan as donation_plan
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
    "DonateOptions",
    "Donation",
    "DonationPlan",
    "ExportOptions",
    "ExportProgress",
    "ExportReport",
    "Selection",
    "check",
    "donate",
    "donation_plan",
    "export",
    "push",
    "repo_id",
    "select",
]
