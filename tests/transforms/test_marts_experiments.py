"""Experiment marts: e1 "baseline" and e2 "candidate" on dataset ds1 "golden", three items each.

accuracy per dataset item:  di1  di2  di3
  e1 baseline               0.5  0.7  0.9
  e2 candidate              0.8  0.7  0.8   -> deltas +0.3, 0, -0.1
"""

from pytest import approx


def test_an_experiment_item_has_its_traces_latency_cost_and_scores(mart):
    (item,) = mart("fct_experiment_items", "experiment_item_id = 'ei-e1-1'")
    assert (item["experiment_name"], item["dataset_name"], item["dataset_item_id"]) == (
        "baseline",
        "golden",
        "di1",
    )
    assert item["latency_seconds"] == 1.0
    assert item["total_cost_usd"] == approx(0.01)
    assert item["total_tokens"] == 20
    assert item["score_count"] == 2
    assert item["numeric_scores"] == {"accuracy (EVAL)": 0.5, "exact_match (EVAL)": 1.0}
    assert item["is_failed"] is False


def test_summary_per_experiment_and_score_name(mart):
    rows = {(r["experiment_name"], r["score_name"]): r for r in mart("mart_experiment_summary")}
    assert set(rows) == {("baseline", "accuracy"), ("baseline", "exact_match"), ("candidate", "accuracy")}

    baseline = rows["baseline", "accuracy"]
    assert (baseline["item_count"], baseline["scored_item_count"]) == (3, 3)
    assert baseline["avg_score"] == approx(0.7)
    assert baseline["avg_latency_seconds"] == approx(2.0)  # (1 + 2 + 3) / 3
    assert baseline["total_cost_usd"] == approx(0.06)

    candidate = rows["candidate", "accuracy"]
    assert candidate["avg_score"] == approx((0.8 + 0.7 + 0.8) / 3)
    assert candidate["total_cost_usd"] == approx(0.03)

    assert rows["baseline", "exact_match"]["scored_item_count"] == 1


def test_per_item_deltas_of_candidate_against_baseline(mart):
    # e1 and e2 started together: the baseline is the first by id, e1; there is no reversed pair.
    assert mart("int_experiment_item_score_deltas", "baseline_experiment_id = 'e2'") == []
    rows = mart("int_experiment_item_score_deltas", "score_name = 'accuracy'")
    assert [(r["dataset_item_id"], r["comparison_status"], r["score_delta"]) for r in rows] == [
        ("di1", "compared", approx(0.3)),
        ("di2", "compared", 0.0),
        ("di3", "compared", approx(-0.1)),
    ]


def test_comparison_aggregates_the_deltas_into_wins_losses_and_ties(mart):
    (forward,) = mart("mart_experiment_comparison", "score_name = 'accuracy'")
    assert (forward["dataset_name"], forward["candidate_experiment_name"], forward["score_name"]) == (
        "golden",
        "candidate",
        "accuracy",
    )
    assert forward["items_compared"] == 3
    assert forward["avg_delta"] == approx((0.3 + 0.0 - 0.1) / 3)
    assert (forward["wins"], forward["losses"], forward["ties"]) == (1, 1, 1)
    assert forward["win_rate"] == 0.5  # 1 win of 2 decided items; the tie is left out
    assert (forward["baseline_choice"], forward["coverage"], forward["is_significant"]) == ("first_run", 1.0, False)
    assert forward["avg_latency_delta_seconds"] == approx(0.0)  # (+1 + 0 - 1) / 3
    assert forward["avg_cost_delta_usd"] == approx(-0.01)  # (0 - 0.01 - 0.02) / 3

    # exact_match was only scored on one baseline item: nothing compared, and the row says why.
    (exact_match,) = mart("mart_experiment_comparison", "score_name = 'exact_match'")
    assert (exact_match["items_compared"], exact_match["items_unscored_in_candidate"], exact_match["win_rate"]) == (
        0, 3, None)
