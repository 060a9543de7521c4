"""The report opened offline in headless Chromium: every chart drawn with the series and points of the marts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb

from pipelines.report.charts import CHARTS

from .browser import open_offline

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

_DRAWN = """() => Array.from(document.querySelectorAll('[data-chart]')).map(element => ({
    key: element.dataset.chart,
    series: element.querySelectorAll('g.trace').length,
    points: element.querySelectorAll('path.point, g.point').length,
    svg: element.querySelectorAll('svg.main-svg').length,
}))"""


def _values(trace: dict) -> int:
    values = trace["x"] if trace.get("orientation") == "h" else trace["y"]
    return sum(value is not None for value in values)


def test_every_chart_of_the_demo_report_is_drawn_offline_with_its_data(demo_run, tmp_path):
    with open_offline(demo_run.report.as_uri(), tmp_path / "profile") as opened:
        page = opened.page
        page.wait_for_function(
            "document.querySelectorAll('[data-rendered]').length === document.querySelectorAll('[data-chart]').length",
            timeout=60_000)
        figures = json.loads(page.text_content("#figures"))
        drawn = {chart["key"]: chart for chart in page.evaluate(_DRAWN)}
        screenshot = tmp_path / "report.png"
        page.screenshot(path=str(screenshot), full_page=True)
        header = page.text_content("header")
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(screenshot, ARTIFACTS / "report.png")
    print(f"screenshot: {ARTIFACTS / 'report.png'}")

    assert opened.console_errors == []
    assert opened.blocked_requests == []  # nothing asked for the network
    assert set(drawn) == set(CHARTS)
    for key, figure in figures.items():
        assert figure["data"], f"{key} has no data in the demo"
        assert drawn[key]["svg"] >= 1, key
        assert drawn[key]["series"] == len(figure["data"]), key
        assert drawn[key]["points"] == sum(_values(trace) for trace in figure["data"]), key
    assert "proj-demo" in header and "Last sync" in header and "Best experiment" in header


def test_the_charts_carry_the_marts_own_series(demo_run):
    """Series counted independently of the report's queries, from the marts and their sources."""
    from pipelines.report import ReportOptions, collect

    with duckdb.connect(str(demo_run.database), read_only=True) as con:
        figures = collect(con, ReportOptions(database=str(demo_run.database))).figures
        numeric = con.execute("select count(distinct score_name) from analytics.mart_score_daily "
                              "where data_type = 'NUMERIC' and numeric_value_count > 0").fetchall()[0][0]
        comparisons = con.execute("select count(*) from analytics.mart_experiment_comparison "
                                  "where items_compared > 0").fetchall()[0][0]
        models = con.execute("select count(distinct model_name) from analytics.mart_cost_daily").fetchall()[0][0]
        cost = con.execute("select sum(total_cost_usd) from analytics.mart_cost_daily").fetchall()[0][0]
        days = con.execute("select count(distinct trace_date) from analytics.mart_traces_daily").fetchall()[0][0]
    assert len(figures["numeric_scores"]["data"]) == numeric
    assert [len(trace["y"]) for trace in figures["experiment_averages"]["data"]] == [comparisons, comparisons]
    assert len(figures["cost_by_model"]["data"]) == min(models, 9)  # 8 models and "all other models"
    drawn_cost = sum(sum(trace["y"]) for trace in figures["cost_by_model"]["data"])
    assert abs(drawn_cost - cost) < 1e-6  # the stack adds up to the mart's total
    failed = next(t for t in figures["error_rates"]["data"] if t["name"].startswith("failed traces"))
    assert len(failed["x"]) == days
