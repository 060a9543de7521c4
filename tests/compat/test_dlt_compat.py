"""What sources/langfuse/dlt_compat.py assumes about dlt's internals, one test per numbered assumption.

When a dlt upgrade fails one of these, the test's name says which assumption broke and the module's
docstring says who relies on it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import dlt
import pytest

from pipelines.location import locate_warehouse
from pipelines.sync import make_pipeline
from sources.langfuse import dlt_compat

ROOT = Path(__file__).resolve().parents[2]


def _pipeline(tmp_path: Path, name: str = "w.duckdb") -> dlt.Pipeline:
    return make_pipeline(locate_warehouse("duckdb", str(tmp_path / name), "raw", str(tmp_path / "dlt")))


def _rows(n: int):
    yield from ({"id": i} for i in range(n))


def _merged(deduplicated: bool):
    return dlt.resource(_rows(3), name="t", primary_key="id",
                        write_disposition=dlt_compat.merge_on_keys(deduplicated=deduplicated))


def test_1_the_deduplicated_merge_key_becomes_the_table_hint_the_merge_job_reads(tmp_path):
    pipeline = _pipeline(tmp_path)
    pipeline.extract(_merged(deduplicated=True))
    pipeline.normalize()
    [package] = dlt_compat.package_folder(pipeline.working_dir, dlt_compat.NORMALIZED).iterdir()
    table = json.loads((package / dlt_compat.PACKAGE_SCHEMA).read_text())["tables"]["t"]
    assert table[dlt_compat.DEDUPLICATED_HINT] is True
    assert table["x-merge-strategy"] == "delete-insert"
    pipeline.load()
    with pipeline.sql_client() as client:
        assert client.execute_sql(f"select count(*) from {client.make_qualified_table_name('t')}")[0][0] == 3


def test_2_load_packages_move_through_the_stage_folders(tmp_path):
    pipeline = _pipeline(tmp_path)
    folder = lambda stage: dlt_compat.package_folder(pipeline.working_dir, stage)  # noqa: E731
    pipeline.extract(dlt.resource(_rows(2), name="t"))
    [extracted] = folder(dlt_compat.EXTRACTED).iterdir()
    pipeline.normalize()
    assert not folder(dlt_compat.EXTRACTED).exists() or not any(folder(dlt_compat.EXTRACTED).iterdir())
    [normalized] = folder(dlt_compat.NORMALIZED).iterdir()
    assert normalized.name == extracted.name
    assert (normalized / dlt_compat.PACKAGE_SCHEMA).is_file() and (normalized / dlt_compat.STARTED_JOBS).is_dir()
    assert not folder(dlt_compat.NEW).exists() or not any(folder(dlt_compat.NEW).iterdir())
    pipeline.load()
    assert [p.name for p in folder(dlt_compat.LOADED).iterdir()] == [extracted.name]


def test_3_duckdb_settings_reach_every_connection_of_the_load(tmp_path):
    pipeline = dlt.pipeline("compat_duckdb", pipelines_dir=str(tmp_path / "dlt"), dataset_name="raw",
                            destination=dlt_compat.duckdb_destination(str(tmp_path / "w.duckdb"),
                                                                      {"memory_limit": "123MB", "threads": 1}))
    pipeline.run(dlt.resource(_rows(1), name="t"))
    with pipeline.sql_client() as client:
        limit, threads = client.execute_sql("select current_setting('memory_limit'), current_setting('threads')")[0]
    assert (limit, int(threads)) == ("117.3 MiB", 1)  # 123 MB, as DuckDB prints it


def test_4_the_data_dir_follows_dlt_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path))
    assert dlt_compat.data_dir() == str(tmp_path)


def test_5_destinations_are_known_by_name_and_name_their_location_without_secrets(monkeypatch):
    assert dlt_compat.is_known_destination("postgres")
    assert not dlt_compat.is_known_destination("postgress")
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", "postgresql://user:s3cret@db.example:5433/wh")
    location = dlt_compat.configured_location("postgres")
    assert location is not None and "db.example:5433/wh" in location and "s3cret" not in location
    config = dlt_compat.destination_configuration(dlt_compat.destination_reference("postgres"), "raw")
    assert (config.credentials.host, config.credentials.port, config.dataset_name) == ("db.example", 5433, "raw")
    monkeypatch.delenv("DESTINATION__POSTGRES__CREDENTIALS")
    with pytest.raises(dlt_compat.ConfigFieldMissingException) as missing:
        dlt_compat.destination_configuration(dlt_compat.destination_reference("postgres"), "raw")
    assert missing.value.fields


def test_6_the_destination_state_is_the_newest_committed_one_and_none_without_a_dataset(tmp_path):
    pipeline = _pipeline(tmp_path)
    assert dlt_compat.destination_state(pipeline) is None  # nothing loaded yet: no dataset
    pipeline.run(dlt.resource(_rows(3), name="t"))
    remote = dlt_compat.destination_state(pipeline)
    assert remote is not None and remote["_version_hash"] == pipeline.state["_version_hash"]
    with pipeline.sql_client() as client:
        [(blob,)] = client.execute_sql(f"select state from {client.make_qualified_table_name('_dlt_pipeline_state')}")
    assert dlt_compat.decompress_state(blob)["_version_hash"] == remote["_version_hash"]


def test_7_a_local_folder_opens_as_a_filesystem(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    fs, path = dlt_compat.open_filesystem(tmp_path.as_uri(), ("sources", "langfuse", "export"))
    assert [Path(p).name for p in fs.ls(path, detail=False)] == ["a.txt"]


def test_8_dlt_says_json_hints_differ_in_the_words_the_filter_drops(caplog):
    import pyarrow as pa

    dlt_compat.quiet_expected_hint_notice()
    table = pa.table({"id": ["1"], "payload": ['{"a": 1}']})
    resource = dlt.resource([table], name="t", columns={"payload": {"data_type": "json"},
                                                         "id": {"data_type": "bigint"}})
    pipeline = dlt.pipeline("compat_hints", pipelines_dir=None, destination="duckdb")
    with caplog.at_level(logging.INFO, logger="dlt"):
        logger = logging.getLogger("dlt")
        logger.removeFilter(dlt_compat._HINT_FILTER)  # see what dlt says, then that the filter drops it
        try:
            pipeline.extract(resource)
        finally:
            dlt_compat.quiet_expected_hint_notice()
    said = [r.getMessage() for r in caplog.records if dlt_compat.EXPECTED_HINT_NOTICE in r.getMessage()]
    assert said, "dlt no longer logs the hint notice: drop the filter in dlt_compat"
    assert not dlt_compat._HINT_FILTER.filter(caplog.records[[r.getMessage() for r in caplog.records].index(said[0])])


def test_9_duckdbs_copy_job_runs_each_staged_file():
    job = dlt_compat.duckdb_copy_job_class()
    assert callable(job.run) and job.__name__ == "DuckDbCopyJob"


def test_no_module_of_ours_imports_dlt_internals_outside_the_compat_module():
    offenders = []
    for folder in ("sources", "pipelines", "transforms", "simulator", "benchmarks", "examples"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "dlt_compat.py":
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                stripped = line.strip()
                if stripped.startswith(("from dlt.", "import dlt.")) and not stripped.startswith("from dlt.sources "):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {stripped}")
                if "._restore_state" in stripped:
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {stripped}")
    assert offenders == [], "\n".join(offenders)


def test_the_installed_dlt_is_inside_the_pin_these_tests_checked():
    """The pin in pyproject.toml is the range these tests passed on: move it when they pass on another."""
    import tomllib
    from importlib.metadata import version

    from packaging.requirements import Requirement

    pins = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    [pin] = [Requirement(p) for p in pins if p.startswith("dlt[")]
    assert pin.specifier.contains(version("dlt")), (str(pin), version("dlt"))
