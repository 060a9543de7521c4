"""`langfuse-warehouse report`: one self-contained HTML file of charts drawn from the marts.

Everything the page needs is inside it (plotly.js from the `plotly` wheel, the styles, the data), so it
opens offline, from a mail attachment or a CI artifact. The SQL lives in `queries.py`, the figures in
`charts.py`; this module reads the warehouse and writes the page.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipelines import defaults
from pipelines.report import queries as q
from pipelines.report.charts import SECTIONS, chart_rows, figure, run


class ReportError(Exception):
    pass


@dataclass(frozen=True)
class ReportOptions:
    database: str = defaults.DATABASE
    out: str = defaults.REPORT_FILE
    since: date | None = None
    until: date | None = None  # exclusive
    project: str | None = None
    environment: str | None = None  # None: every environment where sums allow, the busiest for percentiles
    raw_schema: str = defaults.DATASET


@dataclass
class ReportResult:
    path: Path
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)  # chart key → figure (empty data: no rows)
    header: dict[str, Any] = field(default_factory=dict)

    @property
    def empty_charts(self) -> list[str]:
        return [key for key, fig in self.figures.items() if not fig["data"]]


def _params(options: ReportOptions, environment: str | None) -> dict[str, Any]:
    return {"since": options.since, "until": options.until, "project": options.project, "environment": environment}


def _header(con: duckdb.DuckDBPyConnection, options: ReportOptions, params: dict[str, Any],
            percentile_environment: str | None) -> dict[str, Any]:
    first, last, _ = run(con, q.TRACE_DATE_RANGE, params)[0]
    raw_counts = {}
    for (table,) in run(con, q.raw_tables(options.raw_schema), {}):
        raw_counts[table] = run(con, q.row_count(options.raw_schema, table), {})[0][0]
    try:
        last_sync = run(con, q.last_sync(options.raw_schema), {})[0][0]
    except duckdb.Error:
        last_sync = None
    return {
        "projects": [row[0] for row in run(con, q.PROJECTS, params)],
        "from": str(options.since or first or "-"),
        "until": str(options.until) + " (exclusive)" if options.until else str(last or "-"),
        "environment": options.environment or "all",
        "percentile_environment": percentile_environment or "-",
        "mart_rows": dict(run(con, q.MART_ROW_COUNTS, params)),
        "raw_rows": raw_counts,
        "last_sync": last_sync.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if last_sync else "never",
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _table(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> tuple[list[str], list[tuple]]:
    try:
        cursor = con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
    except duckdb.CatalogException:
        return [], []
    return [d[0] for d in cursor.description], cursor.fetchall()


def collect(con: duckdb.DuckDBPyConnection, options: ReportOptions) -> ReportResult:
    """Every figure and table of the report, read from the marts."""
    if not run(con, "select 1 from duckdb_tables() where schema_name = 'analytics' and table_name = 'fct_traces'", {}):
        raise ReportError(f"{options.database} has no marts yet: build them first (langfuse-warehouse marts "
                          f"--database {options.database})")
    params = _params(options, options.environment)
    percentile_environment = options.environment or next(iter(run(con, q.BUSIEST_ENVIRONMENT, params)), (None,))[0]
    result = ReportResult(Path(options.out), header=_header(con, options, params, percentile_environment))
    for section in SECTIONS:
        for chart in section.charts:
            chart_params = _params(options, percentile_environment) if chart.one_environment else params
            try:
                rows = chart_rows(con, chart, chart_params)
            except duckdb.CatalogException:  # a mart dbt did not build (a project without prompts…)
                rows = []
            result.figures[chart.key] = figure(chart, rows)
    return result


def write_report(options: ReportOptions) -> ReportResult:
    if not Path(options.database).exists():
        raise ReportError(f"no warehouse at {options.database} (run langfuse-warehouse sync, or pass --database)")
    with duckdb.connect(options.database, read_only=True) as con:
        result = collect(con, options)
        moved = _table(con, q.EXPERIMENT_ITEMS_MOVED, _params(options, None))
        best = _table(con, q.BEST_EXPERIMENT, _params(options, None))
    from pipelines.report.page import render_page

    result.path.parent.mkdir(parents=True, exist_ok=True)
    result.path.write_text(render_page(result, moved=moved, best=best), encoding="utf-8")
    return result


def best_experiment(database: str, project: str | None = None) -> dict[str, Any] | None:
    """The candidate that gained most over its baseline on a numeric score (the demo names it)."""
    with duckdb.connect(database, read_only=True) as con:
        columns, rows = _table(con, q.BEST_EXPERIMENT, {"project": project})
    return dict(zip(columns, rows[0], strict=True)) if rows else None


def figures_json(result: ReportResult) -> str:
    return json.dumps(result.figures, separators=(",", ":")).replace("</", "<\\/")


def escape(value: Any) -> str:
    return html.escape(str(value))
