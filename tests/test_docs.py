"""The README documents every command and option, and its generated parts are up to date."""

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from tracker.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(cli.commands)


def quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name):
    command = cli.commands[name]
    assert command.help, f"{name} has no help"
    assert command.get_short_help_str(limit=60).strip()
    assert "Example:" in command.help, f"{name} --help has no example"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_documented_in_the_readme(name):
    assert f"\n### track {name}\n" in README


@pytest.mark.parametrize(
    "name,option",
    [
        (name, opt)
        for name in COMMANDS
        for param in cli.commands[name].params
        if isinstance(param, click.Option)
        for opt in param.opts
        if opt.startswith("--")
    ],
)
def test_every_option_is_documented_in_the_readme(name, option):
    section = README.split(f"\n### track {name}\n", 1)[1].split("\n### ", 1)[0]
    assert option in section


def test_readme_command_reference_is_up_to_date():
    result = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", "README.md"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, "README is out of date: run `cog -r README.md`\n" + (
        result.stdout + result.stderr
    )


def test_quick_start_is_two_commands_and_ci_runs_the_test_one():
    commands = quick_start_commands()
    assert len(commands) == 2
    assert commands[0].endswith("track status")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci


def test_statuses_and_kinds_are_explained_in_the_methodology():
    from tracker.vocabulary import KINDS, STATUSES

    methodology = README.split("## Methodology", 1)[1].split("\n## ", 1)[0]
    for name in [*STATUSES, *KINDS]:
        assert f"`{name}`" in methodology
