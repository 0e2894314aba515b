"""The README's Quick start commands, the Makefile and CI's entry point must agree.

CI runs `.ci/run`; it must run exactly the README's test command, so that what
CI checks is what a reader of the README runs.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _section(text: str, heading: str) -> str:
    match = re.search(rf"^## {re.escape(heading)}[ \t]*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"README.md has no '## {heading}' section"
    return match.group(1)


def quick_start_commands() -> list[str]:
    section = _section((ROOT / "README.md").read_text(encoding="utf-8"), "Quick start")
    block = re.search(r"^```[^\n]*\n(.*?)^```", section, re.M | re.S)
    assert block, "the Quick start section has no fenced code block"
    commands = []
    for line in block.group(1).splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        commands.append(line.removeprefix("$ ").strip())
    return commands


def ci_run_commands() -> list[list[str]]:
    """The command lines of `.ci/run` as token lists (comments dropped, `exec` stripped)."""
    commands = []
    for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines():
        tokens = shlex.split(line, comments=True)
        if tokens and tokens[0] == "exec":
            tokens = tokens[1:]
        if tokens:
            commands.append(tokens)
    return commands


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets: set[str] = set()
    for match in re.finditer(r"^([A-Za-z0-9_.\-/ ]+?)\s*::?(?!=)", text, re.M):
        targets.update(match.group(1).split())
    return targets


def test_quick_start_has_exactly_two_commands():
    commands = quick_start_commands()
    assert len(commands) == 2, f"expected 2 Quick start commands, found {commands!r}"
    assert commands[0] == "make demo"
    assert commands[1] == "make test"


def test_ci_run_invokes_the_readme_test_command():
    test_command = shlex.split(quick_start_commands()[1])
    assert test_command in ci_run_commands(), (
        f".ci/run does not run the README's test command {test_command!r}; "
        f"its commands are {ci_run_commands()!r}"
    )


def test_ci_run_is_an_executable_strict_bash_script():
    path = ROOT / ".ci" / "run"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#!") and "bash" in text.splitlines()[0]
    assert ["set", "-euo", "pipefail"] in ci_run_commands()
    assert os.access(path, os.X_OK), ".ci/run is not executable"


def test_makefile_has_the_quick_start_targets():
    targets = makefile_targets()
    for command in quick_start_commands():
        tool, target = shlex.split(command)
        assert tool == "make"
        assert target in targets, f"Makefile has no '{target}' target"
    assert {"demo", "test"} <= targets
