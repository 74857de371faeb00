"""The bucket: the agents' logs copied, indexed and searchable (docs/design.md, "Bucket")."""

from tracetui.bucket.core import Bucket, Removal, SearchHit
from tracetui.bucket.doctor import DoctorReport, Problem, doctor
from tracetui.bucket.locations import SourceFolder, parse_sources, source_folders
from tracetui.bucket.sync import SyncProgress, SyncReport

__all__ = [
    "Bucket", "DoctorReport", "Problem", "Removal", "SearchHit", "SourceFolder", "SyncProgress", "SyncReport", "doctor",
    "parse_sources", "source_folders",
]  # fmt: skip
