"""`export --check` of a file past the size it reads whole (WHOLE_MOST, 256 MB): it was a problem,
"too large to check", so a big session's trajectory or Gemini log failed its own export's check.
Now it is digested a MB at a time and read by the detectors in pieces of whole lines, never whole."""

from __future__ import annotations

import importlib

import orjson

from tracetui.export.manifest import FORMAT, MANIFEST, file_sha256

check = importlib.import_module("tracetui.export.verify")

# A made-up key of a vendor format with a literal prefix: a sure finding wherever it is.
KEY = "ghp_" + "Zq8Lm2Rt6Vx0Nb4Hc7Kd1Wf5Yp3Gs9Tj" + "Ea2U"
FILLER = "".join(f"line {i} of an ordinary exported text, nothing to find\n" for i in range(200))


def _export(root, files: dict[str, str]) -> None:
    listed = {}
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
        sha, size = file_sha256(root / rel)
        listed[rel] = {"sha256": sha, "size": size}
    manifest = {"format": FORMAT, "files": listed, "sessions": {}, "groups": {}}
    (root / MANIFEST).write_bytes(orjson.dumps(manifest))


def _small_ceiling(monkeypatch, tmp_path) -> list[str]:
    """WHOLE_MOST down to 1 KB and pieces of 512 bytes; the files read whole, by name."""
    monkeypatch.setattr(check, "WHOLE_MOST", 1024)
    monkeypatch.setattr(check, "_PIECE", 512)
    whole: list[str] = []
    real = check.read_regular

    def counted(path, most):
        whole.append(path.relative_to(tmp_path).as_posix())
        return real(path, most)

    monkeypatch.setattr(check, "read_regular", counted)
    return whole


def test_a_file_past_the_ceiling_is_checked_in_pieces_and_its_leak_found(tmp_path, monkeypatch):
    whole = _small_ceiling(monkeypatch, tmp_path)
    _export(tmp_path, {"big.json": FILLER + f"deploy with token {KEY} then wait\n" + FILLER,
                       "clean.json": FILLER, "small.md": "a note"})  # fmt: skip
    report = check.check(tmp_path)
    [problem] = report.problems
    assert problem["file"] == "big.json" and problem["problem"].startswith("line 201: ")
    assert problem["problem"].endswith(" left")
    assert whole == ["small.md"]  # the two past the ceiling were never read whole


def test_a_trajectory_past_the_ceiling_is_said_too_large_for_the_validator_only(tmp_path, monkeypatch):
    _small_ceiling(monkeypatch, tmp_path)

    given: list[object] = []

    class Stub:
        name = "atif-stub"

        def errors(self, document):
            given.append(document)
            return []

    monkeypatch.setattr(check, "find_validator", lambda: Stub())
    _export(tmp_path, {"trajectories/t.json": FILLER, "trajectories/u.json": "{}"})
    report = check.check(tmp_path)
    assert report.problems == [{"file": "trajectories/t.json", "problem": "0 MB: too large for atif-stub, "
                                "which reads a trajectory whole (over 0 MB)"}]  # fmt: skip
    assert given == [{}]  # the small one only
