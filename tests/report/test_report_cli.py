"""`langfuse-warehouse report` as users run it: its options narrow what the charts show."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb

from pipelines.report.charts import CHARTS


def _command() -> str:
    return shutil.which("langfuse-warehouse", path=str(Path(sys.executable).parent)) or "langfuse-warehouse"


def _figures(page: Path) -> dict:
    text = page.read_text()
    return json.loads(re.search(r'<script type="application/json" id="figures">(.*?)</script>', text, re.S).group(1))


def test_since_until_and_project_narrow_every_dated_chart(demo_run, tmp_path):
    with duckdb.connect(str(demo_run.database), read_only=True) as con:
        last = con.execute("select max(trace_date) from analytics.fct_traces").fetchall()[0][0]
    since, until = last - timedelta(days=7), last - timedelta(days=1)
    run = subprocess.run([_command(), "report", "--database", str(demo_run.database), "--out", "week.html",
                          "--since", since.isoformat(), "--until", until.isoformat(), "--project", "proj-demo"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"Report written: {tmp_path / 'week.html'} ({len(CHARTS)} charts)"
    figures = _figures(tmp_path / "week.html")
    for key, chart in CHARTS.items():
        if chart.query.x_is_date:
            days = {date.fromisoformat(x) for trace in figures[key]["data"] for x in trace["x"]}
            assert days and min(days) >= since and max(days) < until, key
    header = (tmp_path / "week.html").read_text().split("</header>")[0]
    assert f"From: <b>{since}</b>" in header and f"Until: <b>{until} (exclusive)</b>" in header


def test_an_unknown_project_gives_empty_charts_not_an_error(demo_run, tmp_path):
    run = subprocess.run([_command(), "report", "--database", str(demo_run.database), "--project", "nope"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert f"({len(CHARTS)} without data in this range)" in run.stdout
    assert all(not figure["data"] for figure in _figures(tmp_path / "report.html").values())


def test_a_warehouse_without_marts_gets_one_line_saying_how_to_build_them(tmp_path):
    with duckdb.connect(str(tmp_path / "raw.duckdb")) as con:
        con.execute("create schema langfuse; create table langfuse.observations (id varchar)")
    run = subprocess.run([_command(), "report", "--database", "raw.duckdb"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 2
    assert run.stderr == ("error: raw.duckdb has no marts yet: build them first (langfuse-warehouse marts "
                          "--database raw.duckdb)\n")
