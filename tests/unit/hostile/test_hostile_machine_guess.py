"""A team dataset's machine id (`machine=<id>`, every row's `machine`) must not let a reader confirm
whose machine a partition is. It was a hash of the host's name, the home folder and /etc/machine-id;
where there is no machine-id (macOS, Windows) only the first two were hashed, and a teammate who
guessed `alices-macbook` and `/Users/alice` computed the id and found Alice's partition. The platform's
own id (macOS's IOPlatformUUID, Windows's MachineGuid) is hashed now, and where none can be read a
random secret is. Names are made up.
"""

from __future__ import annotations

import hashlib
import socket
import subprocess
from pathlib import Path

import pytest

from tracetui.dataset import machine, machine_id


@pytest.fixture
def alice(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("TRACETUI_MACHINE", raising=False)
    monkeypatch.setattr(socket, "gethostname", lambda: "alices-macbook")
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: Path("/Users/alice")))
    real = Path.read_text

    def no_machine_id(self, *args, **kwargs):
        if str(self).endswith("machine-id"):
            raise FileNotFoundError(str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", no_machine_id)
    return tmp_path


GUESS = "m-" + hashlib.sha256(b"alices-macbook\0/Users/alice").hexdigest()[:12]
UUID = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"


def test_a_machine_without_a_machine_id_cannot_be_confirmed_by_a_guess(alice, monkeypatch):
    monkeypatch.setattr(machine.sys, "platform", "linux")
    made = machine_id()
    assert made != GUESS and made != "m-" + hashlib.sha256(b"alices-macbook\0/Users/alice\0").hexdigest()[:12]
    assert machine_id() == made  # kept in its state file
    machine.state_file().unlink()
    assert machine_id() != made  # a random secret: a new one once the state is lost


def test_a_mac_hashes_its_platform_uuid_and_keeps_its_id_when_the_state_is_lost(alice, monkeypatch):
    calls: list[list[str]] = []

    def ioreg(argv, **kwargs):
        calls.append(argv)
        out = f'+-o J314sAP  <class IOPlatformExpertDevice>\n    "IOPlatformUUID" = "{UUID}"\n'
        return subprocess.CompletedProcess(argv, 0, out, "")

    monkeypatch.setattr(machine.sys, "platform", "darwin")
    monkeypatch.setattr(machine.subprocess, "run", ioreg)
    made = machine_id()
    assert made == "m-" + hashlib.sha256(f"alices-macbook\0/Users/alice\0{UUID}".encode()).hexdigest()[:12]
    assert made != GUESS and calls[0][0] == "/usr/sbin/ioreg"  # by its path: no PATH lookup
    machine.state_file().unlink()
    assert machine_id() == made


def test_a_mac_whose_ioreg_fails_gets_a_random_secret(alice, monkeypatch):
    def broken(argv, **kwargs):
        raise FileNotFoundError(argv[0])

    monkeypatch.setattr(machine.sys, "platform", "darwin")
    monkeypatch.setattr(machine.subprocess, "run", broken)
    assert machine.platform_id() is None
    assert machine_id() != GUESS
