"""fct_scores and the daily score marts, checked against the rows in langfuse_raw_fixture."""

from datetime import date

from pytest import approx

D1 = "subject_date = '2025-01-01'"


def test_each_score_carries_typed_values_and_its_subjects_context(mart):
    (on_generation,) = mart("fct_scores", "score_id = 'sc4'")
    assert on_generation["boolean_value"] is True and on_generation["numeric_value"] == 1.0
    assert on_generation["categorical_value"] is None
    assert (
        on_generation["trace_name"],
        on_generation["trace_user_id"],
        on_generation["trace_environment"],
    ) == ("chat", "u1", "production")
    assert (on_generation["model_name"], on_generation["prompt_name"], on_generation["prompt_version"]) == (
        "gpt-4o",
        "qa",
        1,
    )

    (category,) = mart("fct_scores", "score_id = 'sc7'")
    assert (category["categorical_value"], category["numeric_value"], category["boolean_value"]) == (
        "friendly",
        None,
        None,
    )
    assert category["model_name"] is None  # a trace score has no observation context

    (on_session,) = mart("fct_scores", "score_id = 'sc11'")
    assert (on_session["subject_kind"], on_session["session_id"], on_session["trace_name"]) == (
        "session",
        "s1",
        None,
    )


def test_numeric_scores_per_day(mart):
    (helpfulness,) = mart("mart_score_daily", f"{D1} and score_name = 'helpfulness'")
    assert (helpfulness["source"], helpfulness["data_type"], helpfulness["score_count"]) == (
        "API",
        "NUMERIC",
        2,
    )
    assert helpfulness["avg_value"] == approx(0.6)  # (0.8 + 0.4) / 2; the deleted 100 is gone
    assert (helpfulness["min_value"], helpfulness["max_value"]) == (0.4, 0.8)
    assert helpfulness["p50_value"] == approx(0.6)
    assert helpfulness["true_rate"] is None

    (next_day,) = mart("mart_score_daily", "subject_date = '2025-01-02' and score_name = 'helpfulness'")
    assert (next_day["score_count"], next_day["avg_value"]) == (1, 0.6)


def test_boolean_scores_per_day_have_a_true_rate(mart):
    # Scores of one observation and scores of a whole trace are different subjects: separate rows.
    on_observations, on_trace = mart("mart_score_daily", f"{D1} and score_name = 'correct'")
    assert on_observations["subject_kind"] == "observation" and on_trace["subject_kind"] == "trace"
    assert (on_observations["score_count"], on_observations["true_count"], on_observations["false_count"]) == (2, 1, 1)
    assert on_observations["true_rate"] == approx(1 / 2)
    assert on_observations["trace_count"] == 2
    assert on_observations["avg_value"] is None and on_observations["p50_value"] is None  # no statistics of 0/1
    assert (on_trace["score_count"], on_trace["true_rate"]) == (1, 1.0)


def test_categorical_scores_split_into_category_shares(mart):
    rows = mart("mart_score_categories_daily")
    assert [(r["subject_date"], r["category"], r["score_count"], r["share"]) for r in rows] == [
        (date(2025, 1, 1), "friendly", 2, approx(2 / 3)),
        (date(2025, 1, 1), "rude", 1, approx(1 / 3)),
    ]
