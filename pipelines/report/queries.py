"""Every SQL statement the report (and the notebook) runs against the marts: one query per chart.

The marts change shape as they grow (sql/models/marts/_marts.yml documents them); this is the one place
to adapt when a column is renamed. Each chart query returns long rows ``(series, x, y)``; tables return
named columns. Nothing here recomputes what a mart already holds differently: daily figures are the
marts' own, and where rows of a mart are combined (sources of a score, environments of a model's cost)
counts and sums are added and rates are recomputed from those counts, never averaged. Percentiles cannot
be combined at all, so the charts that show them read one environment (``$environment``).

Parameters (DuckDB named parameters, NULL meaning "no filter"): ``$since`` and ``$until`` (dates,
until exclusive), ``$project`` and ``$environment``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sources.langfuse.quoting import identifier, literal


def _where(date_column: str | None, *, environment: bool = True) -> str:
    conditions = ["($project is null or project_id = $project)"]
    if environment:
        conditions.append("($environment is null or environment = $environment)")
    if date_column:
        conditions += [f"($since is null or {date_column} >= $since)", f"($until is null or {date_column} < $until)"]
    return "where " + " and ".join(conditions)


@dataclass(frozen=True)
class ChartQuery:
    """A chart's data: rows of (series, x, y); `x_is_date` says whether x is a day."""

    sql: str
    x_is_date: bool = True


# --- scores ------------------------------------------------------------------------------------------

NUMERIC_SCORES_DAILY = ChartQuery(f"""
    select score_name as series, subject_date as x,
           sum(avg_value * numeric_value_count) / sum(numeric_value_count) as y
    from analytics.mart_score_daily
    {_where('subject_date')} and data_type = 'NUMERIC' and numeric_value_count > 0
    group by all order by series, x
""")

BOOLEAN_TRUE_RATE_DAILY = ChartQuery(f"""
    select score_name as series, subject_date as x,
           sum(true_count) / nullif(sum(true_count + false_count), 0) as y
    from analytics.mart_score_daily
    {_where('subject_date')} and data_type = 'BOOLEAN' and true_count + false_count > 0
    group by all order by series, x
""")

CATEGORY_SHARES = ChartQuery(f"""
    with counts as (
        select score_name, category, sum(score_count) as scores
        from analytics.mart_score_categories_daily
        {_where('subject_date')}
        group by all
    )
    select category as series, score_name as x, scores / sum(scores) over (partition by score_name) as y
    from counts order by series, x
""", x_is_date=False)

# --- experiments (no date: an experiment is compared whole) -------------------------------------------

_COMPARISON_LABEL = "candidate_experiment_name || '<br>vs ' || baseline_experiment_name || ' · ' || score_name"

EXPERIMENT_AVERAGES = ChartQuery(f"""
    select 'baseline' as series, {_COMPARISON_LABEL} as x, baseline_avg_score as y
    from analytics.mart_experiment_comparison {_where(None, environment=False)} and items_compared > 0
    union all
    select 'candidate', {_COMPARISON_LABEL}, candidate_avg_score
    from analytics.mart_experiment_comparison {_where(None, environment=False)} and items_compared > 0
    order by series, x
""", x_is_date=False)

EXPERIMENT_OUTCOMES = ChartQuery(f"""
    select outcome as series, {_COMPARISON_LABEL} as x, items as y
    from analytics.mart_experiment_comparison
    cross join lateral (values ('wins', wins), ('ties', ties), ('losses', losses)) as t(outcome, items)
    {_where(None, environment=False)} and items_compared > 0
    order by series, x
""", x_is_date=False)

# The dataset items whose score moved most between baseline and candidate, either way.
EXPERIMENT_ITEMS_MOVED = f"""
    select candidate_experiment_name as candidate, baseline_experiment_name as baseline, score_name,
           dataset_item_id, baseline_value, candidate_value, score_delta as delta
    from analytics.int_experiment_item_score_deltas
    {_where(None, environment=False)} and comparison_status = 'compared' and score_delta <> 0
    order by abs(score_delta) desc, candidate, score_name, dataset_item_id
    limit 12
"""

# The candidate that gained most on a score over its dataset's baseline (all its items compared together).
BEST_EXPERIMENT = f"""
    select dataset_name, baseline_experiment_name as baseline, candidate_experiment_name as candidate,
           score_name, items_compared, baseline_avg_score, candidate_avg_score, avg_delta, wins, losses, ties
    from analytics.mart_experiment_comparison
    {_where(None, environment=False)} and items_compared > 0 and data_type = 'NUMERIC'
    order by avg_delta desc, items_compared desc, candidate
    limit 1
"""

# --- latency (percentiles: one environment) ---------------------------------------------------------

_GENERATIONS = "observation_type = 'GENERATION' and model_name <> '(none)'"
_TOP_LATENCY_MODELS = 5

# The most used models of the range (percentiles cannot be pooled into an "other models" line).
_BUSIEST_MODELS = f"""
    busiest as (
        select model_name from analytics.mart_latency_daily
        {_where('observation_date')} and {_GENERATIONS}
        group by model_name order by sum(observation_count) desc, model_name limit {_TOP_LATENCY_MODELS}
    )
"""

LATENCY_PERCENTILES_DAILY = ChartQuery(f"""
    with {_BUSIEST_MODELS}
    select model_name || ' ' || percentile as series, observation_date as x, seconds as y
    from analytics.mart_latency_daily
    cross join lateral (values ('p50', p50_latency_seconds), ('p95', p95_latency_seconds),
                               ('p99', p99_latency_seconds)) as t(percentile, seconds)
    {_where('observation_date')} and {_GENERATIONS} and seconds is not null
        and model_name in (select model_name from busiest)
    order by series, x
""")

TIME_TO_FIRST_TOKEN_DAILY = ChartQuery(f"""
    with {_BUSIEST_MODELS}
    select model_name as series, observation_date as x, p50_time_to_first_token_seconds as y
    from analytics.mart_latency_daily
    {_where('observation_date')} and {_GENERATIONS} and p50_time_to_first_token_seconds is not null
        and model_name in (select model_name from busiest)
    order by series, x
""")

# --- cost and tokens (sums: every environment unless one is chosen) ----------------------------------

_TOP_SERIES = 8


def _top_and_rest(mart: str, key: str, date_column: str, measure: str, rest: str) -> ChartQuery:
    """The largest `key`s by `measure` over the range each get a series; the rest are added up into one."""
    return ChartQuery(f"""
        with daily as (
            select {key} as key, {date_column} as day, sum({measure}) as amount
            from analytics.{mart} {_where(date_column)}
            group by all
        ),
        ranked as (
            select key, row_number() over (order by sum(amount) desc, key) as rank from daily group by key
        )
        select case when rank <= {_TOP_SERIES} then key else '{rest}' end as series, day as x, sum(amount) as y
        from daily join ranked using (key)
        group by all order by min(rank), x
    """)


COST_BY_MODEL_DAILY = _top_and_rest("mart_cost_daily", "model_name", "generation_date", "total_cost_usd",
                                    "all other models")
TOKENS_BY_MODEL_DAILY = _top_and_rest("mart_cost_daily", "model_name", "generation_date", "total_tokens",
                                      "all other models")
COST_BY_USER_DAILY = _top_and_rest("mart_cost_by_user", "user_id", "generation_date", "total_cost_usd",
                                   "all other users")
TOKENS_BY_USER_DAILY = _top_and_rest("mart_cost_by_user", "user_id", "generation_date", "total_tokens",
                                     "all other users")

# --- errors ------------------------------------------------------------------------------------------

ERROR_RATES_DAILY = ChartQuery(f"""
    select 'failed traces (root at ERROR)' as series, trace_date as x,
           sum(failed_trace_count) / sum(trace_count) as y
    from analytics.mart_traces_daily {_where('trace_date')} group by all
    union all
    select 'traces with an errored observation', trace_date, sum(traces_with_error_count) / sum(trace_count)
    from analytics.mart_traces_daily {_where('trace_date')} group by all
    union all
    select 'generations at ERROR', generation_date, sum(error_count) / nullif(sum(generation_count), 0)
    from analytics.mart_cost_daily {_where('generation_date')} group by all
    order by series, x
""")

# --- prompt versions (no date: a version is compared over its whole use; one environment) -----------

_PROMPT_VERSION = "prompt_name || ' v' || prompt_version"

PROMPT_VERSION_LATENCY = ChartQuery(f"""
    select series, {_PROMPT_VERSION} as x, seconds as y
    from analytics.mart_prompt_versions
    cross join lateral (values ('p50 latency', p50_latency_seconds), ('p95 latency', p95_latency_seconds))
        as t(series, seconds)
    {_where(None)} and generation_count > 0 and seconds is not null
    order by series, prompt_name, prompt_version
""", x_is_date=False)

PROMPT_VERSION_COST = ChartQuery(f"""
    select 'cost per generation' as series, {_PROMPT_VERSION} as x, avg_cost_per_generation_usd as y
    from analytics.mart_prompt_versions
    {_where(None)} and generation_count > 0
    order by prompt_name, prompt_version
""", x_is_date=False)

PROMPT_VERSION_SCORES = ChartQuery(f"""
    select score_name as series, {_PROMPT_VERSION} as x, sum(avg_score * score_count) / sum(score_count) as y
    from analytics.mart_prompt_version_scores
    {_where(None)} and data_type in ('NUMERIC', 'BOOLEAN') and score_count > 0
    group by score_name, prompt_name, prompt_version
    order by series, prompt_name, prompt_version
""", x_is_date=False)

# --- the header ----------------------------------------------------------------------------------------

PROJECTS = f"select distinct project_id from analytics.fct_traces {_where(None, environment=False)} order by 1"

TRACE_DATE_RANGE = f"""
    select min(trace_date), max(trace_date), count(*) from analytics.fct_traces {_where('trace_date')}
"""

# The environment the percentile charts read when none is chosen: the one with the most generations.
BUSIEST_ENVIRONMENT = f"""
    select environment from analytics.mart_cost_daily {_where('generation_date', environment=False)}
    group by environment order by sum(generation_count) desc, environment limit 1
"""

MART_ROW_COUNTS = f"""
    select 'traces', count(*) from analytics.fct_traces {_where('trace_date')}
    union all select 'generations', coalesce(sum(generation_count), 0)
        from analytics.mart_cost_daily {_where('generation_date')}
    union all select 'scores', count(*) from analytics.fct_scores {_where('score_date')}
    union all select 'experiment items', count(*) from analytics.fct_experiment_items {_where('item_date')}
"""


def raw_tables(raw_schema: str) -> str:
    """The sync's own tables (their rows are counted whatever the date range)."""
    return f"""
        select table_name from duckdb_tables()
        where schema_name = {literal(raw_schema)} and table_name not like '\\_dlt%' escape '\\'
        order by table_name
    """


def last_sync(raw_schema: str) -> str:
    """When dlt last committed a load (of any resource) into the raw schema."""
    return f"select max(inserted_at) from {identifier(raw_schema)}._dlt_loads where status = 0"


def row_count(raw_schema: str, table: str) -> str:
    return f"select count(*) from {identifier(raw_schema)}.{identifier(table)}"
