"""`export --check` scans each distinct text of an export once, and still names every file it is in."""

from __future__ import annotations

import orjson

from tracetui.capsule.gate_memo import GateMemo
from tracetui.export import check
from tracetui.export.manifest import FORMAT, MANIFEST, file_sha256
from tracetui.redact import AUTO, Finding

# A made-up key of a vendor format with a literal prefix: a sure finding wherever it is.
KEY = "ghp_" + "Zq8Lm2Rt6Vx0Nb4Hc7Kd1Wf5Yp3Gs9Tj" + "Ea2U"


def _export(root, files: dict[str, str]) -> None:
    listed = {}
    for rel, text in files.items():
        (root / rel).write_text(text)
        sha, size = file_sha256(root / rel)
        listed[rel] = {"sha256": sha, "size": size}
    manifest = {"format": FORMAT, "files": listed, "sessions": {}, "groups": {}}
    (root / MANIFEST).write_bytes(orjson.dumps(manifest))


def test_a_text_in_many_files_is_scanned_once_and_named_in_each(tmp_path, monkeypatch):
    import tracetui.redact.many as many

    scanned: list[str] = []
    real = many.scan_text

    def counting(text, *args, **kwargs):
        scanned.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(many, "scan_text", counting)
    shared = f"deploy with token {KEY} then wait"
    _export(tmp_path, {"a.md": shared, "b.md": shared, "c.md": "nothing here at all"})
    report = check(tmp_path)
    assert sorted(p["file"] for p in report.problems) == ["a.md", "b.md"]
    assert all("left" in p["problem"] for p in report.problems)
    assert sorted(scanned) == sorted([shared, "nothing here at all"])


def test_a_memo_that_keeps_nothing_holds_at_most_its_bound():
    memo = GateMemo(None, "check", most=3)
    found = [[Finding(0, 1, "k", AUTO, "d")] for _ in range(10)]
    texts = [f"text {i}" for i in range(10)]
    memo.fill(texts, found)
    assert len(memo.known) <= 3 and not memo.used
    assert memo.sure("text 9", lambda t: []) == found[9]  # the last ones stay known
