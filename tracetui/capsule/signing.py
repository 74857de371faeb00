"""Optional capsule signatures with `ssh-keygen -Y` (OpenSSH's SSHSIG format).

The signature covers the manifest bytes, which bind every other member by sha256, so one signature
vouches for the whole capsule. The namespace ties it to this use: a signature made for git commits
or another tool does not verify here, and ours does not verify there.

ssh-keygen reads files, so the manifest and signature are written to a private temporary directory
(never the capsule's other members) and removed afterwards.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tracetui.capsule.archive import CapsuleError

NAMESPACE = "tracetui-capsule@v1"
_TIMEOUT = 60


@dataclass(slots=True)
class SignatureCheck:
    state: str  # "unsigned" | "valid" | "invalid" | "unchecked"
    signer: str | None = None
    detail: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"state": self.state, "signer": self.signer, "detail": self.detail}


def sign(manifest: bytes, key: Path) -> bytes:
    """An SSHSIG signature of the manifest by the private key at `key`."""
    key = Path(key).expanduser()
    if not key.is_file():
        raise CapsuleError(f"signing key {key} does not exist")
    with tempfile.TemporaryDirectory(prefix="tracetui-sig-") as scratch:
        tmp = Path(scratch)
        msg = tmp / "capsule.json"
        msg.write_bytes(manifest)
        out = _run(["-Y", "sign", "-f", str(key), "-n", NAMESPACE, str(msg)])
        if out.returncode != 0:
            raise CapsuleError(f"ssh-keygen could not sign with {key}: {_first(out.stderr)}")
        return (tmp / "capsule.json.sig").read_bytes()


def check(
    manifest: bytes, signature: bytes | None, allowed_signers: Path | None, identity: str | None
) -> SignatureCheck:
    """Whether `signature` is a valid signature of `manifest` by someone in `allowed_signers`."""
    if signature is None:
        return SignatureCheck("unsigned")
    if allowed_signers is None:
        return SignatureCheck("unchecked", detail="signed; pass --allowed-signers to check who signed it")
    allowed_signers = Path(allowed_signers).expanduser()
    if not allowed_signers.is_file():
        raise CapsuleError(f"allowed-signers file {allowed_signers} does not exist")
    with tempfile.TemporaryDirectory(prefix="tracetui-sig-") as scratch:
        tmp = Path(scratch)
        sig = tmp / "capsule.json.sig"
        sig.write_bytes(signature)
        principals = [identity] if identity else _principals(sig, allowed_signers)
        if not principals:
            return SignatureCheck("invalid", detail="no key in the allowed-signers file made this signature")
        for principal in principals:
            out = _run(
                [
                    "-Y",
                    "verify",
                    "-f",
                    str(allowed_signers),
                    "-I",
                    principal,
                    "-n",
                    NAMESPACE,
                    "-s",
                    str(sig),
                ],
                stdin=manifest,
            )
            if out.returncode == 0:
                return SignatureCheck("valid", signer=principal)
        return SignatureCheck("invalid", detail=_first(out.stderr) or "signature does not verify")


def _principals(sig: Path, allowed_signers: Path) -> list[str]:
    out = _run(["-Y", "find-principals", "-f", str(allowed_signers), "-s", str(sig)])
    if out.returncode != 0:
        return []
    return [line.strip() for line in out.stdout.decode(errors="replace").splitlines() if line.strip()]


def _run(args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    exe = shutil.which("ssh-keygen")
    if exe is None:
        raise CapsuleError("ssh-keygen is not installed; it is needed for capsule signatures")
    try:
        return subprocess.run(
            [exe, *args],
            input=stdin if stdin is not None else b"",
            capture_output=True,
            timeout=_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise CapsuleError("ssh-keygen did not answer in time (does the key need a passphrase?)") from None


def _first(stderr: bytes) -> str:
    lines = [ln for ln in stderr.decode(errors="replace").splitlines() if ln.strip()]
    from tracetui.safe_text import safe_line

    return safe_line(lines[-1])[:200] if lines else ""
