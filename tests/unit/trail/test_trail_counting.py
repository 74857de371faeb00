"""A file version counted from another version of the same file gives the counts of counting it whole.

`FileLines.after` counts only the stretches of lines where two versions differ (the trail counts
hundreds of versions of a long file, each a few lines away from the last). Whatever the edits, the
wanted exact lines, their norms and the keys split over several lines must come out as `FileLines.of`
counts them.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from tracetui.trail import evidence as ev

from tracetui.trail import file_lines as fl
from tracetui.trail.line_identity import norm, norms_of

PIECES = [
    "alpha",
    "beta(",
    "gamma)",
    "  delta = 1",
    "\tepsilon",
    "",
    "a_long_name_that_a_formatter_would_split_over_lines()",
    "x",
    "  ",
    " y\r",
    "é ü",
    "\u00a0nb",
    "k",
]


def _line(rng: random.Random) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 4)))


def _edited(rng: random.Random, lines: list[str]) -> list[str]:
    out = list(lines)
    for _ in range(rng.randint(0, 6)):
        at = rng.randint(0, len(out))
        roll = rng.random()
        if roll < 0.4:
            out[at:at] = [_line(rng) for _ in range(rng.randint(1, 5))]
        elif roll < 0.8:
            del out[at : at + rng.randint(1, 5)]
        else:
            out[at : at + 1] = [_line(rng)]
    return out


def _keys(rng: random.Random, a: str, b: str) -> tuple[frozenset[str], frozenset[str]]:
    """Wanted lines and norms from both versions, and split keys: joins of 2 to 4 consecutive norms."""
    na, nb = norms_of(a), norms_of(b)
    splits: set[str] = set()
    for seq in (na, nb):
        for _ in range(20):
            if len(seq) > 4:
                i = rng.randrange(len(seq) - 3)
                splits.add("".join(seq[i : i + rng.randint(2, 4)]))
    splits.discard("")
    lines = a.splitlines() + b.splitlines()
    wanted = (
        set(rng.sample(na + nb, min(30, len(na + nb)))) | set(rng.sample(lines, min(30, len(lines)))) | splits
    )
    return frozenset(wanted), frozenset(splits)


def _same(got: fl.FileLines, want: fl.FileLines) -> bool:
    return (dict(got.exact), dict(got.normal), got._splits or {}) == (
        dict(want.exact),
        dict(want.normal),
        want._splits or {},
    )


@pytest.mark.parametrize("seed", range(4))
def test_counting_from_another_version_equals_counting_whole(seed):
    rng = random.Random(seed)
    stretched = 0
    for _ in range(150):
        lines = [_line(rng) for _ in range(rng.randint(0, 1500))]
        a = "\n".join(lines) + rng.choice(["", "\n"])
        b = "\n".join(_edited(rng, lines)) + rng.choice(["", "\n"])
        wanted, splits = _keys(rng, a, b)
        prior = fl.FileLines.of(a, wanted, splits)
        assert _same(fl.FileLines.after(prior, a, b, wanted, splits), fl.FileLines.of(b, wanted, splits))
        stretched += len(fl._stretches(a, b)) > 1
    assert stretched > 30  # edits far apart were counted as separate stretches


# Bytes a blob may hold that decoding reads apart: a wide character, a form feed (a line break to
# `splitlines`), a lone continuation byte, a lead byte cut short before a newline or the end. Lines
# are made and edited as text holding a stand-in control character for each, then encoded.
RAW = [b"\xe2\x9c\x93 ok", b"\x0cfeed", b"bad \x80", b"cut \xe2\x9c", b"\xf0", b"tail"]


def _encoded(lines: list[str], end: bytes) -> bytes:
    data = "\n".join(lines).encode()
    for i, raw in enumerate(RAW):
        data = data.replace(bytes([i + 1]), raw)
    return data + end


@pytest.mark.parametrize("seed", range(4))
def test_counting_from_another_versions_bytes_equals_counting_the_text_whole(seed):
    # The trail counts versions from their blobs' bytes: only the changed stretches are decoded.
    rng = random.Random(seed)
    for _ in range(150):
        marked = [chr(rng.randint(1, len(RAW))) if rng.random() < 0.2 else "" for _ in range(900)]
        lines = [_line(rng) + mark for mark in marked[: rng.randint(0, 900)]]
        a = _encoded(lines, rng.choice([b"", b"\n", b"\xe2"]))
        b = _encoded(_edited(rng, lines), rng.choice([b"", b"\n", b"\x9c"]))
        ta, tb = a.decode("utf-8", "replace"), b.decode("utf-8", "replace")
        wanted, splits = _keys(rng, ta, tb)
        prior = fl.FileLines.of(ta, wanted, splits)
        assert _same(fl.FileLines.after(prior, a, b, wanted, splits), fl.FileLines.of(tb, wanted, splits))


def test_split_keys_across_the_edges_of_a_stretch():
    # A key split over four lines, two of them inside the changed stretch and two outside it.
    body = [f"line_{i} = {i}" for i in range(400)]
    a = "\n".join(body[:200] + ["call(", "first_argument,", "second_argument,", ")"] + body[200:]) + "\n"
    b = a.replace("second_argument,\n)\n", "second_argument,\n)\nadded = 1\n").replace(
        "line_300 = 300", "line_300 = 301"
    )
    key = "call(first_argument,second_argument,)"
    wanted, splits = frozenset({key, "added=1"}), frozenset({key})
    prior = fl.FileLines.of(a, wanted, splits)
    after = fl.FileLines.after(prior, a, b, wanted, splits)
    assert after._splits == {key: 1} and dict(after.normal) == {"added=1": 1}
    undone = fl.FileLines.after(after, b, b.replace("call(\n", "call(x\n"), wanted, splits)
    assert undone._splits == {}


def test_a_version_that_changed_no_wanted_line_is_the_one_before():
    # A long file's versions mostly change lines no patch looks for: the same counts are the same
    # version to every probe, whose answers (memoized per version) are then not worked out again.
    body = [f"entry {i}: something happened" for i in range(300)]
    tail = ["    wanted_line(x)", "call(", "first_argument_of_a_long_call,", "second_argument)"]
    a = "\n".join(body + tail) + "\n"
    b = a.replace("entry 7:", "entry seven:")
    key = "call(first_argument_of_a_long_call,second_argument)"
    wanted, splits = frozenset({"wanted_line(x)", "    wanted_line(x)", key}), frozenset({key})
    prior = fl.FileLines.of(a, wanted, splits)
    same = fl.FileLines.after(prior, a, b, wanted, splits)
    assert same is prior
    line, key = "    wanted_line(x)", "wanted_line(x)"
    probe = ev.Probe(False, [line], Counter({line: 1}), {line: 0}, Counter({key: 1}), {key: 0})
    assert ev.kept(probe, same) == 1
    c = b.replace("    wanted_line(x)\n", "")
    gone = fl.FileLines.after(same, b, c, wanted, splits)
    assert gone is not same and ev.kept(probe, gone) == 0 and _same(gone, fl.FileLines.of(c, wanted, splits))
    d = b.replace("second_argument)", "second_argument, y)")
    split_gone = fl.FileLines.after(same, b, d, wanted, splits)
    assert split_gone is not same and split_gone._splits == {}


def _random_probe(rng: random.Random, a: str, b: str, splits: frozenset[str]) -> ev.Probe:
    picked = rng.sample(a.splitlines() + b.splitlines(), 3)
    lines = [x for x in picked if any(c.isalnum() for c in x)] or ["x"]
    if splits and rng.random() < 0.5:
        lines.append(rng.choice(sorted(splits)))  # a line a formatter may have split: counted by splits
    norms = [norm(x) for x in lines]
    joins = []
    if len(norms) > 1 and norms[0] != norms[-1]:
        joins = [(norms[0] + norms[-1], Counter({norms[0]: 1}), 0)]
    want, want_n = Counter(lines), Counter(norms)
    return ev.Probe(False, lines, want, {k: 0 for k in want}, want_n, {k: 0 for k in want_n}, False, joins)


@pytest.mark.parametrize("seed", range(3))
def test_a_version_said_the_same_for_a_probe_gives_it_the_same_answers(seed):
    # `same_for`: a version counted from another whose changed keys are none the probe looks at. The
    # answers of both, counted whole and asked afresh, must then be equal.
    rng = random.Random(seed)
    said = {True: 0, False: 0}
    for _ in range(120):
        lines = [_line(rng) for _ in range(rng.randint(20, 600))]
        a = "\n".join(lines) + "\n"
        b = "\n".join(_edited(rng, lines)) + "\n"
        wanted, splits = _keys(rng, a, b)
        prior = fl.FileLines.of(a, wanted, splits)
        after = fl.FileLines.after(prior, a, b, wanted, splits)
        if after is prior:
            continue
        for _ in range(5):
            probe = _random_probe(rng, a, b, splits)
            same = ev.same_for(probe, prior, after)
            said[same] += 1
            if same:
                whole_a, whole_b = fl.FileLines.of(a, wanted, splits), fl.FileLines.of(b, wanted, splits)
                probe.memo.clear()
                probe.memo_exact.clear()
                assert (ev.kept(probe, whole_a), ev.kept_exact(probe, whole_a)) == (
                    ev.kept(probe, whole_b),
                    ev.kept_exact(probe, whole_b),
                )
    assert said[True] > 50 and said[False] > 50


def test_the_lines_of_a_stretch_are_counted_as_its_norms():
    rnd = random.Random(5)
    for _ in range(3000):
        text = "".join(rnd.choice("ab \n\r\t") for _ in range(rnd.randrange(12)))
        lo, hi = sorted((rnd.randrange(len(text) + 1), rnd.randrange(len(text) + 1)))
        assert fl._lines_in(text, lo, hi) == len(norms_of(text[lo:hi])), (text, lo, hi)


def test_a_stretch_whose_middle_was_edited_is_still_cut():
    # Three edits far apart, one of them over the lines the middle run would be taken from: the
    # stretch from the first to the last is cut at a run a quarter in, not counted whole.
    body = [f"value_{i} = compute({i}, {i * 7})" for i in range(400)]
    edited = list(body)
    for at in (10, *range(190, 211), 390):
        edited[at] = f"value_{at} = compute({at}, 0)  # changed"
    a, b = "\n".join(body) + "\n", "\n".join(edited) + "\n"
    stretches = fl._stretches(a, b)
    assert len(stretches) >= 3
    assert sum(a1 - a0 + b1 - b0 for a0, a1, b0, b1 in stretches) < len(b) // 4
    wanted = frozenset(norms_of(b))
    assert _same(fl.FileLines.after(fl.FileLines.of(a, wanted), a, b, wanted), fl.FileLines.of(b, wanted))
