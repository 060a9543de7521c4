"""Dependencies are read from the SQL text: names after FROM/JOIN, minus CTEs and table functions."""

from transforms.sql_references import cte_names, find_references


def referenced(sql: str) -> list[str]:
    return [ref.name for ref in find_references(sql)]


def test_import_ctes_and_joins_are_found_and_cte_names_are_not():
    sql = """
        with observations as (select * from stg_observations),
        scores as (select * from stg_scores)
        select * from observations
        left join scores on observations.trace_id = scores.trace_id
        inner join fct_traces as traces using (trace_id)
    """
    assert referenced(sql) == ["stg_observations", "stg_scores", "fct_traces"]
    assert cte_names(sql) == {"observations", "scores"}


def test_from_inside_function_calls_is_not_a_table():
    sql = """
        select extract(epoch from end_time - start_time), trim(both 'x' from name), substring(s from 2)
        from stg_observations
    """
    assert referenced(sql) == ["stg_observations"]


def test_subqueries_inside_calls_are_searched():
    sql = "select coalesce((select max(x) from a), 0), exists (select 1 from b) from c where y in (select y from d)"
    assert referenced(sql) == ["a", "b", "c", "d"]


def test_table_functions_comments_and_strings_are_ignored():
    sql = """
        -- from commented_out
        /* join also_commented */
        select 'from quoted' as s from unnest([1, 2]) as t(x) join range(3) r on true join real_table using (x)
    """
    assert referenced(sql) == ["real_table"]


def test_qualified_names_keep_their_schema_and_offsets_cover_the_whole_name():
    sql = 'select * from langfuse."observations" o'
    (ref,) = find_references(sql)
    assert (ref.schema, ref.name) == ("langfuse", "observations")
    assert sql[ref.start : ref.end] == 'langfuse."observations"'
