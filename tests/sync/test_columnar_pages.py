"""A read of many pages, most of them decoded by DuckDB, still equals the ground truth column for column."""

import pytest

from simulator import Simulator
from sources.langfuse.columnar import ColumnarDecoder
from tests.sync.helpers import differences, sync


@pytest.fixture(scope="module")
def larger_sim():
    with Simulator(seed=9, traces=500).start() as simulator:  # ~4,000 observations: several 1,000-row pages
        yield simulator


def test_pages_decoded_by_duckdb_land_exactly_as_the_api_serves_them(larger_sim, tmp_path, monkeypatch):
    decoded = {"fast": 0, "python": 0, "empty": 0}
    original = ColumnarDecoder.decode

    def counting(self, content):
        page = original(self, content)
        # An empty page (a sub-window without rows) has no layout: either way it costs nothing.
        decoded["fast" if page.table is not None else "python" if page.rows else "empty"] += 1
        return page

    monkeypatch.setattr(ColumnarDecoder, "decode", counting)
    report = sync(larger_sim, tmp_path, resources=["observations", "experiment_items"])

    assert decoded["fast"] >= 5 and decoded["python"] == 0, decoded
    truth = larger_sim.ground_truth()
    for table in ("observations", "experiment_items"):
        assert differences(tmp_path, truth, table, report.project_ids[0]) == []
