"""One API page → one Arrow table, column by column (never row by row into dlt's normaliser)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
import pyarrow as pa

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SNAKE_CACHE: dict[str, str] = {}

ARROW_TYPES: dict[str, pa.DataType] = {
    "timestamp": pa.timestamp("us", tz="UTC"),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "bool": pa.bool_(),
    "json": pa.string(),
    "text": pa.string(),
}


def snake_case(name: str) -> str:
    cached = _SNAKE_CACHE.get(name)
    if cached is None:
        cached = _SNAKE_CACHE[name] = _CAMEL_BOUNDARY.sub("_", name).lower()
    return cached


def snake_case_keys(row: Mapping[str, Any]) -> dict[str, Any]:
    return {snake_case(key): value for key, value in row.items()}


def _json_text(values: Iterable[Any]) -> list[str | None]:
    return [None if v is None else orjson.dumps(v).decode() for v in values]


def _column(values: list[Any], data_type: str) -> pa.Array:
    if data_type == "json":
        return pa.array(_json_text(values), pa.string())
    if data_type == "timestamp":
        return pa.array(values, pa.string()).cast(ARROW_TYPES["timestamp"])
    if data_type == "bigint":
        return pa.array([None if v is None else int(v) for v in values], pa.int64())
    if data_type == "double":
        return pa.array([None if v is None else float(v) for v in values], pa.float64())
    if data_type == "bool":
        return pa.array([None if v is None else bool(v) for v in values], pa.bool_())
    if all(v is None or isinstance(v, str) for v in values):
        return pa.array(values, pa.string())
    # A text column that received numbers or objects: keep the value, as its JSON text.
    return pa.array([v if v is None or isinstance(v, str) else orjson.dumps(v).decode() for v in values])


def infer_type(values: Iterable[Any]) -> str | None:
    """A column no declaration names (a field Langfuse added): text if it is text, else JSON.

    Decided by the first value present; a page whose later values disagree falls back to the
    value-by-value path, which keeps them as their JSON text.
    """
    for value in values:
        if value is not None:
            return "text" if isinstance(value, str) else "json"
    return None  # nothing to type it by: dlt adds the column when a value arrives


_WIRE_TYPES: dict[str, pa.DataType] = {**ARROW_TYPES, "timestamp": pa.string()}


def rows_to_table(rows: list[dict[str, Any]], declared: Mapping[str, str]) -> tuple[pa.Table, dict[str, str]]:
    """Build the page's table; returns it with the types of the undeclared columns it found.

    Rows may carry the API's camelCase keys: columns are named in snake_case here, once per page
    rather than once per row. Arrow converts the rows in C; JSON values are serialised first, in
    place, and timestamps are parsed from their ISO text by a vectorised cast.
    """
    keys: dict[str, None] = {}
    for row in rows:
        keys.update(dict.fromkeys(row))
    by_column = {snake_case(key): key for key in keys}
    types: dict[str, str] = {}
    discovered: dict[str, str] = {}
    for name, key in by_column.items():
        data_type = declared.get(name)
        if data_type is None:
            data_type = infer_type(row.get(key) for row in rows)
            if data_type is None:
                continue
            discovered[name] = data_type
        types[name] = data_type
    json_keys = [by_column[n] for n, t in types.items() if t == "json"]
    text_keys = [by_column[n] for n, t in types.items() if t == "text" and n in discovered]
    number_keys = [by_column[n] for n, t in types.items() if t == "double"]
    for row in rows:
        for key in number_keys:  # Langfuse serialises some decimals (prices) as strings
            value = row.get(key)
            if isinstance(value, str):
                try:
                    row[key] = float(value)
                except ValueError:
                    raise ValueError(f"column {snake_case(key)!r} does not hold double values: {value[:50]!r}") from None
        for key in json_keys:
            value = row.get(key)
            if value is not None:
                row[key] = orjson.dumps(value).decode()
        for key in text_keys:  # a text column that received numbers or objects keeps their JSON text
            value = row.get(key)
            if value is not None and not isinstance(value, str):
                row[key] = orjson.dumps(value).decode()
    try:
        schema = pa.schema([(by_column[name], _WIRE_TYPES[t]) for name, t in types.items()])
        table = pa.Table.from_batches([pa.RecordBatch.from_pylist(rows, schema=schema)])
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        table = _rows_to_table_by_column(rows, by_column, types)
    else:
        table = table.rename_columns(list(types))
        for name, data_type in types.items():
            if data_type == "timestamp":
                table = _cast_column(table, name, ARROW_TYPES["timestamp"])
    for name, data_type in declared.items():
        if name not in types:
            table = table.append_column(name, pa.nulls(table.num_rows, ARROW_TYPES[data_type]))
    return table, discovered


def _cast_column(table: pa.Table, name: str, target: pa.DataType) -> pa.Table:
    index = table.column_names.index(name)
    try:
        return table.set_column(index, name, table[name].cast(target))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        raise ValueError(f"column {name!r} does not hold {target} values: {error}") from error


def _rows_to_table_by_column(rows: list[dict[str, Any]], by_column: Mapping[str, str],
                             types: Mapping[str, str]) -> pa.Table:
    """The slow, forgiving path for a page Arrow rejects: converts value by value, naming the culprit."""
    arrays: list[pa.Array] = []
    for name, data_type in types.items():
        values = [row.get(by_column[name]) for row in rows]
        if data_type == "json":  # already serialised in place
            data_type = "text"
        try:
            arrays.append(_column(values, data_type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as error:
            raise ValueError(f"column {name!r} does not hold {data_type} values: {error}") from error
    return pa.Table.from_arrays(arrays, names=list(types))
