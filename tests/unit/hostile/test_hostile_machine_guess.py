"""A team dataset's machine id (`machine=<id>`, every row's `machine`) must not let a reader confirm
whose machine a partition is. It is a hash of the host's name, the home folder and /etc/machine-id;
where there is no machine-id (macOS, Windows) only the first two are hashed, and a teammate who
guesses `alices-macbook` and `/Users/alice` computes the id and finds Alice's partition. Found reading
`dataset/machine.py`. Not fixed: an id that no guess reproduces needs a secret kept beside it (or the
platform's own machine id), and the id must stay the same once its state file is lost, or a machine's
sessions move to a new partition: a design decision, reported. Names are made up.
"""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

import pytest

from tracetui.dataset import machine_id


@pytest.mark.xfail(strict=True, reason="without /etc/machine-id the id is a hash of guessable names only")
def test_a_machine_without_a_machine_id_cannot_be_confirmed_by_a_guess(tmp_path, monkeypatch):
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
    guess = "m-" + hashlib.sha256(b"alices-macbook\0/Users/alice").hexdigest()[:12]
    assert machine_id() != guess
