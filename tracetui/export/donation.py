"""A donation: the chosen sessions as a folder a dataset maintainer can merge in one step (issue 36).

The same export every other one is (review gate, scrubbing, the second gate, the manifest), in the
raw format community datasets take (`sessions/<agent>/<file>`, with its card), plus a receipt
(`DONATION.md`: what leaves, under which licence, what was scrubbed and what the author kept), then
`export --check` over the folder. Nothing leaves the machine here: `upload_command` is what a user
runs to open a pull request on a Hugging Face dataset, and `push` runs it through `huggingface_hub`
(the `hf` extra) only when a face has the user's yes for it.

`plan` is the dry run: what a donation of the same selection would take, and the decisions still
waiting, with nothing written.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracetui.errors import TracetuiError, UsageError
from tracetui.export.card import license_id
from tracetui.export.verify import CheckReport, check
from tracetui.export.receipt import RECEIPT
from tracetui.export.run import ExportOptions, ExportReport, ProgressCallback, export
from tracetui.selection import Selection, select

if TYPE_CHECKING:
    from tracetui.library import Library

DEFAULT_LICENSE = "cc-by-4.0"
# A Hub repository id: owner/name, the characters the Hub allows.
_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")


@dataclass(frozen=True, slots=True)
class DonateOptions:
    license: str = DEFAULT_LICENSE
    repo: str | None = None  # the Hub dataset (owner/name) the upload command and a push name
    accept_suggested: bool = False
    ref: str = "HEAD"


@dataclass(slots=True)
class DonationPlan:
    """The dry run: what would leave, and what still needs a decision first."""

    dest: Path
    license: str
    sessions: list[dict[str, Any]]  # {"session", "agent", "title", "started", "steps"}
    undecided: int = 0  # suggestions waiting for a decision
    decisions_left: int = 0  # distinct values among them (one decision each: `tracetui review`)
    upload: str = ""

    @property
    def agents(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.sessions:
            counts[row["agent"]] = counts.get(row["agent"], 0) + 1
        return dict(sorted(counts.items()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "dest": str(self.dest),
            "license": self.license,
            "sessions": self.sessions,
            "agents": self.agents,
            "undecided": self.undecided,
            "decisions_left": self.decisions_left,
            "upload": self.upload,
        }


@dataclass(slots=True)
class Donation:
    export: ExportReport
    check: CheckReport
    upload: str  # the command that opens the pull request
    pushed: str | None = None  # the pull request's address, once `push` opened it
    files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.export.refused and self.check.ok

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "export": self.export.to_dict(),
            "check": self.check.to_dict(),
            "receipt": RECEIPT,
            "upload": self.upload,
            "pushed": self.pushed,
        }


def repo_id(value: str) -> str:
    """A `--push`/`--repo` value as the Hub takes it (owner/name), or a clear usage error."""
    if not _REPO.match(value) or ".." in value:
        raise UsageError(f"a Hugging Face dataset is named owner/name (letters, digits, . _ -), got {value!r}")
    return value


def upload_command(dest: Path, repo: str | None, sessions: int) -> str:
    """The `hf upload` line that opens the donation as a pull request on the dataset `repo`."""
    target = repo or "OWNER/DATASET"
    message = f"Donate {sessions} coding-agent session{'s' if sessions != 1 else ''} (tracetui)"
    return shlex.join(["hf", "upload", target, str(dest), ".", "--repo-type", "dataset", "--create-pr",
                       "--commit-message", message])  # fmt: skip


def plan(library: Library, dest: str | Path, options: DonateOptions, selection: Selection | None = None) -> DonationPlan:
    """What a donation of `selection` would write and send, with nothing written: each session, and
    the undecided suggestions (brought up to date, as the export's review does) that stop it."""
    from tracetui.redact import open_review

    license = license_id(options.license.strip().lower())
    if options.repo is not None:
        repo_id(options.repo)
    summaries = select(library, selection or Selection())
    if not summaries:
        raise TracetuiError("no session matches the filters; nothing to donate")
    # The review the export will ask for (`redact.open_review`), each session read as it is scanned.
    review = open_review(library, [s.id for s in summaries])
    assert review is not None  # nothing cancels it
    groups = review.groups
    rows = [
        {
            "session": s.id,
            "agent": s.agent,
            "title": s.title or "",
            "started": s.started,
            "steps": s.steps,
        }
        for s in summaries
    ]
    root = Path(dest).expanduser()
    return DonationPlan(
        root,
        license,
        rows,
        undecided=0 if options.accept_suggested else sum(len(g.occurrences) for g in groups),
        decisions_left=0 if options.accept_suggested else len(groups),
        upload=upload_command(root, options.repo, len(rows)),
    )


def donate(
    library: Library,
    dest: str | Path,
    options: DonateOptions,
    selection: Selection | None = None,
    progress: ProgressCallback | None = None,
) -> Donation:
    """Write the donation folder (the raw export, its card and the receipt) and check it. Raises
    SealRefused while suggestions wait for a decision, as every export does; nothing is sent."""
    license = license_id(options.license.strip().lower())
    if options.repo is not None:
        repo_id(options.repo)
    export_options = ExportOptions("raw", options.accept_suggested, options.ref, license=license, donation=True)
    report = export(library, dest, export_options, selection, progress)
    checked = check(report.dest)
    return Donation(report, checked, upload_command(report.dest, options.repo, report.exported))


# The Hub's client, made on use: tests hand in a fake with the same `upload_folder`.
ApiFactory = Callable[[], Any]


def push(donation: Donation, repo: str, api: ApiFactory | None = None) -> str:
    """Open the donation as a pull request on the Hub dataset `repo`; its address. Only a checked
    donation is sent, and only what its manifest lists (the folder is the export's alone)."""
    repo_id(repo)
    if not donation.ok:
        raise TracetuiError("the donation did not pass its check; nothing was sent")
    if api is None:
        api = _default_api()
    count = donation.export.exported
    try:
        commit = api().upload_folder(
            repo_id=repo,
            folder_path=str(donation.export.dest),
            repo_type="dataset",
            create_pr=True,
            commit_message=f"Donate {count} coding-agent session{'s' if count != 1 else ''} (tracetui)",
        )
    except Exception as exc:  # the Hub's client raises its own errors (auth, network, a missing repo)
        raise TracetuiError(f"the pull request could not be opened on {repo}: {type(exc).__name__}: {exc}") from None
    url = getattr(commit, "pr_url", None) or getattr(commit, "commit_url", None) or str(commit)
    donation.pushed = str(url)
    return donation.pushed


def _default_api() -> ApiFactory:
    try:
        from huggingface_hub import HfApi
    except ImportError:
        raise TracetuiError(
            "pushing needs huggingface_hub (pip install 'tracetui[hf]'); or run the upload command shown"
        ) from None
    return HfApi
