"""Two syncs of one warehouse at once (a cron overlap): the second stops at once saying so (exit 4), or
with --wait runs after the first; nothing is doubled either way."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from simulator.faults import FaultPlan
from tests.anywhere.test_two_directories import assert_exact

BUSY = 4


def is_locked(path: Path) -> bool:
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def wait_for(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


def test_a_second_sync_of_the_same_warehouse_stops_or_waits(user, sim, tmp_path):
    workdir = tmp_path / "job"
    lock = workdir / "warehouse.duckdb.sync.lock"
    sim.faults = FaultPlan(probabilities={"slow": 1.0}, slow_ms=100)  # the first sync takes a while
    first = user.start(sim, workdir, "sync", "--settle-delay", "0s")
    started = [first]
    try:
        wait_for(lambda: is_locked(lock), "the first sync holds the warehouse")

        second = user.sync(sim, workdir)
        assert second.returncode == BUSY
        assert f"another sync of duckdb {workdir / 'warehouse.duckdb'}" in second.stderr
        assert "--wait" in second.stderr and second.stdout == ""

        waiting = user.start(sim, workdir, "sync", "--settle-delay", "0s", "--wait")
        started.append(waiting)
        time.sleep(1.0)
        assert waiting.poll() is None, "the --wait sync did not wait"
        sim.faults = None
        out, err = first.communicate(timeout=240)
        assert first.returncode == 0, err
        out, err = waiting.communicate(timeout=240)
        assert waiting.returncode == 0, err
        assert "Nothing new" in out  # it ran after the first, which had loaded everything
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
    assert_exact(sim, workdir)


def test_syncs_of_two_different_warehouses_run_side_by_side(user, sim, tmp_path):
    sim.faults = FaultPlan(probabilities={"slow": 1.0}, slow_ms=50)
    one = user.start(sim, tmp_path / "one", "sync", "--settle-delay", "0s")
    try:
        wait_for(lambda: is_locked(tmp_path / "one" / "warehouse.duckdb.sync.lock"), "the first sync runs")
        other = user.sync(sim, tmp_path / "two")
        assert other.returncode == 0, other.stderr
        one.communicate(timeout=240)
        assert one.returncode == 0
    finally:
        if one.poll() is None:
            one.kill()
    assert_exact(sim, tmp_path / "one")
    assert_exact(sim, tmp_path / "two")
