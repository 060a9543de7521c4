-- int_experiment_item_score_deltas: every candidate experiment against its dataset's baseline
-- experiment, dataset item by dataset item, for each numeric or boolean score: whether the item could
-- be compared and, when it could, the candidate's value minus the baseline's.
-- grain: one row per baseline experiment, candidate experiment, dataset item and score (name, source,
-- data type)
-- key: project_id, dataset_id, baseline_experiment_id, candidate_experiment_id, dataset_item_id,
-- score_name, source, data_type
-- The baseline of a dataset is the experiment named for it in the dbt var `experiment_baselines`
-- (dataset id or name → experiment id or name), else its first run (earliest start); every other
-- experiment on the dataset is a candidate. Items are matched on dataset item id *and* version: an item
-- edited between the runs (dataset_item_version differs) is a different question and is not compared.
-- comparison_status says what happened to each item: compared, item_version_changed, not_in_baseline,
-- not_in_candidate, unscored_in_baseline, unscored_in_candidate, unscored_in_both. An item run several
-- times in one experiment contributes its average.

{%- set chosen = var('experiment_baselines', {}) %}

with

experiments as (
    select * from {{ ref('stg_experiments') }}
),

datasets as (
    select * from {{ ref('stg_datasets') }}
),

experiment_items as (
    select * from {{ ref('fct_experiment_items') }}
),

item_scores as (
    select * from {{ ref('int_experiment_item_scores') }}
),

chosen_baselines as (
    {%- if chosen %}
    select * from (values
        {%- for dataset_key, experiment_key in chosen.items() %}
        ('{{ dataset_key }}', '{{ experiment_key }}'){{ ',' if not loop.last }}
        {%- endfor %}
    ) as chosen (dataset_key, experiment_key)
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as dataset_key,
        cast(null as {{ dbt.type_string() }}) as experiment_key
    where 1 = 0
    {%- endif %}
),

ranked_experiments as (
    select
        experiments.project_id,
        experiments.dataset_id,
        experiments.experiment_id,
        experiments.experiment_name,
        chosen_baselines.experiment_key is not null as is_chosen,
        row_number() over (
            partition by experiments.project_id, experiments.dataset_id
            order by
                case when chosen_baselines.experiment_key is not null then 0 else 1 end,
                experiments.start_time nulls last,
                experiments.experiment_id
        ) as baseline_rank
    from experiments
    left join datasets
        on experiments.project_id = datasets.project_id
        and experiments.dataset_id = datasets.dataset_id
    left join chosen_baselines
        on chosen_baselines.dataset_key in (experiments.dataset_id, datasets.dataset_name)
        and chosen_baselines.experiment_key in (experiments.experiment_id, experiments.experiment_name)
    where experiments.dataset_id is not null
),

pairs as (
    select
        baseline.project_id,
        baseline.dataset_id,
        baseline.experiment_id as baseline_experiment_id,
        baseline.experiment_name as baseline_experiment_name,
        case when baseline.is_chosen then 'chosen' else 'first_run' end as baseline_choice,
        candidate.experiment_id as candidate_experiment_id,
        candidate.experiment_name as candidate_experiment_name
    from ranked_experiments as baseline
    inner join ranked_experiments as candidate
        on baseline.project_id = candidate.project_id
        and baseline.dataset_id = candidate.dataset_id
        and baseline.experiment_id <> candidate.experiment_id
    where baseline.baseline_rank = 1
),

runs as (
    select
        project_id,
        experiment_id,
        dataset_item_id,
        max(dataset_item_version) as dataset_item_version,
        avg(latency_seconds) as latency_seconds,
        avg(total_cost_usd) as cost_usd
    from experiment_items
    where dataset_item_id is not null
    group by project_id, experiment_id, dataset_item_id
),

run_scores as (
    select
        project_id,
        experiment_id,
        dataset_item_id,
        score_name,
        source,
        data_type,
        avg(numeric_value) as score_value
    from item_scores
    where numeric_value is not null
        and dataset_item_id is not null
    group by project_id, experiment_id, dataset_item_id, score_name, source, data_type
),

pair_items as (
    select distinct
        pairs.project_id,
        pairs.baseline_experiment_id,
        pairs.candidate_experiment_id,
        runs.dataset_item_id
    from pairs
    inner join runs
        on pairs.project_id = runs.project_id
        and runs.experiment_id in (pairs.baseline_experiment_id, pairs.candidate_experiment_id)
),

pair_scores as (
    select distinct
        pairs.project_id,
        pairs.baseline_experiment_id,
        pairs.candidate_experiment_id,
        run_scores.score_name,
        run_scores.source,
        run_scores.data_type
    from pairs
    inner join run_scores
        on pairs.project_id = run_scores.project_id
        and run_scores.experiment_id in (pairs.baseline_experiment_id, pairs.candidate_experiment_id)
),

matched as (
    select
        pairs.project_id,
        pairs.dataset_id,
        pairs.baseline_experiment_id,
        pairs.baseline_experiment_name,
        pairs.baseline_choice,
        pairs.candidate_experiment_id,
        pairs.candidate_experiment_name,
        pair_items.dataset_item_id,
        pair_scores.score_name,
        pair_scores.source,
        pair_scores.data_type,
        baseline_run.dataset_item_id is not null as in_baseline,
        candidate_run.dataset_item_id is not null as in_candidate,
        baseline_run.dataset_item_version as baseline_item_version,
        candidate_run.dataset_item_version as candidate_item_version,
        baseline_score.score_value as baseline_value,
        candidate_score.score_value as candidate_value,
        baseline_run.latency_seconds as baseline_latency_seconds,
        candidate_run.latency_seconds as candidate_latency_seconds,
        baseline_run.cost_usd as baseline_cost_usd,
        candidate_run.cost_usd as candidate_cost_usd
    from pairs
    inner join pair_items
        on pairs.project_id = pair_items.project_id
        and pairs.baseline_experiment_id = pair_items.baseline_experiment_id
        and pairs.candidate_experiment_id = pair_items.candidate_experiment_id
    inner join pair_scores
        on pairs.project_id = pair_scores.project_id
        and pairs.baseline_experiment_id = pair_scores.baseline_experiment_id
        and pairs.candidate_experiment_id = pair_scores.candidate_experiment_id
    left join runs as baseline_run
        on pairs.project_id = baseline_run.project_id
        and pairs.baseline_experiment_id = baseline_run.experiment_id
        and pair_items.dataset_item_id = baseline_run.dataset_item_id
    left join runs as candidate_run
        on pairs.project_id = candidate_run.project_id
        and pairs.candidate_experiment_id = candidate_run.experiment_id
        and pair_items.dataset_item_id = candidate_run.dataset_item_id
    left join run_scores as baseline_score
        on pairs.project_id = baseline_score.project_id
        and pairs.baseline_experiment_id = baseline_score.experiment_id
        and pair_items.dataset_item_id = baseline_score.dataset_item_id
        and pair_scores.score_name = baseline_score.score_name
        and pair_scores.source = baseline_score.source
        and pair_scores.data_type = baseline_score.data_type
    left join run_scores as candidate_score
        on pairs.project_id = candidate_score.project_id
        and pairs.candidate_experiment_id = candidate_score.experiment_id
        and pair_items.dataset_item_id = candidate_score.dataset_item_id
        and pair_scores.score_name = candidate_score.score_name
        and pair_scores.source = candidate_score.source
        and pair_scores.data_type = candidate_score.data_type
),

final as (
    select
        *,
        case
            when not in_baseline then 'not_in_baseline'
            when not in_candidate then 'not_in_candidate'
            when baseline_item_version is distinct from candidate_item_version then 'item_version_changed'
            when baseline_value is null and candidate_value is null then 'unscored_in_both'
            when baseline_value is null then 'unscored_in_baseline'
            when candidate_value is null then 'unscored_in_candidate'
            else 'compared'
        end as comparison_status
    from matched
)

select
    project_id,
    dataset_id,
    baseline_experiment_id,
    baseline_experiment_name,
    baseline_choice,
    candidate_experiment_id,
    candidate_experiment_name,
    dataset_item_id,
    score_name,
    source,
    data_type,
    comparison_status,
    baseline_item_version,
    candidate_item_version,
    baseline_value,
    candidate_value,
    case when comparison_status = 'compared' then candidate_value - baseline_value end as score_delta,
    baseline_latency_seconds,
    candidate_latency_seconds,
    case when comparison_status = 'compared'
        then candidate_latency_seconds - baseline_latency_seconds end as latency_delta_seconds,
    baseline_cost_usd,
    candidate_cost_usd,
    case when comparison_status = 'compared' then candidate_cost_usd - baseline_cost_usd end as cost_delta_usd
from final
