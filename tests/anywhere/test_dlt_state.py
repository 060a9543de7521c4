"""The assumptions pipelines/dlt_state.py makes about dlt's internals, one test each."""

from __future__ import annotations

import dlt

from pipelines import dlt_state
from pipelines.location import locate_warehouse
from pipelines.sync import make_pipeline


def _rows(n: int):
    yield from ({"id": i} for i in range(n))


def _pipeline(tmp_path, name: str = "w.duckdb"):
    return make_pipeline(locate_warehouse("duckdb", str(tmp_path / name), "raw", str(tmp_path / "dlt")))


def test_data_dir_follows_dlt_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path))
    assert dlt_state.data_dir() == str(tmp_path)


def test_the_destination_state_is_the_local_one_after_a_load_and_none_without_a_dataset(tmp_path):
    pipeline = _pipeline(tmp_path)
    assert dlt_state.destination_state(pipeline) is None  # nothing loaded yet: no dataset
    pipeline.run(dlt.resource(_rows(3), name="t"))
    remote = dlt_state.destination_state(pipeline)
    assert remote is not None and remote["_version_hash"] == pipeline.state["_version_hash"]
    assert dlt_state.repair_local_state(pipeline) == (pipeline, None)


def test_a_dropped_pipeline_restores_the_state_of_the_warehouse_on_its_next_run(tmp_path):
    pipeline = _pipeline(tmp_path)

    @dlt.resource(name="t")
    def counted():
        dlt.current.resource_state()["n"] = dlt.current.resource_state().get("n", 0) + 1
        yield {"id": 1}

    pipeline.run(counted())
    pipeline.run(counted())
    # The warehouse forgets the second load: its committed state is the first one's.
    with pipeline.sql_client() as client:
        client.execute_sql(f"delete from {client.make_qualified_table_name('_dlt_pipeline_state')} "
                           "where _dlt_load_id = (select max(_dlt_load_id) from "
                           f"{client.make_qualified_table_name('_dlt_pipeline_state')})")
    pipeline, note = dlt_state.repair_local_state(pipeline)
    assert note is not None and "restored from the warehouse" in note
    pipeline.run(counted())
    [source] = pipeline.state["sources"].values()
    assert source["resources"]["t"]["n"] == 2  # 1 restored from the warehouse, +1
