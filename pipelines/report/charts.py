"""The report's charts: which query feeds each, and how its rows become a Plotly figure (a plain dict).

The same figures serve the HTML report (drawn by plotly.js inlined in the file) and the notebook
(``plotly.graph_objects.Figure(figure)``), so both show the same views of the same marts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb

from pipelines.report import queries as q


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    note: str
    query: q.ChartQuery
    kind: str  # "line", "bar" (grouped) or "stack"
    y_title: str
    y_format: str  # a d3 format: ".0%", "$,.4f", ",.0f", ".2f"
    horizontal: bool = False
    # Percentiles (and figures per prompt version) do not add up across environments: read one.
    one_environment: bool = False


@dataclass(frozen=True)
class Section:
    title: str
    charts: tuple[Chart, ...]
    note: str = ""


SECTIONS: tuple[Section, ...] = (
    Section("Scores", (
        Chart("numeric_scores", "Numeric scores: daily average", "Weighted by each day's score count.",
              q.NUMERIC_SCORES_DAILY, "line", "average", ".2f"),
        Chart("boolean_scores", "Boolean scores: share true", "True over true + false, per day.",
              q.BOOLEAN_TRUE_RATE_DAILY, "line", "true rate", ".0%"),
        Chart("categorical_scores", "Categorical scores: distribution", "Share of each label over the range.",
              q.CATEGORY_SHARES, "stack", "share", ".0%", horizontal=True),
    )),
    Section("Experiments", (
        Chart("experiment_averages", "Baseline vs candidate, per score",
              "Average over the dataset items both runs answered (same item version, both scored).",
              q.EXPERIMENT_AVERAGES, "bar", "average score", ".2f", horizontal=True),
        Chart("experiment_outcomes", "Items won, tied and lost by the candidate",
              "Per item: the candidate's score above, equal to or below the baseline's.",
              q.EXPERIMENT_OUTCOMES, "stack", "items", ",.0f", horizontal=True),
    ), note="Each experiment is compared whole with its dataset's baseline run; the date range does not apply."),
    Section("Latency", (
        Chart("latency_percentiles", "Generation latency p50 / p95 / p99 by model",
              "The 5 most used models; seconds per day; solid p50, dashed p95, dotted p99.",
              q.LATENCY_PERCENTILES_DAILY, "line", "seconds", ".2f", one_environment=True),
        Chart("time_to_first_token", "Time to first token (p50) by model",
              "The 5 most used models; seconds per day (streamed generations).",
              q.TIME_TO_FIRST_TOKEN_DAILY, "line", "seconds", ".2f", one_environment=True),
    ), note="Percentiles do not add up across environments: these charts read one environment."),
    Section("Cost and tokens", (
        Chart("cost_by_model", "Cost by model",
              "USD per day (Langfuse's calculation); the 8 costliest models, the rest together.",
              q.COST_BY_MODEL_DAILY, "stack", "USD", "$,.2f"),
        Chart("tokens_by_model", "Tokens by model", "Tokens per day; the 8 heaviest models, the rest together.",
              q.TOKENS_BY_MODEL_DAILY, "stack", "tokens", ",.0f"),
        Chart("cost_by_user", "Cost by user", "The 8 most expensive users of the range; the rest together.",
              q.COST_BY_USER_DAILY, "stack", "USD", "$,.2f"),
        Chart("tokens_by_user", "Tokens by user", "The 8 heaviest users of the range; the rest together.",
              q.TOKENS_BY_USER_DAILY, "stack", "tokens", ",.0f"),
    )),
    Section("Errors", (
        Chart("error_rates", "Error rates", "Per day, from the counts in mart_traces_daily and mart_cost_daily.",
              q.ERROR_RATES_DAILY, "line", "share", ".1%"),
    )),
    Section("Prompt versions", (
        Chart("prompt_latency", "Latency by prompt version", "Seconds, over every generation using the version.",
              q.PROMPT_VERSION_LATENCY, "bar", "seconds", ".2f", horizontal=True, one_environment=True),
        Chart("prompt_cost", "Cost per generation by prompt version", "USD.",
              q.PROMPT_VERSION_COST, "bar", "USD", "$,.5f", horizontal=True, one_environment=True),
        Chart("prompt_scores", "Scores by prompt version",
              "Average of numeric and boolean scores credited to the version (weighted by count).",
              q.PROMPT_VERSION_SCORES, "bar", "average", ".2f", horizontal=True, one_environment=True),
    ), note="A version is compared over its whole use; the date range does not apply."),
)

CHARTS: dict[str, Chart] = {chart.key: chart for section in SECTIONS for chart in section.charts}

_PALETTE = ["#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#B279A2", "#FF9DA6", "#9D755D",
            "#BAB0AC", "#EECA3B"]
_DASHES = {"p50": "solid", "p95": "dash", "p99": "dot"}
# Series whose meaning has a color: outcomes, and the baseline in grey beside its candidate.
_FIXED = {"wins": "#54A24B", "ties": "#BAB0AC", "losses": "#E45756", "baseline": "#9AA5B1", "candidate": "#4C78A8"}


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return float(value) if value is not None and not isinstance(value, str) else value


def series_of(rows: list[tuple[Any, Any, Any]]) -> dict[str, tuple[list[Any], list[Any]]]:
    """Long rows (series, x, y) → {series: (xs, ys)}, in the order the query gave them."""
    out: dict[str, tuple[list[Any], list[Any]]] = {}
    for name, x, y in rows:
        xs, ys = out.setdefault(str(name), ([], []))
        xs.append(_json_value(x))
        ys.append(_json_value(y))
    return out


def _trace(chart: Chart, name: str, xs: list[Any], ys: list[Any], color: str) -> dict[str, Any]:
    across, along = ("y", "x") if chart.horizontal else ("x", "y")
    hover = f"%{{{across}}}<br>{name}: %{{{along}:{chart.y_format}}}<extra></extra>"
    if chart.kind == "line":
        base, _, percentile = name.rpartition(" ")
        dash = _DASHES.get(percentile) if base else None
        line = {"type": "scatter", "mode": "lines+markers", "name": name, "x": xs, "y": ys,
                "line": {"color": color, "width": 2, "dash": dash or "solid"}, "marker": {"size": 5},
                "hovertemplate": hover}
        if dash:  # one legend entry per model (its p50 line); the dashes are explained in the chart's note
            line.update(name=base, legendgroup=base, showlegend=percentile == "p50")
        return line
    xs, ys = (ys, xs) if chart.horizontal else (xs, ys)
    return {"type": "bar", "name": name, "x": xs, "y": ys, "marker": {"color": color},
            "orientation": "h" if chart.horizontal else "v", "hovertemplate": hover}


def _colors(names: list[str], chart: Chart) -> dict[str, str]:
    """One color per series; the percentile lines of one model share its color."""
    groups: dict[str, str] = {}
    for name in names:
        base, _, suffix = name.rpartition(" ")
        group = base if chart.kind == "line" and suffix in _DASHES and base else name
        groups.setdefault(group, _PALETTE[len(groups) % len(_PALETTE)])
    colors = {name: groups.get(name.rpartition(" ")[0], groups.get(name, _PALETTE[0])) for name in names}
    return {name: _FIXED.get(name, color) for name, color in colors.items()}


def figure(chart: Chart, rows: list[tuple[Any, Any, Any]]) -> dict[str, Any]:
    """A Plotly figure (data + layout) for the chart's rows; empty data when the rows are."""
    by_series = series_of(rows)
    colors = _colors(list(by_series), chart)
    data = [_trace(chart, name, xs, ys, colors[name]) for name, (xs, ys) in by_series.items()]
    value_axis = {"title": {"text": chart.y_title}, "tickformat": chart.y_format, "rangemode": "tozero",
                  "gridcolor": "#e8e8e8", "zeroline": False}
    category_axis: dict[str, Any] = {"automargin": True, "gridcolor": "#f2f2f2"}
    if chart.query.x_is_date:
        category_axis["type"] = "date"
    categories = {x for xs, _ in by_series.values() for x in xs}
    legend_entries = sum(1 for trace in data if trace.get("showlegend", True))
    height = max(320, 90 + 26 * len(categories) * (1 if chart.kind == "stack" else max(1, len(data)) / 1.6)) \
        if chart.horizontal else 280 + 22 * ((legend_entries + 1) // 2)  # room for the legend above the plot
    layout: dict[str, Any] = {
        "height": int(min(height, 1400)), "margin": {"l": 60, "r": 20, "t": 10, "b": 40},
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
        "paper_bgcolor": "white", "plot_bgcolor": "white", "hovermode": "closest",
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "font": {"size": 11}},
        "barmode": "stack" if chart.kind == "stack" else "group",
        "xaxis": value_axis if chart.horizontal else category_axis,
        "yaxis": {**category_axis, "autorange": "reversed"} if chart.horizontal else value_axis,
    }
    return {"data": data, "layout": layout}


def chart_rows(con: duckdb.DuckDBPyConnection, chart: Chart, params: dict[str, Any]) -> list[tuple[Any, Any, Any]]:
    return run(con, chart.query.sql, params)


def run(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Run one of the report's queries with only the parameters it names (DuckDB rejects extra ones)."""
    used = {name: value for name, value in params.items() if f"${name}" in sql}
    return con.execute(sql, used).fetchall()
