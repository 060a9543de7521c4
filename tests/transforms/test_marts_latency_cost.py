"""Latency, cost and prompt-version marts, checked against the rows in langfuse_raw_fixture.

2025-01-01 gpt-4o generations (t1): latency 2 s and 1 s, ttft 0.5 s and 0.25 s. With linear
interpolation between the two, the q-quantile is 1 + q: p50 1.5, p75 1.75, p95 1.95, p99 1.99.
"""

from pytest import approx

D1 = "'2025-01-01'"


def test_latency_percentiles_per_day_model_and_type(mart):
    (gpt4o,) = mart("mart_latency_daily", f"observation_date = {D1} and model_name = 'gpt-4o'")
    assert (gpt4o["observation_type"], gpt4o["observation_count"], gpt4o["error_count"]) == (
        "GENERATION",
        2,
        1,
    )
    assert [gpt4o[f"p{q}_latency_seconds"] for q in (50, 75, 95, 99)] == approx([1.5, 1.75, 1.95, 1.99])
    assert gpt4o["p50_time_to_first_token_seconds"] == approx(0.375)
    assert gpt4o["p95_time_to_first_token_seconds"] == approx(0.25 + 0.95 * 0.25)

    (mini,) = mart("mart_latency_daily", f"observation_date = {D1} and model_name = 'gpt-4o-mini'")
    assert mini["observation_count"] == 1  # the deleted gpt-4o call in t2 is not here either

    (spans,) = mart("mart_latency_daily", f"observation_date = {D1} and observation_type = 'SPAN'")
    assert (spans["model_name"], spans["observation_count"], spans["p50_latency_seconds"]) == (
        "(none)",
        2,
        3.0,
    )


def test_cost_per_day_model_and_environment(mart):
    rows = mart("mart_cost_daily", "environment in ('production', 'staging')")
    assert [
        (
            str(r["generation_date"]),
            r["model_name"],
            r["environment"],
            r["generation_count"],
            r["total_tokens"],
        )
        for r in rows
    ] == [
        ("2025-01-01", "gpt-4o", "production", 2, 450),
        ("2025-01-01", "gpt-4o-mini", "production", 1, 30),
        ("2025-01-02", "gpt-4o", "staging", 1, 100),
    ]
    gpt4o = rows[0]
    assert (gpt4o["input_tokens"], gpt4o["output_tokens"]) == (300, 150)
    assert (gpt4o["input_cost_usd"], gpt4o["output_cost_usd"], gpt4o["total_cost_usd"]) == approx(
        (0.003, 0.006, 0.009)
    )


def test_cost_per_day_and_user(mart):
    rows = {(str(r["generation_date"]), r["user_id"]): r for r in mart("mart_cost_by_user")}
    assert set(rows) == {("2025-01-01", "u1"), ("2025-01-02", "u2"), ("2025-01-03", "(none)")}
    u1 = rows["2025-01-01", "u1"]
    assert (u1["trace_count"], u1["generation_count"], u1["total_tokens"]) == (2, 3, 480)
    assert u1["total_cost_usd"] == approx(0.0093)
    assert rows["2025-01-03", "(none)"]["total_cost_usd"] == approx(0.09)  # the experiment runs


def test_prompt_versions_with_their_usage_and_scores(mart):
    v1, v2 = mart("mart_prompt_versions")
    assert (v1["prompt_name"], v1["prompt_version"], v1["generation_count"], v1["trace_count"]) == (
        "qa",
        1,
        2,
        1,
    )
    assert v1["p50_latency_seconds"] == approx(1.5)
    assert v1["total_cost_usd"] == approx(0.009)
    assert (v1["environment"], v1["labels"], v1["is_production_label"]) == ("production", ["production"], True)
    # Scores on t1 (which used qa v1 alone): helpfulness 0.8 from the API; correct true (on o2) and true
    # (on the trace) from an evaluator. Sources are separate keys.
    assert v1["avg_scores"] == {"correct (EVAL)": 1.0, "helpfulness (API)": 0.8}

    assert (v2["prompt_version"], v2["generation_count"]) == (2, 1)
    assert v2["total_cost_usd"] == approx(0.0003)
    assert v2["avg_scores"] == {"correct (EVAL)": 0.0, "helpfulness (API)": 0.4}

    rows = mart("mart_prompt_version_scores", "prompt_version = 1 and score_name = 'correct'")
    assert [(r["score_count"], r["scored_trace_count"], r["avg_score"]) for r in rows] == [(2, 1, 1.0)]
