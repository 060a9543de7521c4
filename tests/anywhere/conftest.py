"""The CLI as a user runs it: the installed ``langfuse-warehouse`` command, from a directory of its own,
default flags (no --pipelines-dir), HOME and dlt's data dir in a temporary place so the suite stays
hermetic."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from simulator import Simulator

COMMAND = Path(sys.executable).parent / "langfuse-warehouse"


@dataclass
class User:
    """One user account on one machine: a home, dlt's data dir, and the commands they type."""

    home: Path
    data_dir: Path

    def env(self, sim: Simulator) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LANGFUSE_", "DLT_", "DESTINATION__"))}
        env.update(HOME=str(self.home), DLT_DATA_DIR=str(self.data_dir), LANGFUSE_HOST=sim.base_url,
                   LANGFUSE_PUBLIC_KEY=sim.public_key, LANGFUSE_SECRET_KEY=sim.secret_key)
        return env

    def start(self, sim: Simulator, cwd: Path, *args: str) -> subprocess.Popen:
        cwd.mkdir(parents=True, exist_ok=True)
        return subprocess.Popen([str(COMMAND), *args], cwd=cwd, env=self.env(sim), text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def run(self, sim: Simulator, cwd: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess:
        process = self.start(sim, cwd, *args)
        out, err = process.communicate(timeout=timeout)
        return subprocess.CompletedProcess(process.args, process.returncode, out, err)

    def sync(self, sim: Simulator, cwd: Path, *args: str) -> subprocess.CompletedProcess:
        """A nightly sync with what a test needs on top of the defaults: no settle delay (the simulator's
        rows are all settled) and quick give-up on a persistent fault."""
        return self.run(sim, cwd, "sync", "--settle-delay", "0s", "--max-retries", "1", *args)


@pytest.fixture()
def user(tmp_path) -> User:
    if not COMMAND.exists():
        pytest.skip(f"{COMMAND} is not installed (make .venv/.installed installs it)")
    home = tmp_path / "home"
    home.mkdir()
    return User(home=home, data_dir=home / "dlt-data")


@pytest.fixture()
def sim():
    with Simulator(seed=7, traces=120).start() as simulator:
        yield simulator
