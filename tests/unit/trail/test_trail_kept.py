"""The file versions a trail keeps for reuse (trail/file_versions.py `_Kept`): texts and bytes share one
budget. They were two maps of the same budget each, so a trail could hold twice what it meant to, and a
version kept again was counted twice."""

from __future__ import annotations

from tracetui.trail.file_versions import _Kept


def test_texts_and_bytes_share_one_budget_the_oldest_let_go_first():
    kept = _Kept(10)
    kept.keep("a", "12345")
    kept.keep("a", b"12345")
    assert kept.text("a") == "12345" and kept.raw("a") == b"12345" and kept.size == 10
    kept.keep("b", b"123")  # over the budget: the oldest (a's text) goes
    assert kept.text("a") is None and kept.raw("a") == b"12345" and kept.raw("b") == b"123"
    assert kept.size == 8


def test_a_version_kept_again_is_counted_once_and_the_last_kept_stays():
    kept = _Kept(10)
    for _ in range(5):
        kept.keep("a", "123456")
    assert kept.size == 6 and kept.text("a") == "123456"
    kept.keep("big", "x" * 50)  # alone over the budget: kept, everything older let go
    assert kept.text("big") == "x" * 50 and kept.text("a") is None and kept.size == 50
    assert kept.raw("big") is None  # a text is no bytes
