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

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracetui.export.donation import DonateOptions, Donation, DonationPlan, donate, push, repo_id
    from tracetui.export.donation import plan as donation_plan
    from tracetui.export.run import FORMATS, ExportOptions, ExportProgress, ExportReport, export
    from tracetui.export.verify import CheckReport, check
    from tracetui.selection import Selection, select

# Each name from the module that holds it, when first asked for: a submodule (`export.labels`, which an
# evaluation's worker imports; `export.manifest`) is then imported without the gate, the detectors, the
# capsule code and pyarrow's writers that `check` and `run` bring (about 0.3 s of CPU a process).
_WHERE = {
    "CheckReport": ("tracetui.export.verify", "CheckReport"),
    "check": ("tracetui.export.verify", "check"),
    "DonateOptions": ("tracetui.export.donation", "DonateOptions"),
    "Donation": ("tracetui.export.donation", "Donation"),
    "DonationPlan": ("tracetui.export.donation", "DonationPlan"),
    "donate": ("tracetui.export.donation", "donate"),
    "donation_plan": ("tracetui.export.donation", "plan"),
    "push": ("tracetui.export.donation", "push"),
    "repo_id": ("tracetui.export.donation", "repo_id"),
    "FORMATS": ("tracetui.export.run", "FORMATS"),
    "ExportOptions": ("tracetui.export.run", "ExportOptions"),
    "ExportProgress": ("tracetui.export.run", "ExportProgress"),
    "ExportReport": ("tracetui.export.run", "ExportReport"),
    "export": ("tracetui.export.run", "export"),
    "Selection": ("tracetui.selection", "Selection"),
    "select": ("tracetui.selection", "select"),
}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'tracetui.export' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(where[0]), where[1])


__all__ = [
    "FORMATS", "CheckReport", "DonateOptions", "Donation", "DonationPlan", "ExportOptions", "ExportProgress",
    "ExportReport", "Selection", "check", "donate", "donation_plan", "export", "push", "repo_id", "select",
]  # fmt: skip
