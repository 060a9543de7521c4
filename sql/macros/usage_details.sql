{#
  Token kinds that SDKs report under different keys of `usage_details` (OpenAI's and Anthropic's names,
  as Langfuse stores them). A key that is absent counts 0, so the sums are never null.
#}

{% macro cached_input_tokens(usage_details) -%}
    {%- set keys = ['input_cached_tokens', 'input_cache_read', 'cache_read_input_tokens'] -%}
    ({% for key in keys %}coalesce({{ langfuse_warehouse.json_number(usage_details, key, 'bigint') }}, 0){{ ' + ' if not loop.last }}{% endfor %})
{%- endmacro %}

{% macro reasoning_tokens(usage_details) -%}
    {%- set keys = ['output_reasoning_tokens', 'output_reasoning', 'reasoning_tokens'] -%}
    ({% for key in keys %}coalesce({{ langfuse_warehouse.json_number(usage_details, key, 'bigint') }}, 0){{ ' + ' if not loop.last }}{% endfor %})
{%- endmacro %}
