"""The local working state is repaired from the warehouse when they disagree (pipelines/dlt_state.py).

The dlt internals this relies on are tested in tests/compat/test_dlt_compat.py."""

from __future__ import annotations

import dlt

from pipelines import dlt_state
from pipelines.location import locate_warehouse
from pipelines.sync import make_pipeline


def _rows(n: int):
    yield from ({"id": i} for i in range(n))


def _pipeline(tmp_path, name: str = "w.duckdb"):
    return make_pipeline(locate_warehouse("duckdb", str(tmp_path / name), "raw", str(tmp_path / "dlt")))


def test_a_pipeline_whose_state_matches_the_warehouse_is_left_alone(tmp_path):
    pipeline = _pipeline(tmp_path)
    pipeline.run(dlt.resource(_rows(3), name="t"))
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
