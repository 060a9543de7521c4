-- int_experiment_item_scores: the scores of each experiment item, found through the item's trace.
-- grain: one row per experiment item and score name
-- key: project_id, experiment_id, experiment_item_id, score_name
-- An evaluator can score a trace and its observations under one name; such scores are averaged.

with

experiment_items as (
    select * from {{ ref('stg_experiment_items') }}
),

scores as (
    select * from {{ ref('stg_scores') }}
),

item_scores as (
    select
        experiment_items.project_id,
        experiment_items.experiment_id,
        experiment_items.experiment_item_id,
        experiment_items.dataset_item_id,
        scores.score_name,
        {{ langfuse_warehouse.any_value('scores.data_type') }} as data_type,
        count(*) as score_count,
        avg(scores.value_numeric) as numeric_value,
        -- For CATEGORICAL/TEXT scores: the most frequent label (ties broken alphabetically).
        {{ langfuse_warehouse.mode_of('scores.value_string') }} as string_value
    from experiment_items
    inner join scores
        on experiment_items.project_id = scores.project_id
        and experiment_items.trace_id = scores.trace_id
    group by
        experiment_items.project_id,
        experiment_items.experiment_id,
        experiment_items.experiment_item_id,
        experiment_items.dataset_item_id,
        scores.score_name
)

select * from item_scores
