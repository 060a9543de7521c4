"""Airflow: the nightly sync, marts and report as three tasks running the installed CLI.

Why not dlt's Airflow helper (`dlt deploy <script> airflow-composer`, `PipelineTasksGroup`): it runs a
dlt source's resources as tasks, but this sync is more than its source: it loads in rounds until no
resource has a half-read range pending, repairs what a killed run left in dlt's working folder, and
holds a lock on the warehouse. The CLI does all of that, so the tasks run it. Keys come from Airflow
Variables or a secrets backend as environment variables; never put them in the DAG.
"""

from __future__ import annotations

import shlex

WAREHOUSE_DIR = "/srv/langfuse-warehouse"  # holds warehouse.duckdb and the venv
CLI = f"{WAREHOUSE_DIR}/.venv/bin/langfuse-warehouse"

COMMANDS = {
    "sync": ["sync", "--plan", "pro"],
    "marts": ["marts"],
    "report": ["report", "--out", "report.html"],
}

try:
    import pendulum
    from airflow import DAG
    from airflow.operators.bash import BashOperator
except ImportError:  # this file is also read by the test suite, where Airflow is not installed
    DAG = None

if DAG is not None:
    with DAG("langfuse_warehouse", schedule="17 3 * * *", start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
             catchup=False, max_active_runs=1, default_args={"retries": 2}) as dag:
        tasks = [
            BashOperator(task_id=name, bash_command=f"cd {WAREHOUSE_DIR} && {CLI} {shlex.join(argv)}",
                         env={"LANGFUSE_HOST": "{{ var.value.langfuse_host }}",
                              "LANGFUSE_PUBLIC_KEY": "{{ var.value.langfuse_public_key }}",
                              "LANGFUSE_SECRET_KEY": "{{ var.value.langfuse_secret_key }}"},
                         append_env=True)
            for name, argv in COMMANDS.items()
        ]
        tasks[0] >> tasks[1] >> tasks[2]
