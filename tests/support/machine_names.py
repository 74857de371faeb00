"""A machine whose host names are the given words, as the detectors' identity reads it: a hostile test
names the machine after a schema's or a page's words, and the gates must tell the two apart."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tracetui.redact.identity import Identity


def named_machine(monkeypatch: Any, names: Iterable[str]) -> None:
    """`Identity.from_environment` gives this machine's identity with `names` among its host names."""
    mine = Identity.from_environment
    hosts = set(names)

    def named_so() -> Identity:
        return mine().merged(Identity(host_names=hosts))

    monkeypatch.setattr(Identity, "from_environment", staticmethod(named_so))
