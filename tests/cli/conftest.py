"""The installed `langfuse-warehouse` command run as users run it: its own directory, a private HOME."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest


def command() -> str:
    beside_python = str(Path(sys.executable).parent)
    found = shutil.which("langfuse-warehouse", path=beside_python) or shutil.which("langfuse-warehouse")
    if found is None:
        pytest.fail("the langfuse-warehouse command is not installed (make .venv/.installed)")
    return found


@pytest.fixture
def user_env(tmp_path) -> dict[str, str]:
    """A clean environment: HOME and dlt's data dir in tmp_path, no Langfuse credentials of the caller's."""
    home = tmp_path / "home"
    home.mkdir()
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("LANGFUSE_", "SOURCES__", "DESTINATION__"))}
    env.update(HOME=str(home), DLT_DATA_DIR=str(home / ".dlt"), XDG_CACHE_HOME=str(home / ".cache"))
    return env


@pytest.fixture
def workdir(tmp_path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path
