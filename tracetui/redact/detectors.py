"""Every detector `detect.scan_text` runs, in one module it imports on a first scan, not with the
package: a process that scans nothing (a blame whose gate remembers every string) does not pay their
import, detect-secrets' rules among them. One module, not a package's names, so the import a scan
makes each time is a lookup (nine of them were 3-5 µs of a 27 µs scan of a short text)."""

from __future__ import annotations

from tracetui.redact import ds, pii, prose, rules
from tracetui.redact.encoded import encoded_findings
from tracetui.redact.joined import joined_findings
from tracetui.redact.known import drop_known
from tracetui.redact.names import name_findings
from tracetui.redact.spelled import spelled_findings
from tracetui.redact.views import terminal_view

__all__ = [
    "drop_known", "ds", "encoded_findings", "joined_findings", "name_findings", "pii", "prose", "rules",
    "spelled_findings", "terminal_view",
]  # fmt: skip
