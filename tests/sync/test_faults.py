"""A sync through a flaky network and a rate-limited server still lands every row exactly once."""

from simulator.faults import FaultPlan
from sources.langfuse.specs import table_names
from tests.sync.helpers import differences, sync


def test_429s_5xx_dropped_connections_latency_and_mangled_bodies_are_retried_to_the_exact_ground_truth(sim, tmp_path):
    sim.faults = FaultPlan(seed=3, probabilities={
        "429": 0.10, "500": 0.02, "502": 0.02, "503": 0.01, "drop": 0.02,
        "malformed_json": 0.01, "truncated": 0.01, "html_502": 0.01, "slow": 0.05,
    }, slow_ms=40)
    report = sync(sim, tmp_path)
    sim.faults = None
    assert sum(report.retries.values()) > 0
    truth = sim.ground_truth()
    problems = [p for t in table_names("v4") for p in differences(tmp_path, truth, t, report.project_ids[0])]
    assert problems == []
