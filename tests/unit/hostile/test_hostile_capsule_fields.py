"""Every field of a capsule, each given a value of every wrong type, with the manifest's hashes made to
match (what anyone who edits a capsule can do): the capsule is refused with one CapsuleError, or it
opens and everything that shows or replays it works (the CLI's verify and open listing, the session
as JSON, its shape, the replay of its patches). Never another exception.

The archive reader child is bypassed (members are handed over as they are): its own refusals are
tested in test_capsule_tamper; here the question is what the fields do after it."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from shared_data import FIXTURES

from tracetui.capsule import CapsuleError, open_capsule, replay, seal
from tracetui.capsule import manifest as mf
from tracetui.capsule import opened as opened_module
from tracetui.capsule.archive import read_archive
from tracetui.cli import main
from tracetui.errors import NotFound
from tracetui.views.session_shape import shape_of

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit

from support.hostile_fields import model_problems

sys.path.insert(0, str(FIXTURES))
from hostile import field_paths, replaced

WRONG: list[Any] = [None, False, -1, 2**64 - 1, -1.7e308, "", "\x1b]0;t\x07../x", [[]], {"a": 1}]



@pytest.fixture(scope="module")
def sealed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fields")
    repo, _ = kit.make_repo(tmp)
    session = kit.make_session(repo)
    seal(session, kit.empty_plan(session), repo=repo, out=tmp / "ok.capsule", secret=b"\x07" * 32)
    return repo, read_archive((tmp / "ok.capsule").read_bytes(), mf.ALLOWED)


def _variants(members: dict[str, bytes], member: str) -> Iterator[tuple[str, dict[str, bytes]]]:
    manifest = orjson.loads(members[mf.MANIFEST])
    if member == mf.MANIFEST:
        body = {k: v for k, v in manifest.items() if k != "members"}
        for where in field_paths(body):
            if not where:
                continue
            for value in WRONG:
                yield (
                    f"{where}={value!r}",
                    {**members, mf.MANIFEST: mf.canonical(replaced(body, where, value))},
                )
        return
    records = [orjson.loads(line) for line in members[member].splitlines()]
    for n in range(min(3, len(records))):
        for where in field_paths(records[n]):
            if not where:
                continue
            for value in WRONG:
                changed = list(records)
                changed[n] = replaced(records[n], where, value)
                yield f"line {n + 1} {where}={value!r}", {**members, member: mf.canonical_lines(changed)}


def _rewrapped(members: dict[str, bytes]) -> dict[str, bytes]:
    """The members with a manifest whose member list matches them."""
    manifest = orjson.loads(members[mf.MANIFEST])
    payload = {k: v for k, v in members.items() if k in mf.PAYLOAD}
    manifest["members"] = {k: mf.member_entry(v) for k, v in sorted(payload.items())}
    return {mf.MANIFEST: mf.canonical(manifest), **payload}


@pytest.mark.parametrize("member", [mf.MANIFEST, mf.TRACE, mf.CTX, mf.TRAIL])
def test_every_field_of_every_wrong_type_is_refused_or_harmless(
    sealed, tmp_path, monkeypatch, capsys, member
):
    repo, members = sealed
    current: dict[str, bytes] = {}
    monkeypatch.setattr(opened_module, "read_archive", lambda data, allowed, limits=None: dict(current))
    path = tmp_path / "c.capsule"
    path.write_bytes(b"the members are handed over by the patched reader")
    opened_count = refused = 0
    for label, variant in _variants(members, member):
        current.clear()
        current.update(_rewrapped(variant))
        try:
            capsule = open_capsule(path)
        except CapsuleError as exc:
            assert "\n" not in str(exc), label
            refused += 1
            continue
        opened_count += 1
        rows = capsule.list_sessions()
        session = capsule.session(capsule.resolve(rows[0].id))
        assert not model_problems(session), label
        shape_of(session)
        for step in session.steps:
            with contextlib.suppress(NotFound):  # a step with no recorded context says so (the app shows it)
                capsule.context(step.id)
        for argv in (["capsule", "verify", str(path)], ["capsule", "verify", str(path), "--json"]):
            assert main(argv) in (0, 1, 2), label
        capsys.readouterr()
        if member == mf.TRAIL:
            replay(capsule, repo, sandbox=None)
    assert opened_count and refused, (opened_count, refused)


def test_a_valid_signature_over_hostile_content_verifies_and_prints_safely(sealed, tmp_path, capsys):
    """A signature vouches for who sealed a capsule, not for what it says: a capsule of hostile text,
    signed by a key the user allows under a principal holding controls, verifies as signed, and
    neither its content nor the signer's name reaches the terminal raw."""
    import subprocess

    from tracetui.capsule import verify
    from tracetui.capsule.archive import write_archive
    from tracetui.capsule.signing import sign

    _, members = sealed
    hostile = "\x1b]0;pwned\x07\x9b2J\u202e[@click=app.quit]x[/]"
    records = [orjson.loads(line) for line in members[mf.TRACE].splitlines()]
    for record in records:
        record["text"] = (record.get("text") or "") + hostile
    changed = _rewrapped({**members, mf.TRACE: mf.canonical_lines(records)})
    manifest = orjson.loads(changed[mf.MANIFEST])
    manifest["session"]["title"] = hostile
    changed[mf.MANIFEST] = mf.canonical(manifest)
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    principal = "alice\x1b]0;x\x07@example.com"
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f'"{principal}" {(tmp_path / "id_ed25519.pub").read_text().strip()}\n')
    changed[mf.SIGNATURE] = sign(changed[mf.MANIFEST], key)
    path = tmp_path / "signed.capsule"
    path.write_bytes(write_archive(changed))
    report = verify(path, allowed)
    assert report.ok and report.signature.state == "valid"
    assert report.signature.signer == principal
    for argv in (["capsule", "verify", str(path), "--allowed-signers", str(allowed)],
                 ["capsule", "verify", str(path), "--allowed-signers", str(allowed), "--json"]):  # fmt: skip
        assert main(argv) == 0
        captured = capsys.readouterr()
        for ch in ("\x1b", "\x07", "\x9b", "\u202e"):
            assert ch not in captured.out + captured.err
        assert "alice" in captured.out


def test_a_bisect_of_a_capsule_of_hostile_prompts_prints_nothing_raw(tmp_path, capsys):
    """The bisect's answer quotes the prompt of the step it found: as a table and as JSON, no control
    from the capsule reaches the terminal."""
    sys.path.insert(0, str(FIXTURES))
    from hostile import FORBIDDEN, hostile_text

    repo, _ = kit.make_repo(tmp_path)
    text = hostile_text(tmp_path / "canary")
    session = kit.make_session(repo, extra_text=text)
    for step in session.steps:
        step.text = (step.text or "") + text
    path = tmp_path / "h.capsule"
    seal(session, kit.empty_plan(session), repo=repo, out=path, secret=b"\x0a" * 32)
    for extra in ([], ["--json"]):
        argv = [
            "replay",
            str(path),
            "--repo",
            str(repo),
            "--check",
            "test ! -f test_calc.py",
            "--trust",
            "--bisect",
        ]
        assert main([*argv, *extra]) == 1
        captured = capsys.readouterr()
        assert "reproduces" in captured.out
        for ch in FORBIDDEN:
            assert ch not in captured.out + captured.err, repr(ch)
    assert not (tmp_path / "canary").exists()


def test_a_step_nested_past_the_capsule_reader_seals_a_capsule_that_opens(tmp_path):
    """A log's tool input nested deeper than a capsule's reader takes (64 levels) used to seal into a
    capsule nobody could open; the seal writes the deep part as a placeholder."""
    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    deep: Any = "bottom"
    for _ in range(200):
        deep = [deep]
    session.steps[2].tool_input = {**session.steps[2].tool_input, "extra": deep}
    path = tmp_path / "deep.capsule"
    seal(session, kit.empty_plan(session), repo=repo, out=path, secret=b"\x0b" * 32)
    opened = open_capsule(path)
    step = opened.session(opened.resolve(opened.list_sessions()[0].id)).steps[2]
    assert "[nested too deep]" in orjson.dumps(step.tool_input).decode()
    assert step.tool_input["content"] == kit.TEST
