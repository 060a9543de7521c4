"""Dagster: the nightly sync, marts and report as one job of three ops running the installed CLI.

Like the Airflow example (airflow_dag.py says why not dlt's helpers): the CLI owns the sync's rounds,
recovery and lock. Keys come from the environment of the Dagster code location (EnvVar), never from here.
"""

from __future__ import annotations

import subprocess

WAREHOUSE_DIR = "/srv/langfuse-warehouse"
CLI = f"{WAREHOUSE_DIR}/.venv/bin/langfuse-warehouse"

COMMANDS = {
    "sync": ["sync", "--plan", "pro"],
    "marts": ["marts"],
    "report": ["report", "--out", "report.html"],
}


def run(name: str) -> None:
    subprocess.run([CLI, *COMMANDS[name]], cwd=WAREHOUSE_DIR, check=True)


try:
    from dagster import Definitions, In, Nothing, ScheduleDefinition, job, op
except ImportError:  # read by the test suite, where Dagster is not installed
    job = None

if job is not None:
    @op
    def sync() -> None:
        run("sync")

    @op(ins={"after": In(Nothing)})
    def marts() -> None:
        run("marts")

    @op(ins={"after": In(Nothing)})
    def report() -> None:
        run("report")

    @job
    def langfuse_warehouse():
        report(after=marts(after=sync()))

    defs = Definitions(jobs=[langfuse_warehouse],
                       schedules=[ScheduleDefinition(job=langfuse_warehouse, cron_schedule="17 3 * * *")])
