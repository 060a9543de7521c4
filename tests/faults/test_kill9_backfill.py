"""kill -9 of the sync at random moments of a long backfill, five times, then one clean run: the warehouse is
exactly the ground truth, every key once, and no run after a kill starts the backfill over.

The sync runs as a child process (the CLI, as a cron job would), committing a chunk every CHUNK_ROWS rows.
Four kills land at a seeded random point of a run's second chunk, so the first chunk has committed (dlt
loads a chunk before the next one's requests start); one kill lands while a normalized package is being
loaded into DuckDB, which the next run must load before it reads anything new.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path

import duckdb
import pytest

from simulator import Simulator
from sources.langfuse.dlt_compat import decompress_state
from tests.sync.helpers import differences

ROOT = Path(__file__).resolve().parents[2]
SEED = 11
TRACES = 25_000  # ≈ 202,000 observations
CHUNK_ROWS = 20_000
PAGE_ROWS = 1_000
KILLS = 5
LOAD_STEP_KILL = 2  # which of the kills waits for the load step instead of a fetch
# A guard against a hung run, not a speed target: the clean run reads ~100k rows, and on a shared 2-core
# machine beside a whole test suite (and the extra pages the simulator's 5 MB cap costs) it needed > 90 s.
RUN_TIMEOUT_S = 240


@pytest.mark.slow
def test_five_kill9s_during_a_backfill_then_a_clean_run_give_the_exact_ground_truth(tmp_path):
    rng = random.Random(SEED)
    with Simulator(seed=SEED, traces=TRACES).start() as sim:
        total = len(sim.store.observations)
        assert total >= 200_000

        committed = [0]
        for kill in range(KILLS):
            if kill == LOAD_STEP_KILL:
                kill_during_load(sim, tmp_path)
            else:
                # Rows served in this run before the kill: past the first chunk and the prefetched pages
                # beyond it, inside the second chunk.
                kill_after_rows(sim, tmp_path, rng.randint(CHUNK_ROWS + 5 * PAGE_ROWS, 2 * CHUNK_ROWS - PAGE_ROWS))
            committed.append(warehouse_rows(tmp_path))
        assert pending_backfill(tmp_path), "the backfill should still be unfinished before the clean run"

        served_before = observations_served(sim)
        output = run_sync(sim, tmp_path)
        clean_run_rows = observations_served(sim) - served_before
        truth = sim.ground_truth()
        project_id = sim.store.project_id

    # Every run but the one killed during its load committed at least one chunk of its own; the load-step
    # kill's package is loaded by the run after it, which commits that chunk and one more.
    gains = [after - before for before, after in pairwise(committed)]
    for kill, gain in enumerate(gains):
        if kill == LOAD_STEP_KILL:
            assert gain >= 0, f"run {kill} lost committed rows"
        else:
            assert gain >= CHUNK_ROWS - PAGE_ROWS, f"run {kill} committed {gain} rows, gains {gains}"
    assert committed[-1] >= (KILLS - 1) * (CHUNK_ROWS - PAGE_ROWS)

    # The clean run resumed: it read what was left, not the whole range again.
    assert "error" not in output.lower()
    assert clean_run_rows < total - committed[-1] + 3 * CHUNK_ROWS, (clean_run_rows, total, committed)
    assert clean_run_rows < total

    assert not pending_backfill(tmp_path)
    assert duplicate_keys(tmp_path) == 0
    assert differences(tmp_path, truth, "observations", project_id) == []


# --- the sync as a child process -------------------------------------------------------------------


def start_sync(sim: Simulator, workdir: Path) -> subprocess.Popen:
    env = {**os.environ, "LANGFUSE_HOST": sim.base_url, "LANGFUSE_PUBLIC_KEY": sim.public_key,
           "LANGFUSE_SECRET_KEY": sim.secret_key}
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "sync", "--api", "v4", "--resources", "observations",
         "--settle-delay", "0s", "--chunk-rows", str(CHUNK_ROWS),
         "--database", str(workdir / "warehouse.duckdb"), "--pipelines-dir", str(workdir / "dlt")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def run_sync(sim: Simulator, workdir: Path) -> str:
    process = start_sync(sim, workdir)
    output, _ = process.communicate(timeout=RUN_TIMEOUT_S)
    assert process.returncode == 0, output
    return output


def kill_after_rows(sim: Simulator, workdir: Path, rows: int) -> None:
    """SIGKILL the sync once the simulator has served it ``rows`` observations."""
    start = observations_served(sim)
    process = start_sync(sim, workdir)
    wait_until(process, lambda: observations_served(sim) - start >= rows, f"{rows} rows served")
    os.kill(process.pid, signal.SIGKILL)
    process.wait()


def kill_during_load(sim: Simulator, workdir: Path) -> None:
    """SIGKILL the sync while a normalized package is being loaded, after its first commit.

    A package is in the load step once it sits in load/normalized and its extracted copy is gone: dlt
    renames the normalized package into place before it deletes the extracted one (see the report's
    note on that window), so the first sight of load/normalized is still the normalize step.
    """
    start = observations_served(sim)
    process = start_sync(sim, workdir)
    # The first chunk has committed once the second one's pages are being served.
    wait_until(process, lambda: observations_served(sim) - start >= CHUNK_ROWS + 5 * PAGE_ROWS, "a first commit")
    while True:
        wait_until(process, lambda: bool(packages_being_loaded(workdir)), "a package in the load step", poll_s=0.002)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        if packages_being_loaded(workdir):
            return  # killed with the package still unloaded: the next run must load it first
        process = start_sync(sim, workdir)  # the load finished before the kill landed: try again


def packages_being_loaded(workdir: Path) -> set[str]:
    pipeline_dir = workdir / "dlt" / "langfuse_warehouse"
    normalized = {p.name for p in (pipeline_dir / "load" / "normalized").glob("*")}
    extracted = {p.name for p in (pipeline_dir / "normalize").glob("*/*")}
    return normalized - extracted


def wait_until(process: subprocess.Popen, condition, what: str, poll_s: float = 0.01) -> None:
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while not condition():
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            pytest.fail(f"the sync ended (exit {process.returncode}) before {what}:\n{output}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(poll_s)


# --- what the simulator and the warehouse say ------------------------------------------------------


def observations_served(sim: Simulator) -> int:
    return sum(n for route, n in sim.stats["rowsServed"].items() if "observations" in route)


def warehouse_rows(workdir: Path) -> int:
    database = workdir / "warehouse.duckdb"
    if not database.exists():
        return 0
    with duckdb.connect(str(database), read_only=True) as con:
        exists = con.execute("select count(*) from information_schema.tables where table_schema = 'langfuse' "
                             "and table_name = 'observations'").fetchone()[0]
        return con.execute("select count(*) from langfuse.observations").fetchone()[0] if exists else 0


def duplicate_keys(workdir: Path) -> int:
    """Rows beyond the first of each key: (project, trace, id), as an observation id is unique per trace only."""
    with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True) as con:
        return con.execute("select count(*) - count(distinct (project_id, trace_id, id)) "
                           "from langfuse.observations").fetchone()[0]


def pending_backfill(workdir: Path) -> bool:
    """Whether the committed dlt state still holds an unfinished range of observations."""
    with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True) as con:
        row = con.execute("select state from langfuse._dlt_pipeline_state order by created_at desc limit 1").fetchone()
    state = decompress_state(row[0])
    projects = state["sources"]["langfuse"]["resources"]["observations"]["projects"]
    return any("pending" in project for project in projects.values())
