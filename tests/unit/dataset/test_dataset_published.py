"""A team dataset two machines exported into (issue 37, docs/dataset.md): its card and its check.

The card (`README.md` at the root) sums every machine's manifest, names machines by id and nothing
else of them, and is written again by each export. `tracetui export --check URL`: the sound dataset
checks clean; each fault made in a copy of it (bytes changed, a file gone, a stray partition, a
manifest naming another machine's files, a file DuckDB cannot read) is one line naming the file, and
nothing else is said. The same on an S3 API served by moto on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from support.datasets import three_session_bucket
from support.moto_s3 import served_s3

from tracetui.cli import main

pytest.importorskip("duckdb")



USER = "ada-made-up"  # a user name given to the rows: never on the dataset's card
EXPORTS = {"alpha": {"user": USER, "license": "mit"}, "beta": {"license": "mit"}}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path, dict]:
    """A dataset that machines alpha and beta exported the same bucket into, in a local folder; the
    bucket, and each export's report."""
    home = tmp_path_factory.mktemp("check")
    reports = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(home / "cache"))
        patch.setenv("XDG_STATE_HOME", str(home / "state"))
        bucket = three_session_bucket(home)
        for machine, more in EXPORTS.items():
            reports[machine] = _export(bucket, home / "good", machine, **more)
    return home / "good", bucket, reports


@pytest.fixture(scope="module")
def good(built) -> Path:
    return built[0]


def _export(bucket: Path, dataset: Path, machine: str, user: str | None = None, license: str = "cc-by-4.0",
            agent: str | None = None) -> dict:
    """`export file://DATASET --format parquet --accept-suggested` as `machine`: its report."""
    from tracetui.bucket import Bucket
    from tracetui.dataset import publish
    from tracetui.export import ExportOptions, Selection

    opened = Bucket.open(bucket)
    try:
        options = ExportOptions("parquet", accept_suggested=True, license=license)
        return publish(opened, f"file://{dataset}", options, Selection(agent=agent), machine=machine, user=user).to_dict()
    finally:
        opened.close()


def _front(card: str) -> dict:
    from huggingface_hub import DatasetCard

    return DatasetCard(card).data.to_dict()


def test_the_card_sums_every_machine_and_names_no_user(built):
    good, bucket, reports = built
    assert "README.md" in reports["alpha"]["uploaded"] and "README.md" in reports["beta"]["uploaded"]
    card = (good / "README.md").read_text()
    meta = _front(card)
    assert meta["license"] == "mit" and "agent-traces" in meta["tags"] and meta["size_categories"] == ["n<1K"]
    assert [c["config_name"] for c in meta["configs"]] == ["sessions", "steps", "tool_calls", "patches"]
    assert "6 sessions of coding agents from 2 machines" in card
    assert "| alpha | 3 | 2 | 1 |" in card and "| beta | 3 | 2 | 1 |" in card  # pi 2, claude 1 each
    assert "| 2025-06 | 2 | 0 |" in card and "| 2026-01 | 0 | 2 |" in card and "| 2026-02 | 2 | 0 |" in card
    assert "| sessions | 6 |" in card
    # Nothing of a machine but its id: no user, no home folder, no revision.
    assert USER not in card and str(Path.home()) not in card and "HEAD" not in card


def test_each_export_writes_the_card_again_and_only_when_it_changes(built, tmp_path, monkeypatch):
    good, bucket, _ = built
    dataset = tmp_path / "ds"
    shutil.copytree(good, dataset)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    again = _export(bucket, dataset, "beta", license="mit")
    assert again["uploaded"] == []  # nothing changed, the card neither
    gamma = _export(bucket, dataset, "gamma", agent="pi")
    assert "README.md" in gamma["uploaded"]
    card = (dataset / "README.md").read_text()
    assert "8 sessions of coding agents from 3 machines" in card and "| gamma | 2 | 2 | 0 |" in card
    # Two licences among the machines: `other`, each named in the text.
    assert _front(card)["license"] == "other" and "cc-by-4.0 (1 machine), mit (2 machines)" in card


def test_a_forged_manifest_cannot_put_markup_or_lines_on_the_card(good, tmp_path):
    from tracetui.dataset import open_location
    from tracetui.dataset.card import summarise, team_card

    dataset = tmp_path / "ds"
    shutil.copytree(good, dataset)
    manifest = json.loads((dataset / "machines" / "alpha" / "manifest.json").read_text())
    evil = "x|`<b>\n## Injected\n"
    manifest["options"]["license"] = evil
    for entry in manifest["sessions"].values():
        entry["agent"] = evil
    (dataset / "machines" / "evil").mkdir()
    (dataset / "machines" / "evil" / "manifest.json").write_text(json.dumps(manifest))
    (dataset / "machines" / "Not A Machine").mkdir()
    (dataset / "machines" / "Not A Machine" / "manifest.json").write_text(json.dumps(manifest))
    (dataset / "machines" / "broken").mkdir()
    (dataset / "machines" / "broken" / "manifest.json").write_text("{")
    card = team_card(summarise(open_location(str(dataset))))
    assert not any(line.startswith("## Injected") for line in card.splitlines())
    assert "<b>" not in card and "x<b>" not in card and "Not A Machine" not in card
    assert "| xb## Injected |" in card  # the agent's name as one plain cell
    assert _front(card)["license"] == "other"
    assert "Not counted here: 1 machine(s) whose manifest could not be read." in card
    assert "broken" not in card


def _copy(good: Path, tmp: Path) -> Path:
    shutil.copytree(good, tmp / "copy")
    return tmp / "copy"


def _check(capsys, url: str, *more: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["export", "--check", url, *more])
    out, err = capsys.readouterr()
    return code, out, err


def _listed(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p.name != "manifest.json" and p != root / "README.md"]


def test_the_app_opens_the_published_dataset(good):
    from tracetui.dataset import open_dataset

    library = open_dataset(str(good), background=True)
    try:
        assert library.wait_loaded(10) and library.count_sessions() == 6
        assert library.machines() == ["alpha", "beta"] and library.agents() == ["claude", "pi"]
        assert library.session(library.list_sessions(limit=1)[0].id).steps
    finally:
        library.close()


def test_a_sound_dataset_checks_clean(good, capsys):
    code, out, err = _check(capsys, f"file://{good}", "--json")
    assert code == 0, out + err
    report = json.loads(out)
    assert report["ok"] and report["problems"] == [] and report["machines"] == ["alpha", "beta"]
    assert report["sessions"] == 6 and report["rows"]["sessions"] == 6 and report["rows"]["steps"] > 0
    assert report["files"] == len(_listed(good))  # every file the manifests list was read, its digest checked
    code, out, _ = _check(capsys, f"file://{good}")
    assert code == 0 and out.startswith(f"OK: file://{good}: 2 machine(s), {len(_listed(good))} files checked, 6 sessions")


def test_each_fault_is_one_line_naming_its_file(good, tmp_path, capsys):
    root = _copy(good, tmp_path)
    card = root / "machines" / "alpha" / "README.md"
    body = bytearray(card.read_bytes())
    body[10] ^= 1  # same size, other bytes
    card.write_bytes(bytes(body))
    gone = sorted((root / "data" / "sessions" / "machine=beta").rglob("*.parquet"))[0]
    gone.unlink()
    steps = sorted((root / "data" / "steps" / "machine=alpha").rglob("*.parquet"))[0]
    stray = root / "data" / "steps" / "machine=ghost" / "agent=pi" / "month=2025-06" / "part-00000.parquet"
    stray.parent.mkdir(parents=True)
    shutil.copy(steps, stray)  # a partition no machine's manifest lists
    (root / "data" / "notes.txt").write_text("made up")  # in no table's folder
    # beta's manifest names a file of alpha's partition as its own.
    manifest = json.loads((root / "machines" / "beta" / "manifest.json").read_text())
    other = "data/tool_calls/machine=alpha/agent=pi/month=2025-06/part-00000.parquet"
    manifest["files"][other] = {"sha256": "0", "size": 1}
    (root / "machines" / "beta" / "manifest.json").write_text(json.dumps(manifest))

    code, out, err = _check(capsys, f"file://{root}", "--json")
    assert code == 1, err
    rel = lambda p: p.relative_to(root).as_posix()  # noqa: E731
    assert sorted((p["file"], p["problem"]) for p in json.loads(out)["problems"]) == sorted([
        (rel(card), "its bytes differ from machine alpha's manifest digest"),
        (rel(gone), "listed by machine beta's manifest but missing"),
        (rel(stray), "in the partition of machine ghost, which has no manifest.json"),
        ("data/notes.txt", "not in a table's folder (data/<sessions|steps|tool_calls|patches>/machine=<id>/…)"),
        (other, "listed by machine beta's manifest outside its own partition"),
    ])
    code, text, _ = _check(capsys, f"file://{root}")
    lines = text.splitlines()
    assert code == 1 and lines[0].startswith(f"FAILED: file://{root}:") and len(lines) == 6
    assert all(line.startswith("  ") for line in lines[1:])


def test_a_file_duckdb_cannot_read_is_named(good, tmp_path, capsys):
    root = _copy(good, tmp_path)
    target = sorted((root / "data" / "steps" / "machine=alpha").rglob("*.parquet"))[0]
    # A digest the manifest agrees with: only the reader can tell.
    body = b"PAR1" + b"\0" * (target.stat().st_size - 8) + b"PAR1"
    target.write_bytes(body)
    manifest = json.loads((root / "machines" / "alpha" / "manifest.json").read_text())
    name = target.relative_to(root).as_posix()
    manifest["files"][name] = {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
    (root / "machines" / "alpha" / "manifest.json").write_text(json.dumps(manifest))
    code, out, _ = _check(capsys, f"file://{root}", "--json")
    assert code == 1
    problems = json.loads(out)["problems"]
    assert [p["file"] for p in problems] == ["data/steps/", name]
    assert problems[0]["problem"].startswith("DuckDB cannot read the table: ")
    assert problems[1]["problem"].startswith("DuckDB cannot read it: ")
    assert all("\n" not in p["problem"] and len(p["problem"]) < 400 for p in problems)


def test_a_folder_that_is_no_dataset_is_one_line(tmp_path, capsys):
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("made up")
    code, out, err = _check(capsys, f"file://{tmp_path / 'other'}")
    assert code != 0 and out == ""
    assert err.count("\n") == 1 and "not a team dataset" in err


@pytest.fixture(scope="module")
def s3():
    """moto's S3 on a free port of 127.0.0.1; the environment that reaches it."""
    with served_s3() as env:
        yield env


@pytest.mark.slow
def test_a_dataset_on_s3_checks_clean_then_names_a_changed_file(good, s3, monkeypatch, capsys):
    import s3fs

    for key, value in s3.items():
        monkeypatch.setenv(key, value)
    fs = s3fs.S3FileSystem(key="testing", secret="testing", client_kwargs={"endpoint_url": s3["AWS_ENDPOINT_URL"]},
                           skip_instance_cache=True)  # fmt: skip
    fs.mkdir("team-check")  # moto keeps buckets for the process: a name of its own
    fs.put(f"{good}/", "team-check/ds", recursive=True)
    opened: list[str] = []
    real_open = s3fs.S3FileSystem._open

    def counted(self, path, *args, **kwargs):
        opened.append(path)
        return real_open(self, path, *args, **kwargs)

    monkeypatch.setattr(s3fs.S3FileSystem, "_open", counted)
    code, out, err = _check(capsys, "s3://team-check/ds", "--json")
    assert code == 0, out + err
    assert json.loads(out)["files"] == len(_listed(good))
    # Each table file read once from the remote: its digest is checked on the copy DuckDB reads.
    tables = [p for p in opened if p.endswith(".parquet")]
    assert tables and sorted(tables) == sorted(set(tables)), tables
    monkeypatch.setattr(s3fs.S3FileSystem, "_open", real_open)
    one = sorted(fs.find("team-check/ds/data/sessions"))[0]
    body = fs.cat_file(one)
    fs.pipe_file(one, body[:-9] + bytes([body[-9] ^ 1]) + body[-8:])  # one byte of the footer; same size
    fs.invalidate_cache()
    code, out, _ = _check(capsys, "s3://team-check/ds")
    assert code == 1 and "its bytes differ from machine" in out and one.split("/ds/", 1)[1] in out
    fs.pipe_file(one, body)
    fs.invalidate_cache()
    card = "team-check/ds/machines/beta/README.md"
    fs.pipe_file(card, fs.cat_file(card).replace(b"#", b"=", 1))
    fs.invalidate_cache()
    code, out, _ = _check(capsys, "s3://team-check/ds")
    assert code == 1 and out.splitlines()[1:] == [
        "  machines/beta/README.md: its bytes differ from machine beta's manifest digest"]


def test_a_machine_s_part_is_fetched_again_file_by_file_its_changed_files_left_to_make(good, tmp_path):
    # A machine exporting into the dataset from a new staging folder fetches its part first; a file
    # changed in the dataset since its manifest (another machine's hand, a bad copy) is not kept.
    from tracetui.dataset.location import open_location
    from tracetui.dataset.publish import _align, remote_rel

    copy = tmp_path / "copy"
    shutil.copytree(good, copy)
    remote = (copy / "machines" / "alpha" / "manifest.json").read_bytes()
    files = sorted(json.loads(remote)["files"])
    changed = next(rel for rel in files if rel.startswith("data/"))
    (copy / remote_rel(changed, "alpha")).write_bytes(b"PAR1 changed since PAR1")
    staging = tmp_path / "staging"
    fetched = _align(open_location(f"file://{copy}"), "alpha", staging, remote)
    assert fetched == len(files) - 1
    assert not (staging / changed).exists()
    for rel in files:
        if rel != changed:
            assert (staging / rel).read_bytes() == (copy / remote_rel(rel, "alpha")).read_bytes()
