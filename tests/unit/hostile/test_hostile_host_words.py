"""A machine whose host name is a common word (`test`, `runner`, `build`, `dev`: a CI box, a VM) names
no one, as an account of that name does not (`GENERIC_USERS`). It was a host name to scrub: every
`test` of every log was an auto finding, and `export --check` failed on the export's own card (22 tests
of redact, export and blame failed on a machine named `test`; 4 still did once `export --check` read
cards by their structure). A host name that names a machine is still one. Names are made up."""

from __future__ import annotations

import socket

import pytest

from tracetui.demo.build import build, open_library
from tracetui.model import SessionFilter
from tracetui.redact import Identity, scan_session, scan_text

TEXT = "the runner ran the test build on dev, then the user asked root for alices-macbook's logs"


def _named(monkeypatch, host: str) -> Identity:
    monkeypatch.setattr(socket, "gethostname", lambda: host)
    return Identity.from_environment()


@pytest.mark.parametrize("host", ["test", "runner", "Build", "dev", "user", "root", "ubuntu", "test.example.lan"])
def test_a_host_named_with_a_common_word_is_no_host_name_to_scrub(monkeypatch, host):
    ident = _named(monkeypatch, host)
    assert host.split(".")[0].lower() not in {h.lower() for h in ident.host_names}
    assert not [f for f in scan_text(TEXT, ident) if f.kind == "host-name"]


@pytest.mark.parametrize("host", ["alices-macbook", "alices-macbook.lan"])
def test_a_host_name_that_names_a_machine_is_still_scrubbed(monkeypatch, host):
    ident = _named(monkeypatch, host)
    assert "alices-macbook" in ident.host_names
    found = [TEXT[f.start:f.end] for f in scan_text(TEXT, ident) if f.kind == "host-name"]
    assert found == ["alices-macbook"]


def test_the_demo_s_sessions_get_no_host_name_finding_on_a_machine_named_test(tmp_path, monkeypatch):
    ident = _named(monkeypatch, "test")
    library = open_library(build(tmp_path / "demo"))
    sessions = [library.session(row.id) for row in library.list_sessions(SessionFilter())]
    texts = [s.text for session in sessions for s in session.steps if s.text]
    assert any("test" in t.lower() for t in texts)  # the word is there to be taken for the host
    assert not [f for session in sessions for f in scan_session(session, ident, workers=0) if f.kind == "host-name"]
