-- fct_experiment_items: each experiment item (a dataset item run in an experiment) with its trace's
-- latency, tokens and cost, and its scores.
-- grain: one row per experiment item
-- key: project_id, experiment_id, experiment_item_id
-- numeric_scores maps score name to value; for one score per row, query int_experiment_item_scores.

with

experiment_items as (
    select * from {{ ref('stg_experiment_items') }}
),

experiments as (
    select * from {{ ref('stg_experiments') }}
),

datasets as (
    select * from {{ ref('stg_datasets') }}
),

traces as (
    select * from {{ ref('fct_traces') }}
),

item_scores as (
    select * from {{ ref('int_experiment_item_scores') }}
),

scores_per_item as (
    select
        project_id,
        experiment_id,
        experiment_item_id,
        sum(score_count)::bigint as score_count,
        {{ langfuse_warehouse.map_agg_where_not_null('score_name', 'numeric_value') }} as numeric_scores
    from item_scores
    group by project_id, experiment_id, experiment_item_id
),

final as (
    select
        experiment_items.project_id,
        experiment_items.experiment_id,
        experiment_items.experiment_item_id,
        coalesce(experiments.experiment_name, experiment_items.experiment_name) as experiment_name,
        coalesce(experiments.dataset_id, experiment_items.dataset_id) as dataset_id,
        datasets.dataset_name,
        experiment_items.dataset_item_id,
        experiment_items.dataset_item_version,
        experiment_items.trace_id,
        experiment_items.start_time,
        {{ langfuse_warehouse.utc_date('experiment_items.start_time') }} as item_date,
        experiment_items.environment,
        experiment_items.level,
        -- The trace covers the whole task run; the item's own times are the fallback.
        coalesce(
            traces.latency_seconds,
            {{ langfuse_warehouse.seconds_between('experiment_items.start_time', 'experiment_items.end_time') }}
        ) as latency_seconds,
        traces.input_tokens,
        traces.output_tokens,
        traces.total_tokens,
        traces.total_cost_usd,
        coalesce(traces.has_error, experiment_items.level = 'ERROR') as has_error,
        coalesce(scores_per_item.score_count, 0) as score_count,
        scores_per_item.numeric_scores
    from experiment_items
    left join experiments
        on experiment_items.project_id = experiments.project_id
        and experiment_items.experiment_id = experiments.experiment_id
    left join datasets
        on experiment_items.project_id = datasets.project_id
        and coalesce(experiments.dataset_id, experiment_items.dataset_id) = datasets.dataset_id
    left join traces
        on experiment_items.project_id = traces.project_id
        and experiment_items.trace_id = traces.trace_id
    left join scores_per_item
        on experiment_items.project_id = scores_per_item.project_id
        and experiment_items.experiment_id = scores_per_item.experiment_id
        and experiment_items.experiment_item_id = scores_per_item.experiment_item_id
)

select * from final
