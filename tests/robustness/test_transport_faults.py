"""What a proxy or a broken network does to a page: retried when it passes, one clear error when it
persists, and in either case nothing an earlier run committed is lost or doubled."""

from datetime import UTC, datetime, timedelta

import pytest

from simulator.faults import FaultPlan
from sources.langfuse.errors import LangfuseSyncError
from tests.robustness.support import (
    GIVE_UP_FAST,
    assert_exact_copy,
    assert_one_clear_line,
    the_one_failure,
    warehouse_keys,
)
from tests.sync.helpers import sync

OBSERVATIONS = "/api/public/v2/observations"
TABLES = ["observations", "scores", "datasets"]

# fault kind -> what the error must say caused it
PERSISTENT = {
    "malformed_json": "invalid or truncated JSON",
    "truncated": "peer closed connection",
    "drop_mid_body": "peer closed connection",
    "drop": "RemoteProtocolError",
    "html_502": "http 502: an HTML error page",
    "wrong_content_type": "content type text/html",
    "503": "http 503",
}


@pytest.mark.parametrize("kind", sorted(PERSISTENT))
def test_a_fault_that_passes_is_retried_and_the_page_loads_exactly(sim, tmp_path, kind):
    sim.faults = FaultPlan().script(kind, count=2, path=OBSERVATIONS)
    report = sync(sim, tmp_path, resources=TABLES)
    assert report.retries, "the fault was never served"
    assert_exact_copy(sim, tmp_path, report.project_ids[0], *TABLES)


@pytest.mark.parametrize("kind", sorted(PERSISTENT))
def test_a_persistent_fault_stops_with_one_line_naming_resource_window_endpoint_and_cause(sim, tmp_path, kind):
    first = sync(sim, tmp_path, resources=TABLES)
    committed = set(warehouse_keys(tmp_path, "observations", "trace_id, id"))
    sim.add_traces(3, at=datetime.now(UTC) - timedelta(minutes=20))
    sim.settle()

    sim.faults = FaultPlan().script(kind, count=1_000, path=OBSERVATIONS)
    # api given: the auto-detection probe is tested below
    failure = the_one_failure(sync(sim, tmp_path, resources=TABLES, retry=GIVE_UP_FAST, api="v4"))
    assert_one_clear_line(failure.cause, "observations (project ", "window [", OBSERVATIONS,
                          "failed 3 times", PERSISTENT[kind])
    assert set(warehouse_keys(tmp_path, "observations", "trace_id, id")) == committed

    sim.faults = None
    sync(sim, tmp_path, resources=TABLES)  # the clean run after it lands everything, once
    assert_exact_copy(sim, tmp_path, first.project_ids[0], *TABLES)


def test_a_detection_probe_that_keeps_failing_means_v4_and_only_observations_fail(sim, tmp_path):
    """A v3 server answers 404 for /v2/observations; one that answers 502 without end has the route."""
    sim.faults = FaultPlan().always("502", path=OBSERVATIONS)
    report = sync(sim, tmp_path, resources=["observations", "datasets"], retry=GIVE_UP_FAST)
    assert report.api == "v4"
    assert_one_clear_line(the_one_failure(report).cause, "observations (project ", OBSERVATIONS, "http 502")
    assert_exact_copy(sim, tmp_path, report.project_ids[0], "datasets")


def test_a_failing_full_read_names_the_resource_and_says_it_was_a_full_read(sim, tmp_path):
    sim.faults = FaultPlan().script("500", count=1_000, path="/api/public/v2/datasets")
    failure = the_one_failure(sync(sim, tmp_path, resources=["datasets"], retry=GIVE_UP_FAST))
    assert_one_clear_line(failure.cause, "datasets (project ", "full read", "/v2/datasets", "http 500")


def test_wrong_keys_fail_at_once_naming_the_host_and_the_variables_to_check(sim, tmp_path):
    from sources.langfuse import LangfuseProject

    wrong = LangfuseProject(sim.base_url, sim.public_key, "sk-lf-not-the-right-one")
    with pytest.raises(LangfuseSyncError) as failure:
        sync(sim, tmp_path, projects=[wrong])
    assert_one_clear_line(str(failure.value), sim.base_url, "401", "LANGFUSE_SECRET_KEY")
