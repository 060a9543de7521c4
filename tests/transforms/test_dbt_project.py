"""The dbt project in sql/ as a data team uses it outside `langfuse-warehouse marts`."""

from __future__ import annotations

import shutil

import duckdb
import yaml
from conftest import raw_warehouse, read_rows

from transforms import PROJECT_DIR
from transforms.dbt import models_reading, release_duckdb


def _profile(directory, name, database):
    profile = {name: {"target": "dev", "outputs": {"dev": {"type": "duckdb", "path": str(database),
                                                           "schema": "team", "threads": 1}}}}
    (directory / "profiles.yml").write_text(yaml.safe_dump(profile))


def _dbt(*arguments: str):
    from dbt.cli.main import dbtRunner

    try:
        return dbtRunner().invoke(["--no-send-anonymous-usage-stats", "--log-level", "none", *arguments])
    finally:
        release_duckdb()


def test_the_models_install_as_a_package_in_a_teams_own_project_with_its_vars(tmp_path):
    database = raw_warehouse(tmp_path / "warehouse.duckdb", schema="lf_raw", without=("experiments",))
    project = tmp_path / "team_analytics"
    shutil.copytree(PROJECT_DIR.parent / "tests" / "transforms" / "consumer_project", project)
    # A local-path package (a git subdirectory works the same: `git: ...`, `subdirectory: sql`).
    (project / "packages.yml").write_text(yaml.safe_dump({"packages": [{"local": str(PROJECT_DIR)}]}))
    _profile(project, "team_analytics", database)
    common = ["--project-dir", str(project), "--profiles-dir", str(project)]
    assert _dbt("deps", *common).success
    result = _dbt("build", *common, "--select", "+team_daily_spend", "--indirect-selection", "cautious")
    assert result.success, [r.message for r in result.result.results if r.status not in ("success", "pass")]
    rows = read_rows(database, "select * from team.team_daily_spend order by generation_date")
    # The fixture: t1 and t2 on day 1 (three generations), t3 on day 2, six experiment traces on day 3.
    assert [r["generation_count"] for r in rows] == [3, 1, 6]
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("select count(*) from team.stg_observations").fetchall() == [(12,)]


def test_dbt_docs_generate_writes_the_lineage_site(tmp_path):
    database = raw_warehouse(tmp_path / "warehouse.duckdb")
    _profile(tmp_path, "langfuse_warehouse", database)
    target = tmp_path / "target"
    result = _dbt("docs", "generate", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(tmp_path),
                  "--target-path", str(target), "--empty-catalog")
    assert result.success
    assert (target / "index.html").is_file() and (target / "manifest.json").is_file()
    manifest = (target / "manifest.json").read_text()
    assert "one row per trace" in manifest  # the YAML's grain documentation reaches the docs


def test_the_runner_knows_which_raw_tables_each_model_reads(tmp_path):
    database = raw_warehouse(tmp_path / "warehouse.duckdb")
    _profile(tmp_path, "langfuse_warehouse", database)
    parsed = _dbt("parse", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(tmp_path),
                  "--target-path", str(tmp_path / "target"))
    reads = models_reading(parsed.result, ["observations", "experiments", "prompts"])
    assert reads["stg_observations"] == {"observations"}
    assert reads["mart_experiment_comparison"] == {"observations", "experiments"}
    assert reads["stg_prompts"] == {"prompts"}
    assert reads["stg_scores"] == set()
