-- int_experiment_item_scores: the scores of each experiment item, found through the item's trace.
-- grain: one row per experiment item, score name, source and data type
-- key: project_id, experiment_id, experiment_item_id, score_name, source, data_type
-- An evaluator can score a trace and its observations under one name; such scores are averaged. Sources
-- (EVAL, ANNOTATION, API) and data types stay apart, so a human's and an LLM judge's scores of one name
-- are never averaged together. numeric_value is the average NUMERIC value, or for BOOLEAN scores the
-- fraction true (1 or 0 for a single score); CATEGORICAL and TEXT scores have no numeric_value (a legacy
-- number on a CATEGORICAL score is a label's code, not a measurement), only string_value.

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
        experiment_items.dataset_item_version,
        scores.score_name,
        scores.source,
        scores.data_type,
        count(*) as score_count,
        avg(
            case
                when scores.data_type = 'NUMERIC' then scores.value_numeric
                when scores.data_type = 'BOOLEAN' and scores.value_boolean then 1.0
                when scores.data_type = 'BOOLEAN' and not scores.value_boolean then 0.0
            end
        ) as numeric_value,
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
        experiment_items.dataset_item_version,
        scores.score_name,
        scores.source,
        scores.data_type
)

select * from item_scores
