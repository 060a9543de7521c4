-- The team's own model on top of the package's mart.
select generation_date, sum(total_cost_usd) as total_cost_usd, sum(generation_count) as generation_count
from {{ ref('langfuse_warehouse', 'mart_cost_daily') }}
group by generation_date
