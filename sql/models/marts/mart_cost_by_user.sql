-- mart_cost_by_user: model usage and spend per day and end user (the trace's user_id).
-- grain: one row per project, UTC day and user
-- key: project_id, generation_date, user_id
-- user_id is '(none)' for generations of traces without a user.

with

generations as (
    select * from {{ ref('int_generations') }}
),

daily as (
    select
        project_id,
        generation_date,
        user_id,
        count(distinct trace_id) as trace_count,
        count(distinct session_id) as session_count,
        count(*) as generation_count,
        count(distinct case when model_name <> '(none)' then model_name end) as distinct_model_count,
        coalesce(sum(input_tokens), 0)::bigint as input_tokens,
        coalesce(sum(output_tokens), 0)::bigint as output_tokens,
        coalesce(sum(total_tokens), 0)::bigint as total_tokens,
        coalesce(sum(input_cost_usd), 0) as input_cost_usd,
        coalesce(sum(output_cost_usd), 0) as output_cost_usd,
        coalesce(sum(total_cost_usd), 0) as total_cost_usd
    from generations
    where generation_date is not null
    group by project_id, generation_date, user_id
)

select * from daily
