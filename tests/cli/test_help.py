"""`--help` of every command lists each of its options, with what it does, and the environment it reads."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from pipelines.cli import ENVIRONMENT, build_parser

from .conftest import command

SOURCE = Path(__file__).resolve().parents[2]


def _subcommands() -> dict:
    parser = build_parser()
    return next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_help_lists_every_option_and_the_environment_variables_read(name, user_env):
    run = subprocess.run([command(), name, "--help"], capture_output=True, text=True, env=user_env, timeout=60)
    assert run.returncode == 0, run.stderr
    parser = _subcommands()[name]
    for action in parser._actions:
        assert action.help, f"{name} {action.option_strings} has no help text"
        for option in action.option_strings:
            assert option in run.stdout
    environment = run.stdout.split("environment variables:\n", 1)[1]
    for variable, _ in ENVIRONMENT[name]:
        assert variable in environment


def test_every_langfuse_variable_named_in_help_is_read_by_the_code():
    named = {token for variables in ENVIRONMENT.values() for variable, _ in variables
             for token in re.findall(r"\bLANGFUSE_[A-Z_]+", variable)}
    code = "".join(path.read_text() for folder in ("pipelines", "sources", "transforms")
                   for path in (SOURCE / folder).rglob("*.py") if path.name != "cli.py")
    assert named and all(f'"{name}"' in code or f"'{name}'" in code for name in named), named
