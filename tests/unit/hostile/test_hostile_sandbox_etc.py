"""What a stranger's check could read of the machine's /etc. The sandbox bound the host's
/etc/passwd, /etc/group, /etc/hosts and /etc/environment: a capsule's code run by the user's check
printed every account on the machine (names, homes, service users) and the machine-wide environment
(proxies with their passwords, tokens set for all users) into the check's output, and from there into
CI logs. The check now sees a passwd and group naming only the running user and nobody, a hosts
naming localhost, and no /etc/environment. Found 2026-11-28 by a red team reading the bwrap argv."""

from __future__ import annotations

import os
import pwd
import sys

import pytest
from shared_data import FIXTURES

from tracetui.capsule import replay, seal
from tracetui.capsule.sandbox import find_sandbox

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402

needs_sandbox = pytest.mark.skipif(find_sandbox() is None, reason="bubblewrap is not usable on this machine")
READ_ETC = "cat /etc/passwd /etc/group /etc/hosts; echo ENV=; cat /etc/environment; id; exit 1"


def _host_accounts() -> set[str]:
    mine = {os.getuid(), 65534}
    return {entry.pw_name for entry in pwd.getpwall() if entry.pw_uid not in mine and len(entry.pw_name) > 2}


@needs_sandbox
def test_the_check_sees_no_account_or_environment_of_the_host(tmp_path):
    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "ep.capsule", secret=b"\x06" * 32)
    result = replay(tmp_path / "ep.capsule", repo, check=READ_ETC)
    assert result.base_check is not None and result.base_check.sandbox == "bubblewrap"
    output = result.base_check.output
    lines = output.splitlines()
    passwd = [line for line in lines if line.count(":") == 6]
    assert {line.split(":")[2] for line in passwd} == {str(os.getuid()), "65534"}, output
    assert not any(line.startswith(name + ":") for name in _host_accounts() for line in lines), output
    assert "No such file" in output.split("ENV=", 1)[1]  # no /etc/environment at all
    assert f"uid={os.getuid()}({pwd.getpwuid(os.getuid()).pw_name})" in output  # `id` still names the user
    hosts = [line for line in lines if line[:1].isdigit() or line.startswith("::")]
    assert all("localhost" in line for line in hosts), output
