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


def all_commands() -> dict[str, click.Command]:
    """Every command, groups' subcommands as "group sub"."""
    found = {}
    for name, command in cli.commands.items():
        found[name] = command
        if isinstance(command, click.Group):
            for sub, subcommand in command.commands.items():
                found[f"{name} {sub}"] = subcommand
    return found


ALL = all_commands()
COMMANDS = sorted(ALL)


def quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name):
    command = ALL[name]
    assert command.help, f"{name} has no help"
    assert command.get_short_help_str(limit=60).strip()
    if isinstance(command, click.Group):
        return  # its subcommands carry the examples
    assert re.search(r"Examples?:", command.help), f"{name} --help has no example"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_documented_in_the_readme(name):
    assert f"\n### track {name}\n" in README


@pytest.mark.parametrize(
    "name,option",
    [
        (name, opt)
        for name in COMMANDS
        for param in ALL[name].params
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


def test_types_ratings_and_formalities_are_explained_in_the_methodology():
    from tracker.vocabulary import CONFIDENCES, FORMALITIES, RATINGS, TYPES

    methodology = README.split("## Methodology", 1)[1].split("\n## ", 1)[0]
    for name in [*RATINGS, *TYPES, *FORMALITIES, *CONFIDENCES]:
        assert f"`{name}`" in methodology, name
    for phrase in ("Not yet rated", "coverage", "Succession", "kappa", "split", "disputed"):
        assert phrase in methodology


def test_source_classes_and_stances_are_explained():
    from tracker.vocabulary import SOURCE_CLASSES, STANCES

    for name in [*SOURCE_CLASSES, *STANCES]:
        assert f"`{name}`" in README
