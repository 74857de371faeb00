"""The move search's narrowed probe, checked against its plain definition on random cases.

`_gone` narrows a probe to the lines that left its file, and makes the narrowed probe (which copies
every joined run of a long patch) only when a file of the window holds one of its keys: the keys must
be the narrowed probe's own, and the probe made late the one made at once, its joined runs kept by
set tests included.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from tracetui.trail import evidence as ev
from tracetui.trail import file_lines as fl
from tracetui.trail import moves
from tracetui.trail.line_identity import norm

WORDS = ["alpha", "beta = 1", "  gamma()", "delta\t", "return x", "x", "é", "import y"]


def _line(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 2)))


def _probe(rng: random.Random) -> ev.Probe:
    lines = [_line(rng) for _ in range(rng.randint(1, 12))]
    norms = [norm(x) for x in lines]
    joins = []
    for i in range(len(norms) - 1):
        for span in range(2, min(4, len(norms) - i) + 1):
            run = norms[i : i + span]
            joins.append(("".join(run), Counter(run), rng.randint(0, 1)))
    floor_n = {k: rng.randint(0, 1) for k in set(norms)}
    return ev.Probe(
        False, lines, Counter(lines), {x: rng.randint(0, 1) for x in set(lines)}, Counter(norms), floor_n,
        False, joins,
    )  # fmt: skip


def _gone_at_once(probe: ev.Probe, now: fl.FileLines) -> ev.Probe:
    """The narrowed probe as the move search made it before it was made late (the plain definition)."""
    floor = probe.floor_n
    left = {k: n - min(n, max(now.normal.get(k, 0) - floor.get(k, 0), 0)) for k, n in probe.want_n.items()}
    if all(left[k] == n for k, n in probe.want_n.items()):
        return probe
    lines: list[str] = []
    room = dict(left)
    for line in probe.lines:
        k = norm(line)
        if room.get(k, 0) > 0:
            room[k] -= 1
            lines.append(line)
    want_n = Counter(norm(x) for x in lines)
    joins = [j for j in probe.joins if all(want_n.get(k, 0) >= n for k, n in j[1].items())]
    return ev.Probe(
        False, lines, Counter(lines), {x: probe.floor.get(x, 0) for x in set(lines)}, want_n,
        {k: probe.floor_n.get(k, 0) for k in want_n}, probe.exact_only, joins, probe.split_floor,
    )  # fmt: skip


def _fields(p: ev.Probe) -> tuple:
    return (p.deletion, p.lines, p.want, p.floor, p.want_n, p.floor_n, p.exact_only, p.joins, p.split_floor)


@pytest.mark.parametrize("seed", range(4))
def test_the_lines_gone_made_late_are_the_probe_made_at_once(seed: int) -> None:
    rng = random.Random(seed)
    narrowed = 0
    for _ in range(300):
        probe = _probe(rng)
        pool = probe.lines + [_line(rng) for _ in range(3)]
        now = fl.FileLines.of("\n".join(rng.choice(pool) for _ in range(rng.randint(0, 14))) + "\n")
        left = moves._gone(probe, now)
        want = _gone_at_once(probe, now)
        assert left.keys == want.want_keys()
        if want is probe:
            assert left.narrowed() is probe
        else:
            narrowed += 1
            assert _fields(left.narrowed()) == _fields(want)
            assert left.narrowed() is left.narrowed()  # made once
    assert narrowed > 50



@pytest.mark.parametrize("seed", range(4))
def test_the_most_a_destination_gains_is_never_below_what_it_gains(seed: int) -> None:
    """`_destination` passes over a file whose key counts bound its gain below what it needs: the
    bound must hold for every floor a file's earlier version sets, exact lines and joined runs too."""
    rng = random.Random(seed)
    bounded = joined = 0
    for _ in range(300):
        probe = _probe(rng)
        pool = probe.lines + [_line(rng) for _ in range(3)] + [j for j, _, _ in probe.joins[:3]]
        now = fl.FileLines.of("\n".join(rng.choice(pool) for _ in range(rng.randint(0, 14))) + "\n")
        left = moves._gone(probe, now)
        old = fl.FileLines.of("\n".join(rng.choice(pool) for _ in range(rng.randint(0, 6))) + "\n")
        new = fl.FileLines.of("\n".join(rng.choice(pool) for _ in range(rng.randint(0, 20))) + "\n")
        most = moves._most_gained(left, new.normal)
        gained = ev.kept(moves._shifted(left.narrowed(), old), new)
        if most is None:
            joined += 1
        else:
            bounded += 1
            assert gained <= most
    assert bounded > 50 and joined > 50


def test_a_line_at_exactly_the_close_cutoff_is_near() -> None:
    """rapidfuzz rounds a cutoff to single precision: at a hair below 0.6 it ruled out this pair, whose
    bound and difflib ratio are both exactly 0.6, and which the close search takes."""
    form, line = "  summary: string;", "\tid: string;"
    assert fl.ratio_bound(form, line) == 0.6
    assert moves._closest(form, [line]) == line
    assert fl.near(form, [line])


@pytest.mark.parametrize("seed", range(4))
def test_a_line_not_near_has_no_close_line(seed: int) -> None:
    rng = random.Random(seed)
    letters = "abcde fg(){};"
    ruled_out = 0
    for _ in range(400):
        lines = ["".join(rng.choice(letters) for _ in range(rng.randint(1, 30)))
                 for _ in range(rng.randint(0, 5))]  # fmt: skip
        form = "".join(rng.choice(letters) for _ in range(rng.randint(1, 30)))
        if not fl.near(form, lines):
            ruled_out += 1
            assert moves._closest(form, lines) is None
    assert ruled_out > 50

