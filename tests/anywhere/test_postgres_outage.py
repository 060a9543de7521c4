"""`sync --destination postgres` when PostgreSQL goes away in the middle of a load: one clear error and
the documented exit code, and the next run, with the server back, leaves the warehouse exact."""

from __future__ import annotations

import subprocess
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from simulator import Simulator
from sources.langfuse.specs import specs_for
from tests.anywhere.conftest import COMMAND
from tests.postgres import PostgresServer, server_binaries
from tests.sync.helpers import expected_rows

STOPPED = 2  # README, exit codes: the run stopped (one line says why; what earlier loads committed stays)
TABLES = ("observations", "scores", "experiments", "datasets", "prompts", "comments")


@pytest.fixture()
def server():
    """A server of this test's own: it is stopped mid-test, which the session's shared one must not be."""
    bin_dir = server_binaries()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries not found (`apt-get install postgresql`; `make test` installs it)")
    server = PostgresServer(bin_dir).start()
    yield server
    server.stop()


@contextmanager
def _table_held(database, table: str):
    """Another session holding `table` locked: the sync's load blocks on it, in the middle of its load."""
    connection = database.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"lock table langfuse.{table} in access exclusive mode")  # psycopg2 opened a transaction
        yield
    finally:
        connection.close()


def _wait_until_blocked(database, process: subprocess.Popen, timeout: float = 180) -> None:
    """Until a session of the sync waits for the lock: it has begun loading and cannot finish."""
    deadline = time.monotonic() + timeout
    connection = database.connect()
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            while time.monotonic() < deadline and process.poll() is None:
                cursor.execute("select count(*) from pg_stat_activity where wait_event_type = 'Lock' "
                               "and pid <> pg_backend_pid()")
                if cursor.fetchone()[0]:
                    return
                time.sleep(0.1)
    finally:
        connection.close()
    raise AssertionError(f"the sync never reached the locked table (exit {process.poll()})")


def _key_problems(database, truth, project_id: str = "proj-demo") -> list[str]:
    """Every row the API serves is in PostgreSQL exactly once, and nothing else is."""
    problems = []
    connection = database.connect()
    try:
        with connection.cursor() as cursor:
            for table in TABLES:
                key = ("project_id", *specs_for("v4")[table].primary_key)
                cursor.execute(f"select {', '.join(key)} from langfuse.{table}")
                rows = cursor.fetchall()
                expected = set(expected_rows(truth, table, project_id))
                if len(rows) != len(set(rows)):
                    problems.append(f"{table}: {len(rows) - len(set(rows))} doubled rows")
                if set(rows) != expected:
                    problems.append(f"{table}: {len(expected - set(rows))} missing, {len(set(rows) - expected)} extra")
    finally:
        connection.close()
    return problems


def test_postgresql_stopped_mid_load_is_one_clear_error_and_the_next_run_is_exact(user, server, tmp_path):
    database = server.create_database()
    workdir = tmp_path / "job"
    workdir.mkdir()
    with Simulator(seed=3, traces=120).start() as sim:
        env = {**user.env(sim), **database.dlt_environment()}
        # --quiet: no progress lines, so stderr holds only what went wrong.
        command = [str(COMMAND), "sync", "--destination", "postgres", "--settle-delay", "0s", "--quiet"]
        first = subprocess.run(command, cwd=workdir, env=env, text=True, capture_output=True, timeout=300)
        assert first.returncode == 0, first.stdout + first.stderr

        # The next night: new traces and scores (started an hour ago: settled, inside the lookback);
        # PostgreSQL goes down while the sync loads them.
        an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
        sim.add_traces(20, at=an_hour_ago)
        sim.add_scores(15, at=an_hour_ago)
        sim.settle()
        with _table_held(database, "observations"):
            process = subprocess.Popen(command, cwd=workdir, env=env, text=True,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                _wait_until_blocked(database, process)
                server.halt()
                out, err = process.communicate(timeout=300)
            finally:
                process.kill()
        assert process.returncode == STOPPED, out + err
        errors = [line for line in err.splitlines() if line.strip()]
        assert len(errors) == 1 and errors[0].startswith("error: "), err
        assert f"the warehouse postgres 127.0.0.1:{server.port}/{database.database}" in errors[0], errors[0]
        assert "Traceback" not in err
        assert database.password not in out + err

        server.resume()
        again = subprocess.run(command, cwd=workdir, env=env, text=True, capture_output=True, timeout=300)
        assert again.returncode == 0, again.stdout + again.stderr
        assert _key_problems(database, sim.ground_truth()) == []
