"""The bucket: the agents' logs copied, indexed and searchable (docs/design.md, "Bucket")."""

from tracetui.bucket.core import Bucket, SearchHit
from tracetui.bucket.doctor import DoctorReport, Problem, doctor
from tracetui.bucket.locations import default_sources, parse_sources
from tracetui.bucket.sync import SyncProgress, SyncReport

__all__ = [
    "Bucket", "DoctorReport", "Problem", "SearchHit", "SyncProgress", "SyncReport",
    "default_sources", "doctor", "parse_sources",
]  # fmt: skip
