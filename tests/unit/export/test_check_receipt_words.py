"""`export --check` leaves a receipt row's `tier`, `decided_by` and `kind` out only where they are exactly
the writer's words (`finding.TIERS`, `plan.DECIDERS`, `all_kinds.every_kind`, which the writer fills
them from), and reads any other value there; the demo's receipts hold none but those words."""

from __future__ import annotations

import ast
from pathlib import Path

import orjson
import pytest

import tracetui
from tracetui.export.check_views import receipt_view
from tracetui.redact.all_kinds import every_kind
from tracetui.redact.finding import TIERS
from tracetui.redact.plan import BY_DEFAULT, BY_DETECTOR, DECIDERS

NEAR = ["user (by hand)", "users", "automatic", "detectors", "manual ", " auto", "SUGGESTED", "user, steps"]


def _read(row: dict[str, object]) -> list[object]:
    return orjson.loads(receipt_view(orjson.dumps({"receipt": [row]})))


@pytest.mark.parametrize(("key", "words"), [("tier", TIERS), ("decided_by", DECIDERS)])
def test_the_writer_s_words_are_left_out_and_no_other(key, words):
    assert [w for w in words if _read({key: w}) != [[[]]]] == []
    assert [w for w in NEAR if w not in words and _read({key: w}) != [[[w]]]] == []


def test_the_writer_fills_them_from_those_words(tmp_path):
    from tracetui.demo.build import build, open_library
    from tracetui.export import ExportOptions, export

    bucket = open_library(build(tmp_path / "demo"))
    try:
        export(bucket, tmp_path / "out", ExportOptions("raw", accept_suggested=True))
    finally:
        bucket.close()
    rows = [r for p in (tmp_path / "out" / "receipts").rglob("*.json")
            for r in orjson.loads(p.read_bytes())["receipt"]]  # fmt: skip
    assert rows and {r["tier"] for r in rows} <= set(TIERS) and {r["decided_by"] for r in rows} <= set(DECIDERS)
    assert {r["decided_by"] for r in rows} >= {BY_DETECTOR, BY_DEFAULT}


def test_a_kind_is_left_out_only_where_it_is_a_detector_s():
    kinds = every_kind()
    assert [k for k in sorted(kinds) if _read({"kind": k}) != [[[]]]] == []
    # of a kind's shape, and none: read (a receipt's kind was left out wherever it was kind-shaped)
    near = ["user", "steps", "tool-call", "email-address", "host", "secrets", "aws-keys"]
    assert [w for w in near if w in kinds or _read({"kind": w}) != [[[w]]]] == []


def test_no_detector_spells_a_kind_of_its_own():
    """Every kind a `Finding` is made with comes from `redact.kinds` or a table (`all_kinds`): a literal
    kind at a call would be a kind the check does not know, read as text on a machine named like it."""
    spelled = []
    for path in sorted(Path(tracetui.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Finding" and len(node.args) > 2:
                if isinstance(node.args[2], ast.Constant):
                    spelled.append(f"{path.name}:{node.lineno}")
    assert spelled == []


# Receipts the check reads by line (`receipt_lined`): each must read the strings `receipt_view` reads, no
# more and no fewer, or fall back to it (a key written twice, no JSON).
LINED = [
    {"agent": "claude", "ref": "HEAD", "labels": {"note": "a note", "ratings": ["x", 3, None]}},
    {"receipt": [{"tier": "auto", "decided_by": "detector", "kind": "github-token", "placeholder": "<T_1>"}]},
    [["deep", [["deeper", {"k": ["", "v"]}]]]],
    "a string alone",
    {"esc\"aped": "a \\\"quoted\\\" \n value \u2028", "empty": "", "n": 1.5},
]


@pytest.mark.parametrize("receipt", LINED, ids=range(len(LINED)))
def test_a_receipt_read_by_line_reads_the_strings_the_view_reads(receipt):
    from tracetui.export.check_views import receipt_lined
    from tracetui.redact.value_map import json_strings

    data = orjson.dumps(receipt, option=orjson.OPT_INDENT_2)
    view = sorted(json_strings(orjson.loads(receipt_view(data))))
    lined = receipt_lined(data)
    assert lined is not None
    strings = [orjson.loads(line) for line in lined[0].split(b"\n") if line]
    assert sorted(s for s in strings if s) == view
    assert len(lined[1]) == len(strings) and all(1 <= n <= data.count(b"\n") + 1 for n in lined[1])


@pytest.mark.parametrize("data", [b'{"ref": "a", "ref": "b"}', b"not json", b'{"a": [1, 2'])
def test_a_receipt_that_cannot_be_read_by_line_is_read_whole(data):
    from tracetui.export.check_views import receipt_lined

    assert receipt_lined(data) is None
