"""`tracetui completion bash|zsh|fish` and `tracetui man` (issue 40): made from the one parser, they
cover every command and its options; the bash script is run in bash, and zsh and fish check theirs
where they are installed."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tracetui.cli import build_parser, main

pytest.importorskip("shtab", reason="shtab is not installed (a dependency: pip install .)")
pytest.importorskip("argparse_manpage", reason="argparse-manpage is not installed (a dependency)")


@pytest.fixture(scope="module")
def commands() -> list[str]:
    names = list(build_parser().commands)
    assert {"donate", "completion", "man", "export", "capsule"} <= set(names)
    return names


def _script(shell: str, capsys) -> str:
    assert main(["completion", shell]) == 0
    return capsys.readouterr().out


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completes_every_command_and_a_commands_options(commands, tmp_path, capsys):
    script = tmp_path / "tracetui.bash"
    script.write_text(_script("bash", capsys))

    def complete(*words: str) -> set[str]:
        line = " ".join(["tracetui", *words])
        probe = (f"source {script}\nCOMP_WORDS=({line})\nCOMP_CWORD={len(words)}\nCOMP_LINE='{line}'\n"
                 f"COMP_POINT=${{#COMP_LINE}}\n_shtab_tracetui\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n")
        out = subprocess.run(["bash", "--norc", "--noprofile", "-c", probe], capture_output=True, text=True,
                             timeout=20, check=True).stdout
        return set(out.split())

    assert set(commands) <= complete("''")
    assert {"--format", "--prune", "--check"} <= complete("export", "--")
    assert {"--dry-run", "--push", "--yes"} <= complete("donate", "--")
    assert {"bash", "zsh", "fish"} <= complete("completion", "''")


def test_zsh_and_fish_scripts_name_every_command(commands, capsys):
    zsh = _script("zsh", capsys)
    fish = _script("fish", capsys)
    for name in commands:
        assert name in zsh, name
        assert f"__fish_use_subcommand -a {name} " in fish, name
        assert f"'__fish_seen_subcommand_from {name}'" in fish, name
    assert "-l dry-run" in fish and "-a 'bash zsh fish'" in fish


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_read_their_script(shell, tmp_path, capsys):
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    script = tmp_path / f"tracetui.{shell}"
    script.write_text(_script(shell, capsys))
    subprocess.run([shell, "-n", str(script)], check=True, timeout=20)


def test_man_page_has_every_command_and_option(commands, tmp_path, capsys):
    assert main(["man"]) == 0
    page = capsys.readouterr().out
    assert page.startswith(".TH TRACETUI \"1\"") and "tracetui \\- see what your coding agents did" in page
    for name in commands:
        assert f"'tracetui {name}'" in page, name
    assert "dry\\-run" in page and "\\-\\-create\\-pr" in page
    out = tmp_path / "tracetui.1"
    assert main(["man", "-o", str(out)]) == 0 and out.read_text() == page
    if shutil.which("man"):
        shown = subprocess.run(["man", "-l", str(out)], capture_output=True, text=True, timeout=20,
                               env={"MANPAGER": "cat", "PATH": "/usr/bin:/bin", "COLUMNS": "100"})
        assert "donate" in shown.stdout


def test_completion_rejects_an_unknown_shell(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["completion", "tcsh-ish"])
    assert exc.value.code == 2
