"""`status` says how far behind Langfuse each resource and project is, for people and for monitoring."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime

import pytest

from simulator import Simulator

from .conftest import command


@pytest.fixture(scope="module")
def sim():
    with Simulator(seed=5, traces=60).start() as server:
        yield server


@pytest.fixture
def synced(sim, user_env, workdir):
    env = {**user_env, "LANGFUSE_HOST": sim.base_url, "LANGFUSE_PUBLIC_KEY": sim.public_key,
           "LANGFUSE_SECRET_KEY": sim.secret_key}
    before = datetime.now(UTC)
    subprocess.run([command(), "sync", "--settle-delay", "10m", "--quiet"], cwd=workdir, env=env, check=True,
                   capture_output=True, timeout=300)
    return env, before


def test_status_json_gives_the_lag_behind_the_watermark_per_resource_and_project(synced, workdir):
    env, synced_at = synced
    run = subprocess.run([command(), "status", "--json"], cwd=workdir, env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    status = json.loads(run.stdout)
    checked = datetime.fromisoformat(status["checked_at"])
    observations = next(r for r in status["resources"] if r["resource"] == "observations")
    watermark = datetime.fromisoformat(observations["watermark"].replace("Z", "+00:00"))
    assert observations["lag_seconds"] == pytest.approx((checked - watermark).total_seconds(), abs=0.01)
    assert 600 <= observations["lag_seconds"] < 600 + (checked - synced_at).total_seconds() + 1  # the settle delay
    assert observations["lag_from"] == "watermark" and observations["rows"] > 0
    full_refresh = next(r for r in status["resources"] if r["resource"] == "models")
    assert full_refresh["watermark"] is None and full_refresh["lag_from"] == "last_run"
    project = status["projects"]["proj-demo"]
    windowed = [r["lag_seconds"] for r in status["resources"] if r["watermark"]]
    assert project == {"max_lag_seconds": max(windowed), "behind": False, "pending": False}


def test_status_table_has_a_lag_column(synced, workdir):
    env, _ = synced
    run = subprocess.run([command(), "status"], cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    header = next(line for line in run.stdout.splitlines() if line.startswith("resource"))
    assert header.split()[:4] == ["resource", "project", "watermark", "lag"]
    observations = next(line for line in run.stdout.splitlines() if line.startswith("observations "))
    assert " 10m " in observations  # 10 minutes behind: the settle delay
