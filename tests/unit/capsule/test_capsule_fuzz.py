"""Capsules with a valid manifest and valid hashes around fields of the wrong type: every one is
either read or refused with a CapsuleError, and never crashes verify, open or replay."""

from __future__ import annotations

import random
import sys
from typing import Any

import orjson
import pytest
from shared_data import FIXTURES
from support.peak_memory import run_measured

from tracetui.capsule import CapsuleError, open_capsule, replay, seal, verify
from tracetui.capsule import manifest as mf
from tracetui.capsule.archive import read_archive, write_archive
from tracetui.errors import TracetuiError

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit

ODD_VALUES: list[Any] = [None, True, 0, -1, 2**62, 1.5, "", "x" * 3, [], [1, [2]], {}, {"a": {"b": 1}}, "\x1b]52;c;QQ==\x07"]


def _mutate(value: Any, rng: random.Random) -> Any:
    """`value` with one field somewhere replaced by a value of another type."""
    if isinstance(value, dict) and value:
        key = rng.choice(sorted(value))
        out = dict(value)
        out[key] = _mutate(value[key], rng) if rng.random() < 0.5 else rng.choice(ODD_VALUES)
        return out
    if isinstance(value, list) and value:
        i = rng.randrange(len(value))
        items = list(value)
        items[i] = _mutate(value[i], rng) if rng.random() < 0.5 else rng.choice(ODD_VALUES)
        return items
    return rng.choice(ODD_VALUES)


def _rewrap(members: dict[str, bytes], manifest: dict[str, Any]) -> bytes:
    """A capsule whose manifest lists these members with their true hashes (what an attacker can do)."""
    payload = {k: v for k, v in members.items() if k in mf.PAYLOAD}
    manifest = {**manifest, "members": {k: mf.member_entry(v) for k, v in sorted(payload.items())}}
    return write_archive({mf.MANIFEST: mf.canonical(manifest), **payload})


@pytest.fixture(scope="module")
def sealed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    repo, _ = kit.make_repo(tmp)
    session = kit.make_session(repo)
    seal(session, kit.empty_plan(session), repo=repo, out=tmp / "ok.capsule", secret=b"\x04" * 32)
    return repo, read_archive((tmp / "ok.capsule").read_bytes(), mf.ALLOWED)


def test_fuzzed_capsules_are_read_or_refused_never_crash(sealed, tmp_path):
    repo, members = sealed
    rng = random.Random(20261122)
    manifest = orjson.loads(members[mf.MANIFEST])
    refused = 0
    for n in range(120):
        target = rng.choice(["manifest", mf.TRACE, mf.TRAIL, mf.CTX])
        changed = dict(members)
        if target == "manifest":
            doc = _mutate({k: v for k, v in manifest.items() if k != "members"}, rng)
        else:
            doc = manifest
            records = [orjson.loads(line) for line in members[target].splitlines()]
            i = rng.randrange(len(records))
            records[i] = _mutate(records[i], rng)
            changed[target] = mf.canonical_lines(records)
        path = tmp_path / f"f{n}.capsule"
        path.write_bytes(_rewrap(changed, doc if isinstance(doc, dict) else {}))
        try:
            verify(path)
            opened = open_capsule(path)
            opened.session(opened.resolve(opened.list_sessions()[0].id))
            replay(opened, repo)
        except TracetuiError:
            refused += 1
    assert refused > 20, "the fuzzer should produce many malformed capsules"


@pytest.mark.parametrize(
    ("field", "value"),
    [("repo", "https://example.com/x.git"), ("steps", 7), ("agent", ["claude"]), ("receipt", {"a": 1})],
)
def test_named_wrong_types_are_refused_with_one_line(sealed, tmp_path, field, value):
    _, members = sealed
    manifest = orjson.loads(members[mf.MANIFEST])
    manifest[field] = value
    path = tmp_path / "bad.capsule"
    path.write_bytes(_rewrap(dict(members), manifest))
    with pytest.raises(CapsuleError, match=field):
        verify(path)


def test_a_trail_state_that_is_not_a_state_is_refused(sealed, tmp_path):
    _, members = sealed
    records = [orjson.loads(line) for line in members[mf.TRAIL].splitlines()]
    records[0]["state"] = True
    path = tmp_path / "bad.capsule"
    path.write_bytes(_rewrap({**members, mf.TRAIL: mf.canonical_lines(records)}, orjson.loads(members[mf.MANIFEST])))
    with pytest.raises(CapsuleError, match="trail.jsonl line 1 has a malformed state"):
        open_capsule(path)


def test_a_capsule_of_tiny_values_is_refused_in_bounded_memory(sealed, tmp_path):
    # Valid JSON, valid hashes, a few MB compressed: millions of one-letter ids in one context.
    _, members = sealed
    record = {"compacted": False, "from": None, "items": ["s"] * 6_000_000, "step": "x", "tokens": 0}
    path = tmp_path / "wide.capsule"
    path.write_bytes(_rewrap({**members, mf.CTX: mf.canonical_lines([record])}, orjson.loads(members[mf.MANIFEST])))
    assert path.stat().st_size < 1 << 20
    code = (
        "import sys\n"
        "from tracetui.capsule import CapsuleError, verify\n"
        "try:\n    verify(sys.argv[1]); print('accepted')\n"
        "except CapsuleError as exc:\n    print('refused:', exc)\n"
    )
    out = run_measured(code, str(path))
    assert out.stdout.startswith("refused:"), out.stderr[-2000:]
    assert 0 < out.peak_mb < 400, f"verify took {out.peak_mb} MB"


def test_the_count_of_json_values_is_bounded_before_parsing(sealed, tmp_path, monkeypatch):
    from tracetui.capsule import opened

    _, members = sealed
    path = tmp_path / "ok.capsule"
    path.write_bytes(_rewrap(dict(members), orjson.loads(members[mf.MANIFEST])))
    open_capsule(path)
    monkeypatch.setattr(opened, "MAX_VALUES", 50)
    with pytest.raises(CapsuleError, match="over 50 JSON values"):
        open_capsule(path)
