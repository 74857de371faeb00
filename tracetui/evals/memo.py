"""Each session's labels from git and its tests, and its cohorts, kept in the bucket's cache: an
evaluation of sessions whose logs and clones did not change since the last one reads none of them
(the Evals screen, `tracetui eval` with another `--by`).

More in docs/internals/evals.md, `evals/memo.py`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from tracetui import __version__
from tracetui.bucket import Bucket
from tracetui.evals.cohorts import BY
from tracetui.evals.scores import SessionLabels
from tracetui.model import SessionSummary
from tracetui.regular_file import keep_cache, kept_cache
from tracetui.trail.witness import Witnesses

FORMAT = "tracetui.eval-memo/3"  # 2: work on a branch the reference lacks is undecided; 3: `written`
_LABELS = ("alive", "transformed", "reverted", "lost", "undecided")
KEEP = 100_000  # sessions a memo file holds at most: the ones judged last


class EvalMemo:
    """The memo of one bucket for one reference and repository: read once, written once."""

    def __init__(self, bucket: Bucket, ref: str, repo: str | Path | None) -> None:
        assert bucket.cache_dir is not None
        self.clones = Witnesses(repo, bucket.content_keys)
        scope = orjson.dumps([FORMAT, __version__, ref, None if repo is None else str(repo)])
        self.shared = hashlib.sha256(scope).hexdigest()
        self.path = bucket.cache_dir / "eval" / f"{self.shared[:24]}.json"
        self.old = self._load()
        self.new: dict[str, Any] = {}

    def start(self, rows: Sequence[SessionSummary]) -> None:
        """Read the index keys of the sessions this evaluation chose, at once."""
        self.clones.start([row.id for row in rows])

    def recall(self, row: SessionSummary) -> tuple[SessionLabels, dict[str, list[str]]] | None:
        """The session's labels from git and its tests (no ratings, no cost) and its cohorts by every
        dimension, where they were worked out from the session and clone as they are now."""
        entry = self.old.get(row.id)
        if not isinstance(entry, dict) or not isinstance(entry.get("touched"), list):
            return None
        if not all(isinstance(name, str) for name in entry["touched"]):
            return None
        if entry.get("key") != self._key(row, self.clones.witness(row.cwd, entry["touched"])):
            return None
        try:
            lines = {k: int(entry["lines"][k]) for k in _LABELS}
            labels = SessionLabels(row.id, entry["started"], alive=lines["alive"], transformed=lines["transformed"],
                                   reverted=lines["reverted"], lost=lines["lost"], undecided=lines["undecided"],
                                   tests_last_exit=entry["tests_last_exit"], note=entry["note"])  # fmt: skip
            cohorts = {by: [str(k) for k in entry["cohorts"][by]] for by in BY}  # every dimension, or none
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        if not (labels.started is None or isinstance(labels.started, str)) or not (
            labels.note is None or isinstance(labels.note, str)
        ) or not (labels.tests_last_exit is None or type(labels.tests_last_exit) is int):
            return None
        self.new[row.id] = entry
        return labels, cohorts

    def before(self, row: SessionSummary) -> None:
        """Read the clone's state before the session is judged (`remember` compares it after)."""
        self.clones.state(row.cwd)

    def remember(
        self, row: SessionSummary, labels: SessionLabels, touched: list[str], cohorts: dict[str, list[str]]
    ) -> None:
        """Keep what the session was found to be, unless its clone moved while it was judged or a file
        it read changed too recently to be sure it is done changing. `touched`: the work-tree files
        its judging read (`witness.touched_paths` of its fates; a worker process sends them)."""
        settled = self.clones.settled_paths(row.id, row.cwd, touched)
        if settled is None:
            return
        witness, touched = settled
        self.new[row.id] = {
            "key": self._key(row, witness), "touched": touched, "started": labels.started,
            "lines": {k: getattr(labels, k) for k in _LABELS}, "tests_last_exit": labels.tests_last_exit,
            "note": labels.note, "cohorts": cohorts,
        }  # fmt: skip

    def save(self) -> None:
        """The memo with this evaluation's sessions, and the others it held; a memo that cannot be
        written only costs the next evaluation its time."""
        kept = [(sid, e) for sid, e in self.old.items() if sid not in self.new]
        room = max(0, KEEP - len(self.new))
        merged = {**dict(kept[len(kept) - room :] if room else []), **self.new}
        keep_cache(self.path, orjson.dumps({"format": FORMAT, "sessions": merged}))

    def _key(self, row: SessionSummary, witness: str) -> str | None:
        content = self.clones.content.get(row.id)
        if content is None:
            return None
        return hashlib.sha256(f"{self.shared}\0{content}\0{witness}".encode()).hexdigest()

    def _load(self) -> dict[str, Any]:
        data = kept_cache(self.path, FORMAT)
        return data["sessions"] if data is not None and isinstance(data.get("sessions"), dict) else {}
