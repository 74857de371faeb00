"""The Agent Trace spec's own JSON schema (agent-trace.dev), for the tests to validate records with
`jsonschema` rather than with rules written out by hand.

No package registry ships it: npm has no `agent-trace` and no package of the spec's (its site builds
the schema from the spec's `schemas.ts`), and the PyPI packages of that name write schemas of their
own. The spec's repository holds the file itself, `schemas/trace-record.json` as its
`gen-schema-json` script wrote it for version 0.1 (COMMIT), so the tests read it from that
repository's mirror: the `fetch` tool puts it at `$TRACETUI_MIRRORS/cursor+agent-trace/repo`, like the
mirrors the corpus tests read. Nothing of it is copied into this repository; where it was not fetched,
`published_validator` returns the reason to skip with.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
import pygit2
from shared_data import MIRRORS, mirror


OWNER, NAME = "cursor", "agent-trace"
# The spec's one committed JSON schema: the 0.1 schema (version MAJOR.MINOR) its generator wrote.
COMMIT = "33e849428e0214edcadd7ced5052b7258e636b4f"
PATH = "schemas/trace-record.json"
SCHEMA_ID = "https://agent-trace.dev/schemas/v1/trace-record.json"

_cache: dict[str, Any] = {}


def published_schema() -> dict[str, Any] | str:
    """The published schema as a dict, or why it cannot be had here (a skip reason)."""
    if "schema" in _cache:
        return _cache["schema"]
    git_dir = mirror(OWNER, NAME)
    if git_dir is None:
        found: dict[str, Any] | str = (
            f"the Agent Trace spec ({OWNER}/{NAME}) is not in the mirrors at {MIRRORS}: no package registry "
            "ships its schema (tests/support/agent_trace_schema.py)"
        )
    else:
        try:
            commit = pygit2.Repository(str(git_dir)).get(COMMIT)
            blob = commit.tree[PATH] if commit is not None else None
            # A folder at PATH is no schema either (a Tree has no data).
            if isinstance(blob, pygit2.Blob):
                found = orjson.loads(blob.data)
            else:
                found = f"{PATH} is not at {COMMIT[:12]}"
        except (KeyError, ValueError, pygit2.GitError) as exc:
            found = f"the spec's mirror at {git_dir} has no readable {PATH} at {COMMIT[:12]}: {exc}"
    if isinstance(found, dict) and found.get("$id") != SCHEMA_ID:
        found = f"{PATH} at {COMMIT[:12]} is not the Agent Trace record's schema ($id {found.get('$id')!r})"
    _cache["schema"] = found
    return found


def published_validator() -> Any:
    """A `jsonschema` validator of the published schema (its own draft, formats checked), or the
    reason there is none here (a str)."""
    schema = published_schema()
    if isinstance(schema, str):
        return schema
    try:
        import jsonschema
    except ImportError:
        return "jsonschema is not installed (it is in the test extra)"
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def schema_errors(validator: Any, record: Any) -> list[str]:
    """Each way `record` breaks the schema, as `at: message` (empty: valid)."""
    errors = validator.iter_errors(record)
    return sorted(f"{'/'.join(map(str, e.absolute_path)) or 'record'}: {e.message}" for e in errors)


# Where the spec's mirror is absent, records are checked by this independent copy of the schema's
# rules (version 0.1 of the spec, January 2026), written from the file apart from the code's.
_VERSION = re.compile(r"^[0-9]+\.[0-9]+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$")
_KINDS = {"human", "ai", "mixed", "unknown"}


def _only(obj: dict[str, Any], allowed: set[str], required: set[str]) -> None:
    assert isinstance(obj, dict) and set(obj) <= allowed, set(obj) - allowed
    assert required <= set(obj), required - set(obj)


def _contributor(c: dict[str, Any]) -> None:
    _only(c, {"type", "model_id"}, {"type"})
    assert c["type"] in _KINDS
    assert "model_id" not in c or (isinstance(c["model_id"], str) and len(c["model_id"]) <= 250)


def _by_hand(rec: dict[str, Any]) -> None:
    _only(rec, {"version", "id", "timestamp", "vcs", "tool", "files", "metadata"}, {"version", "id", "timestamp", "files"})
    assert _VERSION.match(rec["version"]) and _UUID.match(rec["id"]) and _TIME.match(rec["timestamp"])
    if "vcs" in rec:
        _only(rec["vcs"], {"type", "revision"}, {"type", "revision"})
        assert rec["vcs"]["type"] in {"git", "jj", "hg", "svn"} and isinstance(rec["vcs"]["revision"], str)
    if "tool" in rec:
        _only(rec["tool"], {"name", "version"}, {"name", "version"})
        assert all(isinstance(v, str) for v in rec["tool"].values())
    for f in rec["files"]:
        _only(f, {"path", "conversations"}, {"path", "conversations"})
        assert isinstance(f["path"], str)
        for conv in f["conversations"]:
            _only(conv, {"url", "contributor", "ranges", "related"}, {"ranges"})
            if "contributor" in conv:
                _contributor(conv["contributor"])
            for r in conv["ranges"]:
                _only(r, {"start_line", "end_line", "content_hash", "contributor"}, {"start_line", "end_line"})
                assert all(type(r[k]) is int and 1 <= r[k] <= 2**53 - 1 for k in ("start_line", "end_line"))
                if "contributor" in r:
                    _contributor(r["contributor"])
    assert isinstance(rec.get("metadata", {}), dict)


def valid_record(rec: dict[str, Any]) -> None:
    """`rec` is valid by the spec's published schema (by the copy of its rules above where the spec
    was not fetched: `test_records_and_the_code_s_check_against_the_published_schema` then says so)."""
    validator = published_validator()
    if isinstance(validator, str):
        _by_hand(rec)
        return
    assert schema_errors(validator, rec) == []
