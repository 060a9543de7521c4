"""A simulated project synced once per module; tests that change the warehouse work on a copy."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipelines.verify import VerifyReport, VerifyWindow, verify
from simulator import Simulator
from sources.langfuse import LangfuseProject
from tests.sync.helpers import FAST_RETRIES, sync

# The simulator's data lies in the 28 days before 2026-11-16.
WHOLE_RANGE = VerifyWindow(datetime(2026, 10, 19, tzinfo=UTC), datetime(2026, 11, 17, tzinfo=UTC))
SYNCED = ["observations", "scores"]


@dataclass
class Synced:
    sim: Simulator
    workdir: Path

    @property
    def database(self) -> Path:
        return self.workdir / "warehouse.duckdb"

    def copy_to(self, workdir: Path) -> Path:
        shutil.copy(self.database, workdir / "warehouse.duckdb")
        return workdir / "warehouse.duckdb"


def project(sim: Simulator) -> LangfuseProject:
    return LangfuseProject(sim.base_url, sim.public_key, sim.secret_key)


def run_verify(sim: Simulator, database: Path, window: VerifyWindow = WHOLE_RANGE, **kwargs) -> VerifyReport:
    return verify([project(sim)], str(database), "langfuse", window, retry=FAST_RETRIES, **kwargs)


def differing(report: VerifyReport, check: str = "observations") -> list[tuple[str, str | None]]:
    return [(g.day, g.label) for p in report.projects for g in p.differences if g.check == check]


def _synced(api: str, seed: int, traces: int, workdir: Path):
    with Simulator(seed=seed, traces=traces, api=api).start() as sim:
        sync(sim, workdir, resources=SYNCED)
        yield Synced(sim, workdir)


@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> Synced:
    yield from _synced("v4", 7, 120, tmp_path_factory.mktemp("v4"))


@pytest.fixture(scope="module")
def synced_legacy(tmp_path_factory) -> Synced:
    yield from _synced("legacy", 11, 80, tmp_path_factory.mktemp("legacy"))


@pytest.fixture()
def sim():
    """A fresh simulator for tests that change the upstream data."""
    with Simulator(seed=7, traces=120).start() as simulator:
        yield simulator
