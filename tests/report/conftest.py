"""One demo run shared by every test of the report, the demo and the notebook (and across xdist workers)."""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

DEMO_TRACES = 300


@dataclass(frozen=True)
class DemoRun:
    dir: Path
    output: str
    exit_code: int

    @property
    def database(self) -> Path:
        return self.dir / "warehouse.duckdb"

    @property
    def report(self) -> Path:
        return self.dir / "report.html"


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> DemoRun:
    """`python -m pipelines.demo` once per test session: a small simulated project synced twice, marts, report."""
    basetemp = tmp_path_factory.getbasetemp()
    # Under xdist each worker has basetemp/popen-gwN: their parent is this run's, shared by the workers.
    shared = basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp
    target = shared / "demo"
    with open(shared / "demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / "demo-output.txt").exists():
            from pipelines import demo

            output = io.StringIO()
            with contextlib.redirect_stdout(output):
                code = demo.main(["--dir", str(target), "--traces", str(DEMO_TRACES)])
            (target / "demo-output.txt").write_text(f"{code}\n{output.getvalue()}")
    code, _, text = (target / "demo-output.txt").read_text().partition("\n")
    return DemoRun(target, text, int(code))
