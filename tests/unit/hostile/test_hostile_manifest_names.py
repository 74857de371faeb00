"""A manifest's file names are a stranger's: an export folder received to check (`export --check`), an
export folder written before by someone else, or a team dataset's `machines/<id>/manifest.json` that
every member can write and that the machine's next export fetches its part by.

Found 2026-11-29 by a red team: a name holding a NUL (`"a\\u0000b.parquet"`, valid JSON) passed the
manifest's shape check, which refused only names that climb or are absolute, and then every use of it
as a path raised Python's ValueError "embedded null byte": `export --check` ended in a traceback, and
so did an export into a dataset whose manifest for the machine named one (the fetch of its part).
A NUL is no byte of a POSIX file name, so such a manifest is damaged, said in one line, as one that
names `../x` was already. The names that climb are kept in the table to show they stay refused."""

from __future__ import annotations

import hashlib
import json
import sys

import pytest

import tracetui.dataset.publish  # noqa: F401 (the module: `tracetui.dataset.publish` is a function)
from tracetui.cli import main
from tracetui.dataset.location import open_location
from tracetui.errors import TracetuiError
from tracetui.export.manifest import FORMAT, manifest_problem

publish = sys.modules["tracetui.dataset.publish"]
MACHINE = "alpha"
PART = "data/sessions/machine=alpha/agent=pi/month=2026-05/"

# (why, a name a manifest lists): each is no file inside the export.
NAMES = [
    ("a NUL in the file's name", PART + "a\x00b.parquet"),
    ("a NUL as the whole name", PART + "\x00"),
    ("a NUL in a folder's name", "data/sessions/machine=alpha/x\x00y/part-00000.parquet"),
    ("a NUL at the start", "\x00data/sessions/machine=alpha/part-00000.parquet"),
    ("a NUL at the end", PART + "part-00000.parquet\x00"),
    ("a NUL after a climb", "../\x00"),
    # Refused on main already (kept: the class is names that are no path inside the export).
    ("a climb", "../../outside.parquet"),
    ("a climb inside", PART + "../../../../../../outside.parquet"),
    ("an absolute path", "/tmp/outside.parquet"),
    ("an empty part", PART + "/part-00000.parquet"),
    ("a dot part", PART + "./part-00000.parquet"),
    ("a backslash", PART + "..\\..\\outside.parquet"),
    ("nothing", ""),
]


def _manifest(files: dict[str, dict], where: str = "files") -> bytes:
    doc: dict = {"format": FORMAT, "files": {}, "sessions": {}, "groups": {}}
    if where == "files":
        doc["files"] = files
    else:  # the same names in a session's and a group's list of files
        doc["sessions"] = {"s1": {"files": list(files), "rejected": []}}
        doc["groups"] = {"g1": {"files": list(files), "sessions": ["s1"]}}
    return json.dumps(doc).encode()


@pytest.mark.parametrize("where", ["files", "lists"])
@pytest.mark.parametrize(("why", "name"), NAMES, ids=[n[0] for n in NAMES])
def test_a_manifest_naming_no_file_inside_the_export_is_damaged(why, name, where):
    doc = json.loads(_manifest({name: {"sha256": "0" * 64, "size": 4}}, where))
    assert manifest_problem(doc) == "it names a file outside the export", why


@pytest.mark.parametrize(("why", "name"), NAMES, ids=[n[0] for n in NAMES])
def test_export_check_of_a_received_folder_says_so_in_one_line(tmp_path, capsys, why, name):
    folder = tmp_path / "received"
    folder.mkdir()
    (folder / "manifest.json").write_bytes(_manifest({name: {"sha256": "0" * 64, "size": 4}}))
    capsys.readouterr()
    code = main(["export", "--check", str(folder)])
    out = capsys.readouterr()
    assert code != 0, why
    said = out.err.strip()
    assert "\n" not in said and "damaged" in said and "Traceback" not in said, (why, said)
    assert "\x00" not in out.out + out.err


@pytest.mark.parametrize(("why", "name"), NAMES, ids=[n[0] for n in NAMES])
def test_the_fetch_of_a_machine_s_part_refuses_it_and_touches_nothing(tmp_path, why, name):
    """The dataset's manifest for this machine is the one the next export fetches its part by."""
    root, staging = tmp_path / "ds", tmp_path / "cache" / "staging"
    (root / PART).mkdir(parents=True)
    data = b"PAR1 x PAR1"
    good = PART + "part-00000.parquet"
    (root / good).write_bytes(data)
    bystander = tmp_path / "outside.parquet"  # where a climb would land, written by the user
    bystander.write_bytes(b"mine")
    files = {good: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)},
             name: {"sha256": "0" * 64, "size": 4}}  # fmt: skip
    manifest = _manifest(files)
    (root / "machines" / MACHINE).mkdir(parents=True)
    (root / "machines" / MACHINE / "manifest.json").write_bytes(manifest)
    with pytest.raises(TracetuiError) as caught:
        publish._align(open_location(f"file://{root}"), MACHINE, staging, manifest)
    said = str(caught.value)
    assert "\n" not in said and "\x00" not in said and "damaged" in said, (why, said)
    assert not staging.exists(), why  # nothing fetched, nothing left half made
    assert bystander.read_bytes() == b"mine"
