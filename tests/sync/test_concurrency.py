"""Several requests in flight, all through the one pacer: a plan's limit is reached, never exceeded,
and the warehouse is still exactly the ground truth."""

from simulator.faults import FaultPlan
from sources.langfuse.specs import table_names
from tests.sync.helpers import differences, sync


def test_requests_overlap_under_a_rate_limit_without_one_429_and_land_every_row_once(sim, tmp_path):
    # Every answer takes 150 ms: one request at a time would reach a fifth of 2,000 requests a minute.
    sim.faults = FaultPlan(seed=1, probabilities={"slow": 1.0}, slow_ms=150)
    sim.set_max_rpm(2000)
    report = sync(sim, tmp_path, max_rpm=2000, chunk_rows=300)
    sim.faults = None
    sim.set_max_rpm(None)
    assert report.peak_in_flight > 1
    assert sim.stats["rateLimited"] == 0
    assert not any(reason.startswith("http 429") for reason in report.retries)
    truth = sim.ground_truth()
    problems = [p for t in table_names("v4") for p in differences(tmp_path, truth, t, report.project_ids[0])]
    assert problems == []


def test_a_fixed_concurrency_of_one_reads_a_table_one_request_at_a_time(sim, tmp_path):
    # One table: dlt takes turns between tables, so two tables may each have a request in flight.
    report = sync(sim, tmp_path, resources=["observations"], concurrency=1)
    assert report.peak_in_flight == 1
    assert differences(tmp_path, sim.ground_truth(), "observations", report.project_ids[0]) == []
