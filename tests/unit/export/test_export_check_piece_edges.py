"""`export --check` of a text past WHOLE_MOST, read in pieces of whole lines: a secret written over
several lines (a private key's block) is found wherever a piece ends.

The pieces were cut at the last newline of each read: a key whose header line closed one piece had
its header in the one (no key material after it: a placeholder, passed over) and its body in the
next (no header: nothing to find), and the check of an export holding the key said nothing. Before
the pieces, such a file was refused ("too large to check"). Each piece now starts with the last
"""

from __future__ import annotations

import importlib
import random

import orjson

from tracetui.export.manifest import FORMAT, MANIFEST, file_sha256

check = importlib.import_module("tracetui.export.verify")

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_rng = random.Random(7)
BODY = "".join("".join(_rng.choice(_B64) for _ in range(64)) + "\n" for _ in range(6))  # made up
HEADER = "-----BEGIN RSA PRIVATE KEY-----\n"
KEY = HEADER + BODY + "-----END RSA PRIVATE KEY-----\n"
PIECE = 512


def _export(root, text: str) -> None:
    (root / "notes.txt").write_text(text)
    sha, size = file_sha256(root / "notes.txt")
    manifest = {"format": FORMAT, "files": {"notes.txt": {"sha256": sha, "size": size}}, "sessions": {},
                "groups": {}}  # fmt: skip
    (root / MANIFEST).write_bytes(orjson.dumps(manifest))


def _text_with_the_key_at(offset: int) -> str:
    """Filler lines, then the key whose header line ends `offset` bytes into the file, more filler."""
    before = "x" * (offset - len(HEADER) - 1) + "\n"
    after = "".join(f"line {i} of an ordinary exported text, nothing to find\n" for i in range(40))
    return before + KEY + after


def _problems(tmp_path, monkeypatch, text: str, ceiling: int) -> list[str]:
    monkeypatch.setattr(check, "WHOLE_MOST", ceiling)
    monkeypatch.setattr(check, "_PIECE", PIECE)
    _export(tmp_path, text)
    return [p["problem"] for p in check.check(tmp_path).problems]


def test_a_key_read_whole_is_found(tmp_path, monkeypatch):
    found = _problems(tmp_path, monkeypatch, _text_with_the_key_at(PIECE), ceiling=1 << 20)
    assert found == ["line 1: private-key (auto) left"]  # a text read whole is one, its line 1


def test_a_key_over_a_piece_s_end_is_found_once(tmp_path, monkeypatch):
    for offset in (PIECE - 40, PIECE, PIECE + 1, PIECE + 40, PIECE + 200):
        found = _problems(tmp_path, monkeypatch, _text_with_the_key_at(offset), ceiling=1024)
        assert len(found) == 1 and found[0].endswith(": private-key (auto) left"), (offset, found)
