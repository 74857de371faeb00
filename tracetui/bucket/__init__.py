"""The bucket: the agents' logs copied, indexed and searchable (docs/design.md, "Bucket")."""

from tracetui.bucket.core import Bucket, SearchHit
from tracetui.bucket.sync import SyncProgress, SyncReport

__all__ = ["Bucket", "SearchHit", "SyncProgress", "SyncReport"]
