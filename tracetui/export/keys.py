"""What each session's files in an export folder were made from, kept in the bucket's cache per
folder, so a re-export knows an unchanged session without reading it: a key made from the index
row, the plan file, the ratings and the clone's state, never from the session's steps.

More in docs/internals/export.md, `export/keys.py`.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from tracetui.bucket import Bucket, Rating
from tracetui.cost import table_version
from tracetui.export.manifest import Dest, digest_of
from tracetui.model import SessionSummary
from tracetui.redact import detectors_salt, PlanStore
from tracetui.regular_file import keep_cache, kept_cache
from tracetui.trail import Fate
from tracetui.trail.witness import Witnesses, touched_paths

FORMAT = "tracetui.export-keys/2"  # 2: labels count the lines a patch wrote (`written`)


class ExportKeys:
    """The keys of one export folder: those the last export left, and those this one makes."""

    def __init__(self, bucket: Bucket, store: PlanStore, dest: Dest, made_by: tuple[Any, ...],
                 repo: str | None, ratings: list[Rating]) -> None:  # fmt: skip
        """`made_by`: what the manifest's digests start with (writer and tool versions, options)."""
        assert bucket.cache_dir is not None
        where = f"{dest.root.resolve()}\0{dest.export_format}".encode("utf-8", "surrogateescape")
        self.path = bucket.cache_dir / "export-keys" / f"{hashlib.sha256(where).hexdigest()[:24]}.json"
        self.store, self.dest = store, dest
        self.clones = Witnesses(repo, bucket.content_keys)
        # What every session's files hang on besides itself: the writers, the options, the detectors,
        # who the user is (the scan's identity), the price table (the cost columns).
        self.shared = digest_of(FORMAT, *made_by, detectors_salt(), table_version())
        self.rated: dict[str, list[list[Any]]] = {}
        for r in ratings:
            self.rated.setdefault(r.session, []).append([r.index, r.verdict, r.note, r.at])
        self.old = self._load()
        self.new: dict[str, dict[str, Any]] = {}
        # Each plan file's stamp and digest, as this export found them (PlanStore.stamped_digest).
        self.plans: dict[str, list[Any] | None] = {}

    def unchanged(self, summaries: list[SessionSummary]) -> tuple[dict[str, str], dict[str, str]]:
        """The sessions whose key is the one the last export left: those whose files are in place,
        with the digest their manifest entry has, and those it skipped, with why. Neither need be
        read, reviewed or judged again."""
        self.clones.start([s.id for s in summaries])
        found: dict[str, str] = {}
        skipped: dict[str, str] = {}
        for summary in summaries:
            entry = self.old.get(summary.id)
            if entry is None or self._key(summary, self.clones.witness(summary.cwd, entry["touched"])) != entry["key"]:
                continue
            if isinstance(entry.get("skipped"), str):
                skipped[summary.id] = entry["skipped"]
            elif self.dest.unchanged("sessions", summary.id, entry["digest"]) is not None:
                found[summary.id] = entry["digest"]
            else:
                continue
            self.new[summary.id] = {**entry, "plan": self.plans.get(summary.id)}
        return found, skipped

    def before(self, summary: SessionSummary) -> None:
        """Read the clone's state before the session is judged (`remember` compares it after)."""
        self.clones.state(summary.cwd)

    def remember(self, summary: SessionSummary, digest: str, fates: list[Fate]) -> None:
        """Keep the key of a session this export reviewed, unless the clone moved while it was judged
        or a file it read changed too recently to be sure it is done changing."""
        self.remember_paths(summary, digest, touched_paths(fates))

    def remember_paths(self, summary: SessionSummary, digest: str, touched: list[str]) -> None:
        """`remember` from the files the judging read (`touched_paths`), as an export worker sends them."""
        settled = self.clones.settled_paths(summary.id, summary.cwd, touched)
        if settled is not None:
            witness, touched = settled
            key = self._key(summary, witness)
            self.new[summary.id] = {"key": key, "digest": digest, "touched": touched,
                                    "plan": self.plans.get(summary.id)}  # fmt: skip

    def skipped(self, session_id: str, reason: str) -> None:
        """The format had nothing to write for the session, for a reason its key covers (no clone,
        no surviving work): the next export skips it too while the key holds."""
        if session_id in self.new:
            self.new[session_id]["skipped"] = reason

    def save(self) -> None:
        """Keep the keys of the sessions the folder's manifest now has with the digest they were made
        for; a key that cannot be written only costs the next export its time."""
        sessions = self.dest.sessions
        kept = {sid: e for sid, e in self.new.items()
                if "skipped" in e or sessions.get(sid, {}).get("digest") == e["digest"]}  # fmt: skip
        keep_cache(self.path, orjson.dumps({"format": FORMAT, "sessions": kept}))

    def _key(self, summary: SessionSummary, witness: str) -> str:
        known = self.plans.get(summary.id, self.old.get(summary.id, {}).get("plan"))
        self.plans[summary.id], plan = self.store.stamped_digest(summary.id, known)
        return digest_of(self.shared, self.clones.content.get(summary.id), plan,
                         self.rated.get(summary.id, []), witness)  # fmt: skip

    def _load(self) -> dict[str, dict[str, Any]]:
        data = kept_cache(self.path, FORMAT)
        if data is None or not isinstance(data.get("sessions"), dict):
            return {}
        return {sid: e for sid, e in data["sessions"].items() if _well_formed(e)}


def _well_formed(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("key"), str)
        and isinstance(entry.get("digest"), str)
        and isinstance(entry.get("touched"), list)
        and all(isinstance(t, str) for t in entry["touched"])
        and isinstance(entry.get("skipped", ""), str)
    )
