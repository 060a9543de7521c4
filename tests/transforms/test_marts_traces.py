"""fct_traces and dim_sessions, checked against the rows in langfuse_raw_fixture."""

from datetime import date

from pytest import approx


def test_a_trace_rolls_up_its_observations(mart):
    (t1,) = mart("fct_traces", "trace_id = 't1'")
    assert (t1["trace_name"], t1["user_id"], t1["session_id"], t1["environment"], t1["release"]) == (
        "chat",
        "u1",
        "s1",
        "production",
        "v1",
    )
    assert t1["tags"] == ["a", "b"]
    assert t1["root_observation_id"] == "o1"
    assert t1["trace_date"] == date(2025, 1, 1)
    assert t1["latency_seconds"] == 4.0  # root span 10:00:00 -> 10:00:04
    assert (t1["observation_count"], t1["generation_count"], t1["error_count"], t1["has_errored_observation"]) == (
        3,
        2,
        1,
        True,
    )
    # o3 errored but the root span did not: the trace did not fail, and it has finished.
    assert (t1["is_failed"], t1["is_complete"]) == (False, True)
    assert (t1["input_tokens"], t1["output_tokens"], t1["total_tokens"]) == (300, 150, 450)
    assert t1["total_cost_usd"] == approx(0.003 + 0.006)


def test_observations_deleted_upstream_count_nowhere(mart):
    (t2,) = mart("fct_traces", "trace_id = 't2'")
    # o3 (cost 100, 30 s) was deleted: only the span and the gpt-4o-mini generation remain.
    assert (t2["observation_count"], t2["generation_count"]) == (2, 1)
    assert t2["total_cost_usd"] == approx(0.0003)
    assert t2["latency_seconds"] == 2.0
    assert t2["tags"] is None  # sent without tags
    assert mart("mart_cost_daily", "total_cost_usd > 1") == []
    assert mart("fct_scores", "score_id = 'sc10'") == []  # the deleted score


def test_every_trace_appears_once(mart):
    traces = mart("fct_traces")
    assert len(traces) == 3 + 6  # three production traces, one per experiment item


def test_a_session_sums_its_traces(mart):
    (s1,) = mart("dim_sessions")  # t3 has no session
    assert (s1["session_id"], s1["user_id"], s1["environment"]) == ("s1", "u1", "production")
    assert s1["trace_count"] == 2
    assert s1["traces_with_error_count"] == 1
    assert s1["duration_seconds"] == 3602.0  # 10:00:00 -> 11:00:02
    assert (s1["observation_count"], s1["generation_count"], s1["total_tokens"]) == (5, 3, 480)
    assert s1["total_cost_usd"] == approx(0.0093)


def test_staging_fills_optional_columns_the_sync_never_created(mart):
    # The fixture's raw observations have no bookmarked / prompt_id columns and no latency values.
    (o2,) = mart("stg_observations", "trace_id = 't1' and observation_id = 'o2'")
    assert (o2["is_bookmarked"], o2["prompt_id"], o2["latency_seconds"], o2["time_to_first_token_seconds"]) == (
        None, None, 2.0, 0.5)
