"""Export columns → the API path's columns and types, matched by name, as DuckDB expressions.

The export writes ClickHouse's columns (``provided_model_name``, Maps, Decimal(18,12) costs, ``''``
for a root's parent); the API path loads the v2 API's fields. Each warehouse column is computed
from whatever the file holds: a typed Parquet column, or the text of a JSON/JSONL/CSV field (text
formats are read all-VARCHAR, so one set of rules covers quoted and unquoted numbers alike).
Columns the file lacks stay null, except those derivable from others (``is_root_observation`` from
the parent, the usage and cost totals from their details, as Langfuse's API derives them).
Columns this module does not know pass through: text as text, nested values as JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sources.langfuse.quoting import identifier

# The export's table → (the warehouse table, the column its windows are on)
TABLES = {
    "observations_v2": ("observations", "start_time"),
    "observations": ("observations", "start_time"),
    "scores": ("scores", "timestamp"),
    "traces": ("traces", "timestamp"),
}

# Export columns that are '' rather than null when absent (observations_v2), or null in CSV.
_EMPTY_IS_NULL = {"parent_observation_id", "trace_name"}
_RENAMED = {"provided_model_name": "model"}
# Columns read only to compute others.
_CONSUMED = {"provided_model_name", "value", "string_value", "dataset_run_id", "usage_details", "cost_details",
             "total_cost", "latency", "time_to_first_token"}
_INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                  "UBIGINT")


q = identifier  # short: column lists are built from many of them


@dataclass(frozen=True)
class SourceColumns:
    """The file's columns and DuckDB types, and whether empty text means null (CSV)."""

    types: Mapping[str, str]
    empty_is_null: bool

    def has(self, name: str) -> bool:
        return name in self.types

    def is_text(self, name: str) -> bool:
        return self.types[name] == "VARCHAR"

    def raw(self, name: str) -> str:
        if self.is_text(name) and (self.empty_is_null or name in _EMPTY_IS_NULL):
            return f"NULLIF({q(name)}, '')"
        return q(name)


def expressions(export_table: str, source: SourceColumns, declared: Mapping[str, str],
                latency_divisor: float) -> dict[str, str]:
    """Warehouse column → SQL over the file's columns. ``latency_divisor`` turns the file's unit into seconds."""
    out: dict[str, str] = {}
    for name in source.types:
        if name in _CONSUMED:
            continue
        out[name] = _typed(name, source, declared.get(name, "text"))
    if export_table in ("observations_v2", "observations"):
        out.update(_observation_extras(source, latency_divisor))
    elif export_table == "scores":
        out.update(_score_extras(source))
    return out


def _typed(name: str, source: SourceColumns, data_type: str) -> str:
    raw = source.raw(name)
    text = source.is_text(name)
    if data_type == "timestamp":
        return f"CAST(CAST({raw} AS TIMESTAMP) AS TIMESTAMPTZ)" if text else f"CAST({raw} AS TIMESTAMPTZ)"
    if data_type in ("double", "bigint", "bool"):
        return f"CAST({raw} AS {dict(double='DOUBLE', bigint='BIGINT', bool='BOOLEAN')[data_type]})"
    if name == "metadata":
        return _metadata(source)
    if data_type == "json":
        if text or source.types[name] == "VARCHAR":
            # JSON text (a nested field of a text file), or a String column holding JSON (model
            # parameters, a trace's io): kept as it is; plain text becomes a JSON string.
            return f"CASE WHEN json_valid({raw}) THEN {raw} ELSE to_json({raw}) END"
        return f"to_json({raw})"
    if not text:
        return f"to_json({raw})" if source.types[name].endswith(("]", ")")) else f"CAST({raw} AS VARCHAR)"
    return raw


def _metadata(source: SourceColumns) -> str:
    """Map(String, String) → a JSON object whose values are parsed where they are JSON, as the API serves them."""
    as_map = _as_map("metadata", source, "VARCHAR")
    entry = "to_json(e.key) || ':' || CASE WHEN json_valid(e.value) THEN e.value ELSE to_json(e.value) END"
    return (f"CASE WHEN {as_map} IS NULL THEN NULL ELSE "
            f"'{{' || array_to_string(list_transform(map_entries({as_map}), lambda e: {entry}), ',') || '}}' END")


def _as_map(name: str, source: SourceColumns, value_type: str) -> str:
    if not source.has(name):
        return "NULL"
    if source.is_text(name):
        return f"CAST(CAST({source.raw(name)} AS JSON) AS MAP(VARCHAR, {value_type}))"
    return f"CAST({q(name)} AS MAP(VARCHAR, {value_type}))"


def _sum_of(details: str, prefix: str) -> str:
    matching = f"list_filter(map_entries({details}), lambda e: starts_with(e.key, '{prefix}'))"
    return f"list_sum(list_transform({matching}, lambda e: e.value))"


def _observation_extras(source: SourceColumns, latency_divisor: float) -> dict[str, str]:
    out: dict[str, str] = {}
    if source.has("provided_model_name"):
        out["model"] = source.raw("provided_model_name")
    if source.has("model_id"):
        out["internal_model_id"] = out["model_id"] = source.raw("model_id")
    if not source.has("is_root_observation") and source.has("parent_observation_id"):
        out["is_root_observation"] = f"({source.raw('parent_observation_id')} IS NULL)"
    if source.has("usage_details"):
        usage = _as_map("usage_details", source, "UBIGINT")
        out["usage_details"] = f"to_json({usage})"
        out["input_usage"] = f"CAST(coalesce({_sum_of(usage, 'input')}, 0) AS BIGINT)"
        out["output_usage"] = f"CAST(coalesce({_sum_of(usage, 'output')}, 0) AS BIGINT)"
        out["total_usage"] = f"CAST(coalesce({usage}['total'], 0) AS BIGINT)"
    if source.has("cost_details"):
        costs = _as_map("cost_details", source, "DECIMAL(18, 12)")
        out["cost_details"] = f"to_json({costs})"
        for column, prefix in (("input_cost", "input"), ("output_cost", "output")):
            out[column] = f"CAST({_sum_of(costs, prefix)} AS DOUBLE)"  # null when no such key, as the API
        total = f"CAST({_typed('total_cost', source, 'double')} AS DOUBLE)" if source.has("total_cost") else "NULL"
        out["total_cost"] = f"coalesce({total}, CAST({costs}['total'] AS DOUBLE), 0.0)"
    for column in ("latency", "time_to_first_token"):
        if source.has(column):
            out[column] = f"CAST({source.raw(column)} AS DOUBLE) / {latency_divisor}"
    return out


def _score_extras(source: SourceColumns) -> dict[str, str]:
    """One typed column per kind of value, and the subject, as the API path shapes /v3/scores."""
    value = f"CAST({source.raw('value')} AS DOUBLE)" if source.has("value") else "NULL"
    string_value = source.raw("string_value") if source.has("string_value") else "CAST(NULL AS VARCHAR)"
    data_type = source.raw("data_type")
    column = {name: source.raw(name) if source.has(name) else "CAST(NULL AS VARCHAR)"
              for name in ("observation_id", "trace_id", "session_id", "dataset_run_id")}
    kind = (f"CASE WHEN {column['observation_id']} IS NOT NULL THEN 'observation' "
            f"WHEN {column['trace_id']} IS NOT NULL THEN 'trace' "
            f"WHEN {column['session_id']} IS NOT NULL THEN 'session' "
            f"WHEN {column['dataset_run_id']} IS NOT NULL THEN 'experiment' END")
    return {
        "value_numeric": f"CASE WHEN {data_type} IN ('NUMERIC', 'BOOLEAN') THEN {value} END",
        "value_boolean": f"CASE WHEN {data_type} = 'BOOLEAN' THEN {value} = 1 END",
        "value_string": (f"CASE WHEN {data_type} = 'BOOLEAN' THEN coalesce({string_value}, "
                         f"CASE WHEN {value} = 1 THEN 'True' ELSE 'False' END) ELSE {string_value} END"),
        "subject_kind": kind,
        "subject_id": f"coalesce({column['observation_id']}, {column['trace_id']}, {column['session_id']}, "
                      f"{column['dataset_run_id']})",
        "experiment_id": column["dataset_run_id"],
    }


def is_integer_type(duckdb_type: str) -> bool:
    return duckdb_type in _INTEGER_TYPES
