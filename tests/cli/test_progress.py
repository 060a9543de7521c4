"""A sync shows its progress: live under a terminal, plain periodic lines without one, nothing with --quiet."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess

import pytest

from simulator import Simulator

from .conftest import command

ESCAPE = re.compile(r"\x1b\[")
PLAIN_LINE = re.compile(r"^\S+ observations \[proj-demo\] (reading|done): [\d,]+ rows, [\d,]+ pages, "
                        r"[\d,]+ rows/s, window \[\S+, \S+\)$", re.M)


@pytest.fixture(scope="module")
def sim():
    with Simulator(seed=11, traces=150).start() as server:
        yield server


def _env(user_env, sim, **extra):
    return {**user_env, "LANGFUSE_HOST": sim.base_url, "LANGFUSE_PUBLIC_KEY": sim.public_key,
            "LANGFUSE_SECRET_KEY": sim.secret_key, **extra}


SYNC = ["sync", "--settle-delay", "0s"]


def test_on_a_terminal_the_sync_draws_a_live_table_of_resources(sim, user_env, workdir):
    leader, follower = pty.openpty()
    process = subprocess.Popen([command(), *SYNC], cwd=workdir, env=_env(user_env, sim, TERM="xterm", COLUMNS="160"),
                               stdin=follower, stdout=follower, stderr=follower, close_fds=True)
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 120)
        if not ready:
            process.kill()
            pytest.fail("no output for 120 s")
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert process.wait(timeout=60) == 0
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert ESCAPE.search(screen)  # redrawn in place
    for heading in ("resource", "window", "rows", "pages", "rows/s"):
        assert heading in screen
    assert re.search(r"observations\s*│\s*proj-demo\s*│\s*\[\S+,", screen)
    assert "done" in screen
    assert "Synced 1 project(s)" in screen  # the summary still follows


def test_without_a_terminal_the_sync_prints_plain_periodic_lines(sim, user_env, workdir):
    run = subprocess.run([command(), *SYNC], cwd=workdir, capture_output=True, text=True, timeout=300,
                         env=_env(user_env, sim, LANGFUSE_WAREHOUSE_PROGRESS_SECONDS="0"))
    assert run.returncode == 0, run.stderr
    assert not ESCAPE.search(run.stderr) and not ESCAPE.search(run.stdout)
    lines = PLAIN_LINE.findall(run.stderr)
    assert "reading" in lines and lines[-1] == "done", run.stderr
    assert run.stdout.startswith("Synced 1 project(s)")  # progress on stderr, the summary on stdout


def test_quiet_shows_no_progress(sim, user_env, workdir):
    run = subprocess.run([command(), *SYNC, "--quiet"], cwd=workdir, capture_output=True, text=True, timeout=300,
                         env=_env(user_env, sim, LANGFUSE_WAREHOUSE_PROGRESS_SECONDS="0"))
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert run.stdout.startswith("Synced 1 project(s)")


def test_the_marts_build_names_each_model_as_it_finishes(sim, user_env, workdir):
    env = _env(user_env, sim, LANGFUSE_WAREHOUSE_PROGRESS_SECONDS="0")
    subprocess.run([command(), *SYNC, "--quiet"], cwd=workdir, env=env, check=True, capture_output=True, timeout=300)
    run = subprocess.run([command(), "marts"], cwd=workdir, capture_output=True, text=True, timeout=600, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    finished = re.findall(r"^\S+ marts: (\w+) (\w+)$", run.stderr, re.M)
    assert ("mart_cost_daily", "success") in finished and ("fct_traces", "success") in finished, run.stderr


def test_the_marts_build_ends_without_a_warning_from_python_about_dbt_s_locks(sim, user_env, workdir):
    env = _env(user_env, sim, LANGFUSE_WAREHOUSE_PROGRESS_SECONDS="0")
    subprocess.run([command(), *SYNC, "--quiet"], cwd=workdir, env=env, check=True, capture_output=True, timeout=300)
    run = subprocess.run([command(), "marts", "--quiet"], cwd=workdir, capture_output=True, text=True, timeout=600,
                         env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "leaked semaphore" not in run.stderr, run.stderr  # dbt's adapter locks, released after the build
