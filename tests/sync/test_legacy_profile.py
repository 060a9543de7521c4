"""A self-hosted Langfuse v3 speaks the legacy API: detected, and loaded into the same tables."""

import pytest

from simulator import Simulator
from tests.sync.helpers import count, sync, table_rows


@pytest.fixture()
def legacy_sim():
    with Simulator(seed=11, traces=80, api="legacy").start() as simulator:
        yield simulator


def test_the_legacy_api_is_detected_and_every_resource_lands(legacy_sim, tmp_path):
    report = sync(legacy_sim, tmp_path)
    assert report.api == "legacy"
    truth = legacy_sim.ground_truth()
    assert count(tmp_path, "traces") == len(truth["traces"])
    assert count(tmp_path, "observations") == len(truth["observations"])
    assert count(tmp_path, "sessions") == len(truth["sessions"])
    assert count(tmp_path, "scores") == len(truth["scores"])
    assert count(tmp_path, "experiments") == len(truth["experiments"])
    assert count(tmp_path, "experiment_items") == len(truth["experiment_items"])


def test_legacy_rows_keep_the_v4_column_names(legacy_sim, tmp_path):
    sync(legacy_sim, tmp_path, resources=["observations", "scores"])
    observation = next(r for r in table_rows(tmp_path, "observations") if r["type"] == "GENERATION")
    assert {"trace_id", "start_time", "usage_details", "total_cost", "input_usage"} <= observation.keys()
    assert isinstance(observation["input"], str | None)
    kinds = {r["subject_kind"] for r in table_rows(tmp_path, "scores")}
    assert {"trace", "observation"} <= kinds


def test_a_v4_sync_against_a_legacy_server_suggests_the_legacy_profile(legacy_sim, tmp_path):
    report = sync(legacy_sim, tmp_path, api="v4", resources=["observations"])
    assert report.partial
    [failure] = report.failed
    assert failure.resource == "observations" and "--api legacy" in failure.cause
