"""The move searches' candidates are counted for the keys some probe looks for, ASCII ones on their bytes.

A candidate file version is asked whether it holds any of a probe's lines, and how many beyond the
copies its earlier version had. Counted only for the keys of the trail's probes (and, when the
version is ASCII, from its bytes without decoding), every answer must be the one counting it whole
gives: for ASCII, non-ASCII, non-breaking spaces, CRLF, control characters and invalid UTF-8 alike.
"""

from __future__ import annotations

import random
from pathlib import Path

import pygit2

from tracetui.trail import evidence as ev
from tracetui.trail.file_versions import FileVersions
from tracetui.trail.moves import _shifted
from tracetui.model import Hunk
from tracetui.trail.line_identity import byte_norms, count_before, norms_of
from tracetui.trail.patch import Patch

PIECES = [
    "alpha",
    "beta(",
    "gamma)",
    "  delta = 1",
    "\tepsilon",
    "",
    "x",
    " ",
    "\r",
    "\v",
    "\f",
    "\x1c",
    "\x0b",
    "é",
    "\u00a0",
    "k",
]


def _text(rng: random.Random, pieces: list[str]) -> str:
    lines = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 4))) for _ in range(rng.randint(0, 30))]
    return "\n".join(lines) + ("\n" if rng.random() < 0.5 else "")


def test_byte_norms_are_the_norms_of_the_decoded_text() -> None:
    rng = random.Random(7)
    ascii_pieces = [p for p in PIECES if p.isascii()]
    no_nbsp = [p for p in PIECES if p != "\u00a0"]
    read = 0
    for i in range(900):
        data = _text(rng, (ascii_pieces, no_nbsp, PIECES)[i % 3]).encode("utf-8")
        if rng.random() < 0.2:
            data += rng.choice([b"al\xffpha\n", b"\xe2 \x80\xa0x", b"\xc3\n", b"\xed\xa0\x80"])
        found = byte_norms(data)
        text = data.decode("utf-8", "replace")
        if found is None:
            # Only where bytes cannot tell: a non-breaking space, or bytes that are not UTF-8.
            assert "\u00a0" in text or "\ufffd" in text
            continue
        read += 1
        assert found == [n.encode("utf-8") for n in norms_of(text)]
    assert read > 500


def _patch(rng: random.Random, i: int, pieces: list[str]) -> Patch:
    added = [x for x in _text(rng, pieces).splitlines() if x.strip()] or ["alpha"]
    p = Patch(f"s{i}", "f.py", "update", [Hunk(1, 0, 1, len(added), ["+" + x for x in added])], added, [])
    count_before(p, _text(rng, pieces) if rng.random() < 0.5 else None)
    return p


def test_candidate_counts_answer_as_full_counts(tmp_path: Path) -> None:
    rng = random.Random(11)
    repo = pygit2.init_repository(str(tmp_path / "r"))
    pieces = PIECES + ["gamma)\u00a0delta", "alphabeta(", "\u00e9x", "\ud800x"]
    blobs: list[str] = []
    ascii_pieces = [p for p in pieces if p.isascii()]
    no_nbsp = [p for p in pieces if "\u00a0" not in p and "\ud800" not in p]
    for i in range(90):
        data = _text(rng, (ascii_pieces, no_nbsp, pieces[:-1])[i % 3]).encode("utf-8")
        if rng.random() < 0.15:
            data += b"al\xffpha\n\xe2 \x80\xa0x\n"  # invalid UTF-8, whitespace inside a sequence
        if rng.random() < 0.3:
            data = data.replace(b"\n", b"\r\n")
        blobs.append(str(repo.create_blob(data)))
    patches = [_patch(rng, i, pieces) for i in range(12)]
    probes = [p for p in (ev.probe(x) for x in patches) if p is not None]
    whole = FileVersions(repo, {})
    some = FileVersions(repo, {})
    some.look_for(ev.wanted_keys(probes))
    for blob in blobs:  # asked first: every version read from its bytes, none decoded before
        for key in some.every:
            assert some.holds_any(blob, frozenset([key])) == (key in whole.full(blob).normal)
    for blob in blobs:
        mine, full = some.some(blob), whole.full(blob)
        assert {k: (mine.exact[k], mine.normal[k]) for k in some.every} == {
            k: (full.exact[k], full.normal[k]) for k in some.every
        }
    for probe in probes:
        for blob in blobs:
            held = not probe.want_keys().isdisjoint(whole.full(blob).normal)
            assert some.holds_any(blob, probe.want_keys()) == held
            for old in rng.sample(blobs, 3) + [None]:
                ask, ask_whole = _shifted(probe, some.some(old)), _shifted(probe, whole.full(old))
                assert ev.kept(ask, some.some(blob)) == ev.kept(ask_whole, whole.full(blob))
                assert ev.kept(probe, some.some(blob)) == ev.kept(probe, whole.full(blob))


def test_a_version_that_is_not_utf8_is_found_holding_its_decoded_lines(tmp_path: Path) -> None:
    """Versions that are not UTF-8 are settled on their bytes where no line can be a key: a key with a
    replacement character (an agent that read such a file decoded and wrote it back) is still found,
    and a broken character's bytes joined by deleting a space inside it are no line of the text."""
    repo = pygit2.init_repository(str(tmp_path / "r"))
    legacy = "print('中文')\n".encode("gbk") + b"x = 1\n"
    decoded = norms_of(legacy.decode("utf-8", "replace"))
    assert "\ufffd" in decoded[0]
    blob = str(repo.create_blob(legacy))
    joined = str(repo.create_blob(b"\xe2 \x80\xa0x\n"))  # "†x" once the space is deleted
    for key, where, held in [
        (decoded[0], blob, True),
        ("x=1", blob, True),
        ("print('中文')", blob, False),
        ("†x", joined, False),
        (norms_of(b"\xe2 \x80\xa0x".decode("utf-8", "replace"))[0], joined, True),
    ]:
        files = FileVersions(repo, {})
        files.look_for(frozenset([key]))
        assert files.holds_any(where, frozenset([key])) is held, key
        assert (files.some(where).normal[key] > 0) is held, key
