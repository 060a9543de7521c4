"""A kill between DuckDB committing a staging copy and dlt recording it: the resumed load re-runs that copy,
and the rows must still land once."""

import subprocess
import sys

from tests.sync.helpers import count, differences, sync

CHILD = """
import os, sys
from datetime import timedelta
from pipelines.sync import SyncOptions, run_sync
from sources.langfuse import LangfuseProject
from sources.langfuse.dlt_compat import duckdb_copy_job_class

DuckDbCopyJob = duckdb_copy_job_class()
original = DuckDbCopyJob.run

def run_then_die(self):
    original(self)  # committed in DuckDB...
    if "observations" in self._file_path:
        os._exit(9)  # ...and killed before dlt writes that down

DuckDbCopyJob.run = run_then_die
host, public_key, secret_key, workdir = sys.argv[1:5]
run_sync(SyncOptions(projects=[LangfuseProject(host, public_key, secret_key)], database=f"{workdir}/warehouse.duckdb",
                     pipelines_dir=f"{workdir}/dlt", resources=["observations"], settle_delay=timedelta(0), api="v4"))
"""


def test_a_staging_copy_rerun_after_a_kill_does_not_double_rows(sim, tmp_path):
    killed = subprocess.run([sys.executable, "-c", CHILD, sim.base_url, sim.public_key, sim.secret_key, str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert killed.returncode == 9, killed.stderr[-2000:]

    report = sync(sim, tmp_path, resources=["observations"])

    assert differences(tmp_path, sim.ground_truth(), "observations", report.project_ids[0]) == []
    assert count(tmp_path, "observations") == len(sim.ground_truth()["observations"])


def test_only_an_interrupted_package_gives_up_the_deduplicated_hint(tmp_path):
    import json

    from pipelines.recovery import deduplicate_interrupted_loads
    from sources.langfuse.dlt_compat import DEDUPLICATED_HINT

    def package(name, started):
        folder = tmp_path / "load" / "normalized" / name
        (folder / "started_jobs").mkdir(parents=True)
        if started:
            (folder / "started_jobs" / "observations.abc.0.parquet").write_bytes(b"")
        tables = {"observations": {"name": "observations", DEDUPLICATED_HINT: True}}
        (folder / "schema.json").write_text(json.dumps({"name": "langfuse", "tables": tables}))
        return folder / "schema.json"

    interrupted, untouched = package("1.1", started=True), package("1.2", started=False)

    assert deduplicate_interrupted_loads(tmp_path) == ["1.1"]
    assert json.loads(interrupted.read_text())["tables"]["observations"][DEDUPLICATED_HINT] is False
    assert json.loads(untouched.read_text())["tables"]["observations"][DEDUPLICATED_HINT] is True
