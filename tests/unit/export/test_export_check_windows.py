"""`export --check` of a text past WHOLE_MOST, read in overlapping windows of whole lines, in one pass.

A secret over several lines (a private key's block, an XML element's value on a line of its own, a
hex run wrapped over lines, a `.netrc` password under its `machine`) was cut in two where a piece
ended and found in neither piece; only the key's block was kept whole (`_block_cut`). Each window now
starts REACH before what it owns, and owns only what starts REACH before its end: every finding is
whole where it is owned, said once, on its own line. The digest is worked out from the same reads: a
file is opened and read once, not once for its digest and once for the detectors.
"""

from __future__ import annotations

import importlib
import random
from pathlib import Path

import orjson
import pytest

from tracetui.capsule.scrub import Scrubbed, gate_findings
from tracetui.export.manifest import FORMAT, MANIFEST, file_sha256
from tracetui.model import Session
from tracetui.redact import Identity

check = importlib.import_module("tracetui.export.verify")
manifest = importlib.import_module("tracetui.export.manifest")

PIECE, REACH, CEILING = 1024, 512, 2048
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_rng = random.Random(11)
_BODY = "".join("".join(_rng.choice(_B64) for _ in range(64)) + "\n" for _ in range(6))  # made up
_TOKEN = "ghp_" + "Zq8Lm2Rt6Vx0Nb4Hc7Kd1Wf5Yp3Gs9Tj" + "Ea2U"  # made up, of a vendor's format
_HEX = _TOKEN.encode().hex()
# Secrets over lines of which no line, nor any part cut at a line's end, is a finding on its own.
SECRETS = {
    "private key": "-----BEGIN RSA PRIVATE KEY-----\n" + _BODY + "-----END RSA PRIVATE KEY-----\n",
    "element value": "<apiToken>\n    Zq8Lm2Rt6Vx0Nb4Hc7Kd1Wf5Yp3Gs9TjEa2Uq\n</apiToken>\n",
    "hex over lines": _HEX[:40] + "\n" + _HEX[40:] + "\n",
    "netrc password": "machine api.example.com\n  login bob\n  password Zq8Lm2Rt6Vx0Nb4Hc7K\n",
}
# From the file's start to past the second piece's end, over every window's start and every end of
# what a window owns; closely before the first piece's end, where the old pieces cut a secret in two.
OFFSETS = sorted(set(range(0, 2 * PIECE + 64, 53)) | set(range(PIECE - 120, PIECE + 8, 4)))
_FILLER = "".join(f"line {i} of an ordinary exported text, nothing to find\n" for i in range(120))


def _text_with(secret: str, offset: int) -> str:
    """Filler lines, a line of `x` that ends `offset` bytes in, `secret`, more filler."""
    lines = _FILLER[: max(0, offset - 64)]
    lines = lines[: lines.rfind("\n") + 1]
    return lines + "x" * (offset - len(lines) - 1) + "\n" + secret + _FILLER


def _said_whole(text: str) -> list[str]:
    """What the detectors find in the text read whole, each on the line it starts on."""
    nobody = Scrubbed(Session(id="", agent="", source=""), [], [])
    found = gate_findings({"notes.txt": text.encode()}, nobody, Identity.from_environment())
    lines = [text.count("\n", 0, text.index(f.value)) + 1 for f in found]
    return sorted(f"line {n}: {f.kind} ({f.tier}) left" for n, f in zip(lines, found, strict=True))


def _export(root: Path, files: dict[str, bytes]) -> None:
    listed = {}
    for rel, data in files.items():
        (root / rel).write_bytes(data)
        sha, size = file_sha256(root / rel)
        listed[rel] = {"sha256": sha, "size": size}
    made = {"format": FORMAT, "files": listed, "sessions": {}, "groups": {}}
    (root / MANIFEST).write_bytes(orjson.dumps(made))


@pytest.fixture
def small(monkeypatch):
    """Pieces of 1 KB, a reach of 512 bytes, texts read whole up to 2 KB."""
    monkeypatch.setattr(check, "WHOLE_MOST", CEILING)
    monkeypatch.setattr(check, "_PIECE", PIECE)
    monkeypatch.setattr(check, "REACH", REACH)


def _problems(root: Path, text: str) -> list[str]:
    _export(root, {"notes.txt": text.encode()})
    return sorted(p["problem"] for p in check.check(root).problems)


@pytest.mark.parametrize("kind", list(SECRETS))
def test_a_secret_over_lines_is_found_once_on_its_line_wherever_a_piece_ends(tmp_path, small, kind):
    for offset in OFFSETS:
        text = _text_with(SECRETS[kind], offset)
        expected = _said_whole(text)
        assert expected, (kind, offset)  # the secret is one, read whole
        assert _problems(tmp_path, text) == expected, (kind, offset)


def test_a_secret_over_lines_is_found_once_on_its_line_in_a_text_not_ascii(tmp_path, small):
    """Characters of several bytes and bytes that are no UTF-8 before it: what a window owns is placed
    in characters of the text the gate reads, not in bytes."""
    odd = "".join(f"ligne {i} déjà vue, «rien» à trouver ✓\n" for i in range(100)).encode()
    odd += b"\xff\xfe not UTF-8\n"
    for kind in ("private key", "element value"):
        for offset in range(PIECE - 120, 2 * PIECE + 64, 29):
            text = _text_with(SECRETS[kind], offset)
            data = odd + text.encode()
            _export(tmp_path, {"notes.txt": data})
            said = sorted(p["problem"] for p in check.check(tmp_path).problems)
            shown = data.decode("utf-8", "replace")
            assert said == _said_whole(shown), (kind, offset)


def test_a_secret_over_lines_in_a_page_is_said_once(tmp_path, small):
    """A page (its tags read as line breaks) owns its findings by its text as the gate reads it too."""
    for kind, offset in ((k, o) for k in ("private key", "netrc password") for o in OFFSETS):
        head, tail = _text_with(SECRETS[kind], offset).split(SECRETS[kind])  # tags after it, where it is
        page = head + SECRETS[kind] + tail.replace("nothing to find", "<b>nothing</b> to find")
        _export(tmp_path, {"page.html": page.encode()})
        said = [p["problem"].split(": ", 1)[1] for p in check.check(tmp_path).problems]
        assert said == [s.split(": ", 1)[1] for s in _said_whole(page)], (kind, offset, said)


def test_a_token_over_a_line_break_is_found_with_its_first_half(tmp_path, small):
    """A token wrapped over two lines: the name's value on the one, the token rejoined on the other."""
    wrapped = f"export GITHUB_TOKEN={_TOKEN[:22]}\n{_TOKEN[22:]}\n"
    for offset in OFFSETS:
        text = _text_with(wrapped, offset)
        expected = _said_whole(text)
        assert len(expected) == 2, expected
        assert _problems(tmp_path, text) == expected, offset


def test_findings_in_the_overlaps_are_said_once_each(tmp_path, small):
    """A token on every fifth line of a text of many windows: each said once, on its line."""
    lines = (f"deploy {i} with {_TOKEN}\n" if i % 5 == 0 else f"line {i} of nothing\n" for i in range(400))
    text = "".join(lines)
    said = sorted(f"line {i + 1}: github-token (auto) left" for i in range(0, 400, 5))
    assert _problems(tmp_path, text) == said


def test_the_windows_own_every_byte_once_with_a_reach_on_each_side(monkeypatch):
    monkeypatch.setattr(check, "REACH", 300)
    rng = random.Random(5)
    for k in range(40):
        lengths = (0, 3, 40, 90, 250) + ((700,) if k % 2 else ())  # lines longer than the reach, or none
        data = b"".join(b"y" * rng.choice(lengths) + b"\n" for _ in range(rng.randint(1, 200)))
        pieces, at = [], 0
        while at < len(data):  # pieces of whole lines, as _line_pieces cuts them
            cut = data.rfind(b"\n", at, at + rng.randint(200, 1500)) + 1 or data.find(b"\n", at) + 1
            pieces.append((data.count(b"\n", 0, at), data[at:cut]))
            at = cut
        owned, last = 0, None
        for w in check._windows(iter(pieces)):
            start = owned - w.own  # it owns from where the one before stopped
            assert data[start : start + len(w.data)] == w.data and w.before == data.count(b"\n", 0, start)
            assert w.own >= 300 or start == 0 or k % 2  # a reach of the file before what it owns
            if w.cut is not None:  # and after it: a finding that starts in it ends in it
                assert w.cut > w.own and len(w.data) - w.cut >= 300
            owned = start + (len(w.data) if w.cut is None else w.cut)
            last = w
        assert owned == len(data) and last is not None and last.cut is None


def _counted(monkeypatch, path: Path) -> dict[str, int]:
    """How often `path` is opened and how many of its bytes are read, by whatever reads it."""
    count = {"opens": 0, "bytes": 0}

    def opened(real):
        def wrapper(p, *args, **kwargs):
            fh = real(p, *args, **kwargs)
            if Path(p) != path:
                return fh
            count["opens"] += 1
            read = fh.read

            class Counted:
                def __getattr__(self, name):
                    return getattr(fh, name)

                def __enter__(self):
                    fh.__enter__()
                    return self

                def __exit__(self, *exc):
                    return fh.__exit__(*exc)

                def read(self, n=-1):
                    chunk = read(n)
                    count["bytes"] += len(chunk)
                    return chunk

            return Counted()

        return wrapper

    monkeypatch.setattr(check, "open_regular", opened(check.open_regular))
    monkeypatch.setattr(manifest, "open_regular", opened(manifest.open_regular))
    return count


@pytest.mark.parametrize("rel", ["notes.txt", "big.json", "log.jsonl"])
def test_a_file_read_in_pieces_is_read_once_for_digest_and_findings(tmp_path, small, monkeypatch, rel):
    data = (_FILLER * 3 + f"deploy with {_TOKEN} now\n" + _FILLER).encode()
    if rel.endswith(".jsonl"):
        data = b"".join(orjson.dumps({"text": line}) + b"\n" for line in data.decode().splitlines())
    _export(tmp_path, {rel: data})
    count = _counted(monkeypatch, tmp_path / rel)
    [problem] = check.check(tmp_path).problems
    assert problem["problem"] == "line 361: github-token (auto) left"
    assert count == {"opens": 1, "bytes": len(data)}


@pytest.mark.parametrize("change", ["none", "a byte", "the key"])
def test_a_file_read_in_pieces_is_read_once_and_differs_from_its_digest_once_changed(
    tmp_path, small, monkeypatch, change
):
    text = _text_with(SECRETS["private key"], PIECE)
    _export(tmp_path, {"notes.txt": text.encode()})
    changed = {"none": text, "a byte": text.replace("line 7 of", "line 8 of"),
               "the key": text.replace("RSA", "DSA", 1)}  # fmt: skip
    assert len(changed[change]) == len(text) and (changed[change] != text) == (change != "none")
    (tmp_path / "notes.txt").write_text(changed[change])
    count = _counted(monkeypatch, tmp_path / "notes.txt")
    said = [p["problem"] for p in check.check(tmp_path).problems]
    # What is found in a changed file is not said: it is not what the manifest vouches for.
    differ = ["its bytes differ from the manifest's digest"]
    assert said == (_said_whole(text) if change == "none" else differ)
    assert count == {"opens": 1, "bytes": len(text)}


def test_a_line_too_long_to_check_is_said_after_what_is_before_it_and_the_digest_still_read(
    tmp_path, small, monkeypatch
):
    monkeypatch.setattr(check, "LINE_MOST", 4000)
    text = _FILLER + f"deploy with {_TOKEN} now\n" + "z" * 9000 + "\n" + _FILLER
    _export(tmp_path, {"notes.txt": text.encode()})
    count = _counted(monkeypatch, tmp_path / "notes.txt")
    said = [p["problem"] for p in check.check(tmp_path).problems]
    assert said == ["line 121: github-token (auto) left", "line 122: over 0 MB, too long to check"]
    assert count == {"opens": 1, "bytes": len(text)}
    (tmp_path / "notes.txt").write_text(text[:-2] + "!\n")  # changed past the long line: its digest differs
    count["opens"] = count["bytes"] = 0
    said = [p["problem"] for p in check.check(tmp_path).problems]
    assert said == ["its bytes differ from the manifest's digest"]
    assert count == {"opens": 1, "bytes": len(text)}


def test_the_reach_is_past_every_detector_s_read_over_lines():
    """REACH holds the farthest any detector reads across lines (a lowered limit there must lower it)."""
    from tracetui.redact import encoded, joined, known
    from tracetui.redact.rules import tokens

    header = 200  # an armour's or a key's header and footer lines
    farthest = max(known._ARMOR_LIMIT, tokens._PEM_LIMIT, encoded.MAX_LENGTH, joined._WINDOW)
    assert check.REACH >= farthest + header
