"""A reader's errors keep their cap whichever list operation is used on them."""

import pytest

from tracetui.model import LineError, LineErrors


def _bad(n: int) -> LineError:
    return LineError("p", n, "bad")


def test_adding_in_place_keeps_the_cap_and_the_count():
    errors = LineErrors(most=2)
    errors += [_bad(n) for n in range(5)]
    assert len(errors) == 3 and errors[2].count == 3
    assert errors[2].error == "and 3 more lines or files not read"


@pytest.mark.parametrize("change", [
    lambda e: e.__setitem__(slice(0, 1), [_bad(9)] * 50),
    lambda e: e.__setitem__(0, _bad(9)),
    lambda e: e.__delitem__(slice(None)),
    lambda e: e.__delitem__(-1),
    lambda e: e.__imul__(1000),
    lambda e: e.pop(),
    lambda e: e.remove(e[0]),
], ids=["slice set", "item set", "slice del", "item del", "repeat", "pop", "remove"])
def test_what_would_lose_a_count_or_skip_the_cap_is_refused(change):
    errors = LineErrors([_bad(n) for n in range(5)], most=2)
    before = list(errors)
    with pytest.raises(TypeError, match="only grow"):
        change(errors)
    assert list(errors) == before


def test_insert_still_counts_the_one_it_pushes_past_the_cap():
    errors = LineErrors([_bad(1), _bad(2)], most=2)
    errors.insert(0, _bad(0))
    assert [e.line for e in errors[:2]] == [0, 1] and errors[2].count == 1
