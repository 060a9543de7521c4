"""`make demo` shows the product: an incremental second sync, correct summaries, the best experiment, the report."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from pipelines.demo import SUMMARY_QUERIES


def test_the_demo_succeeds_and_ends_with_where_the_warehouse_and_the_report_are(demo_run):
    assert demo_run.exit_code == 0, demo_run.output
    last_lines = demo_run.output.strip().splitlines()[-3:]
    assert str(demo_run.database.resolve()) in last_lines[0]
    assert f"The report is {demo_run.report.resolve()}" in last_lines[-1]
    assert demo_run.report.stat().st_size > 1_000_000  # plotly.js is inside


def test_the_simulated_project_ends_minutes_ago_like_a_live_one(demo_run):
    with duckdb.connect(str(demo_run.database), read_only=True) as con:
        newest = con.execute("select max(start_time) from langfuse.observations").fetchall()[0][0]
    assert datetime.now(UTC) - newest < timedelta(hours=2)


def test_the_second_sync_reads_only_what_arrived_after_the_first(demo_run):
    arrived = re.search(r"Meanwhile in Langfuse: (\d+) new traces and (\d+) late scores", demo_run.output)
    second = re.search(r"Second sync read only the time since the first.*: (.*) merged on their keys.*"
                       r"traces in the warehouse ([\d,]+) → ([\d,]+)", demo_run.output)
    assert arrived and second, demo_run.output
    new_traces = int(arrived.group(1))
    before, after = (int(n.replace(",", "")) for n in second.groups()[1:])
    assert after - before == new_traces
    loaded = dict((table, int(count.replace(",", "")))
                  for count, table in re.findall(r"(\d[\d,]*) ([a-z_]+)", second.group(1)))
    assert set(loaded) <= {"observations", "scores"}, loaded  # full-refresh tables unchanged: not reloaded
    with duckdb.connect(str(demo_run.database), read_only=True) as con:
        total_observations = con.execute("select count(*) from langfuse.observations").fetchall()[0][0]
    assert 0 < loaded["observations"] < total_observations / 5  # a window, not a re-read of everything


def test_score_averages_are_weighted_by_count_never_averages_of_daily_averages(demo_run):
    query = next(sql for title, _, sql in SUMMARY_QUERIES if title.startswith("Scores by name"))
    with duckdb.connect(str(demo_run.database), read_only=True) as con:
        summary = {(name, kind): (avg, rate) for name, kind, _, avg, rate in con.execute(query).fetchall()}
        per_score = dict(((name, kind), (avg, rate)) for name, kind, avg, rate in con.execute(
            "select score_name, data_type, round(avg(numeric_value) filter (where data_type = 'NUMERIC'), 3), "
            "round(avg(numeric_value) filter (where data_type = 'BOOLEAN'), 3) from analytics.fct_scores "
            "where data_type in ('NUMERIC', 'BOOLEAN') and subject_kind in ('trace', 'observation', 'session', "
            "'experiment') group by all").fetchall())
        daily_naive = dict(((name, kind), avg) for name, kind, avg in con.execute(
            "select score_name, data_type, round(avg(avg_value), 3) from analytics.mart_score_daily "
            "where data_type = 'NUMERIC' group by all").fetchall())
    assert summary
    for key, (avg, rate) in summary.items():
        assert (avg, rate) == pytest.approx(per_score[key], abs=0.0015), key
    # the old summary's averaging of daily averages gives different numbers on this data set
    assert any(daily_naive[key] != summary[key][0] for key in daily_naive if key in summary)


def test_the_demo_names_the_best_experiment_against_its_baseline_with_its_delta(demo_run):
    line = next(line for line in demo_run.output.splitlines() if line.startswith("Best experiment:"))
    with duckdb.connect(str(demo_run.database), read_only=True) as con:
        candidate, baseline, delta = con.execute(
            "select candidate_experiment_name, baseline_experiment_name, avg_delta "
            "from analytics.mart_experiment_comparison where items_compared > 0 and data_type = 'NUMERIC' "
            "order by avg_delta desc limit 1").fetchall()[0]
    assert f"{candidate} against its baseline {baseline}" in line
    assert f"({delta:+.3f} on" in line
