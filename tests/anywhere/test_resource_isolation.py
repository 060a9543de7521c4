"""One resource that cannot be read costs only itself: the others commit, the run says PARTIAL (exit 3)
naming it with its cause and window, and a later run with the endpoint back catches up exactly."""

from __future__ import annotations

import pytest

from sources.langfuse.specs import table_names
from tests.anywhere.test_two_directories import assert_exact

API = "/api/public"
PARTIAL, OK = 3, 0


@pytest.mark.parametrize(
    ("kind", "path", "resource"),
    [
        ("404", "/v3/scores", "scores"),  # an endpoint this server lacks, one every v4 server should have
        ("403", "/comments", "comments"),  # a key not allowed to read it
        ("500", "/v2/observations", "observations"),  # down for good: fails after its retries
    ],
)
def test_a_failing_resource_stops_alone_and_catches_up_later(user, sim, tmp_path, kind, path, resource):
    workdir = tmp_path / "job"
    sim.faults.always(kind, API + path)
    partial = user.sync(sim, workdir)

    assert partial.returncode == PARTIAL, partial.stderr
    failed = [line for line in partial.stdout.splitlines() if line.strip().startswith("FAILED")]
    assert len(failed) == 1 and f"FAILED {resource} (project proj-demo, " in failed[0]
    assert (f"answered {kind}" if kind in ("404", "403") else "failed 2 times; last: http 500") in failed[0]
    if resource in ("observations", "scores"):  # windowed: the range that was not read is named
        assert "window [2023-01-01T00:00:00.000Z, " in failed[0]
    assert "--api legacy" not in partial.stdout + partial.stderr
    others = [t for t in table_names("v4") if t != resource and t in
              ("observations", "scores", "experiments", "datasets", "prompts", "comments", "evaluators")]
    assert_exact(sim, workdir, others)

    sim.faults.clear()
    caught_up = user.sync(sim, workdir)
    assert caught_up.returncode == OK, caught_up.stderr
    assert f"  {resource} " in caught_up.stdout  # the rows it had missed are loaded now
    assert_exact(sim, workdir)


def test_an_endpoint_an_older_server_lacks_is_reported_once_and_is_not_a_failure(user, sim, tmp_path):
    workdir = tmp_path / "job"
    sim.faults.always("404", API + "/v2/evaluators")
    # Small chunks: the backfill takes several rounds, and the missing endpoint is still asked once.
    done = user.sync(sim, workdir, "--chunk-rows", "400")

    assert done.returncode == OK, done.stderr
    assert done.stdout.count("Not available on this server: evaluators") == 1
    assert "PARTIAL" not in done.stdout and "--api legacy" not in done.stdout + done.stderr
    assert sim.stats["faults"] == {"404": 1}
    assert_exact(sim, workdir, ["observations", "scores", "experiments", "datasets", "prompts", "comments"])


def test_a_v4_server_without_v2_observations_suggests_the_legacy_api(user, sim, tmp_path):
    sim.faults.always("404", API + "/v2/observations")
    done = user.sync(sim, tmp_path / "job", "--api", "v4")
    assert done.returncode == PARTIAL
    [line] = [line for line in done.stdout.splitlines() if "FAILED" in line]
    assert line.strip().startswith("FAILED observations") and "use --api legacy" in line


def test_wrong_keys_still_stop_the_run_with_a_usage_error(user, sim, tmp_path):
    env_sim = type("WrongKeys", (), {"base_url": sim.base_url, "public_key": "pk-lf-wrong",
                                     "secret_key": "sk-lf-wrong"})()
    done = user.sync(env_sim, tmp_path / "job")
    assert done.returncode == 2 and "refused the API keys" in done.stderr
