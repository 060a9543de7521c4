"""The source in a data engineer's own dlt project: their script, their .dlt/secrets.toml, their pipeline.

Each script runs as its own process from a directory of its own, with HOME and dlt's data dir in a
temporary place and no Langfuse variables of the caller's, so only the project's secrets.toml configures it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from simulator import Simulator
from simulator.generator import generate
from sources.langfuse import langfuse_source
from sources.langfuse.errors import ConfigurationError
from tests.sync.helpers import differences

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
from datetime import timedelta

import dlt

from sources.langfuse import langfuse_source

pipeline = dlt.pipeline(pipeline_name="my_langfuse", destination=dlt.destinations.duckdb("warehouse.duckdb"),
                        dataset_name="langfuse")
# The simulator's data is complete at once: nothing is still being ingested, so no settle delay.
source = langfuse_source(settle_delay=timedelta(0)).with_resources("observations", "scores")
info = pipeline.run(source)
print(info)
counts = pipeline.last_trace.last_normalize_info.row_counts
print("rows:", sum(n for table, n in counts.items() if not table.startswith("_dlt")))
"""


@pytest.fixture(scope="module")
def sim():
    with Simulator(seed=5, traces=60).start() as server:
        yield server


@pytest.fixture
def project(tmp_path) -> Path:
    folder = tmp_path / "my-dlt-project"
    (folder / ".dlt").mkdir(parents=True)
    return folder


def _run(project: Path, tmp_path: Path, script: str) -> subprocess.CompletedProcess:
    (project / "pipeline.py").write_text(script)
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("LANGFUSE_", "SOURCES__", "DESTINATION__", "DLT_"))}
    env.update(HOME=str(tmp_path / "home"), DLT_DATA_DIR=str(tmp_path / "home" / ".dlt"),
               PYTHONPATH=str(ROOT))  # as if this project were pip-installed
    run = subprocess.run([sys.executable, "pipeline.py"], cwd=project, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    return run


def _loaded_rows(run: subprocess.CompletedProcess) -> int:
    return int(run.stdout.rsplit("rows:", 1)[1])


def _tables(database: Path) -> set[str]:
    with duckdb.connect(str(database), read_only=True) as con:
        return {name for (name,) in con.execute("select table_name from information_schema.tables "
                                                "where table_schema = 'langfuse' and table_name not like '_dlt%'")
                .fetchall()}


def test_a_users_pipeline_loads_the_selected_tables_exactly_with_keys_from_secrets_toml(sim, project, tmp_path):
    (project / ".dlt" / "secrets.toml").write_text(
        f'[sources.langfuse]\nhost = "{sim.base_url}"\npublic_key = "{sim.public_key}"\n'
        f'secret_key = "{sim.secret_key}"\n')
    first = _run(project, tmp_path, SCRIPT)
    assert _loaded_rows(first) > 0
    assert sim.secret_key not in first.stdout + first.stderr
    assert _tables(project / "warehouse.duckdb") == {"observations", "scores"}
    truth = sim.ground_truth()
    for table in ("observations", "scores"):
        assert differences(project, truth, table, "proj-demo") == []

    again = _run(project, tmp_path, SCRIPT)  # the watermarks are in the user's pipeline state
    assert _loaded_rows(again) == 0


def test_several_projects_come_from_a_projects_list(sim, project, tmp_path):
    other_store = generate(seed=6, traces=20, project_id="proj-other")
    with Simulator(store=other_store, public_key="pk-other", secret_key="sk-other") as other:
        (project / ".dlt" / "secrets.toml").write_text(
            f'[[sources.langfuse.projects]]\nhost = "{sim.base_url}"\npublic_key = "{sim.public_key}"\n'
            f'secret_key = "{sim.secret_key}"\n\n'
            f'[[sources.langfuse.projects]]\nhost = "{other.base_url}"\npublic_key = "pk-other"\n'
            'secret_key = "sk-other"\n')
        _run(project, tmp_path, SCRIPT)
        with duckdb.connect(str(project / "warehouse.duckdb"), read_only=True) as con:
            counts = dict(con.execute("select project_id, count(*) from langfuse.observations group by 1").fetchall())
        assert counts == {"proj-demo": len(sim.ground_truth()["observations"]),
                          "proj-other": len(other.ground_truth()["observations"])}


def test_the_example_pipeline_runs_as_shipped(sim, project, tmp_path):
    (project / ".dlt" / "secrets.toml").write_text(
        f'[sources.langfuse]\nhost = "{sim.base_url}"\npublic_key = "{sim.public_key}"\n'
        f'secret_key = "{sim.secret_key}"\n')
    run = _run(project, tmp_path, (ROOT / "examples" / "langfuse_pipeline.py").read_text())
    assert "is LOADED and contains no failed jobs" in run.stdout
    assert {"observations", "scores", "datasets", "prompts"} <= _tables(project / "langfuse_pipeline.duckdb")


def test_creating_and_selecting_the_source_sends_no_request(sim):
    sim.reset_stats()
    source = langfuse_source(host=sim.base_url, public_key=sim.public_key, secret_key=sim.secret_key)
    selected = source.with_resources("datasets")
    assert list(selected.selected_resources) == ["datasets"]
    assert sim.stats["total"] == 0
    rows = list(selected.resources["datasets"])
    assert sim.stats["total"] > 0 and rows


def test_a_source_without_credentials_says_where_to_put_them(tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.startswith("SOURCES__"):
            monkeypatch.delenv(name)
    with pytest.raises(ConfigurationError, match=r"\[sources.langfuse\] in .dlt/secrets.toml"):
        langfuse_source()
