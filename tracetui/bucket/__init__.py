"""The bucket: the agents' logs copied, indexed and searchable (docs/design.md, "Bucket")."""

from tracetui.bucket.connections import Rebuilding
from tracetui.bucket.core import Bucket
from tracetui.bucket.doctor import DoctorReport, Problem, doctor
from tracetui.bucket.locations import (
    SourceFolder,
    default_sources,
    may_make_bucket,
    parse_sources,
    source_folders,
)  # fmt: skip
from tracetui.bucket.ratings import VERDICTS, Rating
from tracetui.bucket.results import ListHead, Removal, SearchHit
from tracetui.bucket.searched import StepQuery, kind_names, step_query, unknown_kind
from tracetui.bucket.sync_report import SyncProgress, SyncReport
from tracetui.bucket.unspaced import holds_run

__all__ = [
    "Bucket", "DoctorReport", "ListHead", "Problem", "Rating", "Rebuilding", "Removal", "SearchHit", "SourceFolder",
    "StepQuery", "SyncProgress", "SyncReport", "default_sources", "doctor", "kind_names", "parse_sources", "source_folders", "step_query", "unknown_kind", "VERDICTS",
    "may_make_bucket", "holds_run",
]  # fmt: skip
