"""Random texts for holding a fast form of a detector to the pattern it replaced: pieces of what the
pattern looks for, cut and cased, glued with what may stand around them."""

from __future__ import annotations

import random
from collections.abc import Sequence


def glued(
    seed: int,
    count: int,
    pieces: Sequence[str],
    glue: Sequence[str],
    *,
    most: int = 8,
    glue_most: int = 3,
    odd: Sequence[str] = (),
) -> list[str]:
    """`count` texts of fewer than `most` pieces each: whole, cut at either end, upper-cased, or (where
    `odd` is given) one of `odd` instead, each followed by fewer than `glue_most` of `glue`."""
    rnd = random.Random(seed)
    shapes = 6 if odd else 5
    out = []
    for _ in range(count):
        parts = []
        for _ in range(rnd.randrange(0, most)):
            piece = rnd.choice(pieces)
            shape = rnd.randrange(shapes)
            if shape == 0:
                piece = piece[rnd.randrange(len(piece) + 1):]
            elif shape == 1:
                piece = piece[: rnd.randrange(len(piece) + 1)]
            elif shape == 2:
                piece = piece.upper()
            elif shape == 3 and odd:
                piece = rnd.choice(odd)
            parts.append(piece)
            parts.append("".join(rnd.choice(glue) for _ in range(rnd.randrange(0, glue_most))))
        out.append("".join(parts))
    return out
