"""The warehouse's side of `verify`: the same aggregates as the metrics query, from the raw tables.

Each number follows the server's definition rather than the nearest warehouse column: the metrics
``inputTokens`` / ``outputTokens`` sum every usage key that *contains* "input" / "output" (so
``input_cache_read`` counts), while the legacy API's ``input_usage`` holds only the ``input`` key.
Rows deleted upstream (``deleted_at`` set) are excluded, as the server no longer counts them.

A Parquet lake (the filesystem destination) is read through DuckDB views that keep the newest copy of
each primary key: that destination appends every load, so a re-read row is there more than once.
"""

from __future__ import annotations

import glob
import os
from datetime import datetime

import duckdb

from pipelines.verify_metrics import COUNTABLE_SCORE_TYPES, Aggregates
from sources.langfuse.errors import ConfigurationError
from sources.langfuse.quoting import identifier, literal
from sources.langfuse.specs import specs_for

VERIFIED_TABLES = ("observations", "scores")


def _keyed_sum(needle: str) -> str:
    """``arraySum(mapValues(mapFilter(k -> positionCaseInsensitive(k, needle) > 0, usage_details)))``."""
    return (
        "coalesce(list_sum(list_transform(list_filter(map_entries(usage_details::JSON::MAP(VARCHAR, DOUBLE)), "
        f"lambda e: contains(lower(e.key), '{needle}')), lambda e: e.value)), 0)"
    )


_OBSERVATIONS_SQL = f"""
select strftime(start_time at time zone 'UTC', '%Y-%m-%d') as day,
       nullif(model, '') as model,
       count(*) as count,
       sum({_keyed_sum('input')}) as input_tokens,
       sum({_keyed_sum('output')}) as output_tokens,
       sum(coalesce(total_usage, 0)) as total_tokens,
       sum(coalesce(total_cost, 0)) as total_cost
from {{schema}}.observations
where project_id = $project and deleted_at is null and start_time >= $since and start_time < $until
group by all
"""

_SCORES_SQL = """
select strftime("timestamp" at time zone 'UTC', '%Y-%m-%d') as day, name, count(*) as count
from {schema}.scores
where project_id = $project and deleted_at is null and "timestamp" >= $since and "timestamp" < $until
  and data_type in ({types})
group by all
"""

_UNCOUNTABLE_SCORES_SQL = """
select coalesce(data_type, '(none)'), count(*)
from {schema}.scores
where project_id = $project and deleted_at is null and "timestamp" >= $since and "timestamp" < $until
  and (data_type is null or data_type not in ({types}))
group by all order by 1
"""


class Warehouse:
    """A read-only look at the raw tables of one warehouse: a DuckDB file, or a local Parquet lake."""

    def __init__(self, database: str, schema: str, destination: str = "duckdb"):
        self._schema = identifier(schema)
        self._database = database
        if destination == "filesystem":
            self._con = _parquet_lake(database, schema, self._schema)
            return
        try:
            self._con = duckdb.connect(database, read_only=True)
        except duckdb.Error as error:
            raise ConfigurationError(f"cannot open the DuckDB warehouse {database}: {error}") from None

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def observation_aggregates(self, project_id: str, since: datetime, until: datetime) -> Aggregates:
        rows = self._run(_OBSERVATIONS_SQL, project_id, since, until)
        return {(day, model): {"count": count, "input_tokens": inputs, "output_tokens": outputs,
                               "total_tokens": total, "total_cost": cost}
                for day, model, count, inputs, outputs, total, cost in rows}

    def score_counts(self, project_id: str, since: datetime, until: datetime) -> Aggregates:
        rows = self._run(_SCORES_SQL, project_id, since, until)
        return {(day, name): {"count": count} for day, name, count in rows}

    def uncountable_scores(self, project_id: str, since: datetime, until: datetime) -> dict[str, int]:
        """Scores of the types no metrics view counts (TEXT, CORRECTION, ...), per type."""
        return dict(self._run(_UNCOUNTABLE_SCORES_SQL, project_id, since, until))

    def _run(self, sql: str, project_id: str, since: datetime, until: datetime) -> list[tuple]:
        types = ", ".join(f"'{t}'" for t in COUNTABLE_SCORE_TYPES)
        try:
            return self._con.execute(sql.format(schema=self._schema, types=types),
                                     {"project": project_id, "since": since, "until": until}).fetchall()
        except duckdb.CatalogException as error:
            raise ConfigurationError(f"{self._database} has no synced table for verify ({error}); "
                                     "run `langfuse-warehouse sync` first") from None


def _parquet_lake(root: str, dataset: str, quoted_schema: str) -> duckdb.DuckDBPyConnection:
    """Views over ``root/dataset/<table>/*.parquet``, one row per primary key (the newest load's)."""
    if "://" in root and not root.startswith("file://"):
        raise ConfigurationError(f"verify reads a local Parquet lake; {root} is a bucket: copy or mount it locally")
    root = root.removeprefix("file://")
    con = duckdb.connect()
    con.execute(f"CREATE SCHEMA {quoted_schema}")
    for table in VERIFIED_TABLES:
        files = os.path.join(root, dataset, table, "*.parquet")
        if not glob.glob(files):
            continue  # queried later, the missing view says "run sync first"
        key = ", ".join(identifier(column) for column in ("project_id", *specs_for("v4")[table].primary_key))
        # dlt names each file {load_id}.{file_id}.parquet; load ids grow with time.
        con.execute(f"""
            CREATE VIEW {quoted_schema}.{table} AS
            SELECT * EXCLUDE (_copy, filename) FROM (
                SELECT *, row_number() OVER (
                    PARTITION BY {key}
                    ORDER BY regexp_extract(filename, '([0-9]+[.][0-9]+)[.][^./]+[.]parquet$', 1)::DOUBLE DESC
                ) AS _copy
                FROM read_parquet({literal(files)}, union_by_name = true, filename = true))
            WHERE _copy = 1""")
    return con
