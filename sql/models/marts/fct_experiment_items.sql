-- fct_experiment_items: each experiment item (a dataset item run in an experiment) with its trace's
-- latency, tokens and cost, and its scores.
-- grain: one row per experiment item
-- key: project_id, experiment_id, experiment_item_id
-- is_failed: the item's run ended in error (the item's level, or its trace's root observation);
-- has_errored_observation: some observation of its trace errored, recovered or not. numeric_scores maps
-- '<score name> (<SOURCE>)' to the item's NUMERIC value or BOOLEAN 1/0 (int_experiment_item_scores has
-- one row per score). Tokens and cost add up across items; latency does not.

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

score_values as (
    select
        project_id,
        experiment_id,
        experiment_item_id,
        score_name || ' (' || source || ')' as score_key,
        sum(score_count) as score_count,
        avg(numeric_value) as numeric_value
    from item_scores
    group by project_id, experiment_id, experiment_item_id, score_name, source
),

scores_per_item as (
    select
        project_id,
        experiment_id,
        experiment_item_id,
        cast(sum(score_count) as bigint) as score_count,
        {{ langfuse_warehouse.map_agg_where_not_null('score_key', 'numeric_value') }} as numeric_scores
    from score_values
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
        traces.is_complete,
        -- Failed: the item's run ended in error (its level, or its trace's root observation).
        coalesce(experiment_items.level = 'ERROR', false) or coalesce(traces.is_failed, false) as is_failed,
        coalesce(traces.has_errored_observation, experiment_items.level = 'ERROR') as has_errored_observation,
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
